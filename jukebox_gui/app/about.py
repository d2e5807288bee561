"""Help ▸ About: what this is and the versions it runs on (for bug reports)."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from .. import __version__

LIBRARIES = ("tensorflow", "keras", "music21", "mido", "symusic", "miditok", "pyfluidsynth", "pyqtgraph", "numpy")


def versions() -> dict[str, str]:
    """Versions from package metadata: no heavy import (TensorFlow is not loaded for this)."""
    found = {
        "AI Jukebox": __version__,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": pyside_version,
    }
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    found["Platform"] = f"{platform.system()} {platform.release()} ({sys.platform})"
    return found


def about_html() -> str:
    rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;{v}</td></tr>" for k, v in versions().items())
    return (
        f"<h3>AI Jukebox {__version__}</h3>"
        "<p>A desktop composer that learns from your MIDI files, writes new pieces, "
        "plays them and exports them to MuseScore.</p>"
        f"<table>{rows}</table>"
    )


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(parent, "About AI Jukebox", about_html())
