"""The main window: a sidebar of pages (Corpus, Train, Models, Generate), menus, status bar,
shortcuts, remembered layout, and a clean stop of running jobs on close.

File > Open…, a drop anywhere on the window and ``jukebox-gui PATH…`` all go through
``open_paths``: a MIDI file becomes a take on the Generate page (``pages/opened_take.py``), a
folder the corpus, and more folders styles beside it on the Corpus page. Settings > SoundFont…
chooses what renders play with (``soundfont_dialog.py``).

It reopens with the last session (corpus and its styles, model, generation settings, selected take: see
``Settings.session_state``). After a start that finds the last window never closed cleanly, it
asks first, in a non-modal bar (the takes themselves are listed either way: they are on disk)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QVBoxLayout, QListWidget, QListWidgetItem, QMainWindow,
                               QMessageBox, QStackedWidget, QWidget)

from .about import show_about
from .open_paths import DropFilter, OpenDialog
from .pages.corpus_page import CorpusPage
from .pages.generate_page import GeneratePage
from .pages.models_page import ModelsPage
from .pages.opened_take import TakeOpener, primer_path
from .pages.train_page import TrainPage
from .settings import SessionState, Settings
from .widgets.notice_bar import NoticeBar
from .workers import JobManager

log = logging.getLogger("jukebox.app")

PAGES = ("Corpus", "Train", "Models", "Generate & listen")
CLOSE_TIMEOUT_S = 5.0


def _is_there(source: str) -> bool:
    """A demo corpus this version has, or a folder that is still there."""
    from ..core.demo import DEMO_CORPORA, DEMO_PREFIX

    if source.startswith(DEMO_PREFIX):
        return source[len(DEMO_PREFIX):] in DEMO_CORPORA
    return Path(source).is_dir()


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("AI Jukebox")
        self.settings = settings or Settings()
        self.jobs = JobManager(self)

        self.corpus_page = CorpusPage(self.jobs, self.settings)
        self.train_page = TrainPage(self.jobs, self.settings)
        self.models_page = ModelsPage(self.jobs)
        self.generate_page = GeneratePage(self.jobs, self.settings)
        self.pages = [self.corpus_page, self.train_page, self.models_page, self.generate_page]
        self.opener = TakeOpener(self.generate_page)
        self.opener.problems.connect(self._open_problems)
        self.open_dialog: OpenDialog | None = None

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(170)
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for i, title in enumerate(PAGES):
            item = QListWidgetItem(title)
            item.setToolTip(f"{title} (Ctrl+{i + 1})")
            self.sidebar.addItem(item)
        self.stack = QStackedWidget()
        for page in self.pages:
            self.stack.addWidget(page)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.notice = NoticeBar()
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.notice)
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        outer.addLayout(layout, 1)
        self.setCentralWidget(central)

        self.jobs_label = QLabel("")
        self.statusBar().addPermanentWidget(self.jobs_label)
        self.jobs.activeChanged.connect(self._jobs_changed)
        self._build_menus()
        self._wire_pages()
        self.setAcceptDrops(True)
        self.drops = DropFilter(self.open_paths, self)
        self.drops.watch(self)
        self._restore()
        self.crashed_last_time = self.settings.begin_session()
        self._open_session()
        self.statusBar().showMessage("Ready. Start by choosing a corpus.", 5000)

    # ---- menus and shortcuts -------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open…", self.show_open_dialog, QKeySequence.StandardKey.Open)
        self._action(file_menu, "Open &corpus folder…", self._open_folder, "Ctrl+Shift+O")
        self.recent_menu = file_menu.addMenu("Recent folders")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        demo_menu = file_menu.addMenu("Demo corpus")
        for i in range(self.corpus_page.demo_combo.count()):
            source = self.corpus_page.demo_combo.itemData(i)
            self._action(demo_menu, self.corpus_page.demo_combo.itemText(i),
                         lambda _c=False, s=source: self._use_source(s))
        file_menu.addSeparator()
        export_menu = file_menu.addMenu("&Export take")
        self._action(export_menu, "MIDI…", lambda: self._export("midi"), "Ctrl+E")
        self._action(export_menu, "MusicXML…", lambda: self._export("musicxml"), "Ctrl+Shift+E")
        self._action(export_menu, "WAV…", lambda: self._export("wav"))
        self._action(export_menu, "Stems (one WAV per instrument)…", lambda: self._export("stems"))
        self._action(export_menu, "Open in MuseScore", lambda: self._export("musescore"), "Ctrl+M")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit_menu = bar.addMenu("&Edit")  # the Generate page's undo stack: regenerate, keep, discard
        edit_menu.addAction(self.generate_page.regen.undo_action)
        edit_menu.addAction(self.generate_page.regen.redo_action)

        go_menu = bar.addMenu("&Go")
        for i, title in enumerate(PAGES):
            self._action(go_menu, title, lambda _c=False, n=i: self.show_page(n), f"Ctrl+{i + 1}")
        run_menu = bar.addMenu("&Run")
        self._action(run_menu, "Scan corpus", self.corpus_page.start_scan, "F5")
        self._action(run_menu, "Start training", self.train_page.start, "Ctrl+T")
        self._action(run_menu, "Stop training", self.train_page.stop, "Ctrl+Shift+T")
        self._action(run_menu, "Generate", self._generate, "Ctrl+G")
        self._action(run_menu, "Regenerate selection", self.generate_page.regenerate_selection, "Ctrl+Shift+G")
        self._action(run_menu, "Render audio", self.generate_page.render, "Ctrl+R")
        self._action(run_menu, "Continue this take (use as primer)", self.continue_take)
        self._action(run_menu, "Cancel running jobs", self.jobs.cancel_all)

        settings_menu = bar.addMenu("&Settings")
        self._action(settings_menu, "&SoundFont…", self.show_soundfont_dialog)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Open log folder", self._open_logs)
        self._action(help_menu, "&About AI Jukebox", lambda: show_about(self), QKeySequence.StandardKey.HelpContents)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        folders = self.settings.recent_folders()
        if not folders:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for folder in folders:
            self._action(self.recent_menu, folder, lambda _c=False, f=folder: self._use_source(f))

    def _open_folder(self) -> None:
        self.show_page(0)
        self.corpus_page.choose_folder()

    def _use_source(self, source: str) -> None:
        self.show_page(0)
        self.corpus_page.set_source(source)

    # ---- opening files and folders (File > Open…, drops, the command line) ------------------------
    def show_open_dialog(self) -> OpenDialog:
        """File > Open…: MIDI files (each one a take) or a folder (the corpus). Not modal."""
        if self.open_dialog is None:
            self.open_dialog = OpenDialog(self, self.settings)
            self.open_dialog.pathsChosen.connect(self.open_paths)
        self.open_dialog.open()
        return self.open_dialog

    def open_paths(self, paths: list[str], scan: bool = True):
        """Open what was given: MIDI files as takes (read in a worker; returns it), the first
        folder as the corpus and any others as styles beside it, in place of the ones listed
        (scanned unless ``scan`` is False). What cannot be opened is said."""
        from ..core.opened_takes import sort_paths

        files, folders, others = sort_paths(paths)
        notes = []
        if len(folders) == 1:
            self.show_page(0)
            self.corpus_page.set_source(str(folders[0]), scan=scan)
        elif folders:
            self.show_page(0)
            self.corpus_page.set_source(str(folders[0]), scan=False)
            self.corpus_page.styles.set_styles([(None, str(f)) for f in folders[1:]])
            self._save_styles()
            if scan:
                self.corpus_page.start_scan()
            self.statusBar().showMessage(f"{folders[0].name} is the corpus, with "
                                         + ", ".join(f.name for f in folders[1:]) + " beside it as styles", 8000)
        if others:
            notes.append("Not opened (not a MIDI file or a folder, or not there): "
                         + ", ".join(p.name or str(p) for p in others) + ".")
        for text in notes:
            self.notice.add(text, kind="warning")
        if files:
            self.show_page(3)
            return self.opener.open_files(files)
        return None

    def _open_problems(self, problems: list[str]) -> None:
        self.notice.add("Could not open: " + " ".join(p.rstrip(".") + "." for p in problems), kind="warning")
        self.statusBar().showMessage(problems[0], 8000)

    def continue_take(self) -> None:
        """Run > Continue this take: the take shown becomes the Generate page's primer."""
        path = primer_path(self.generate_page.current_take())
        if path is None:
            self.statusBar().showMessage("No take to continue yet: open or generate one first.", 4000)
            return
        take = self.generate_page.current_take()
        bars = len(take.score.bar_starts()) or 1
        self.generate_page.apply_generation_settings({"primer": path, "primer_bars": min(64, bars)})
        self.show_page(3)
        part = "it" if bars <= 64 else "its first 64 bars (the most a primer takes)"
        self.statusBar().showMessage(f"{take.name} is the primer: press Generate to continue {part}.", 8000)

    def show_soundfont_dialog(self):
        """Settings > SoundFont… (not modal; a change drops the audio rendered with the old one)."""
        from .soundfont_dialog import show_soundfont_dialog

        return show_soundfont_dialog(self)

    def _export(self, kind: str) -> None:
        if self.generate_page.current_take() is None:
            self.statusBar().showMessage("No take to export yet: generate one first.", 4000)
            return
        if kind == "stems":
            self.generate_page.export_stems()
        else:
            self.generate_page.export(kind)

    def _generate(self) -> None:
        self.show_page(3)
        self.generate_page.generate()

    def _open_logs(self) -> None:
        from ..core.paths import log_dir

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))

    def show_page(self, index: int) -> None:
        self.sidebar.setCurrentRow(index)

    # ---- wiring the pages ------------------------------------------------------------------------
    def _wire_pages(self) -> None:
        for page in self.pages:
            page.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.corpus_page.sourceChanged.connect(lambda source: self.train_page.set_corpus(source))
        self.corpus_page.scanned.connect(self.train_page.set_corpus)
        self.corpus_page.stylesChanged.connect(  # with the scan of them: the Train page counts every style
            lambda specs: self.train_page.set_styles(specs, self.corpus_page.styled))
        self.train_page.trained.connect(self._model_trained)
        self.train_page.runningChanged.connect(self._training_changed)
        self.models_page.modelsChanged.connect(self.generate_page.set_models)
        self.models_page.loadRequested.connect(self._load_model)
        self.models_page.refresh()

    def _model_trained(self, path: str) -> None:
        self.models_page.refresh()
        self.generate_page.select_model(path)

    def _load_model(self, ref: str) -> None:
        self.generate_page.select_model(ref)
        self.show_page(3)

    def _training_changed(self, running: bool) -> None:
        self.sidebar.item(1).setText("Train  ●" if running else "Train")

    def _jobs_changed(self, count: int) -> None:
        names = sorted({w.name for w in self.jobs.active()})
        self.jobs_label.setText(f"Running: {', '.join(names)}" if count and names else "")

    # ---- layout memory -----------------------------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 820)
        state = self.settings.state()
        if state is not None:
            self.restoreState(state)
        page = self.settings.last_page()
        self.show_page(page if 0 <= page < len(self.pages) else 0)

    def save_layout(self) -> None:
        self.settings.save_window(self.saveGeometry(), self.saveState(), self.stack.currentIndex())
        self.settings.sync()

    # ---- the session: restored at start, saved as it changes -------------------------------------------
    def _open_session(self) -> None:
        state = self.settings.session_state()  # read before anything below saves over it
        self.restore_offer: SessionState | None = None
        for problem in self.settings.problems:
            self.notice.add(problem, kind="warning")
        self.settings.problems.clear()
        pruned = self.generate_page.takes_panel.prune()
        if pruned:
            self.notice.add(self.generate_page.takes_panel.prune_message(pruned))
        if self.crashed_last_time:
            takes = len(self.generate_page.takes)
            text = "AI Jukebox did not close normally last time."
            if takes:
                text += f" The {takes} takes of that session are kept and listed on the Generate page."
            actions: tuple = ()
            if not state.is_empty():
                text += f" Restore the rest of it ({state.describe()})?"
                self.restore_offer = state
                actions = (("Restore", lambda: self.restore_session(state)), ("Start fresh", self._decline_restore))
            self.notice.add(text, actions, kind="warning")
        else:
            self.restore_session(state)
        self.corpus_page.sourceChanged.connect(self._corpus_chosen)
        self.corpus_page.styles.changed.connect(self._save_styles)
        self.generate_page.model_combo.activated.connect(lambda _i: self._save_generation())
        self.generate_page.generated.connect(lambda _take: self._save_generation())
        self.generate_page.take_list.currentRowChanged.connect(self._take_selected)

    def restore_session(self, state: SessionState) -> list[str]:
        """Reopen ``state``: returns what was restored (what is gone is said in the bar)."""
        self.restore_offer = None
        restored, gone = [], []
        if state.model:
            if state.model.startswith("builtin:") or Path(state.model).is_dir():
                self.generate_page.select_model(state.model)
                restored.append("model")
            else:
                gone.append(f"the model {state.model} is no longer there")
        if state.generation:
            self.generate_page.apply_generation_settings(state.generation)
            restored.append("generation settings")
        if state.take and self.generate_page.select_take(state.take):
            restored.append("selected take")
        if state.corpus:
            if _is_there(state.corpus):
                restored.append(self._restore_corpus(state, gone))
            else:
                gone.append(f"the corpus folder {state.corpus} is no longer there")
        if gone:
            self.notice.add("Not restored: " + "; ".join(gone) + ".")
        if restored:
            self.statusBar().showMessage("Restored the last session: " + ", ".join(restored), 8000)
        return restored

    def _restore_corpus(self, state: SessionState, gone: list[str]) -> str:
        """The corpus, the styles beside it that are still there and its style name; scanned."""
        from ..core.data.styles import parse_sources

        extras = []
        for style in parse_sources(state.styles) if state.styles else []:  # checked when read
            if _is_there(style.source):
                extras.append((style.name, style.source))
            else:
                gone.append(f"the folder {style.source} of the style {style.name} is no longer there")
        self.corpus_page.set_source(state.corpus, scan=False)
        self.corpus_page.styles.set_styles(extras, state.style_name)
        self.corpus_page.start_scan()
        self._save_styles()
        return f"corpus with {len(extras)} more as styles" if extras else "corpus"

    def _decline_restore(self) -> None:
        self.restore_offer = None

    def _corpus_chosen(self, source: str) -> None:
        self.settings.set_last_corpus(source)
        self._save_styles()

    def _save_styles(self) -> None:
        saved = self.corpus_page.styles.saved()
        if saved is not None:  # else a name core refuses: the last good ones stay
            self.settings.set_last_styles(*saved)
        self.settings.sync()

    def _save_generation(self) -> None:
        self.settings.set_last_model(self.generate_page.model_combo.currentData())
        self.settings.set_generation_settings(self.generate_page.generation_settings())
        self.settings.sync()

    def _take_selected(self, _row: int) -> None:
        take = self.generate_page.current_take()
        if take is not None and take.stored is not None:
            self.settings.set_last_take(take.stored.id)

    # ---- closing -------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.train_page.is_running():
            answer = QMessageBox.question(
                self, "Training is running",
                "A model is still training. Stop it and quit?\nThe last checkpoint is kept, "
                "so you can resume later.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self.jobs.active():
            self.statusBar().showMessage("Stopping running jobs…")
            if not self.jobs.stop_all(CLOSE_TIMEOUT_S):
                log.warning("some jobs did not stop within %.0f s: %s", CLOSE_TIMEOUT_S,
                            [w.name for w in self.jobs.active()])
        self.save_layout()
        if self.restore_offer is None:  # an unanswered offer keeps the crashed session's state
            self._save_generation()
            self._save_styles()
        self.generate_page.close_takes_session()
        self.settings.end_session()
        event.accept()

