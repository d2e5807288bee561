"""Corpus page: choose a folder (dialog, drag-and-drop, recent) or a demo corpus, scan it in a
worker, and show every file with its status, plus statistics and a small-corpus warning.

More corpora beside the chosen one, each a style (``corpus_styles``), are scanned with it; the
report is then per style (a row per style and a total, every file labelled with its style) and
the styles' specs go to the Train page (``stylesChanged``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import (QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal)
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from ...core.data.scan import CorpusReport, CorpusStats, FileRecord
from ...core.data.style_stats import StyledScan
from ...core.demo import DEMO_CORPORA, DEMO_PREFIX
from ...core.music.gm_names import program_name
from ...core.progress import Progress
from ..settings import Settings
from ..style import fmt_seconds, hint_label, page_layout, side_by_side
from ..workers import JobManager, Worker, scan_worker
from .corpus_styles import StylesEditor, StyleTable, styles_scan_worker

SMALL_FILES = 20
SMALL_NOTES = 5000


def _instruments(record: FileRecord) -> str:
    return ", ".join(program_name(p) for p in record.instruments)


def _short_reason(record: FileRecord) -> str:
    if record.status == "duplicate":
        return "duplicate"
    return (record.reason or "unknown").split(":")[0].split("(")[0].strip()[:48]


class FileTableModel(QAbstractTableModel):
    COLUMNS = ("File", "Status", "Reason", "Instruments", "Notes", "Duration", "Style")
    STYLE = 6  # shown (first) only when the corpus has several styles

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.records: list[FileRecord] = []
        self.styles: list[str] = []  # each record's style ("" for a one-style corpus)
        self.style_rank: dict[str, int] = {}

    def set_records(self, records: list[FileRecord], styles: list[str] | None = None) -> None:
        self.beginResetModel()
        self.records = list(records)
        self.styles = list(styles) if styles is not None else [""] * len(self.records)
        self.style_rank = {name: i for i, name in enumerate(dict.fromkeys(self.styles))}  # sorted as listed
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self.records[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return Path(record.display).name
            if col == 1:
                return record.status
            if col == 2:
                return record.reason
            if col == 3:
                return _instruments(record)
            if col == 4:
                return record.notes
            if col == 5:
                return fmt_seconds(record.duration_s)
            if col == self.STYLE:
                return self.styles[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and col in (0, 2):
            return record.display if col == 0 else record.reason
        if role == Qt.ItemDataRole.UserRole:  # sort key
            if col == 4:
                return record.notes
            if col == 5:
                return record.duration_s
            if col == self.STYLE:
                return self.style_rank[self.styles[index.row()]]
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class FileFilter(QSortFilterProxyModel):
    """Filters by status (all / ok / skipped) and by text in the name, reason or instruments."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.status = "all"
        self.text = ""
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_filter(self, status: str, text: str) -> None:
        self.status, self.text = status, text.strip().lower()
        self.invalidate()

    def filterAcceptsRow(self, row, parent) -> bool:  # noqa: N802
        record = self.sourceModel().records[row]
        if self.status == "ok" and not record.ok or self.status == "skipped" and record.ok:
            return False
        if self.text:
            style = self.sourceModel().styles[row]
            hay = f"{record.display} {record.reason} {_instruments(record)} {style}".lower()
            return self.text in hay
        return True


class CorpusPage(QWidget):
    sourceChanged = Signal(str)
    scanned = Signal(str, object)  # source, CorpusReport (with styles: the chosen corpus's)
    stylesChanged = Signal(list)  # NAME=SOURCE per style, the chosen corpus first; [] for one corpus
    status = Signal(str)  # a line for the status bar

    def __init__(self, jobs: JobManager, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs, self.settings = jobs, settings
        self.source = ""
        self.report: CorpusReport | None = None
        self.styled: StyledScan | None = None  # the last scan, when the corpus has several styles
        self.worker: Worker | None = None
        self._scanned_sources: tuple[str, ...] = ()  # what the shown report scanned
        self._rescan = False  # scan again once the running scan stops (the corpora changed meanwhile)
        self._handed_styles = False  # the Train page has this page's styles
        self.setAcceptDrops(True)

        self.open_button = QPushButton("Open folder…")
        self.open_button.clicked.connect(self.choose_folder)
        self.demo_combo = QComboBox()
        for name in DEMO_CORPORA:
            self.demo_combo.addItem(f"Demo: {name}", f"{DEMO_PREFIX}{name}")
        self.demo_button = QPushButton("Use demo corpus")
        self.demo_button.clicked.connect(lambda: self.set_source(self.demo_combo.currentData()))
        self.recent_combo = QComboBox()
        self.recent_combo.setMinimumWidth(200)
        self.recent_combo.activated.connect(self._recent_chosen)
        self.refresh_recent()

        pick = QHBoxLayout()
        pick.addWidget(self.open_button)
        pick.addWidget(QLabel("or"))
        pick.addWidget(self.demo_combo)
        pick.addWidget(self.demo_button)
        pick.addSpacing(16)
        pick.addWidget(QLabel("Recent:"))
        pick.addWidget(self.recent_combo, 1)

        self.source_label = hint_label("No corpus yet: open a folder of MIDI files, drop one here, or pick a demo.")
        self.styles = StylesEditor()
        self.styles.changed.connect(self._styles_edited)
        self.scan_button = QPushButton("Scan")
        self.scan_button.setEnabled(False)
        self.scan_button.clicked.connect(self.start_scan)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m files")
        self.progress.setValue(0)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan_button)
        scan_row.addWidget(self.cancel_button)
        scan_row.addWidget(self.progress, 1)

        self.status_filter = QComboBox()
        self.status_filter.addItem("All files", "all")
        self.status_filter.addItem("Usable", "ok")
        self.status_filter.addItem("Skipped", "skipped")
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText("Filter by name, reason or instrument…")
        self.text_filter.setClearButtonEnabled(True)
        self.status_filter.currentIndexChanged.connect(self._apply_filter)
        self.text_filter.textChanged.connect(self._apply_filter)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.status_filter)
        filter_row.addWidget(self.text_filter, 1)

        self.model = FileTableModel(self)
        self.proxy = FileFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col in (1, 3, 4, 5, FileTableModel.STYLE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.moveSection(FileTableModel.STYLE, 0)
        self.table.setColumnHidden(FileTableModel.STYLE, True)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addLayout(filter_row)
        table_layout.addWidget(self.table)

        self.stats_box = QGroupBox("Corpus statistics")
        stats = QFormLayout(self.stats_box)
        self.stat_labels: dict[str, QLabel] = {}
        for key, title in (("files", "Files"), ("ok", "Usable"), ("skipped", "Skipped"), ("notes", "Notes"),
                           ("duration", "Total length"), ("instruments", "Top instruments"),
                           ("reasons", "Skip reasons")):
            label = QLabel("—")
            label.setWordWrap(True)
            label.setProperty("role", "stat" if key in ("ok", "notes") else None)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.stat_labels[key] = label
            stats.addRow(title + ":", label)
        self.warning = QLabel()
        self.warning.setProperty("role", "warning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        stats.addRow(self.warning)
        self.stats_box.setMinimumWidth(240)

        layout = page_layout(self, "Corpus", "The music the model learns from. Each file is checked; files "
                             "that cannot be used are listed with the reason and skipped.")
        layout.addLayout(pick)
        layout.addWidget(self.source_label)
        layout.addWidget(self.styles)
        layout.addLayout(scan_row)
        self.style_table = StyleTable()
        layout.addWidget(self.style_table)
        layout.addWidget(side_by_side(table_box, self.stats_box, (3, 1)), 1)

    # ---- choosing a source --------------------------------------------------------------------
    def choose_folder(self) -> None:
        start = self.settings.recent_folders()[0] if self.settings.recent_folders() else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of MIDI files", start)
        if folder:
            self.set_source(folder)

    def _recent_chosen(self, index: int) -> None:
        folder = self.recent_combo.itemData(index)
        if folder:
            self.set_source(folder)

    def refresh_recent(self) -> None:
        self.recent_combo.clear()
        recent = self.settings.recent_folders()
        if not recent:
            self.recent_combo.addItem("(none yet)", None)
        for folder in recent:
            self.recent_combo.addItem(folder, folder)

    def set_source(self, source: str, scan: bool = True) -> None:
        """Use ``source`` (a folder or ``demo:NAME``) as the corpus; scan it right away."""
        if not source:
            return
        self.source = source
        if not source.startswith(DEMO_PREFIX):
            self.settings.add_recent_folder(source)
            self.refresh_recent()
        self.source_label.setText(f"Corpus: <b>{source}</b>")
        self.styles.set_main(source)
        self.scan_button.setEnabled(True)
        self.sourceChanged.emit(source)
        if scan:
            self.start_scan()

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._dropped_folder(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        folder = self._dropped_folder(event.mimeData())
        if folder:
            event.acceptProposedAction()
            self.set_source(folder)

    @staticmethod
    def _dropped_folder(mime) -> str | None:
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            path = Path(url.toLocalFile())
            if path.is_dir():
                return str(path)
            if path.suffix.lower() in (".mid", ".midi") and path.parent.is_dir():
                return str(path.parent)
        return None

    # ---- scanning ------------------------------------------------------------------------------
    def start_scan(self) -> None:
        if not self.source or (self.worker and self.worker.is_running()):
            return
        specs = self.styles.checked_specs(self.source)
        if specs is None:  # a style name core would refuse: said under the list, nothing scanned
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat("fix the style names to scan")
            return
        self.report, self.styled, self._rescan = None, None, False
        self._scanned_sources = self._sources_of(specs)
        self.model.set_records([])
        self.style_table.hide()
        self.progress.setRange(0, 0)  # busy until the first event says how many files
        demo = any(s.split("=", 1)[-1].startswith(DEMO_PREFIX) for s in specs)
        self.progress.setFormat("preparing…" if demo else "%v / %m files")
        self.scan_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        worker = scan_worker(self.source) if len(specs) == 1 else styles_scan_worker(specs)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker = self.jobs.start(worker)

    def _sources_of(self, specs: list[str]) -> tuple[str, ...]:
        return (self.source, *(source for _name, source in self.styles.list.extras())) if len(specs) > 1 \
            else (self.source,)

    def cancel_scan(self) -> None:
        if self.worker:
            self._rescan = False
            self.worker.cancel()

    def _styles_edited(self) -> None:
        """A corpus added or removed beside the chosen one: scan again; a name edited: relabel."""
        if not self.source:
            return
        specs = self.styles.checked_specs(self.source)
        if specs is None:
            return
        if self._sources_of(specs) != self._scanned_sources or self.worker and self.worker.is_running():
            if self.worker and self.worker.is_running():
                self._rescan = True
                self.worker.cancel()
            else:
                self.start_scan()
        elif self.styled is not None:
            from ...core.data.styles import parse_sources

            self._show_styled(self.styled.renamed([s.name for s in parse_sources(specs)]))
            self._hand_over()

    def _on_progress(self, events: list[Progress]) -> None:
        event = events[-1]
        if event.total:
            self.progress.setFormat(f"{event.data['style']}: %v / %m files" if "style" in event.data
                                    else "%v / %m files")
            self.progress.setRange(0, event.total)
            self.progress.setValue(min(event.done, event.total))
        if event.message:
            self.status.emit(event.message)

    def _scan_done(self) -> bool:
        """The scan stopped; True when another one started in its place (the corpora changed)."""
        self.scan_button.setEnabled(bool(self.source))
        self.cancel_button.setEnabled(False)
        if self._rescan:
            self._rescan = False
            self.start_scan()
            return self.worker is not None and self.worker.is_running()
        return False

    def _on_finished(self, result: CorpusReport | StyledScan) -> None:
        if self._scan_done():
            return
        if isinstance(result, StyledScan):
            self._show_styled(result)
            self.status.emit(f"Scanned {len(result.sources)} styles: {self.usable_files} usable files")
        else:
            self.set_report(result)
            self.status.emit(f"Scanned {self.source}: {self.usable_files} usable files")
        self.scanned.emit(self.source, self.report)
        self._hand_over()

    def _hand_over(self) -> None:
        """The styles to the Train page (and, once they are gone, that they are)."""
        if self.styled is not None:
            self.stylesChanged.emit(self.styled.specs())
            self._handed_styles = True
        elif self._handed_styles:
            self.stylesChanged.emit([])
            self._handed_styles = False

    def _on_failed(self, message: str) -> None:
        if self._scan_done():
            return
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("scan failed")
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(self, "Scan failed", message)

    def _on_cancelled(self) -> None:
        if self._scan_done():
            return
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("cancelled")

    # ---- results --------------------------------------------------------------------------------
    def set_report(self, report: CorpusReport) -> None:
        """Show the scan of a one-style corpus."""
        self.report, self.styled = report, None
        self.style_table.hide()
        self.table.setColumnHidden(FileTableModel.STYLE, True)
        self._show_files(report.files)
        self._show_stats(report.stats, report.skipped_files)

    def _show_styled(self, styled: StyledScan) -> None:
        """Show the scan of several styles: a row per style and a total, each file with its style."""
        self.report, self.styled = styled.reports[0], styled
        self.style_table.show_scan(styled)
        self.table.setColumnHidden(FileTableModel.STYLE, False)
        labelled = styled.labelled()
        self._show_files([r for _, r in labelled], [name for name, _ in labelled])
        small = [(row.name, row) for row in styled.rows() if row.ok < SMALL_FILES or row.notes < SMALL_NOTES]
        self._show_stats(styled.total_stats(), [r for _, r in styled.skipped()],
                         [name for name, _ in styled.skipped()], small)

    def _show_files(self, records: list[FileRecord], styles: list[str] | None = None) -> None:
        self.model.set_records(records, styles)
        self.table.sortByColumn(FileTableModel.STYLE if styles else 0, Qt.SortOrder.AscendingOrder)
        n = len(records)
        self.progress.setRange(0, max(1, n))
        self.progress.setValue(n)
        styles = f" in {len(self.styled.sources)} styles" if self.styled else ""
        self.progress.setFormat(f"{n} files scanned{styles}")

    def _show_stats(self, stats: CorpusStats, skipped: list[FileRecord], styles: list[str] | None = None,
                    small: list | None = None) -> None:
        instruments = sorted(stats.instruments.items(), key=lambda kv: -kv[1])[:5]
        labels = styles or [""] * len(skipped)
        reasons = Counter(f"{s}: {_short_reason(f)}" if s else _short_reason(f) for s, f in zip(labels, skipped))
        put = lambda key, text: self.stat_labels[key].setText(text)  # noqa: E731
        put("files", f"{stats.files:,}")
        put("ok", f"{stats.ok:,}")
        put("skipped", f"{stats.files - stats.ok:,}")
        put("notes", f"{stats.notes:,}")
        put("duration", fmt_seconds(stats.total_duration_s))
        put("instruments", ", ".join(f"{program_name(p)} ({n})" for p, n in instruments) or "—")
        put("reasons", "; ".join(f"{k} ({v})" for k, v in reasons.most_common(4)) or "none")
        if small:
            self.warning.setText(
                "⚠ Small " + ("style" if len(small) == 1 else "styles") + " (" + "; ".join(
                    f"{name}: {row.ok} usable files, {row.notes:,} notes" for name, row in small)
                + f"): the model will memorise rather than learn. Aim for at least {SMALL_FILES} files and "
                f"{SMALL_NOTES:,} notes per style.")
            self.warning.show()
        elif small is None and (stats.ok < SMALL_FILES or stats.notes < SMALL_NOTES):
            self.warning.setText(
                f"⚠ Small corpus ({stats.ok} usable files, {stats.notes:,} notes): the model will memorise "
                f"it rather than learn a style. Aim for at least {SMALL_FILES} files and {SMALL_NOTES:,} notes.")
            self.warning.show()
        else:
            self.warning.hide()

    def _apply_filter(self) -> None:
        self.proxy.set_filter(self.status_filter.currentData(), self.text_filter.text())

    @property
    def usable_files(self) -> int:
        if self.styled is not None:
            return sum(r.stats.ok for r in self.styled.reports)
        return self.report.stats.ok if self.report is not None else 0
