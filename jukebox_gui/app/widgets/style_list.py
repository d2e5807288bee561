"""More corpora to train beside the chosen one, each a style of one model (issue 19).

A short table of (style name, folder or demo corpus) with Add folder…, Add demo and Remove. The
Train page hands ``sources(main)`` to ``core.ml.training.train``: ``["irish=demo:irish",
"mine=/home/…/folder"]``, the same specs as ``jukebox train A B``; with no extra corpora it is
the chosen corpus alone, trained as before. Names are checked as core checks them
(``core.data.styles.parse_source``), so a bad one is said here, before training starts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QMenu, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.demo import DEMO_CORPORA
from ...core.errors import JukeboxError


class StyleList(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Style", "Corpus"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMaximumHeight(110)
        self.table.setToolTip("Each corpus is a style of one model: generate one style or a blend of them. "
                              "Double-click a name to change it.")
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        self.add_button = QPushButton("Add folder…")
        self.add_button.clicked.connect(self.choose_folder)
        self.demo_button = QPushButton("Add demo")
        menu = QMenu(self.demo_button)
        for name in DEMO_CORPORA:
            menu.addAction(name, lambda n=name: self.add(f"demo:{n}"))
        self.demo_button.setMenu(menu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.add_button, self.demo_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def add(self, source: str, name: str | None = None) -> None:
        from ...core.data.styles import default_name

        try:
            name = name or default_name(source)
        except JukeboxError:
            name = "style"
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        corpus = QTableWidgetItem(source)
        corpus.setFlags(corpus.flags() & ~Qt.ItemFlag.ItemIsEditable)
        corpus.setToolTip(source)
        self.table.setItem(row, 1, corpus)
        self.table.blockSignals(False)
        self.changed.emit()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A folder of MIDI files: one more style")
        if folder:
            self.add(folder)

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows or ([self.table.rowCount() - 1] if self.table.rowCount() else []):
            self.table.removeRow(row)
        self.changed.emit()

    def extras(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text().strip(), self.table.item(r, 1).text())
                for r in range(self.table.rowCount())]

    def sources(self, main: str) -> str | list[str]:
        """What ``train`` takes: ``main`` alone, or ``NAME=CORPUS`` specs, ``main`` first.
        Raises CorpusError for a name core would refuse (or two alike)."""
        from ...core.data.styles import default_name, parse_sources

        extras = self.extras()
        if not extras:
            return main
        specs = [f"{default_name(main)}={main}", *(f"{name}={source}" for name, source in extras)]
        parse_sources(specs)  # the same checks as training: names, duplicates
        return specs
