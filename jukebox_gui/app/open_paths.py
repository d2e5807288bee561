"""Choosing what to open: File > Open… (one dialog for MIDI files and folders) and drag and drop
anywhere on the window. Both hand a list of paths to ``MainWindow.open_paths``: MIDI files
become takes on the Generate page, a folder becomes the corpus (several folders: the first is the
corpus, the others styles beside it).

The dialog is Qt's own (not the platform's) so that "Open" on a selected folder opens it instead
of entering it (double-click still enters a folder). It is shown with ``open()``, never
``exec()``: nothing waits on it, and tests drive it like a user (select, accept).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QDir, QEvent, QObject, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from ..core.opened_takes import MIDI_SUFFIXES, is_midi_name

NAME_FILTERS = ("MIDI files or a folder (" + " ".join(f"*{s}" for s in MIDI_SUFFIXES) + ")", "All files (*)")
FOLDER_KEY = "open/folder"
DRAG_EVENTS = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)


class OpenDialog(QFileDialog):
    """Pick MIDI files or folders (several at once); ``pathsChosen(list[str])`` once accepted."""

    pathsChosen = Signal(list)

    def __init__(self, parent: QWidget | None, settings=None) -> None:
        folder = settings.value(FOLDER_KEY, "") if settings is not None else ""
        super().__init__(parent, "Open MIDI files or a corpus folder",
                         folder if isinstance(folder, str) and folder else QDir.homePath())
        self.settings = settings
        self.setObjectName("open-dialog")
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.setFileMode(QFileDialog.FileMode.ExistingFiles)
        self.setNameFilters(list(NAME_FILTERS))
        self.setLabelText(QFileDialog.DialogLabel.Accept, "Open")
        self.filesSelected.connect(lambda files: self.pathsChosen.emit([str(f) for f in files]))

    def accept(self) -> None:
        if self.settings is not None:  # the next File > Open starts where this one ended
            self.settings.set_value(FOLDER_KEY, self.directory().path())
        here = Path(self.directory().path())
        chosen = [c for c in self.selectedFiles() if Path(c) != here]
        if any(Path(c).is_dir() for c in chosen):
            QDialog.accept(self)  # selected folders: open them (a corpus and its styles), do not enter one
            self.pathsChosen.emit(chosen)
            return
        super().accept()


def dropped_paths(mime) -> list[str]:
    """The local MIDI files and folders among a drag's URLs (anything else is left out)."""
    if mime is None or not mime.hasUrls():
        return []
    found = []
    for url in mime.urls():
        if not url.isLocalFile():
            continue
        path = Path(url.toLocalFile())
        if is_midi_name(path) or path.is_dir():
            found.append(str(path))
    return found


class DropFilter(QObject):
    """Takes drops of MIDI files and folders for the whole window: installed on the window and on
    every child widget that accepts drops itself (text fields, the Corpus page), so a file dropped
    anywhere opens the same way. Other drags (text into a field) pass through untouched."""

    def __init__(self, open_paths: Callable[[list[str]], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.open_paths = open_paths
        self.watched: list[QWidget] = []

    def watch(self, root: QWidget) -> None:
        """Install on ``root`` and on its descendants that accept drops."""
        for widget in [root, *root.findChildren(QWidget)]:
            if (widget is root or widget.acceptDrops()) and widget not in self.watched:
                widget.installEventFilter(self)
                self.watched.append(widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() not in DRAG_EVENTS:
            return False
        paths = dropped_paths(event.mimeData())
        if not paths:
            return False
        event.acceptProposedAction()
        if event.type() == QEvent.Type.Drop:
            self.open_paths(paths)
        return True
