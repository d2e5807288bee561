"""Scan a folder of MIDI files: which are usable, what they hold, and why the others are not.

``scan(source)`` walks the folder (``.mid .midi .kar .rmi`` in any case, symlinks followed
without loops), parses new or changed files in worker processes (``parser_pool``, ``file_facts``), reuses the
persistent cache for the rest (``cache``), marks duplicates by content hash and sums it all up
in a ``CorpusReport``. Nothing a file contains can raise out of ``scan``: every file gets a
status (ok / skipped / duplicate) and, when not ok, a reason a person can act on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..demo import resolve_source
from ..errors import CorpusError
from ..progress import CancelToken, Progress, ProgressSink
from .cache import ScanCache
from .file_facts import Limits, os_reason
from .parser_pool import run_pool, warm_up

MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".rmi")
_RECORD_KEYS = ("status", "reason", "tracks", "instruments", "notes", "duration_s", "tempo", "tempo_min",
                "tempo_max", "time_signature", "ticks_per_beat", "pitch_min", "pitch_max", "repairs", "size")


def display_path(path: str) -> str:
    """A printable form of a path whose bytes may not be UTF-8."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass
class FileRecord:
    path: str
    status: str = "skipped"  # ok | skipped | duplicate
    reason: str = ""
    tracks: int = 0
    instruments: list[int] = field(default_factory=list)  # GM programs, -1 = drums
    notes: int = 0
    duration_s: float = 0.0
    tempo: float = 0.0
    tempo_min: float = 0.0
    tempo_max: float = 0.0
    time_signature: str = ""
    ticks_per_beat: int = 0
    pitch_min: int = 0
    pitch_max: int = 0
    content_hash: str = ""
    size: int = 0
    repairs: list[str] = field(default_factory=list)
    repaired: bool = False  # usable MIDI lives in the cache, not at ``path``

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def display(self) -> str:
        return display_path(self.path)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["path"] = self.display
        return data


@dataclass
class CorpusStats:
    files: int = 0
    ok: int = 0
    skipped: int = 0
    duplicates: int = 0
    repaired: int = 0
    notes: int = 0
    total_duration_s: float = 0.0
    instruments: dict[int, int] = field(default_factory=dict)  # program (-1 drums) -> files
    pitch_min: int | None = None
    pitch_max: int | None = None
    tempo_min: float | None = None
    tempo_max: float | None = None

    @classmethod
    def from_records(cls, records: list[FileRecord]) -> "CorpusStats":
        stats = cls(files=len(records))
        for r in records:
            if r.status == "duplicate":
                stats.duplicates += 1
                continue
            if not r.ok:
                stats.skipped += 1
                continue
            stats.ok += 1
            stats.repaired += bool(r.repairs)
            stats.notes += r.notes
            stats.total_duration_s += r.duration_s
            for program in r.instruments:
                stats.instruments[program] = stats.instruments.get(program, 0) + 1
            stats.pitch_min = r.pitch_min if stats.pitch_min is None else min(stats.pitch_min, r.pitch_min)
            stats.pitch_max = r.pitch_max if stats.pitch_max is None else max(stats.pitch_max, r.pitch_max)
            stats.tempo_min = r.tempo_min if stats.tempo_min is None else min(stats.tempo_min, r.tempo_min)
            stats.tempo_max = r.tempo_max if stats.tempo_max is None else max(stats.tempo_max, r.tempo_max)
        stats.total_duration_s = round(stats.total_duration_s, 3)
        stats.instruments = dict(sorted(stats.instruments.items()))
        return stats

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["instruments"] = {str(k): v for k, v in self.instruments.items()}
        return data


@dataclass
class CorpusReport:
    source: str
    folder: str
    files: list[FileRecord]
    stats: CorpusStats
    parsed: int = 0  # files parsed in this scan (the rest came from the cache)
    cached: int = 0
    seconds: float = 0.0

    @property
    def ok_files(self) -> list[FileRecord]:
        return [r for r in self.files if r.ok]

    @property
    def skipped_files(self) -> list[FileRecord]:
        return [r for r in self.files if not r.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "folder": display_path(self.folder),
            "stats": self.stats.to_dict(),
            "parsed": self.parsed,
            "cached": self.cached,
            "seconds": round(self.seconds, 3),
            "files": [r.to_dict() for r in self.files],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def save(self, path: str | os.PathLike) -> None:
        from ..fileio import atomic_write_text

        atomic_write_text(path, self.to_json() + "\n")


# ---- walking -----------------------------------------------------------------------------------
def walk(folder: Path) -> tuple[list[tuple[str, os.stat_result]], list[FileRecord]]:
    """MIDI-named regular files under ``folder`` (with their stat) and records for odd entries."""
    found: list[tuple[str, os.stat_result]] = []
    odd: list[FileRecord] = []
    seen_dirs: set[tuple[int, int]] = set()
    stack = [str(folder)]
    while stack:
        current = stack.pop()
        try:
            st = os.stat(current)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                continue  # a symlink back into a folder already walked
            seen_dirs.add(key)
            with os.scandir(current) as entries:
                items = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            if current != str(folder):
                odd.append(FileRecord(current, reason=f"folder skipped: {os_reason(exc)}"))
                continue
            raise CorpusError(f"cannot read the folder {display_path(current)}: {exc.strerror or exc}") from exc
        subdirs = []
        for entry in items:
            is_midi_name = entry.name.lower().endswith(MIDI_SUFFIXES)
            try:
                est = entry.stat(follow_symlinks=True)
            except OSError as exc:
                if is_midi_name or entry.is_symlink():
                    odd.append(FileRecord(entry.path, reason=os_reason(exc) if not entry.is_symlink()
                                          else f"broken or looping symlink ({os_reason(exc)})"))
                continue
            if stat.S_ISDIR(est.st_mode):
                if (est.st_dev, est.st_ino) in seen_dirs:
                    if is_midi_name or entry.is_symlink():
                        odd.append(FileRecord(entry.path, reason="symlink loop (folder already scanned)"))
                    continue
                if is_midi_name:
                    odd.append(FileRecord(entry.path, reason="a folder named like a MIDI file (its contents were scanned)"))
                subdirs.append(entry.path)
            elif is_midi_name:
                if stat.S_ISREG(est.st_mode):
                    found.append((entry.path, est))
                else:
                    odd.append(FileRecord(entry.path, reason="not a regular file (device, pipe or socket)"))
        stack.extend(reversed(subdirs))
    return found, odd


def _limits_key(limits: Limits) -> str:
    blob = json.dumps(dataclasses.asdict(limits) | {"timeout_s": None}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


# ---- the scan ----------------------------------------------------------------------------------
def scan(
    source: str | os.PathLike,
    *,
    progress: ProgressSink | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    use_cache: bool = True,
    limits: Limits | None = None,
) -> CorpusReport:
    """Scan ``source`` (a folder or ``demo:NAME``, through ``core.demo.resolve_source``). Raises
    CorpusError only for the folder itself, Cancelled when ``cancel`` is set; every file problem
    becomes a record with a reason."""
    started = time.perf_counter()
    limits = limits or Limits()
    folder = resolve_source(source, cancel=cancel).resolve()
    emit = progress or (lambda _e: None)
    emit(Progress("scan", 0, 0, "listing files"))
    cache = ScanCache(_limits_key(limits))
    index = cache.folder_index(folder) if use_cache else {}
    if not index:  # a new folder: the parser processes start while the folder is walked
        warm_up()
    found, odd = walk(folder)
    records: dict[str, FileRecord] = {}
    todo: list[str] = []
    new_index: dict[str, list] = {}
    for path, st in found:
        rel = os.path.relpath(path, folder)
        hit = index.get(rel)
        cached = cache.get(hit[2]) if use_cache and hit and hit[:2] == [st.st_size, st.st_mtime_ns] else None
        if cached is not None:
            records[path] = _record(path, hit[2], cached)
            new_index[rel] = hit
        else:
            todo.append(path)
    total = len(found)
    done = len(records)
    emit(Progress("scan", done, total, f"{done} from the cache, {len(todo)} to read"))

    stats_by_path = {p: st for p, st in found}

    def on_result(i: int, result: dict[str, Any]) -> None:
        nonlocal done
        path = todo[i]
        content_hash = result.get("content_hash", "")
        repaired = result.pop("repaired_bytes", None)
        record = _record(path, content_hash, result)
        if repaired is not None and record.ok and use_cache:
            cache.put_repaired(content_hash, repaired)
        records[path] = record
        cacheable = content_hash and not result.get("reason", "").startswith(("took longer", "cannot read"))
        if cacheable:
            cache.put(content_hash, {k: result[k] for k in _RECORD_KEYS if k in result})
            st = stats_by_path[path]
            new_index[os.path.relpath(path, folder)] = [st.st_size, st.st_mtime_ns, content_hash]
        done += 1
        emit(Progress("scan", done, total, display_path(os.path.basename(path))))

    def should_stop() -> bool:
        if cancel is None:
            return False
        while cancel.paused and not cancel.cancelled:
            cancel.wait_if_paused(0.2)
        return cancel.cancelled

    run_pool(todo, on_result, workers=workers or max(1, min(4, os.cpu_count() or 1)), limits=limits,
             should_stop=should_stop)
    if cancel is not None:
        cancel.raise_if_cancelled()
    if use_cache:
        cache.flush()
        cache.save_folder_index(folder, new_index)

    files = sorted(records.values(), key=lambda r: r.path) + odd
    _mark_duplicates(files)
    files.sort(key=lambda r: r.path)
    report = CorpusReport(
        source=os.fspath(source), folder=str(folder), files=files, stats=CorpusStats.from_records(files),
        parsed=len(todo), cached=total - len(todo), seconds=time.perf_counter() - started,
    )
    emit(Progress("scan", total, total, f"{report.stats.ok} usable, {report.stats.skipped} skipped"))
    return report


def _record(path: str, content_hash: str, facts: dict[str, Any]) -> FileRecord:
    fields = {k: facts[k] for k in _RECORD_KEYS if k in facts}
    record = FileRecord(path=path, content_hash=content_hash, **fields)
    record.repaired = bool(record.repairs)
    if record.status not in ("ok", "skipped"):
        record.status = "skipped"
    if record.status == "skipped" and not record.reason:
        record.reason = "unusable (no reason given)"
    return record


def _mark_duplicates(files: list[FileRecord]) -> None:
    first: dict[str, FileRecord] = {}
    for record in sorted(files, key=lambda r: r.path):
        if not record.ok or not record.content_hash:
            continue
        original = first.setdefault(record.content_hash, record)
        if original is not record:
            record.status = "duplicate"
            record.reason = f"same content as {os.path.basename(original.display)}"
