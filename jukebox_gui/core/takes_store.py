"""Every take is kept as it is made: MIDI + record on disk, per session, listed after a restart.

Layout under ``data_dir()/takes`` (or any root)::

    sessions/20261202-051400-4242/      one window sitting (a session)
        session.json                    {"created", "last_used", "open"}
        take-0001.mid                   the take's MIDI, written atomically
        take-0001.json                  its record: name, starred, created, settings, model,
                                        report, tokens, midi file name, size and sha256

A take exists once its record exists: the MIDI is written first (atomically), the record second
(atomically), so a crash at any moment leaves either a complete take or none (at most an orphan
MIDI or a temp file, which listing ignores and ``clean`` removes). Star and rename rewrite the
record atomically; delete removes the record first. Nothing is ever pruned unless ``prune`` is
called (the window calls it only when the user set it up) and a session with a starred take is
never pruned. Files are written by ``core.fileio`` (fsync'ed); every error is a JukeboxError.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ExportError, JukeboxError
from .fileio import atomic_write_bytes, atomic_write_json

RECORD_VERSION = 1
_TAKE = re.compile(r"^take-(\d{4,})\.(json|mid)$")


class TakesError(JukeboxError):
    """A stored take or session could not be found, read or changed."""


@dataclass
class StoredTake:
    session: str
    number: int
    folder: Path
    record: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.session}/{self.number:04d}"

    @property
    def midi_path(self) -> Path:
        return self.folder / self.record.get("midi", f"take-{self.number:04d}.mid")

    @property
    def record_path(self) -> Path:
        return self.folder / f"take-{self.number:04d}.json"

    @property
    def name(self) -> str:
        return str(self.record.get("name") or f"Take {self.number}")

    @property
    def starred(self) -> bool:
        return bool(self.record.get("starred"))

    @property
    def report(self) -> dict[str, Any]:
        report = self.record.get("report")
        return report if isinstance(report, dict) else {}

    @property
    def settings(self) -> dict[str, Any]:
        settings = self.record.get("settings")
        return settings if isinstance(settings, dict) else {}

    @property
    def model(self) -> str:
        return str(self.record.get("model") or "")

    @property
    def tokens(self) -> list[int]:
        tokens = self.record.get("tokens")
        return [int(t) for t in tokens] if isinstance(tokens, list) else []

    @property
    def size_bytes(self) -> int:
        return int(self.record.get("size", 0))

    def load_score(self) -> Any:
        """The take's Score, read back from its MIDI (a file this program wrote)."""
        from .music.midi_io import read_midi_bytes

        return read_midi_bytes(self.read_midi_bytes(), title=self.name)

    def read_midi_bytes(self) -> bytes:
        """The MIDI bytes, checked against the record's size and sha256."""
        try:
            data = self.midi_path.read_bytes()
        except OSError as exc:
            raise TakesError(f"the take {self.name} lost its MIDI file {self.midi_path}: {exc.strerror or exc}") from exc
        if len(data) != self.size_bytes or hashlib.sha256(data).hexdigest() != self.record.get("sha256"):
            raise TakesError(f"the take {self.name}'s MIDI file {self.midi_path} was changed or damaged")
        return data


@dataclass
class SessionInfo:
    id: str
    folder: Path
    created: float
    last_used: float
    open: bool  # still marked open: the window using it crashed, or still runs
    takes: int = 0
    starred: int = 0
    size_bytes: int = 0
    damaged: list[str] = field(default_factory=list)  # record files that could not be read


class TakesStore:
    """The takes of every session under ``root`` (default: the user data folder's ``takes``)."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        if root is None:
            from .paths import data_dir

            root = data_dir() / "takes"
        self.root = Path(root)
        self.sessions_dir = self.root / "sessions"
        self._lock = threading.Lock()

    # ---- sessions ----------------------------------------------------------------------------
    def new_session(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        base = time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + f"-{os.getpid()}"
        with self._lock:
            try:
                self.sessions_dir.mkdir(parents=True, exist_ok=True)
                name, n = base, 1
                while True:
                    try:
                        (self.sessions_dir / name).mkdir()
                        break
                    except FileExistsError:
                        n += 1
                        name = f"{base}-{n}"
            except OSError as exc:
                raise ExportError(f"cannot create a takes folder in {self.sessions_dir}: {exc.strerror or exc}") from exc
            atomic_write_json(self.sessions_dir / name / "session.json",
                              {"created": now, "last_used": now, "open": True})
        return name

    def resume_or_new(self, max_idle_hours: float = 12.0, now: float | None = None) -> str:
        """The most recent session if it was used within ``max_idle_hours``, else a new one; it is
        marked open (``close_session`` marks a clean end)."""
        now = time.time() if now is None else now
        for info in self.sessions():
            if now - info.last_used <= max_idle_hours * 3600:
                self._touch(info.id, now, open_=True)
                return info.id
            break
        return self.new_session(now)

    def close_session(self, session: str) -> None:
        """Mark a clean end of the session (a window closing normally)."""
        self._touch(session, time.time(), open_=False)

    def _touch(self, session: str, now: float, open_: bool | None = None, last_take: int | None = None) -> None:
        meta = self._session_meta(self._folder(session))
        meta["last_used"] = now
        if open_ is not None:
            meta["open"] = open_
        if last_take is not None:
            meta["last_take"] = max(int(meta.get("last_take", 0) or 0), last_take)
        atomic_write_json(self._folder(session) / "session.json", meta)

    def sessions(self) -> list[SessionInfo]:
        """Every session, most recently used first."""
        try:
            folders = [p for p in self.sessions_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise TakesError(f"cannot list the takes folder {self.sessions_dir}: {exc.strerror or exc}") from exc
        infos = []
        for folder in folders:
            meta = self._session_meta(folder)
            takes, damaged = self._scan(folder)
            size = 0
            for entry in folder.iterdir():
                try:
                    size += entry.stat().st_size
                except OSError:
                    pass
            infos.append(SessionInfo(folder.name, folder, float(meta.get("created", 0.0)),
                                     float(meta.get("last_used", meta.get("created", 0.0))),
                                     bool(meta.get("open", False)), len(takes),
                                     sum(1 for t in takes if t.starred), size, damaged))
        infos.sort(key=lambda s: (s.last_used, s.id), reverse=True)
        return infos

    def last_session(self) -> SessionInfo | None:
        found = self.sessions()
        return found[0] if found else None

    @staticmethod
    def _session_meta(folder: Path) -> dict[str, Any]:
        try:
            meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = None
        if not isinstance(meta, dict):  # lost or damaged: the folder's time stands in
            try:
                stamp = folder.stat().st_mtime
            except OSError:
                stamp = 0.0
            meta = {"created": stamp, "last_used": stamp, "open": False}
        return meta

    def _folder(self, session: str) -> Path:
        if not session or "/" in session or session.startswith("."):
            raise TakesError(f"not a session name: {session!r}")
        folder = self.sessions_dir / session
        if not folder.is_dir():
            raise TakesError(f"no takes session {session!r} in {self.sessions_dir}")
        return folder

    # ---- takes -------------------------------------------------------------------------------
    def takes(self, session: str) -> list[StoredTake]:
        """The complete takes of ``session``, oldest first."""
        return self._scan(self._folder(session))[0]

    def _scan(self, folder: Path) -> tuple[list[StoredTake], list[str]]:
        takes, damaged = [], []
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return [], []
        present = set(names)
        for name in names:
            match = _TAKE.match(name)
            if not match or match.group(2) != "json":
                continue
            try:
                record = json.loads((folder / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                damaged.append(name)
                continue
            if not isinstance(record, dict) or record.get("midi") not in present:
                damaged.append(name)
                continue
            takes.append(StoredTake(folder.name, int(match.group(1)), folder, record))
        return takes, damaged

    def add_take(self, session: str, take: Any = None, *, score: Any = None, report: dict | None = None,
                 tokens: list[int] | None = None, settings: dict | None = None, model: str = "",
                 name: str = "", now: float | None = None) -> StoredTake:
        """Keep a take (a ``generation.Take``, or ``score`` + ``report``): MIDI first, record last.
        ``now`` (default: the clock) is the take's time and the session's last use."""
        from .music.midi_io import midi_bytes

        if take is not None:
            score = take.score if score is None else score
            report = getattr(take, "report", None) if report is None else report
            tokens = getattr(take, "tokens", None) if tokens is None else tokens
        if score is None:
            raise TakesError("a take needs a score")
        data = midi_bytes(score)
        folder = self._folder(session)
        with self._lock:
            # a deleted take's number is never given again (a saved selection cannot point elsewhere)
            try:
                last = int(self._session_meta(folder).get("last_take", 0) or 0)
            except (TypeError, ValueError):
                last = 0
            number = 1 + max([last] + [int(m.group(1)) for m in map(_TAKE.match, os.listdir(folder)) if m])
            midi_name = f"take-{number:04d}.mid"
            atomic_write_bytes(folder / midi_name, data)
            record = {
                "version": RECORD_VERSION,
                "name": name or f"Take {number}",
                "starred": False,
                "created": time.time() if now is None else now,
                "midi": midi_name,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "settings": dict(settings or {}),
                "model": str(model),
                "report": report or {},
                "tokens": [int(t) for t in (tokens or [])],
            }
            atomic_write_json(folder / f"take-{number:04d}.json", record)
            self._touch(session, record["created"], last_take=number)  # a session in use does not age
        return StoredTake(session, number, folder, record)

    def get(self, take_id: str) -> StoredTake:
        session, _, number = take_id.partition("/")
        for take in self.takes(session):
            if f"{take.number:04d}" == number or str(take.number) == number:
                return take
        raise TakesError(f"no take {take_id!r}")

    def star(self, take: StoredTake | str, starred: bool = True) -> StoredTake:
        return self._update(take, starred=bool(starred))

    def rename(self, take: StoredTake | str, name: str) -> StoredTake:
        name = " ".join(str(name).split())
        if not name:
            raise TakesError("a take's name cannot be empty")
        return self._update(take, name=name[:200])

    def _update(self, take: StoredTake | str, **changes: Any) -> StoredTake:
        take = self.get(take) if isinstance(take, str) else take
        with self._lock:
            fresh = self.get(take.id)  # the record on disk, not a stale copy
            record = {**fresh.record, **changes}
            atomic_write_json(fresh.record_path, record)
        return StoredTake(fresh.session, fresh.number, fresh.folder, record)

    def delete(self, take: StoredTake | str) -> None:
        """Remove a take: its record first (it stops existing), then its MIDI."""
        take = self.get(take) if isinstance(take, str) else take
        with self._lock:
            for path in (take.record_path, take.midi_path):
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise TakesError(f"cannot delete {path}: {exc.strerror or exc}") from exc

    # ---- disk use and pruning ----------------------------------------------------------------
    def disk_usage(self) -> int:
        """Bytes used by every session."""
        return sum(self.usage().values())

    def usage(self) -> dict[str, int]:
        """Bytes on disk per session (file sizes only: no record is read, so it stays cheap with
        thousands of takes)."""
        found: dict[str, int] = {}
        try:
            folders = [e for e in os.scandir(self.sessions_dir) if e.is_dir() and not e.name.startswith(".")]
        except FileNotFoundError:
            return found
        except OSError as exc:
            raise TakesError(f"cannot list the takes folder {self.sessions_dir}: {exc.strerror or exc}") from exc
        for folder in folders:
            total = 0
            try:
                with os.scandir(folder.path) as entries:
                    for entry in entries:
                        try:
                            total += entry.stat().st_size
                        except OSError:
                            pass
            except OSError:
                pass
            found[folder.name] = total
        return found

    def prune(self, older_than_days: float, *, keep_sessions: int = 3, keep: tuple[str, ...] = (),
              dry_run: bool = False, now: float | None = None) -> list[SessionInfo]:
        """Delete sessions last used more than ``older_than_days`` ago that hold no starred take,
        sparing the ``keep_sessions`` most recent ones and those in ``keep`` (the current one).
        Returns what was (or, with ``dry_run``, would be) deleted. Only ever runs when called."""
        now = time.time() if now is None else now
        if older_than_days < 0:
            raise TakesError("older_than_days must be 0 or more")
        doomed = [s for i, s in enumerate(self.sessions())
                  if i >= keep_sessions and s.id not in keep and not s.starred
                  and now - s.last_used > older_than_days * 86400]
        if not dry_run:
            for info in doomed:
                shutil.rmtree(info.folder, ignore_errors=True)
        return doomed

    def clean(self, session: str) -> list[str]:
        """Remove what a crash can leave in a session folder: temp files and MIDI without a record.
        Call it when no other process writes to the session (at start-up, before resuming it)."""
        folder = self._folder(session)
        removed = []
        with self._lock:
            names = set(os.listdir(folder))
            for name in sorted(names):
                match = _TAKE.match(name)
                orphan = match and match.group(2) == "mid" and f"take-{match.group(1)}.json" not in names
                if orphan or (name.startswith(".") and name.endswith(".tmp")):
                    try:
                        (folder / name).unlink()
                        removed.append(name)
                    except OSError:
                        pass
        return removed
