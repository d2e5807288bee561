"""The Generate page's sound: render a take (one stem per track), play it through the live mixer,
keep a few renders in memory, export the take (MIDI, MusicXML, WAV, MuseScore) and its stems.

``TakeAudio`` is owned by the page and works through the page's widgets (transport, tracks panel,
piano roll, progress bar). Rendering and writing files run in workers; the GUI thread only
swaps arrays and gains. Renders made with another SoundFont are dropped by ``forget``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from ...core.audio.wav import SAMPLE_RATE
from ..mix_player import MixPlayer
from ..workers import Worker, export_worker
from ..workers.takes import stems_worker, write_stems_worker

if TYPE_CHECKING:
    from .generate_page import GeneratePage
    from .take_entry import TakeEntry

log = logging.getLogger("jukebox.app.generate")

EXPORTS = {  # kind: (button text, file filter, suffix)
    "midi": ("MIDI…", "MIDI files (*.mid)", ".mid"),
    "musicxml": ("MusicXML…", "MusicXML files (*.musicxml)", ".musicxml"),
    "wav": ("WAV…", "WAV audio (*.wav)", ".wav"),
    "musescore": ("Open in MuseScore", "", ".mid"),
}

AUDIO_KEPT = 4  # rendered takes whose audio stays in memory; older ones render again when asked,
# so a long session does not grow by every take's audio (issue 22)
AUDIO_BUDGET = 768 * 2**20  # ... and at most this many bytes of audio (stems + mix), the newest always kept


def audio_bytes(take: "TakeEntry") -> int:
    total = int(getattr(take.audio, "nbytes", 0))
    if take.stems is not None:
        total += sum(int(s.audio.nbytes) for s in take.stems.stems)
    return total


class TakeAudio(QObject):
    def __init__(self, page: "GeneratePage") -> None:
        super().__init__(page)
        self.page = page
        self.player = MixPlayer(page)
        self.order: list[TakeEntry] = []  # rendered takes holding audio, oldest first
        self.render_job: Worker | None = None
        self.export_jobs: list[Worker] = []
        self._epoch = 0  # bumped by forget(): a render started before it is stale when it lands

    # ---- rendering ---------------------------------------------------------------------------
    def render(self) -> Worker | None:
        page = self.page
        take = page.current_take()
        if take is None or self.rendering():
            return None
        worker = stems_worker(take.score, page.soundfont())
        worker.progress.connect(page._on_progress)
        worker.finished.connect(lambda result, t=take, e=self._epoch: self.on_rendered(t, result, e))
        worker.failed.connect(lambda message: page._failed("Rendering failed", message))
        worker.cancelled.connect(lambda: page._job_done("Rendering cancelled"))
        page.progress.setRange(0, 0)
        self.render_job = page.jobs.start(worker)
        tracks = len(take.score.tracks)
        page.status.emit(f"Rendering audio ({tracks} tracks, one pass each)…" if tracks > 1 else "Rendering audio…")
        page._update_buttons()
        return self.render_job

    def rendering(self) -> bool:
        return self.render_job is not None and self.render_job.is_running()

    def on_rendered(self, take: "TakeEntry", result: Any, epoch: int | None = None) -> None:
        """``result``: ``(StemRender, mix)`` from the stems worker, or a plain mix array."""
        page = self.page
        if epoch is not None and epoch != self._epoch:
            page._job_done("Rendered with the previous SoundFont: press Render audio again")
            return
        if isinstance(result, tuple):
            take.stems, take.audio = result
        else:
            take.stems, take.audio = None, np.asarray(result)
        self._remember(take)
        page._job_done(f"Rendered take {take.number}: {len(take.audio) / SAMPLE_RATE:.1f} s of audio"
                       + (f", {len(take.stems.stems)} tracks" if take.stems is not None and len(take.stems.stems) > 1
                          else ""))
        if take is page.current_take():
            self.show(take)
        page.rendered.emit(take)

    def _remember(self, take: "TakeEntry") -> None:
        self.order = [t for t in self.order if t is not take and t.audio is not None]
        self.order.append(take)
        kept, total = [], 0
        for t in reversed(self.order):  # newest first: keep while within both limits
            size = audio_bytes(t)
            if kept and (len(kept) >= AUDIO_KEPT or total + size > AUDIO_BUDGET):
                t.audio = t.stems = None  # "Render audio" makes it again
                continue
            kept.append(t)
            total += size
        self.order = kept[::-1]

    def replace_holder(self, old: "TakeEntry", new: "TakeEntry") -> None:
        """``new`` holds ``old``'s render now (a kept variant)."""
        if new.stems is None and new.audio is old.audio:
            new.stems = old.stems
        self.order = [new if t is old else t for t in self.order]

    def forget(self) -> None:
        """Drop every cached render (the SoundFont changed); a render under way lands as stale."""
        for take in self.order:
            take.audio = take.stems = None
        self.order = []
        self._epoch += 1
        self.page.transport.clear()
        self.page._update_buttons()

    # ---- playing -------------------------------------------------------------------------------
    def show(self, take: "TakeEntry | None") -> None:
        """Load ``take``'s render into the player (or nothing), with the tracks panel's mix."""
        transport = self.page.transport
        transport.clear()
        if take is None or take.audio is None:
            return
        if take.stems is not None:
            self.player.load_render(take.stems, gains=self._gains_for(len(take.stems.stems)))
        else:
            self.player.load_render(take.audio, SAMPLE_RATE)
        transport.set_enabled_reason(True)  # the transport re-reads the player's state

    def _gains_for(self, stems: int) -> list[float] | None:
        gains = self.page.tracks_panel.gains()
        return gains if len(gains) == stems else None

    def apply_mix(self) -> None:
        """The tracks panel changed: the player mixes with its gains from the next buffer on, and
        the piano roll dims the tracks that are not heard."""
        page = self.page
        page.piano_roll.set_audible(page.tracks_panel.audible())
        mixer = self.player.mixer
        if mixer is not None:
            gains = self._gains_for(len(mixer.stems))
            if gains is not None:
                self.player.set_gains(gains)

    # ---- export ----------------------------------------------------------------------------------
    def export(self, kind: str, path: str | None = None) -> Worker | None:
        page = self.page
        take = page.current_take()
        if take is None:
            return None
        _text, file_filter, suffix = EXPORTS[kind]
        if path is None:
            if kind == "musescore":
                from ...core.paths import cache_dir

                path = str(cache_dir() / "musescore" / f"take-{take.number}{suffix}")
            else:
                folder = Path(page.settings.export_folder())
                default = folder / f"take-{take.number}-seed{take.settings.get('seed')}{suffix}"
                path, _ = QFileDialog.getSaveFileName(page, f"Export {EXPORTS[kind][0].rstrip('…')}", str(default),
                                                      file_filter)
                if not path:
                    return None
                if not path.endswith(suffix):
                    path += suffix
                page.settings.set_export_folder(str(Path(path).parent))
        worker = export_worker(kind, take.score, Path(path), samples=take.audio, sample_rate=SAMPLE_RATE,
                               report=take.report)
        worker.finished.connect(lambda written, k=kind: self._on_exported(k, str(written)))
        worker.failed.connect(lambda message, k=kind: page._failed(f"Export ({k}) failed", message))
        self.export_jobs = [w for w in self.export_jobs if w.is_running()] + [worker]
        page.status.emit(f"Exporting {kind}…")
        return page.jobs.start(worker)

    def _on_exported(self, kind: str, path: str) -> None:
        self.page.status.emit(f"Opened {path} in MuseScore" if kind == "musescore" else f"Saved {path}")
        self.page.exported.emit(kind, path)

    def export_stems(self, path: str | None = None) -> Worker | None:
        """One WAV per track in folder ``path``; without one, a folder dialog, and the files go
        to a new "take-N-stems" folder inside the folder chosen (takes never overwrite each other)."""
        page = self.page
        take = page.current_take()
        if take is None:
            return None
        if path is None:
            chosen = QFileDialog.getExistingDirectory(page, "Export stems: choose a folder", page.settings.export_folder())
            if not chosen:
                return None
            page.settings.set_export_folder(chosen)
            path = str(Path(chosen) / f"take-{take.number}-seed{take.settings.get('seed')}-stems")
        folder = Path(path)
        worker = write_stems_worker(folder, render=take.stems, score=take.score, soundfont=page.soundfont())
        worker.progress.connect(page._on_progress)
        worker.finished.connect(lambda result, t=take, f=folder, e=self._epoch: self._on_stems_written(t, f, result, e))
        worker.failed.connect(lambda message: page._failed("Export stems failed", f"No stems were saved in "
                                                           f"{folder}: {message}"))
        worker.cancelled.connect(lambda: page._job_done("Export stems cancelled"))
        self.export_jobs = [w for w in self.export_jobs if w.is_running()] + [worker]
        if take.stems is None:
            page.progress.setRange(0, 0)
        page.status.emit(f"Exporting {len(take.score.tracks)} stems to {folder}…")
        return page.jobs.start(worker)

    def _on_stems_written(self, take: "TakeEntry", folder: Path, result: Any, epoch: int) -> None:
        paths, stems, mix = result
        if mix is not None and take.stems is None and epoch == self._epoch:  # rendered for the export: keep it
            self.on_rendered(take, (stems, mix))
        self.page._job_done(f"Saved {len(paths)} stems in {folder}")
        self.page.exported.emit("stems", str(folder))
