"""Look and feel: Fusion everywhere, following the system light/dark colour scheme.

Qt 6.5+ reports the platform's scheme through ``QStyleHints.colorScheme``; the Fusion style
builds its palette from it, so the window follows the system by default. Widgets that paint
their own colours (the loss chart, the piano roll) ask ``is_dark()`` and listen to
``scheme_changed``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE_SHEET)


def is_dark(palette: QPalette | None = None) -> bool:
    hints = QGuiApplication.styleHints()
    if palette is None and hints is not None and hints.colorScheme() != Qt.ColorScheme.Unknown:
        return hints.colorScheme() == Qt.ColorScheme.Dark
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def connect_scheme_changed(slot) -> None:
    """Call ``slot(scheme)`` whenever the system switches between light and dark. ``slot`` must be
    a bound method of a QObject, so the connection dies with the widget (a lambda here would
    outlive it on the app-wide style hints)."""
    hints = QGuiApplication.styleHints()
    if hints is not None:
        hints.colorSchemeChanged.connect(slot)


def accent(palette: QPalette | None = None) -> QColor:
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Highlight)


WARNING_COLOR = "#c77700"
ERROR_COLOR = "#c62828"
OK_COLOR = "#2e7d32"

STYLE_SHEET = """
QListWidget#sidebar { border: none; font-size: 14px; padding-top: 8px; }
QListWidget#sidebar::item { padding: 10px 14px; }
QLabel[role="title"] { font-size: 18px; font-weight: 600; }
QLabel[role="hint"] { color: palette(placeholder-text); }
QLabel[role="warning"] { color: #c77700; font-weight: 600; }
QLabel[role="stat"] { font-size: 15px; font-weight: 600; }
"""


# ---- small shared widget helpers ----------------------------------------------------------------

def title_label(text: str):
    from PySide6.QtWidgets import QLabel

    label = QLabel(text)
    label.setProperty("role", "title")
    return label


def page_layout(page, title: str, hint: str):
    """A page's outer layout, opened by its title and a one-line hint."""
    from PySide6.QtWidgets import QVBoxLayout

    layout = QVBoxLayout(page)
    layout.addWidget(title_label(title))
    layout.addWidget(hint_label(hint))
    return layout


def side_by_side(left, right, stretch: tuple[int, int] = (0, 3)):
    """A splitter with ``left`` and ``right``, sharing extra room by ``stretch`` (left, right)."""
    from PySide6.QtWidgets import QSplitter

    splitter = QSplitter()
    for index, widget in enumerate((left, right)):
        splitter.addWidget(widget)
        splitter.setStretchFactor(index, stretch[index])
    return splitter


def hint_label(text: str):
    from PySide6.QtWidgets import QLabel

    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


def fmt_seconds(seconds: float | None) -> str:
    """1:05, 1:02:03, or an em dash when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "—"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
