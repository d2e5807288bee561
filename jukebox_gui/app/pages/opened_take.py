"""A MIDI file opened as a take on the Generate page (File > Open…, drag and drop, ``jukebox-gui
song.mid``): read in a worker by ``core.opened_takes`` (the parse itself in a worker process),
kept in the takes store like a generated take, listed under its file name, then shown in the
piano roll, rendered, played, exported, regenerated in part or continued as a primer like any take.

Only the Generate page's public API is used (``add_take``, ``TakeEntry``, ``store``, ``session``,
``jobs``, ``takes``). A row knows from its settings that it was opened (``TakeEntry.opened``), so
takes restored after a restart keep their label.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable

from PySide6.QtCore import QObject, Signal

from ...core.ml.generation import Take
from ...core.opened_takes import OpenedFile
from ..workers import Worker
from .generate_page import GeneratePage, TakeEntry

log = logging.getLogger("jukebox.app.open")


def open_files_worker(paths: list[Path], store: Any, session: str | None) -> Worker:
    """Read each file in a parser process and keep it in ``store``: finished(list[OpenedFile])."""

    def job(progress, cancel):
        from ...core.opened_takes import open_midi_files

        return open_midi_files(paths, store, session, progress=progress, cancel=cancel)

    return Worker("open-midi", job)


class TakeOpener(QObject):
    """Opens MIDI files as takes of ``page``, one worker per batch of files."""

    opened = Signal(list)  # the TakeEntry rows added, in order
    problems = Signal(list)  # one line per file that could not be opened (or kept on disk)

    def __init__(self, page: GeneratePage) -> None:
        super().__init__(page)
        self.page = page
        self.workers: list[Worker] = []

    def busy(self) -> bool:
        return any(w.is_running() for w in self.workers)

    def open_files(self, paths: Iterable[str | Path]) -> Worker | None:
        """Start reading ``paths`` (MIDI files) in a worker; None when there is nothing to open."""
        paths = [Path(p) for p in paths]
        if not paths:
            return None
        worker = open_files_worker(paths, self.page.store, self.page.session)
        worker.finished.connect(self._opened)
        worker.failed.connect(lambda message: self.problems.emit([message]))
        worker.cancelled.connect(lambda: self.page.status.emit("Opening cancelled"))
        worker.stopped.connect(lambda w=worker: self.workers.remove(w) if w in self.workers else None)
        self.workers.append(worker)
        names = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
        self.page.status.emit(f"Opening {names}…")
        return self.page.jobs.start(worker)

    def _opened(self, results: list[OpenedFile]) -> None:
        added, problems = [], []
        for result in results:
            if not result.ok:
                problems.append(result.error)
                continue
            entry = self._entry(result)
            if result.not_kept:
                log.warning("%s was opened but not kept on disk: %s", result.path, result.not_kept)
                problems.append(f"{result.path.name} is shown but could not be kept on disk "
                                f"(export it to keep it): {result.not_kept}")
            self.page.add_take(entry)  # appends and selects it: piano roll, report, transport
            added.append(entry)
        if added:
            names = ", ".join(e.name for e in added[:3]) + (" …" if len(added) > 3 else "")
            self.page.status.emit(f"Opened {names}: press Render audio to listen")
            self.opened.emit(added)
        if problems:
            self.problems.emit(problems)

    def _entry(self, result: OpenedFile) -> TakeEntry:
        from ...core.opened_takes import opened_settings

        stored = result.stored
        number = stored.number if stored is not None else max((t.number for t in self.page.takes), default=0) + 1
        entry = TakeEntry(number, Take(score=result.score, tokens=[], report=result.report or {}),
                                opened_settings(result.path), "")
        entry.stored = stored
        entry.title = result.path.name
        return entry


def primer_path(entry: Any) -> str | None:
    """The MIDI file a take can be continued from: its copy in the takes store, else the file it
    was opened from (None when there is neither)."""
    if entry is None:
        return None
    stored = getattr(entry, "stored", None)
    if stored is not None:
        return str(stored.midi_path)
    source = (getattr(entry, "settings", None) or {}).get("source")
    return str(source) if source else None
