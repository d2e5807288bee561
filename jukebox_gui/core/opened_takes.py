"""Open a user's MIDI file as a take: the window's File > Open, drag and drop, and
``jukebox-gui song.mid`` all come here.

The file is parsed by ``music.safe_read.read_midi_isolated`` (a worker process with a time limit:
a hostile file cannot take this process down) and kept in the takes store like a generated take,
so it is listed again after a restart. The take is named by its file name and its report says
where it came from (``report["opened_from"]``). Qt-free: the window runs ``open_midi_files`` in a
worker thread.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .errors import JukeboxError
from .music.score import Score
from .progress import CancelToken, Progress, ProgressSink

MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".rmi", ".smf")
ORIGIN = "opened"  # ``settings["origin"]`` of a take that was opened, not generated


@dataclass
class OpenedFile:
    """One file given to ``open_midi_files``: its Score and report, or why it could not be read."""

    path: Path
    score: Score | None = None
    report: dict[str, Any] | None = None
    stored: Any = None  # the takes_store.StoredTake once kept on disk
    error: str = ""  # the file could not be read: nothing was kept
    not_kept: str = ""  # read, but the takes store refused it (the take is shown, not kept)

    @property
    def ok(self) -> bool:
        return self.score is not None and not self.error


def is_midi_name(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in MIDI_SUFFIXES


def sort_paths(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Path], list[Path]]:
    """(MIDI files, folders, anything else) among ``paths``, in the order given, duplicates dropped.
    A path that does not exist is "anything else" (the caller says so)."""
    files: list[Path] = []
    folders: list[Path] = []
    others: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            path = path.resolve()
        except OSError:
            pass
        if path in seen:
            continue
        seen.add(path)
        if path.is_dir():
            folders.append(path)
        elif path.is_file() and is_midi_name(path):
            files.append(path)
        else:
            others.append(path)
    return files, folders, others


def opened_settings(path: Path) -> dict[str, Any]:
    """A take's ``settings`` for an opened file (generated takes keep their generation settings)."""
    return {"origin": ORIGIN, "source": str(path)}


def opened_report(path: Path, score: Score, now: float | None = None) -> dict[str, Any]:
    """What the take's report says about where it came from."""
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(time.time() if now is None else now))
    instruments = sum(1 for t in score.tracks if t.notes)
    return {  # plain values read best in the take report's table ("opened from  /music/song.mid")
        "opened_from": str(path),
        "opened_at": stamp,
        "length": {"bars": len(score.bar_starts()), "notes": score.note_count,
                   "seconds": round(score.duration_seconds, 1), "tracks": instruments},
    }


def open_midi_file(path: str | os.PathLike, store: Any = None, session: str | None = None, *,
                   timeout_s: float | None = None) -> OpenedFile:
    """Read one MIDI file in a parser process and keep it in ``store`` (a TakesStore) under
    ``session``. Never raises for a bad file: the reason is in ``OpenedFile.error``."""
    from .music.safe_read import DEFAULT_TIMEOUT_S, read_midi_isolated

    path = Path(path)
    result = OpenedFile(path)
    try:
        score = read_midi_isolated(path, DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s)
    except JukeboxError as exc:
        result.error = str(exc)
        return result
    if score.note_count == 0:
        result.error = f"{path.name} has no notes to show or play (it is empty or damaged)"
        return result
    score.title = score.title or path.stem
    result.score, result.report = score, opened_report(path, score)
    if store is not None and session is not None:
        try:
            result.stored = store.add_take(session, score=score, report=result.report,
                                           settings=opened_settings(path), model="", name=path.name)
        except JukeboxError as exc:
            result.not_kept = str(exc)
    return result


def open_midi_files(paths: Iterable[str | os.PathLike], store: Any = None, session: str | None = None, *,
                    progress: ProgressSink | None = None, cancel: CancelToken | None = None,
                    timeout_s: float | None = None) -> list[OpenedFile]:
    """``open_midi_file`` for each path in turn (cancellable between files)."""
    paths = [Path(p) for p in paths]
    results = []
    for i, path in enumerate(paths):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if progress is not None:
            progress(Progress("open", i, len(paths), f"Opening {path.name}…"))
        results.append(open_midi_file(path, store, session, timeout_s=timeout_s))
    if progress is not None:
        progress(Progress("open", len(paths), len(paths)))
    return results
