"""A non-modal message bar across the top of the window: a few lines of text, action buttons
and a close button. Nothing waits on it (no modal dialog): the window stays usable and tests
never hang on it. Used for "the window did not close normally: restore?", settings that could
not be read, and what pruning removed."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

STYLES = {
    "warning": "QFrame#notice { background: #fff4ce; border-bottom: 1px solid #e0c060; } "
               "QFrame#notice QLabel { color: #3d3000; }",
    "info": "QFrame#notice { background: #e3efff; border-bottom: 1px solid #9bbbe8; } "
            "QFrame#notice QLabel { color: #10284a; }",
}


class NoticeBar(QFrame):
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.lines: list[str] = []
        self.warning = False
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons: dict[str, QPushButton] = {}
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(12, 6, 6, 6)
        self._row.addWidget(self.label, 1)
        self._actions = QHBoxLayout()
        self._row.addLayout(self._actions)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        self._row.addWidget(self.close_button)
        self.setStyleSheet(STYLES["info"])
        self.hide()

    def add(self, text: str, actions: tuple[tuple[str, Callable[[], None]], ...] = (),
            kind: str = "info") -> None:
        """Show ``text`` (below what is already shown) and, when given, action buttons that run
        their callable and then close the bar. A warning colours the whole bar."""
        if text and text not in self.lines:
            self.lines.append(text)
        self.label.setText("\n".join(self.lines))
        for label, action in actions:
            button = QPushButton(label)
            button.clicked.connect(lambda _c=False, a=action: self._run(a))
            self.buttons[label] = button
            self._actions.addWidget(button)
        if kind == "warning":
            self.warning = True
            self.setStyleSheet(STYLES["warning"])
        self.show()

    def text(self) -> str:
        return "\n".join(self.lines)

    def _run(self, action: Callable[[], None]) -> None:
        self.dismiss()
        action()

    def dismiss(self) -> None:
        self.lines = []
        self.label.clear()
        for button in self.buttons.values():
            button.deleteLater()
        self.buttons = {}
        self.warning = False
        self.setStyleSheet(STYLES["info"])
        self.hide()
        self.closed.emit()
