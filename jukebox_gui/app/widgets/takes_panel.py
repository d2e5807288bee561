"""The Generate page's list of takes: star, rename and delete a take (buttons, context menu, F2 /
Delete keys) through ``core.takes_store``; the disk use of kept takes; and the setting that
deletes old unstarred sessions at start-up, which always says what it deleted.

The panel shares the page's list of entries (``entries`` is the page's ``takes``): row ``i`` of
the list widget is ``entries[i]``. An entry is anything with ``stored`` (a StoredTake or None)
and ``label()`` / ``tooltip()``.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QInputDialog, QLabel, QListWidget,
                               QListWidgetItem, QMenu, QMessageBox, QToolButton, QVBoxLayout, QWidget)

from ...core.errors import JukeboxError
from ..settings import PRUNE_CHOICES, Settings

log = logging.getLogger("jukebox.app.takes")

PRUNE_LABELS = {0: "never", 7: "after 7 days", 30: "after 30 days", 90: "after 90 days", 365: "after a year"}


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


class TakesPanel(QWidget):
    status = Signal(str)  # a line for the status bar
    changed = Signal()  # a take was starred, renamed or deleted

    def __init__(self, entries: list, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries, self.settings = entries, settings
        self.store: Any = None  # core.takes_store.TakesStore, once the page opened it
        self.session: str | None = None

        self.list = QListWidget()
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.list.itemDoubleClicked.connect(lambda _item: self.rename_interactive())

        self.star_action = self._action("Star", self.toggle_star, "Ctrl+D",
                                        "Starred takes are never deleted by the clean-up of old sessions")
        self.rename_action = self._action("Rename…", self.rename_interactive, "F2", "Give the take a name")
        self.delete_action = self._action("Delete…", self.delete_interactive, QKeySequence.StandardKey.Delete,
                                          "Delete the take from the list and from the disk")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(QLabel("Takes:"))
        buttons.addStretch(1)
        self.buttons: dict[str, QToolButton] = {}
        for key, action in (("star", self.star_action), ("rename", self.rename_action),
                            ("delete", self.delete_action)):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance("Unstar") + 24)  # Star <-> Unstar
            self.buttons[key] = button
            buttons.addWidget(button)

        self.usage_label = QLabel()
        self.usage_label.setWordWrap(True)
        self.usage_label.setObjectName("hint")
        self.prune_combo = QComboBox()
        for days in PRUNE_CHOICES:
            self.prune_combo.addItem(PRUNE_LABELS[days], days)
        self.prune_combo.setCurrentIndex(max(0, self.prune_combo.findData(settings.prune_days())))
        self.prune_combo.setToolTip("At start-up, delete sessions of takes not used for this long. A session "
                                    "with a starred take, the current one and the last three are always kept; "
                                    "what is deleted is always said.")
        self.prune_combo.activated.connect(self._prune_setting_chosen)
        prune_row = QHBoxLayout()
        prune_row.setContentsMargins(0, 0, 0, 0)
        prune_row.addWidget(QLabel("Delete old unstarred sessions:"))
        prune_row.addWidget(self.prune_combo, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.usage_label)
        layout.addLayout(prune_row)
        self._update_buttons()
        self.update_usage()

    def _action(self, text: str, slot, shortcut, tip: str) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{tip} ({action.shortcut().toString()})")
        action.triggered.connect(lambda _checked=False: slot())
        self.list.addAction(action)
        return action

    def bind(self, store: Any, session: str | None) -> None:
        self.store, self.session = store, session
        self.update_usage()

    # ---- the list ------------------------------------------------------------------------------
    def add(self, entry: Any) -> None:
        self.entries.append(entry)
        item = QListWidgetItem(entry.label())
        item.setToolTip(entry.tooltip())
        self.list.addItem(item)
        self.list.setCurrentRow(self.list.count() - 1)
        self.update_usage()

    def current_row(self) -> int:
        row = self.list.currentRow()
        return row if 0 <= row < len(self.entries) else -1

    def _entry(self, row: int | None) -> tuple[int, Any]:
        row = self.current_row() if row is None else row
        if not 0 <= row < len(self.entries):
            return -1, None
        return row, self.entries[row]

    def refresh_row(self, row: int) -> None:
        item = self.list.item(row)
        if item is not None and 0 <= row < len(self.entries):
            item.setText(self.entries[row].label())
            item.setToolTip(self.entries[row].tooltip())
        self._update_buttons()

    def _update_buttons(self) -> None:
        _row, entry = self._entry(None)
        kept = entry is not None and entry.stored is not None
        self.star_action.setEnabled(kept)
        self.rename_action.setEnabled(kept)
        self.delete_action.setEnabled(entry is not None)
        self.star_action.setText("Unstar" if kept and entry.stored.starred else "Star")

    def _context_menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        self.list.setCurrentItem(item)
        menu = QMenu(self)
        menu.addActions([self.star_action, self.rename_action, self.delete_action])
        menu.popup(self.list.viewport().mapToGlobal(pos))  # popup, not exec: nothing blocks

    # ---- star, rename, delete (through the store) ------------------------------------------------
    def _not_kept(self, entry: Any) -> bool:
        if entry.stored is None or self.store is None:
            self.status.emit(f"{entry.label().split(' · ')[0]} is not kept on disk: export it to keep it")
            return True
        return False

    def toggle_star(self, row: int | None = None) -> bool:
        row, entry = self._entry(row)
        return entry is not None and self.star(row, not (entry.stored is not None and entry.stored.starred))

    def star(self, row: int | None, starred: bool = True) -> bool:
        row, entry = self._entry(row)
        if entry is None or self._not_kept(entry):
            return False
        try:
            entry.stored = self.store.star(entry.stored, starred)
        except JukeboxError as exc:
            self.status.emit(f"Could not star the take: {exc}")
            return False
        self.refresh_row(row)
        self.status.emit(f"Starred {entry.stored.name}: it is never deleted by the clean-up" if starred
                         else f"{entry.stored.name} is no longer starred")
        self.changed.emit()
        return True

    def rename_interactive(self) -> None:
        row, entry = self._entry(None)
        if entry is None or self._not_kept(entry):
            return
        name, ok = QInputDialog.getText(self, "Rename take", "Name:", text=entry.stored.name)
        if ok:
            self.rename(row, name)

    def rename(self, row: int | None, name: str) -> bool:
        row, entry = self._entry(row)
        if entry is None or self._not_kept(entry):
            return False
        try:
            entry.stored = self.store.rename(entry.stored, name)
        except JukeboxError as exc:
            self.status.emit(f"Could not rename the take: {exc}")
            return False
        self.refresh_row(row)
        self.changed.emit()
        return True

    def delete_interactive(self) -> None:
        row, entry = self._entry(None)
        if entry is None:
            return
        name = entry.label().split(" · ")[0]
        answer = QMessageBox.question(self, "Delete take", f"Delete {name}? Its MIDI file and record are "
                                      "removed from the disk (exported copies stay).",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(row)

    def delete(self, row: int | None) -> bool:
        row, entry = self._entry(row)
        if entry is None:
            return False
        name = entry.label().split(" · ")[0]
        if entry.stored is not None and self.store is not None:
            try:
                self.store.delete(entry.stored)
            except JukeboxError as exc:
                self.status.emit(f"Could not delete {name}: {exc}")
                return False
        del self.entries[row]  # before the item goes: the row signal must see the new entries
        self.list.takeItem(row)
        self._update_buttons()
        self.update_usage()
        self.status.emit(f"Deleted {name}")
        self.changed.emit()
        return True

    # ---- disk use and pruning ------------------------------------------------------------------------
    def update_usage(self) -> None:
        if self.store is None:
            self.usage_label.setText("Takes are not kept on disk in this window.")
            return
        try:
            usage = self.store.usage()
        except JukeboxError as exc:
            self.usage_label.setText(f"Disk use unknown: {exc}")
            return
        mine = usage.get(self.session or "", 0)
        kept = sum(1 for e in self.entries if e.stored is not None)
        total = sum(usage.values())
        self.usage_label.setText(f"On disk: this session {kept} takes, {human_size(mine)} · all sessions "
                                 f"{human_size(total)} in {len(usage)} session{'s' * (len(usage) != 1)}")
        self.usage_label.setToolTip(str(self.store.sessions_dir))

    def _prune_setting_chosen(self, index: int) -> None:
        days = int(self.prune_combo.itemData(index))
        self.settings.set_prune_days(days)
        if not days:
            self.status.emit("Old sessions of takes are kept: nothing is ever deleted")
            return
        doomed = self.prune(dry_run=True)
        takes = sum(s.takes for s in doomed)
        self.status.emit(f"From the next start, unstarred sessions unused for {days} days are deleted"
                         + (f" (now {len(doomed)} sessions, {takes} takes)" if doomed else ""))

    def prune(self, dry_run: bool = False, now: float | None = None) -> list:
        """Delete (or list, with ``dry_run``) the sessions the setting says are too old."""
        days = self.settings.prune_days()
        if not days or self.store is None:
            return []
        keep = (self.session,) if self.session else ()
        try:
            doomed = self.store.prune(days, keep=keep, dry_run=dry_run, now=now)
        except JukeboxError as exc:
            log.warning("pruning old takes failed: %s", exc)
            return []
        if not dry_run:
            self.update_usage()
        return doomed

    def prune_message(self, doomed: list) -> str:
        """What pruning deleted, in one sentence ('' when nothing)."""
        if not doomed:
            return ""
        takes = sum(s.takes for s in doomed)
        size = sum(s.size_bytes for s in doomed)
        names = ", ".join(s.id for s in doomed[:3]) + (" …" if len(doomed) > 3 else "")
        return (f"Deleted {len(doomed)} old session{'s' * (len(doomed) != 1)} of takes unused for more than "
                f"{self.settings.prune_days()} days ({takes} unstarred takes, {human_size(size)}: {names}). "
                "Change this under Generate › Delete old unstarred sessions.")
