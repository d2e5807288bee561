"""Models page: bundled and trained models with their corpus, date and validation figures;
load one into the Generate page, or delete a trained one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QWidget)

from ...core.paths import models_dir
from ..style import hint_label, page_layout
from ..workers import JobManager, Worker, list_models_worker

COLUMNS = ("Model", "Kind", "Architecture", "Corpus", "Trained", "Val. loss", "Perplexity")


def _get(info: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = info.get(name) if isinstance(info, dict) else getattr(info, name, None)
        if value not in (None, ""):
            return value
    return default


def _fmt(value: Any, spec: str = ".3f") -> str:
    try:
        return format(float(value), spec)
    except (TypeError, ValueError):
        return "—" if value in (None, "") else str(value)


class ModelsPage(QWidget):
    modelsChanged = Signal(list)  # [(label, reference), ...] for the Generate page's picker
    loadRequested = Signal(str)  # a model reference (path or builtin:NAME)
    status = Signal(str)

    def __init__(self, jobs: JobManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.models: list[Any] = []
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

    def set_models(self, models: list[Any]) -> None:
        self.models = list(models or [])
        self.table.setRowCount(len(self.models))
        choices = []
        for row, info in enumerate(self.models):
            ref = self.reference(info)
            name = str(_get(info, "name", default=Path(ref).name))
            kind = "bundled" if ref.startswith("builtin:") or _get(info, "builtin", default=False) else "trained"
            problem = _get(info, "problem", default="")
            usable = _get(info, "ok", default=True) is not False
            if not usable:
                kind = "unfinished" if "unfinished" in str(problem) else "broken"
            cells = (name, kind, _get(info, "arch", "architecture", default="—"),
                     _get(info, "corpus", "source", default="—"),
                     str(_get(info, "created", "date", "trained_at", default="—"))[:19].replace("T", " "),
                     _fmt(_get(info, "val_loss")), _fmt(_get(info, "val_perplexity", "perplexity"), ".2f"))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(str(text))
                item.setData(Qt.ItemDataRole.UserRole, ref)
                item.setToolTip(f"{ref}\n{problem}" if problem else ref)
                self.table.setItem(row, col, item)
            if usable:
                choices.append((f"{name} ({kind})", ref))
        self.empty_hint.setText("" if self.models else "No models yet: train one on the Train page.")
        self._selection_changed()
        self.modelsChanged.emit(choices)

    @staticmethod
    def reference(info: Any) -> str:
        return str(_get(info, "ref", "reference", "path", "name", default=""))

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
