"""The Corpus page's styles (issue 19): more folders or demo corpora beside the chosen one, each a
style of one model, scanned together and reported per style.

    StylesEditor    "More corpora, each a style": the chosen corpus's style name and a list of
                    (style, corpus) beside it (the Train page's ``StyleList``); the specs it
                    gives are checked by ``core.data.styles.parse_sources``, as training checks them
    StyleTable      one row per style and a total (``core.data.style_stats.StyleRow``)
    styles_scan_worker   ``core.data.style_stats.scan_styles`` in a worker
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QHeaderView, QLabel, QLineEdit, QTableWidget,
                               QTableWidgetItem, QToolButton, QVBoxLayout, QWidget)

from ...core.errors import JukeboxError
from ...core.music.gm_names import program_name
from ..style import fmt_seconds
from ..widgets.style_list import StyleList
from ..workers import Worker

if TYPE_CHECKING:
    from ...core.data.style_stats import StyleRow, StyledScan


def styles_scan_worker(specs: list[str]) -> Worker:
    """Scan every style of ``specs`` (``NAME=SOURCE``) -> a StyledScan."""
    def job(progress, cancel):
        from ...core.data.style_stats import scan_styles

        return scan_styles(specs, progress=progress, cancel=cancel)

    return Worker("scan", job)


class StylesEditor(QWidget):
    """A fold-out: the chosen corpus's style name and the corpora beside it."""

    changed = Signal()  # a corpus was added or removed, or a name edited

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolTip("Scan more folders or demo corpora beside this one, each a style: "
                               "the Train page then trains them as one model of several styles")
        self.toggle.toggled.connect(self._fold)
        self.main_name = QLineEdit()
        self.main_name.setMaximumWidth(220)
        self.main_name.setToolTip("Letters, digits, '-' or '.'; empty: the folder's (or demo's) name")
        self.main_name.editingFinished.connect(self.changed.emit)
        self.list = StyleList()
        self.list.changed.connect(self._list_changed)
        self.message = QLabel()
        self.message.setProperty("role", "warning")
        self.message.setWordWrap(True)
        self.message.hide()
        self.box = QWidget()
        form = QFormLayout(self.box)
        form.setContentsMargins(16, 0, 0, 0)
        form.addRow("This corpus is the style:", self.main_name)
        form.addRow("Beside it:", self.list)
        form.addRow(self.message)
        self.box.setVisible(False)
        self.list.table.verticalHeader().setDefaultSectionSize(24)
        self._fit()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.box)
        self._label()

    def _fold(self, shown: bool) -> None:
        self.box.setVisible(shown)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def _label(self) -> None:
        n = len(self.list.extras())
        self.toggle.setText("More corpora, each a style" + (f" ({n} beside this one)" if n else ""))

    def _list_changed(self) -> None:
        self._label()
        self._fit()
        self.changed.emit()

    def _fit(self) -> None:
        """The list as tall as its rows (one to four; more scroll)."""
        table = self.list.table
        rows = max(1, min(4, table.rowCount()))
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                             + rows * table.verticalHeader().defaultSectionSize())

    def set_main(self, source: str) -> None:
        """A new chosen corpus: its default style name becomes the placeholder."""
        from ...core.data.styles import default_name

        try:
            placeholder = default_name(source)
        except JukeboxError:
            placeholder = "give it a name"
        self.main_name.clear()
        self.main_name.setPlaceholderText(placeholder)

    def add(self, source: str, name: str | None = None) -> None:
        """One more corpus beside the chosen one (``name``: default, the folder's or demo's)."""
        self.toggle.setChecked(True)
        self.list.add(source, name)

    def set_styles(self, extras: list[tuple[str | None, str]], main_name: str = "") -> None:
        """These corpora beside the chosen one, as (style name or None for the default, source),
        in place of the list, and the chosen one's style name; no ``changed``: the caller scans."""
        self.blockSignals(True)
        try:
            self.list.table.setRowCount(0)
            for name, source in extras:
                self.list.add(source, name)
            self.main_name.setText(main_name)
        finally:
            self.blockSignals(False)
        self._label()
        self._fit()
        if extras:
            self.toggle.setChecked(True)

    def saved(self) -> tuple[list[str], str] | None:
        """What a session keeps: ``NAME=SOURCE`` of the corpora beside the chosen one and its own
        style name; None while a name is one core would refuse (the last good ones are kept)."""
        from ...core.data.styles import parse_sources
        from ...core.data.tokenizer import STYLE_NAME

        specs = [f"{n}={s}" for n, s in self.list.extras()]
        name = self.main_name.text().strip()
        try:
            if specs:
                parse_sources(specs)
        except JukeboxError:
            return None
        return (specs, name) if not name or STYLE_NAME.fullmatch(name) else None

    def is_styled(self) -> bool:
        return bool(self.list.extras())

    def specs(self, main: str) -> list[str]:
        """``[main]`` alone, or ``NAME=SOURCE`` for every style, the chosen corpus first.
        Raises CorpusError for a name core refuses (or two alike), as training would."""
        from ...core.data.styles import default_name, parse_sources

        extras = self.list.extras()
        if not extras:
            return [main]
        name = self.main_name.text().strip() or default_name(main)
        specs = [f"{name}={main}", *(f"{n}={s}" for n, s in extras)]
        parse_sources(specs)
        return specs

    def checked_specs(self, main: str) -> list[str] | None:
        """``specs(main)``, or None with the reason shown under the list."""
        try:
            specs = self.specs(main)
        except JukeboxError as exc:
            self.toggle.setChecked(True)
            self.message.setText(f"⚠ {exc}")
            self.message.show()
            return None
        self.message.hide()
        return specs


def _item(text: str, *, right: bool = False, bold: bool = False, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if right:
        item.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
    if bold:
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    if tip:
        item.setToolTip(tip)
    return item


class StyleTable(QTableWidget):
    """Per style: files, usable, skipped, notes, length, instruments, pitch and tempo, time signature."""

    COLUMNS = ("Style", "Corpus", "Files", "Usable", "Skipped", "Notes", "Length", "Instruments", "Pitch",
               "Tempo", "Time sig.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.horizontalHeader()
        for col in range(len(self.COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.COLUMNS.index("Instruments"), QHeaderView.ResizeMode.Stretch)
        self.hide()

    def show_scan(self, styled: StyledScan) -> None:
        rows = [*styled.rows(), styled.total()]
        folders = [r.folder for r in styled.reports] + [""]
        self.setRowCount(len(rows))
        for i, (row, folder) in enumerate(zip(rows, folders)):
            self._fill(i, row, folder, total=len(rows) - 1 if i == len(rows) - 1 else 0)
        height = self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
        self.setFixedHeight(height + sum(self.rowHeight(i) for i in range(self.rowCount())))
        self.show()

    def _fill(self, i: int, row: StyleRow, folder: str, total: int) -> None:
        """Row ``i``: one style, or (``total``: how many styles) all of them."""
        bold = bool(total)
        names = [f"{program_name(p)} ({n})" for p, n in row.instruments]
        shown = ", ".join(program_name(p) for p, _ in row.instruments[:2])
        if len(names) > 2:
            shown += f" (+{len(names) - 2})"
        cells = [
            _item(row.name, bold=bold),
            _item(f"{total} corpora" if total else row.source, bold=bold, tip=folder),
            _item(f"{row.files:,}", right=True, bold=bold),
            _item(f"{row.ok:,}", right=True, bold=bold),
            _item(f"{row.not_used:,}", right=True, bold=bold,
                  tip=f"{row.skipped} unusable, {row.duplicates} duplicates" if row.not_used else ""),
            _item(f"{row.notes:,}", right=True, bold=bold),
            _item(fmt_seconds(row.duration_s) if row.ok else "—", right=True, bold=bold),
            _item(shown or "—", bold=bold, tip=", ".join(names)),
            _item(row.pitch_range(), bold=bold),
            _item(row.tempo_range(), bold=bold),
            _item(row.time_signature or "—", bold=bold),
        ]
        for col, item in enumerate(cells):
            self.setItem(i, col, item)

    def row_texts(self) -> list[list[str]]:
        """What the table shows, row by row (for tests and people reading logs)."""
        return [[self.item(r, c).text() for c in range(self.columnCount())] for r in range(self.rowCount())]
