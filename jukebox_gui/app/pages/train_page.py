"""Train page: preset, architecture, advanced settings; Start / Pause / Resume / Stop; the live
loss chart with epoch, ETA and speed; the run's checkpoints; resuming a previous run."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QMessageBox, QPushButton,
                               QSpinBox, QToolButton, QVBoxLayout, QWidget)

from ...core.errors import JukeboxError
from ...core.ml import checkpoints
from ...core.ml.config import ARCHITECTURES, PRESETS, preset
from ...core.ml.events import BatchEnd, EpochEnd, Stage
from ...core.paths import models_dir
from ...core.progress import Progress
from ..settings import Settings
from ..style import fmt_seconds, hint_label, page_layout, side_by_side
from ..widgets.loss_plot import LossPlot
from ..widgets.style_list import StyleList
from ..workers import JobManager, TrainRequest, Worker, train_worker

if TYPE_CHECKING:  # core.ml.training imports Keras: not while the window opens
    from ...core.data.scan import CorpusReport
    from ...core.data.style_stats import StyledScan
    from ...core.ml.training import TrainResult

ARCH_LABELS = {"transformer": "Transformer (learns melody, default)", "lstm": "LSTM (most tokens per second)",
               "seed-bilstm": "Reference BiLSTM (the seed project's method, slow)"}
PRESET_LABELS = {"tiny": "Tiny (a minute, for trying things)", "laptop": "Laptop (a few minutes)",
                 "large": "Large (needs a GPU)"}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "model"


class TrainPage(QWidget):
    trained = Signal(str)  # the bundle folder of the finished model
    runningChanged = Signal(bool)
    status = Signal(str)

    def __init__(self, jobs: JobManager, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs, self.settings = jobs, settings
        self.source = ""
        self.report: CorpusReport | None = None  # the Corpus page's scan of source: training reuses it
        self.worker: Worker | None = None
        self.out_dir: Path | None = None
        self.last_result: TrainResult | None = None
        self._last_mean: tuple[int, int, float] | None = None
        self.main_style: str | None = None  # the chosen corpus's style name, when the Corpus page gave one
        self.styled: StyledScan | None = None  # the Corpus page's scan of every style, when it filled the list

        self.corpus_label = hint_label("No corpus chosen yet: pick one on the Corpus page.")
        self.preset_combo = QComboBox()
        for name in PRESETS:
            self.preset_combo.addItem(PRESET_LABELS.get(name, name), name)
        self.preset_combo.setCurrentIndex(list(PRESETS).index("laptop") if "laptop" in PRESETS else 0)
        self.arch_combo = QComboBox()
        for name in ARCHITECTURES:
            self.arch_combo.addItem(ARCH_LABELS.get(name, name), name)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("model name (default: corpus + date)")
        basics = QFormLayout()
        basics.addRow("Preset:", self.preset_combo)
        basics.addRow("Architecture:", self.arch_combo)
        basics.addRow("Model name:", self.name_edit)

        # advanced settings, collapsed by default
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Advanced settings")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.toggled.connect(self._toggle_advanced)
        self.advanced = QWidget()
        adv = QFormLayout(self.advanced)
        adv.setContentsMargins(16, 0, 0, 0)
        self.epochs_spin = QSpinBox(minimum=1, maximum=10_000)
        self.batch_spin = QSpinBox(minimum=1, maximum=4096)
        self.lr_spin = QDoubleSpinBox(decimals=5, minimum=0.00001, maximum=1.0, singleStep=0.0005)
        self.seq_spin = QSpinBox(minimum=8, maximum=8192, singleStep=16)
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1)
        adv.addRow("Epochs:", self.epochs_spin)
        adv.addRow("Batch size:", self.batch_spin)
        adv.addRow("Learning rate:", self.lr_spin)
        adv.addRow("Sequence length:", self.seq_spin)
        adv.addRow("Seed:", self.seed_spin)
        self.advanced.setVisible(False)
        self.preset_combo.currentIndexChanged.connect(self._load_preset_defaults)
        self.arch_combo.currentIndexChanged.connect(self._load_preset_defaults)
        self._load_preset_defaults()

        self.start_button = QPushButton("Start training")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current batch; the last checkpoint is kept")
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.runs_combo = QComboBox()
        self.resume_button = QPushButton("Resume run")
        self.resume_button.setToolTip("Continue a previous run from its last checkpoint")
        self.resume_button.clicked.connect(self.resume_previous)
        resume_row = QHBoxLayout()
        resume_row.addWidget(self.runs_combo, 1)
        resume_row.addWidget(self.resume_button)

        self.styles = StyleList()  # more corpora beside this one: one model of several styles
        self.styles.changed.connect(self._show_corpus)
        self.styles_label = QLabel("Train beside it, each corpus a style of one model:")

        settings_box = QGroupBox("Training")
        left = QVBoxLayout(settings_box)
        left.addWidget(self.corpus_label)
        left.addLayout(basics)
        left.addWidget(self.styles_label)
        left.addWidget(self.styles)
        left.addWidget(self.advanced_toggle)
        left.addWidget(self.advanced)
        left.addLayout(buttons)
        left.addSpacing(8)
        left.addWidget(QLabel("Previous runs:"))
        left.addLayout(resume_row)
        left.addWidget(QLabel("Checkpoints of this run:"))
        self.checkpoints = QListWidget()
        self.checkpoints.setMinimumHeight(60)
        left.addWidget(self.checkpoints, 1)

        self.plot = LossPlot()
        self.labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        for i, (key, title) in enumerate((("epoch", "Epoch"), ("eta", "Time left"), ("speed", "Speed"),
                                          ("val", "Validation loss"), ("ppl", "Perplexity"),
                                          ("acc", "Accuracy"))):
            name = QLabel(title)
            name.setProperty("role", "hint")
            value = QLabel("—")
            value.setProperty("role", "stat")
            self.labels[key] = value
            grid.addWidget(name, 0, i)
            grid.addWidget(value, 1, i)
        self.stage_label = hint_label("")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(grid)
        right_layout.addWidget(self.plot, 1)
        right_layout.addWidget(self.stage_label)

        layout = page_layout(self, "Train", "Teach a model the style of your corpus. Watch the validation "
                             "loss: when it stops falling, the model has learned what it can.")
        layout.addWidget(side_by_side(settings_box, right), 1)
        self.refresh_runs()
        self._set_running(False)

    # ---- settings ------------------------------------------------------------------------------
    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def _load_preset_defaults(self) -> None:
        config = preset(self.preset_combo.currentData(), self.arch_combo.currentData())
        self.epochs_spin.setValue(config.epochs)
        self.batch_spin.setValue(config.batch_size)
        self.lr_spin.setValue(config.learning_rate)
        self.seq_spin.setValue(config.model.context)
        self.seed_spin.setValue(config.seed)

    def overrides(self) -> dict[str, int | float]:
        seq_key = "window" if self.arch_combo.currentData() == "seed-bilstm" else "seq_len"
        return {"epochs": self.epochs_spin.value(), "batch_size": self.batch_spin.value(),
                "learning_rate": self.lr_spin.value(), seq_key: self.seq_spin.value(),
                "seed": self.seed_spin.value()}

    def set_corpus(self, source: str, report: CorpusReport | None = None) -> None:
        """The corpus to train on; ``report`` is its scan (None until the scan is done)."""
        if source != self.source:
            self.main_style = None
        self.source, self.report = source, report
        self._show_corpus()
        self._set_running(self.is_running())

    def _scanned_styles(self) -> StyledScan | None:
        """The Corpus page's scan of every style, while the list is still the one it filled."""
        styled = self.styled
        if styled is None or styled.sources[0].source != self.source:
            return None
        return styled if [(s.name, s.source) for s in styled.sources[1:]] == self.styles.extras() else None

    def _show_corpus(self) -> None:
        """"Corpus: X (N usable files)", or, with the styles the Corpus page scanned, all of them."""
        styled, tip = self._scanned_styles(), ""
        if styled is not None:
            rows = styled.rows()
            usable = f" ({sum(r.ok for r in rows):,} usable files in {len(rows)} styles)"
            tip = "Usable files per style: " + ", ".join(f"{r.name} {r.ok:,}" for r in rows)
        else:
            usable = f" ({self.report.stats.ok:,} usable files)" if self.report is not None else ""
        self.corpus_label.setText(f"Corpus: <b>{self.source}</b>{usable}" if self.source else
                                  "No corpus chosen yet: pick one on the Corpus page.")
        self.corpus_label.setToolTip(tip)

    def set_styles(self, specs: list[str], styled: StyledScan | None = None) -> None:
        """The Corpus page's styles (``NAME=SOURCE``, the chosen corpus first) fill the list of
        corpora beside it; [] empties it. ``styled``: the Corpus page's scan of them, whose usable
        files the corpus line counts (until the list is changed here)."""
        from ...core.data.styles import parse_sources

        sources = parse_sources(specs) if specs else []
        self.main_style = sources[0].name if sources else None
        self.styled = styled if styled is not None and styled.specs() == list(specs) and specs else None
        self.styles.table.setRowCount(0)
        for s in sources[1:]:
            self.styles.add(s.source, s.name)
        self.styles.changed.emit()

    def default_name(self) -> str:
        base = Path(self.source.replace("demo:", "")).name or "corpus"
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        return _slug(f"{base}-{self.arch_combo.currentData()}-{stamp}")

    # ---- running -------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def start(self) -> None:
        if self.is_running():
            return
        if not self.source:
            QMessageBox.information(self, "No corpus", "Choose a corpus on the Corpus page first.")
            return
        name = _slug(self.name_edit.text().strip()) if self.name_edit.text().strip() else self.default_name()
        source = self._sources()
        if source is None:
            return
        request = TrainRequest(source=source, out_dir=models_dir() / name,
                               preset=self.preset_combo.currentData(), arch=self.arch_combo.currentData(),
                               overrides=tuple(self.overrides().items()),
                               report=self.report if isinstance(source, str) else None)
        self._launch(request)

    def resume_previous(self) -> None:
        folder = self.runs_combo.currentData()
        if not folder or self.is_running():
            return
        if not self.source:
            QMessageBox.information(self, "No corpus", "Choose the run's corpus on the Corpus page first.")
            return
        # the run continues with the config its checkpoint was made with (the page's only without one)
        source = self._sources()
        if source is None:
            return
        request = TrainRequest(source=source, out_dir=Path(folder), preset=self.preset_combo.currentData(),
                               arch=self.arch_combo.currentData(), overrides=tuple(self.overrides().items()),
                               resume=True, report=self.report if isinstance(source, str) else None)
        self._launch(request)

    def _sources(self) -> str | list[str] | None:
        """The corpus, or with the styles list the ``NAME=CORPUS`` specs; None (said) when a
        style's name would be refused."""
        from ...core.data.styles import parse_sources

        try:
            extras = self.styles.extras()
            if self.main_style and extras:  # the name the Corpus page gave the chosen corpus
                specs = [f"{self.main_style}={self.source}", *(f"{n}={s}" for n, s in extras)]
                parse_sources(specs)
                return specs
            return self.styles.sources(self.source)
        except JukeboxError as exc:
            QMessageBox.warning(self, "Styles", str(exc))
            return None

    def _launch(self, request: TrainRequest) -> None:
        self.out_dir = request.out_dir
        self._last_mean = None
        self.plot.clear()
        for label in self.labels.values():
            label.setText("—")
        self.stage_label.setText("Starting… (loading TensorFlow the first time takes a few seconds)")
        worker = train_worker(request)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker = self.jobs.start(worker)
        self._set_running(True)
        self.status.emit(f"Training {request.out_dir.name}…")

    def toggle_pause(self) -> None:
        if not self.is_running():
            return
        if self.worker.paused:
            self.worker.resume()
            self.pause_button.setText("Pause")
            self.stage_label.setText("Training…")
        else:
            self.worker.pause()
            self.pause_button.setText("Resume")
            self.stage_label.setText("Paused (after the current batch)")

    def stop(self) -> None:
        if self.is_running():
            self.worker.cancel()
            self.stage_label.setText("Stopping after the current batch…")

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and bool(self.source))
        self.resume_button.setEnabled(not running and self.runs_combo.count() > 0
                                      and self.runs_combo.currentData() is not None)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        for widget in (self.preset_combo, self.arch_combo, self.name_edit, self.advanced):
            widget.setEnabled(not running)
        if not running:
            self.pause_button.setText("Pause")
        self.runningChanged.emit(running)

    # ---- events from the worker -------------------------------------------------------------------
    def _on_progress(self, events: list) -> None:
        last_batch = None
        for event in events:
            if isinstance(event, BatchEnd):
                batches = max(1, event.batches)
                if self.plot.batch_points == 0:  # smooth over ~5% of an epoch (1..50 batches)
                    window = min(50.0, max(1.0, batches / 20.0))
                    self.plot.smoothing = 1.0 - 1.0 / window
                self.plot.add_batch(event.epoch - 1 + event.batch / batches, self._batch_loss(event))
                last_batch = event
            elif isinstance(event, EpochEnd):
                self._on_epoch(event)
            elif isinstance(event, (Stage, Progress)):  # preparing: scanning, tokenizing, building, saving
                if event.message or event.stage:
                    self.stage_label.setText(event.message or event.stage)
        if last_batch is not None:
            self.labels["speed"].setText(f"{last_batch.tokens_per_s:,.0f} tokens/s")
            if self.labels["epoch"].text() == "—" or "batch" in self.labels["epoch"].text():
                self.labels["epoch"].setText(f"{last_batch.epoch} (batch {last_batch.batch}/{last_batch.batches})")
            if not (self.worker and self.worker.paused):
                self.stage_label.setText(f"Training: epoch {last_batch.epoch}, batch "
                                         f"{last_batch.batch}/{last_batch.batches}, loss {last_batch.loss:.3f}")

    def _batch_loss(self, event: BatchEnd) -> float:
        """The loss of this one batch. Keras reports the running mean over the epoch so far, so
        batch b's own loss is b * mean_b - (b - 1) * mean_(b-1) when both events arrived."""
        mean = float(event.loss)
        previous = self._last_mean
        self._last_mean = (event.epoch, event.batch, mean)
        if previous is not None and previous[0] == event.epoch and previous[1] < event.batch - 1:
            self.plot.smoothing = 0.0  # the core reports only some batches: its running mean is smooth already
        if previous is None or previous[0] != event.epoch or previous[1] != event.batch - 1 or event.batch < 2:
            return mean
        own = event.batch * mean - (event.batch - 1) * previous[2]
        return own if 0.0 <= own <= 4.0 * mean + 1.0 else mean

    def _on_epoch(self, event: EpochEnd) -> None:
        self.plot.add_epoch(event.epoch, event.val_loss, event.train_loss)
        self.labels["epoch"].setText(f"{event.epoch} / {event.epochs}")
        self.labels["eta"].setText(fmt_seconds(event.eta_s))
        self.labels["val"].setText(f"{event.val_loss:.3f}")
        self.labels["ppl"].setText(f"{event.val_perplexity:.2f}")
        self.labels["acc"].setText(f"{event.val_accuracy:.0%}")
        self.status.emit(f"Epoch {event.epoch}/{event.epochs}: validation loss {event.val_loss:.3f}")
        self.refresh_checkpoints()

    def refresh_checkpoints(self) -> None:
        self.checkpoints.clear()
        if self.out_dir is None:
            return
        for checkpoint in checkpoints.list_checkpoints(self.out_dir):
            marks = f"  [{', '.join(checkpoint.marks)}]" if checkpoint.marks else ""
            when = _dt.datetime.fromtimestamp(checkpoint.path.stat().st_mtime).strftime("%H:%M:%S")
            self.checkpoints.addItem(f"{checkpoint.name}{marks}   ({when})")

    def refresh_runs(self) -> None:
        self.runs_combo.clear()
        for run in checkpoints.resumable_runs(models_dir()):
            self.runs_combo.addItem(run.name, str(run))
        if not self.runs_combo.count():
            self.runs_combo.addItem("(no previous runs)", None)

    def _finish(self, text: str) -> None:
        self.plot.flush()
        self.stage_label.setText(text)
        self._set_running(False)
        self.refresh_checkpoints()
        self.refresh_runs()
        self._set_running(False)
        self.status.emit(text)

    def _on_finished(self, result: TrainResult) -> None:
        self.last_result = result
        path = result.bundle_path
        self._finish(f"Finished: model saved in {path}")
        self.trained.emit(str(path))

    def _on_failed(self, message: str) -> None:
        self._finish("Training failed")
        QMessageBox.warning(self, "Training failed", message)

    def _on_cancelled(self) -> None:
        self._finish("Stopped. The last checkpoint is kept: use “Resume run” to continue.")

