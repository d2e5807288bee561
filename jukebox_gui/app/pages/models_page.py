"""Models page: bundled and trained models with their corpus, date and validation figures;
load one into the Generate page, or delete a trained one."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QWidget)

from ...core.ml.bundle import BundleInfo
from ...core.ml.evaluation import melody_verdict
from ...core.paths import models_dir
from ..style import hint_label, page_layout
from ..workers import JobManager, Worker, list_models_worker

COLUMNS = ("Model", "Kind", "Architecture", "Corpus", "Trained", "Val. loss", "Perplexity", "Melody")


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "—" if value is None else format(value, spec)


def kind(info: BundleInfo) -> str:
    if not info.ok:
        return "unfinished" if info.unfinished else "broken"
    return "bundled" if info.builtin else "trained"


def melody_label(info: BundleInfo) -> str:
    """ "learned melody (0.85× n-gram)" / "still learning melody (1.31× n-gram)" / "—"."""
    if info.melody is None or info.melody.get("pitch_vs_ngram") is None:
        return "—"
    return f"{info.melody_label} ({info.melody['pitch_vs_ngram']:.2f}× n-gram)"


def corpus_label(info: BundleInfo) -> str:
    """What it was trained on: "irish (492 pieces)"."""
    if not info.corpus_pieces:
        return "—"
    source = info.corpus_source
    pieces = f"{info.corpus_pieces} pieces"
    return f"{Path(source).name or source} ({pieces})" if source else pieces


class ModelsPage(QWidget):
    modelsChanged = Signal(list)  # [(label, reference), ...] for the Generate page's picker
    loadRequested = Signal(str)  # a model reference (path or builtin:NAME)
    status = Signal(str)

    def __init__(self, jobs: JobManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.models: list[BundleInfo] = []
        self.worker: Worker | None = None

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self.load_selected())

        self.load_button = QPushButton("Use for generation")
        self.load_button.clicked.connect(self.load_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.delete_selected)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)

        self.empty_hint = hint_label("")
        layout = page_layout(self, "Models", f"Bundled models and the ones you trained (kept in {models_dir()}).")
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_hint)
        self._selection_changed()

    # ---- listing ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.worker is not None and self.worker.is_running():
            return
        worker = list_models_worker()
        worker.finished.connect(self.set_models)
        worker.failed.connect(lambda message: self.empty_hint.setText(f"Could not list models: {message}"))
        self.worker = self.jobs.start(worker)

    def set_models(self, models: list[BundleInfo]) -> None:
        self.models = list(models)
        self.table.setRowCount(len(self.models))
        choices = []
        for row, info in enumerate(self.models):
            ref = info.reference
            cells = (info.name, kind(info), info.arch or "—", corpus_label(info),
                     info.created[:19].replace("T", " ") or "—",
                     _fmt(info.val_loss), _fmt(info.val_perplexity, ".2f"), melody_label(info))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, ref)
                item.setToolTip(f"{ref}\n{info.problem}" if info.problem else ref)
                if col == len(cells) - 1 and info.melody is not None:
                    item.setToolTip(melody_verdict(info.melody))
                self.table.setItem(row, col, item)
            if info.ok:
                choices.append((f"{info.name} ({kind(info)})", ref))
        self.empty_hint.setText("" if self.models else "No models yet: train one on the Train page.")
        self._selection_changed()
        self.modelsChanged.emit(choices)

    def selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def select(self, reference: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == reference:
                self.table.selectRow(row)
                return

    def _selection_changed(self) -> None:
        ref = self.selected()
        self.load_button.setEnabled(ref is not None)
        self.delete_button.setEnabled(ref is not None and self._deletable(ref) is not None)

    # ---- actions ---------------------------------------------------------------------------------
    def load_selected(self) -> None:
        ref = self.selected()
        if ref:
            self.loadRequested.emit(ref)

    @staticmethod
    def _deletable(ref: str) -> Path | None:
        """Only folders inside the user's models folder may be deleted."""
        if ref.startswith("builtin:"):
            return None
        path = Path(ref).resolve()
        root = models_dir().resolve()
        return path if path.is_dir() and root in path.parents else None

    def delete_selected(self, confirm: bool = True) -> None:
        ref = self.selected()
        path = self._deletable(ref) if ref else None
        if path is None:
            return
        if confirm and QMessageBox.question(
                self, "Delete model", f"Delete the model “{path.name}” and its checkpoints?\n{path}",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        try:
            shutil.rmtree(path)
        except OSError as exc:
            QMessageBox.warning(self, "Delete failed", f"Could not delete {path}: {exc.strerror or exc}")
            return
        self.status.emit(f"Deleted model {path.name}")
        self.refresh()
