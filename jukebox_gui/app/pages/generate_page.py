"""Generate / Listen page: pick a model and sampling settings, generate takes in a worker, look at
them in the piano roll with their metrics and originality check, render, play and export; select
bars in the piano roll and regenerate them (the "Regenerate selection" row: pages/regenerate.py).
Rendering, live mixed playback (the tracks panel's mute / solo / volume) and export: take_audio.py;
the take list's rows: take_entry.py."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QMargins, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QProgressBar, QPushButton, QScrollArea, QSizePolicy, QSpinBox,
                               QTextBrowser, QToolButton, QVBoxLayout, QWidget)

from ...core.errors import JukeboxError
from ...core.ml.generation import GenerationConfig, Take
from ...core.ml.model_defaults import DEFAULT_TEMPERATURE
from ...core.music.gm_names import GM_PROGRAMS
from ...core.progress import Progress
from ..settings import Settings
from ..style import page_layout, side_by_side
from ..widgets.piano_roll import PianoRoll
from ..widgets.takes_panel import TakesPanel
from ..widgets.tracks_panel import TracksPanel
from ..widgets.transport import Transport
from ..workers import JobManager, Worker, generate_worker
from .generation_settings import GenerationSettings
from .regenerate import RegenerateBar
from .take_audio import AUDIO_KEPT, EXPORTS, TakeAudio  # noqa: F401  (AUDIO_KEPT: tests import it from here)
from .take_entry import TakeEntry, infill_html
from .take_report import report_html

# The core's defaults were chosen by measuring takes against the corpus (issue 5); the window
# starts from the same values. generation.py imports no TensorFlow at module level.
DEFAULTS = GenerationConfig()


class _RowsArea(QScrollArea):
    """A scroll area that asks for all of its rows' height (a plain one asks for a few lines)."""

    def sizeHint(self):  # noqa: N802 - Qt's name
        hint = self.widget().sizeHint() if self.widget() is not None else super().sizeHint()
        return hint.grownBy(QMargins(0, 0, self.verticalScrollBar().sizeHint().width(), 0))
log = logging.getLogger("jukebox.app.generate")

class GeneratePage(GenerationSettings, QWidget):
    status = Signal(str)
    generated = Signal(object)  # a TakeEntry
    rendered = Signal(object)  # a TakeEntry, audio attached
    exported = Signal(str, str)  # kind, path

    def __init__(self, jobs: JobManager, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs, self.settings = jobs, settings
        self.takes: list[TakeEntry] = []
        self.worker: Worker | None = None
        self.store: Any = None  # core.takes_store.TakesStore: every take is kept as it is made
        self.session: str | None = None
        self._kept: dict[int, Any] = {}  # id(core take) -> StoredTake or the error, set by the worker

        # ---- settings --------------------------------------------------------------------------
        self.model_combo = QComboBox()
        self.model_combo.setMinimumWidth(180)
        self.bars_spin = QSpinBox(minimum=1, maximum=512)
        self.bars_spin.setValue(DEFAULTS.bars)
        self.temp_spin = QDoubleSpinBox(minimum=0.05, maximum=3.0, singleStep=0.05)
        self.temp_spin.setDecimals(2)
        self.temp_spin.setValue(DEFAULT_TEMPERATURE)  # a model's own suggestion replaces it (model_opened)
        self.temp_spin.setToolTip("Lower = safer and more repetitive, higher = more adventurous")
        self.top_p_spin = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.01)
        self.top_p_spin.setDecimals(2)
        self.top_p_spin.setValue(DEFAULTS.top_p)
        self.top_p_spin.setSpecialValueText("off")
        self.top_k_spin = QSpinBox(minimum=0, maximum=1000)
        self.top_k_spin.setSpecialValueText("off")
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed_spin.setValue(random.randrange(1, 100_000))
        self.dice = QToolButton()
        self.dice.setText("Random")
        self.dice.setToolTip("A new random seed")
        self.dice.clicked.connect(self.roll_seed)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.dice)
        self.primer_edit = QLineEdit()
        self.primer_edit.setPlaceholderText("none: start from scratch")
        self.primer_edit.setClearButtonEnabled(True)
        primer_button = QToolButton()
        primer_button.setText("…")
        primer_button.clicked.connect(self.choose_primer)
        self.primer_bars = QSpinBox(minimum=1, maximum=64)
        self.primer_bars.setValue(2)
        self.primer_bars.setToolTip("Bars of the primer the take continues from")
        primer_row = QHBoxLayout()  # the primer and its bars share a row (the window fits 720 px high)
        primer_row.addWidget(self.primer_edit, 1)
        primer_row.addWidget(primer_button)
        primer_row.addWidget(QLabel("bars:"))
        primer_row.addWidget(self.primer_bars)
        self.form_edit = QLineEdit()  # song form: empty = one continuation
        self.form_edit.setPlaceholderText("e.g. AABB or intro A A B A outro (empty: no form)")
        self.form_edit.setToolTip("Sections in order; a name seen before repeats that section (its last bar "
                                  "varies like a second ending). Digits after a name give its bars (A8 B4).")
        self.form_edit.textChanged.connect(lambda text: self.bars_spin.setEnabled(not text.strip()))
        self.section_bars = QSpinBox(minimum=1, maximum=64)
        self.section_bars.setValue(DEFAULTS.section_bars)
        self.section_bars.setToolTip("Bars of a section without its own length (intro, outro: half)")
        self.form_fill_check = QCheckBox("fill new sections between their neighbours")
        self.form_fill_check.setToolTip("A new section before a repeat of an earlier one (the B of ABA) is filled "
                                        "with the music on both sides in view (models trained with bar infilling)")
        self.tempo_spin = QSpinBox(minimum=0, maximum=300)
        self.tempo_spin.setSpecialValueText("model's choice")
        self.tempo_spin.setSuffix(" bpm")
        self.program_combo = QComboBox()
        self.program_combo.addItem("model's choice", None)
        for program, name in enumerate(GM_PROGRAMS):
            self.program_combo.addItem(f"{program + 1}. {name}", program)

        self.instruments_combo = QComboBox()  # the take's band (core.ml.instruments): a count or names
        self.instruments_combo.setEditable(True)
        self.instruments_combo.addItem("as in a corpus piece", None)
        for count in range(2, 6):
            self.instruments_combo.addItem(f"{count} instruments", str(count))
        self.instruments_combo.lineEdit().setPlaceholderText("e.g. piano, bass, drums")
        self.instruments_combo.setToolTip("The take's band, from the instruments the model has seen: a corpus "
                                          "piece's band, a number of instruments, or names such as "
                                          "\"piano, bass, drums\" (multi-instrument models)")

        self.style_combo = QComboBox()  # a model of several styles (core.ml.style_decoder): one, or a blend
        self.style_combo.setEditable(True)
        self.style_combo.lineEdit().setPlaceholderText("e.g. irish=0.7, bach=0.3")
        self.set_styles(())

        self.model_combo.currentIndexChanged.connect(lambda _i: self._model_changed())

        form = QFormLayout()
        form.addRow("Model:", self.model_combo)
        form.addRow("Length (bars):", self.bars_spin)
        form_row = QHBoxLayout()  # the form and the length of its sections share a row
        form_row.addWidget(self.form_edit, 1)
        form_row.addWidget(QLabel("bars each:"))
        form_row.addWidget(self.section_bars)
        form.addRow("Form:", form_row)
        form.addRow("", self.form_fill_check)
        form.addRow("Temperature:", self.temp_spin)
        sampling_row = QHBoxLayout()  # top-p and top-k share a row
        sampling_row.addWidget(self.top_p_spin, 1)
        sampling_row.addWidget(QLabel("top-k:"))
        sampling_row.addWidget(self.top_k_spin, 1)
        form.addRow("Top-p:", sampling_row)
        form.addRow("Seed:", seed_row)
        form.addRow("Primer MIDI:", primer_row)
        form.addRow("Tempo:", self.tempo_spin)
        form.addRow("Instrument:", self.program_combo)
        form.addRow("Band:", self.instruments_combo)
        form.addRow("Style:", self.style_combo)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.progress.setValue(0)
        gen_row = QHBoxLayout()
        gen_row.addWidget(self.generate_button)
        gen_row.addWidget(self.cancel_button)

        self.takes_panel = TakesPanel(self.takes, settings)  # star, rename, delete, disk use, pruning
        self.takes_panel.status.connect(self.status)
        self.take_list = self.takes_panel.list
        self.take_list.currentRowChanged.connect(self.show_take)
        self.report = QTextBrowser()
        self.report.setOpenExternalLinks(False)
        self.report.setMinimumHeight(200)

        left_box = QGroupBox("Generate")
        left = QVBoxLayout(left_box)
        left.addWidget(self._scrolling(form))
        left.addLayout(gen_row)
        left.addWidget(self.progress)
        # the takes list takes what the settings leave (at least a few takes' height)
        self.take_list.setMinimumHeight(60)
        self.take_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        left.addWidget(self.takes_panel, 1)

        # ---- the take: piano roll, transport, report, export ---------------------------------------
        self.piano_roll = PianoRoll()
        self.piano_roll.setMinimumHeight(240)
        self.audio = TakeAudio(self)  # render, play (mixed live), export; the render cache
        self.transport = Transport(self.audio.player)
        self.tracks_panel = TracksPanel()  # mute / solo / volume per track, Export stems…
        self.tracks_panel.setMinimumWidth(330)
        self.tracks_panel.setMaximumWidth(360)
        self.tracks_panel.mixChanged.connect(self.audio.apply_mix)
        self.tracks_panel.exportRequested.connect(self.export_stems)
        self.tracks_panel.regenerateRequested.connect(lambda index: self.regen.regenerate_tracks([index]))
        self.transport.positionChanged.connect(self.piano_roll.set_playhead)
        self.piano_roll.seekRequested.connect(self.transport.seek)
        self.render_button = QPushButton("Render audio")
        self.render_button.setToolTip("Synthesise the take with FluidSynth so it can be played")
        self.render_button.clicked.connect(self.render)
        self.export_buttons: dict[str, QPushButton] = {}
        play_row = QHBoxLayout()
        play_row.addWidget(self.render_button)
        play_row.addWidget(self.transport, 1)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("Export:"))
        for kind, (text, _filter, _suffix) in EXPORTS.items():
            button = QPushButton(text)
            button.setToolTip("Open the take in MuseScore" if kind == "musescore" else f"Save the take as {kind.upper()}")
            button.clicked.connect(lambda _checked=False, k=kind: self.export(k))
            self.export_buttons[kind] = button
            actions.addWidget(button)
        actions.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        roll_row = QHBoxLayout()
        roll_row.addWidget(self.piano_roll, 1)
        roll_row.addWidget(self.tracks_panel)
        right_layout.addLayout(roll_row, 5)
        self.regen = RegenerateBar(self)  # Regenerate selection, its variants, undo/redo
        self.regenerate_button, self.variants_spin = self.regen.button, self.regen.variants_spin
        self.undo_stack = self.regen.undo_stack
        right_layout.addWidget(self.regen)
        right_layout.addLayout(play_row)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.report, 3)

        layout = page_layout(self, "Generate & listen", "Write new pieces with a trained model. Each take is "
                             "checked against the corpus: its metrics and how much of it is copied.")
        layout.addWidget(side_by_side(left_box, right), 1)
        self._update_buttons()
        self.restore_message = self.restore_takes()
        if self.restore_message:  # after the window has connected ``status``
            QTimer.singleShot(0, self._announce_restore)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close_takes_session)

    # ---- models --------------------------------------------------------------------------------
    def set_models(self, choices: list[tuple[str, str]]) -> None:
        current = self.model_combo.currentData()
        self.model_combo.clear()
        for label, ref in choices:
            self.model_combo.addItem(label, ref)
        if not choices:
            self.model_combo.addItem("(no models: train one first)", None)
        if current:
            self.select_model(current)
        self.regen.forget_checks()
        self._update_buttons()

    @staticmethod
    def _scrolling(form: QFormLayout) -> QScrollArea:
        """The settings in a frameless vertical scroll area: whole on an ordinary window, scrolled
        on a short one (a window 720 px high holds the page; the rows alone need about 400 px)."""
        inner = QWidget()
        inner.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)
        area = _RowsArea()
        area.setWidget(inner)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setMinimumWidth(inner.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width())
        area.setMinimumHeight(160)
        area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)  # rows first, takes the rest
        return area

    def select_model(self, ref: str) -> None:
        index = self.model_combo.findData(ref)
        if index < 0:
            self.model_combo.addItem(Path(ref).name, ref)
            index = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(index)
        self.model_combo.setToolTip(ref)
        self._update_buttons()

    # ---- generating ----------------------------------------------------------------------------
    def busy(self) -> bool:
        return any(w is not None and w.is_running() for w in (self.worker, self.render_job, self.regen.worker))

    def generate(self) -> None:
        model = self.model_combo.currentData()
        if not model or (self.worker and self.worker.is_running()):
            return
        settings = self.generation_settings()
        worker = generate_worker(model, settings, keep=lambda take, s=settings, m=model: self._keep(take, s, m))
        worker.progress.connect(self._on_progress)
        worker.finished.connect(lambda take, s=settings, m=model: self._on_generated(take, s, m))
        worker.failed.connect(lambda message: self._failed("Generation failed", message))
        worker.cancelled.connect(lambda: self._job_done("Generation cancelled"))
        self.progress.setRange(0, 0)
        self.worker = self.jobs.start(worker)
        self.status.emit(f"Generating form {settings['form']}…" if settings.get("form")
                         else f"Generating {settings['bars']} bars…")
        self._update_buttons()

    def regenerate_selection(self) -> Worker | None:
        """Fill the bars selected in the piano roll anew (the "Regenerate selection" button)."""
        return self.regen.regenerate()

    def cancel(self) -> None:
        for worker in (self.worker, self.render_job, self.regen.worker):
            if worker is not None and worker.is_running():
                worker.cancel()

    def _on_progress(self, events: list[Progress]) -> None:
        event = events[-1]
        if event.total:
            self.progress.setRange(0, event.total)
            self.progress.setValue(min(event.done, event.total))

    def _job_done(self, text: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.emit(text)
        self._update_buttons()

    def _failed(self, title: str, message: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._update_buttons()
        self.status.emit(title)
        QMessageBox.warning(self, title, message)

    def _on_generated(self, core_take: Take, settings: dict[str, Any], model: str) -> None:
        kept = self._kept.pop(id(core_take), None)
        stored = None if isinstance(kept, Exception) else kept
        number = stored.number if stored is not None else max((t.number for t in self.takes), default=0) + 1
        take = TakeEntry(number, core_take, settings, model)
        take.stored = stored
        self.add_take(take)
        self._job_done(take.label())
        if isinstance(kept, Exception):
            log.warning("take %d was not kept on disk: %s", take.number, kept)
            self.status.emit(f"Take {take.number} could not be kept on disk (export it to save it): {kept}")
        self.generated.emit(take)

    # ---- takes kept on disk (core.takes_store) ---------------------------------------------------
    def restore_takes(self) -> str:
        """Open the takes store, resume the last session (used in the last 12 h) and list its takes.
        Returns a line for the status bar ('' when there was nothing to restore)."""
        from .take_restore import restore_takes

        return restore_takes(self)

    def _announce_restore(self) -> None:
        self.status.emit(self.restore_message)

    def close_takes_session(self) -> None:
        """A normal end: the session is marked closed (one left open means the window crashed)."""
        if self.store is not None and self.session is not None:
            try:
                self.store.close_session(self.session)
            except JukeboxError as exc:
                log.warning("cannot close the takes session: %s", exc)

    def _keep(self, take: Take, settings: dict[str, Any], model: str) -> None:
        """Runs in the generate worker's thread: write the take to the store (no widgets touched)."""
        if self.store is None or self.session is None:
            return
        try:
            self._kept[id(take)] = self.store.add_take(self.session, take, settings=settings, model=model)
        except JukeboxError as exc:
            self._kept[id(take)] = exc

    def add_take(self, take: TakeEntry) -> None:
        self.takes_panel.add(take)  # appends to self.takes and selects it

    def select_take(self, take_id: str) -> bool:
        """Select the take kept as ``take_id`` ("SESSION/NNNN"); False when it is not listed."""
        for row, take in enumerate(self.takes):
            if take.stored is not None and take.stored.id == take_id:
                self.take_list.setCurrentRow(row)
                return True
        return False

    def listed_take(self) -> TakeEntry | None:
        """The take selected in the list (variants being auditioned hang off it)."""
        row = self.take_list.currentRow()
        return self.takes[row] if 0 <= row < len(self.takes) else None

    def current_take(self) -> TakeEntry | None:
        """The take shown, played, rendered and exported: the listed take or its variant shown."""
        listed = self.listed_take()
        return listed.shown() if listed is not None else None

    def show_entry(self, entry: TakeEntry) -> None:
        """Select ``entry``'s row and show it (again: its variant shown may have changed)."""
        if entry not in self.takes:
            self.status.emit(f"{entry.name} is no longer in the list")
            return
        row = self.takes.index(entry)
        if self.take_list.currentRow() == row:
            self.show_take(row)
        else:
            self.take_list.setCurrentRow(row)

    def replace_audio_holder(self, old: TakeEntry, new: TakeEntry) -> None:
        """``new`` holds ``old``'s rendered audio now (a kept variant)."""
        self.audio.replace_holder(old, new)

    def show_take(self, row: int) -> None:
        listed = self.takes[row] if 0 <= row < len(self.takes) else None
        take = listed.shown() if listed is not None else None
        same = listed is not None and listed is getattr(self, "_shown_listed", None)
        self._shown_listed = listed
        self.piano_roll.set_score(take.score if take else None, keep_view=same)  # variants: same view
        self.tracks_panel.set_score(take.score if take else None, keep_mix=same)  # variants: same mix
        self.piano_roll.set_audible(self.tracks_panel.audible())
        self.piano_roll.set_sections(((take.report.get("form") or {}).get("sections")) if take else None)
        self.report.setHtml((infill_html(take.report) + report_html(take.report)) if take else "")
        self.audio.show(take)
        self._update_buttons()

    # ---- render and play -----------------------------------------------------------------------
    def soundfont(self) -> str | None:
        return self.settings.soundfont() or None

    @property
    def render_job(self) -> Worker | None:
        return self.audio.render_job

    @property
    def export_jobs(self) -> list[Worker]:
        return self.audio.export_jobs

    def render(self) -> Worker | None:
        """Render the take shown, one stem per track (the "Render audio" button)."""
        return self.audio.render()

    def _on_rendered(self, take: TakeEntry, result: Any) -> None:
        self.audio.on_rendered(take, result)

    def forget_audio(self) -> None:
        """Drop every cached render (call it when the SoundFont changes): takes render again."""
        self.audio.forget()

    # ---- export ----------------------------------------------------------------------------------
    def export(self, kind: str, path: str | None = None) -> Worker | None:
        """Export the take shown as ``kind`` (EXPORTS); without ``path``, a save dialog."""
        return self.audio.export(kind, path)

    def export_stems(self, path: str | None = None) -> Worker | None:
        """One WAV per track of the take shown, in folder ``path`` (without one, a folder dialog),
        written in a worker; ``exported("stems", folder)`` when done, a dialog on failure."""
        return self.audio.export_stems(path)

    def _update_buttons(self) -> None:
        generating = self.worker is not None and self.worker.is_running()
        rendering = self.render_job is not None and self.render_job.is_running()
        has_take = self.current_take() is not None
        self.generate_button.setEnabled(not generating and self.model_combo.currentData() is not None)
        self.cancel_button.setEnabled(generating or rendering or self.regen.running())
        self.render_button.setEnabled(has_take and not rendering)
        for button in self.export_buttons.values():
            button.setEnabled(has_take)
        self.tracks_panel.export_button.setEnabled(has_take and bool(self.tracks_panel.rows))
        self.regen.refresh()
