"""Persistent scan and token caches under ``paths.cache_dir()``: JSON and ``.npy``, never pickle.

Layout (all safe to delete)::

    scan-v2-<limits>/folders/<sha of folder>.json   relative path -> [size, mtime_ns, content hash]
    scan-v2-<limits>/records/<h>.json               content hash -> per-file facts (16 shards)
    scan-v2-<limits>/repaired/<hash>.mid            usable MIDI for files that needed repair
    tokens/<fingerprint[:16]>/<hh>/<hash>.npy       int32 token ids per file and tokenizer

Folder indexes, records and token files are replaced atomically but not fsynced: after a power
cut one may be missing or empty, and an unreadable one counts as absent (the files are parsed
again). Repaired MIDI stays durable (fsynced): it is the only usable copy of a broken file.

Reopening a folder stats its files and reads two or three small JSON files per hundred files:
a file whose size and mtime are unchanged is not read again; a changed one is re-hashed and
re-parsed, alone. Records are keyed by content hash, so a copy of a file elsewhere is free too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from .. import paths
from ..errors import JukeboxError
from ..fileio import atomic_write_bytes, atomic_write_text, atomic_writer

log = logging.getLogger(__name__)
SCAN_VERSION = 2


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable cache file %s: %s", path, exc)
        return None


def _write_json(path: Path, obj: Any) -> None:
    try:  # not durable (no fsync): a cache file lost to a power cut only means a rescan
        atomic_write_text(path, json.dumps(obj, separators=(",", ":"), sort_keys=True), durable=False)
    except JukeboxError as exc:  # a cache that cannot be written is not an error for the user
        log.warning("cache not written: %s", exc)


class ScanCache:
    """Folder indexes and per-content records of scans made with the same limits."""

    def __init__(self, limits_key: str, root: Path | None = None) -> None:
        base = root or paths.cache_dir()
        self.root = base / f"scan-v{SCAN_VERSION}-{limits_key}"
        self._shards: dict[str, dict[str, Any]] = {}
        self._dirty: set[str] = set()

    # -- folder index --------------------------------------------------------------------
    def _folder_file(self, folder: Path) -> Path:
        key = hashlib.sha256(str(folder).encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return self.root / "folders" / f"{key}.json"

    def folder_index(self, folder: Path) -> dict[str, list]:
        data = _read_json(self._folder_file(folder))
        return data.get("files", {}) if isinstance(data, dict) else {}

    def save_folder_index(self, folder: Path, files: dict[str, list]) -> None:
        _write_json(self._folder_file(folder), {"folder": str(folder).encode("utf-8", "surrogateescape")
                                                .decode("utf-8", "replace"), "files": files})

    # -- records by content hash -------------------------------------------------------------
    def _shard(self, content_hash: str) -> dict[str, Any]:
        key = content_hash[:1]
        if key not in self._shards:
            data = _read_json(self.root / "records" / f"{key}.json")
            self._shards[key] = data if isinstance(data, dict) else {}
        return self._shards[key]

    def get(self, content_hash: str) -> dict[str, Any] | None:
        record = self._shard(content_hash).get(content_hash)
        return record if isinstance(record, dict) else None

    def put(self, content_hash: str, record: dict[str, Any]) -> None:
        self._shard(content_hash)[content_hash] = record
        self._dirty.add(content_hash[:1])

    def flush(self) -> None:
        """Write the changed shards."""
        for key in sorted(self._dirty):
            _write_json(self.root / "records" / f"{key}.json", self._shards[key])
        self._dirty.clear()

    # -- repaired MIDI -------------------------------------------------------------------------
    def repaired_path(self, content_hash: str) -> Path:
        return self.root / "repaired" / f"{content_hash}.mid"

    def put_repaired(self, content_hash: str, data: bytes) -> None:
        try:
            atomic_write_bytes(self.repaired_path(content_hash), data)
        except JukeboxError as exc:
            log.warning("repaired MIDI not cached: %s", exc)


class TokenCache:
    """Token ids per (content hash, tokenizer fingerprint) as ``.npy`` (loaded without pickle)."""

    def __init__(self, fingerprint: str, root: Path | None = None) -> None:
        self.root = (root or paths.cache_dir()) / "tokens" / fingerprint[:16]

    def path(self, content_hash: str) -> Path:
        return self.root / content_hash[:2] / f"{content_hash}.npy"

    def load(self, content_hash: str, *, mmap: bool = False) -> np.ndarray | None:
        path = self.path(content_hash)
        if not path.exists():
            return None
        try:
            arr = np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
        except (OSError, ValueError) as exc:
            log.warning("ignoring damaged token cache %s: %s", path, exc)
            return None
        if arr.dtype != np.int32 or arr.ndim != 1:
            return None
        return arr

    def save(self, content_hash: str, ids: np.ndarray) -> Path:
        path = self.path(content_hash)
        with contextlib.suppress(JukeboxError):
            with atomic_writer(path, "wb", durable=False) as handle:  # a lost file is recomputed
                np.save(handle, np.asarray(ids, dtype=np.int32), allow_pickle=False)
        return path
