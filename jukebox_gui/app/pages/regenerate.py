"""The Generate page's "Regenerate selection" (issue 17): fill the bars selected in the piano roll
anew with the chosen model, audition the variants, keep one; undo and redo through a QUndoStack.

The fill runs in a worker (``workers.infill``); so does the check that the model can fill at all
(``core.ml.infill.can_fill``), which opens the bundle once and is kept per model. Variants hang
off the take they were made from (``TakeEntry.variants``): the strip under the piano roll shows
"Original" and v1..vN, and the page shows (plays, renders, exports) the one chosen. "Keep" puts
the chosen variant into the take list through the takes store like any generated take, named
"Take 3 · bars 5-8 v2". Regenerating, keeping and discarding are undo commands; undoing them
returns to the take as it was (an undone keep deletes the kept take again).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLabel, QPushButton, QSpinBox, QToolButton,
                               QVBoxLayout, QWidget)

from ...core.errors import JukeboxError
from ..workers import Worker
from ..workers.infill import FillCheck, fill_check_worker, infill_worker, track_fill_worker

if TYPE_CHECKING:
    from .generate_page import GeneratePage, TakeEntry

log = logging.getLogger("jukebox.app.regenerate")

MAX_VARIANTS = 8
NO_TAKE = "Generate a take first, then select bars in its piano roll"
NO_MODEL = "Choose a model first"
NO_SELECTION = ("Select bars in the piano roll first: drag across the bar numbers above the notes, or "
                "shift-click a bar (Esc clears the selection)")


def bars_text(first: int, last: int) -> str:
    """(4, 8) -> "5-8"; (4, 5) -> "5" (1-based, like ``jukebox infill --bars``)."""
    return f"{first + 1}-{last}" if last - first > 1 else f"{first + 1}"


class AuditionCommand(QUndoCommand):
    """Set a take's pending variants and the one shown: regenerating (none -> new ones) and
    discarding (some -> none) are both this, with ``before`` and ``after`` swapped."""

    def __init__(self, bar: "RegenerateBar", entry: "TakeEntry", before: tuple, after: tuple, text: str) -> None:
        super().__init__(text)
        self.bar, self.entry, self.before, self.after = bar, entry, before, after

    def redo(self) -> None:
        self.bar.set_audition(self.entry, *self.after)

    def undo(self) -> None:
        self.bar.set_audition(self.entry, *self.before)


class KeepCommand(QUndoCommand):
    """Keep variant ``index`` of ``entry``'s pending variants as a take of its own."""

    def __init__(self, bar: "RegenerateBar", entry: "TakeEntry", index: int) -> None:
        variant = entry.variants[index - 1]
        super().__init__(f"Keep {variant.name}")
        self.bar, self.entry, self.index = bar, entry, index
        self.variants = list(entry.variants)
        self.kept: Any = None

    def redo(self) -> None:
        self.kept = self.bar.keep_now(self.entry, self.variants, self.index)

    def undo(self) -> None:
        self.bar.unkeep(self.kept, self.entry, self.variants, self.index)
        self.kept = None


class RegenerateBar(QWidget):
    """The "Regenerate selection" row (button, variants spin, undo/redo, what is selected or why
    not) and, while a take has variants, the strip that auditions them."""

    def __init__(self, page: "GeneratePage") -> None:
        super().__init__(page)
        self.page = page
        self.roll = page.piano_roll
        self.worker: Worker | None = None
        self.check_jobs: dict[str, Worker] = {}
        self.checks: dict[str, FillCheck] = {}  # model ref -> can it fill (and its opened bundle)
        self.undo_stack = QUndoStack(self)

        self.button = QPushButton("Regenerate selection")
        self.button.clicked.connect(self.regenerate)
        self.variants_spin = QSpinBox(minimum=1, maximum=MAX_VARIANTS)
        self.variants_spin.setValue(3)
        self.variants_spin.setToolTip("How many versions of the selected bars to write, to listen to and keep one")
        self.info = QLabel()
        self.info.setProperty("role", "hint")
        self.info.setWordWrap(True)
        # short button texts; what would be undone is in the tooltip ("Undo Regenerate bars 5-8 of Take 3")
        self.undo_action = QAction("Undo", self)
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.undo_action.triggered.connect(self.undo_stack.undo)
        self.redo_action = QAction("Redo", self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.triggered.connect(self.undo_stack.redo)
        for action, can, text, what in ((self.undo_action, self.undo_stack.canUndoChanged,
                                         self.undo_stack.undoTextChanged, "Undo"),
                                        (self.redo_action, self.undo_stack.canRedoChanged,
                                         self.undo_stack.redoTextChanged, "Redo")):
            action.setEnabled(False)
            action.setToolTip(f"Nothing to {what.lower()}")
            can.connect(action.setEnabled)
            text.connect(lambda t, a=action, w=what, k=action.shortcut().toString():
                         a.setToolTip(f"{w} {t} ({k})" if t else f"Nothing to {w.lower()}"))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            page.addAction(action)  # Ctrl+Z / Ctrl+Shift+Z anywhere on the page
        self.undo_button, self.redo_button = QToolButton(), QToolButton()
        self.undo_button.setDefaultAction(self.undo_action)
        self.redo_button.setDefaultAction(self.redo_action)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(QLabel("Variants:"))
        row.addWidget(self.variants_spin)
        row.addWidget(self.info, 1)
        row.addWidget(self.undo_button)
        row.addWidget(self.redo_button)

        # ---- the variants strip (shown while the take has variants) ------------------------------
        self.strip = QWidget()
        strip = QHBoxLayout(self.strip)
        strip.setContentsMargins(0, 0, 0, 0)
        self.strip_label = QLabel()
        strip.addWidget(self.strip_label)
        self.choice_row = QHBoxLayout()
        strip.addLayout(self.choice_row)
        strip.addStretch(1)
        self.keep_button = QPushButton("Keep")
        self.keep_button.clicked.connect(self.keep)
        self.discard_button = QPushButton("Discard variants")
        self.discard_button.setToolTip("Back to the take as it was (undo brings the variants back)")
        self.discard_button.clicked.connect(self.discard)
        strip.addWidget(self.keep_button)
        strip.addWidget(self.discard_button)
        self.choices = QButtonGroup(self)
        self.choices.setExclusive(True)
        self.choices.idClicked.connect(self.choose)
        self.strip.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.strip)
        self.roll.selectionChanged.connect(lambda _sel: self.refresh())

    # ---- whether it can run ----------------------------------------------------------------------
    def running(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def model_name(self) -> str:
        return self.page.model_combo.currentText() or "this model"

    def reason(self) -> str:
        """Why "Regenerate selection" cannot run now ('' when it can). May start the model check."""
        if self.running():
            return "Regenerating the selection…"
        if self.page.listed_take() is None:
            return NO_TAKE
        model = self.page.model_combo.currentData()
        if not model:
            return NO_MODEL
        if self.roll.selection() is None:
            return NO_SELECTION
        if self.page.worker is not None and self.page.worker.is_running():
            return "Wait for the take being generated"
        check = self.checks.get(model)
        if check is None:
            self._start_check(model)
            return f"Checking whether {self.model_name()} can fill a selection…"
        if not check.ok:
            return f"{self.model_name()} cannot regenerate a selection: {check.why}"
        return ""

    def _start_check(self, model: str) -> None:
        if model in self.check_jobs:
            return
        worker = fill_check_worker(model)
        worker.finished.connect(lambda check, m=model: self._checked(m, check))
        worker.failed.connect(lambda message, m=model: self._checked(m, FillCheck(m, False, message)))
        worker.stopped.connect(lambda m=model: self.check_jobs.pop(m, None))
        self.check_jobs[model] = self.page.jobs.start(worker)

    def _checked(self, model: str, check: FillCheck) -> None:
        self.check_jobs.pop(model, None)
        self.checks[model] = check
        self.page.model_opened(model, check)
        self.refresh()

    def forget_checks(self) -> None:
        """The models changed (trained, deleted): ask again."""
        self.checks.clear()
        self.refresh()

    def refresh(self) -> None:
        why = self.reason()
        self.button.setEnabled(not why)
        selection = self.roll.selection()
        chosen = ""
        if selection is not None:
            text = bars_text(*selection)
            chosen = f"Bar{'s' * ('-' in text)} {text} selected"
        if why:
            self.button.setToolTip(why)
            if why in (NO_TAKE, NO_MODEL) or selection is None:
                self.info.setText(why if why != NO_SELECTION else
                                  "Select bars: drag across the bar numbers, or shift-click")
            else:
                self.info.setText(f"{chosen} · {why}")
        else:
            take = self.page.listed_take()
            self.button.setToolTip(f"Write {chosen.split(' selected')[0].lower()} of {take.name} anew with "
                                   f"{self.model_name()}, keeping every other note")
            self.info.setText(chosen)
        self.variants_spin.setEnabled(not self.running())
        self._refresh_strip()

    # ---- regenerating ----------------------------------------------------------------------------
    def regenerate(self) -> Worker | None:
        why = self.reason()
        if why:
            self.page.status.emit(why)
            return None
        take = self.page.listed_take()
        model = self.page.model_combo.currentData()
        first, last = self.roll.selection()
        settings = self.page.generation_settings()
        variants = self.variants_spin.value()
        worker = infill_worker(self.checks[model], take.score, first, last, settings, variants)
        worker.progress.connect(self.page._on_progress)
        worker.finished.connect(lambda takes, t=take, s=settings, m=model, b=(first, last):
                                self._filled(t, b, takes, s, m))
        worker.failed.connect(lambda message: self.page._failed("Regenerating the selection failed", message))
        worker.cancelled.connect(lambda: self.page._job_done("Regenerating the selection cancelled"))
        self.page.progress.setRange(0, 0)
        self.worker = self.page.jobs.start(worker)
        self.page.status.emit(f"Regenerating bars {bars_text(first, last)} of {take.name} "
                              f"({variants} variant{'s' * (variants != 1)})…")
        self.page._update_buttons()
        return self.worker

    def regenerate_tracks(self, tracks: list[int]) -> Worker | None:
        """Write the tracks ``tracks`` (indices) of the take shown anew under the others, in the
        bars selected (else the whole take), as variants to audition like a selection's."""
        from ...core.ml.track_fill import can_write_tracks
        from ...core.music.gm_names import track_names

        take = self.page.listed_take()
        model = self.page.model_combo.currentData()
        why = ("Regenerating…" if self.running() else NO_TAKE if take is None else NO_MODEL if not model
               else "Wait for the take being generated" if self.page.worker is not None
               and self.page.worker.is_running() else "")
        check = self.checks.get(model) if not why else None
        if not why and check is None:
            self._start_check(model)
            why = f"Checking {self.model_name()}… press again in a moment"
        if not why and check.bundle is None:
            why = f"{self.model_name()} cannot be opened: {check.why}"
        if not why:
            ok, reason = can_write_tracks(check.bundle)
            why = "" if ok else f"{self.model_name()} cannot write one instrument under others: {reason}"
        if why:
            self.page.status.emit(why)
            return None
        selection = self.roll.selection()
        names = [track_names(take.score)[i] for i in tracks]
        settings = self.page.generation_settings()
        variants = self.variants_spin.value()
        worker = track_fill_worker(check, take.score, list(tracks), settings, variants, bars=selection)
        worker.progress.connect(self.page._on_progress)
        bars = selection or (0, len(take.score.bar_starts(take.score.end_beat + 1e-6)))
        label = f"{', '.join(names)} anew"
        worker.finished.connect(lambda made, t=take, s=settings, m=model, b=bars, w=label:
                                self._filled(t, b, made, s, m, what=w))
        worker.failed.connect(lambda message: self.page._failed(f"Regenerating {', '.join(names)} failed", message))
        worker.cancelled.connect(lambda: self.page._job_done("Regenerating the track cancelled"))
        self.page.progress.setRange(0, 0)
        self.worker = self.page.jobs.start(worker)
        where = f"bars {bars_text(*selection)}" if selection else "the whole take"
        self.page.status.emit(f"Writing a new {', '.join(names)} part under the other tracks of {take.name}, "
                              f"{where} ({variants} variant{'s' * (variants != 1)})…")
        self.page._update_buttons()
        return self.worker

    def _filled(self, take: "TakeEntry", bars: tuple[int, int], made: list, settings: dict[str, Any],
                model: str, what: str | None = None) -> None:
        from .generate_page import TakeEntry

        text = bars_text(*bars)
        label = what or f"bars {text}"
        variants = []
        for k, core_take in enumerate(made, start=1):
            report = {**{key: take.report[key] for key in ("form",) if key in take.report}, **core_take.report}
            seed = report.get("seed", settings.get("seed"))
            values = {**take.settings, **{key: settings.get(key) for key in ("temperature", "top_p", "top_k")},
                      "seed": seed, "regenerated": {"of": take.stored.id if take.stored is not None else take.name,
                                                    "bars": [bars[0] + 1, bars[1]], "variant": k,
                                                    **({"what": what} if what else {})}}
            core_take.report = report
            variant = TakeEntry(take.number, core_take, values, model)
            variant.title = f"{take.name} · {label} v{k}"
            variants.append(variant)
        self.page._job_done(f"{len(variants)} variant{'s' * (len(variants) != 1)} of {label}: "
                            "listen to them and keep one")
        before = (take.variants, take.variant_index)
        self.undo_stack.push(AuditionCommand(self, take, before, (variants, 1),
                                             f"Regenerate {label} of {take.name}"))

    # ---- auditioning -----------------------------------------------------------------------------
    def set_audition(self, entry: "TakeEntry", variants: list | None, index: int) -> None:
        """Give ``entry`` these pending variants, show variant ``index`` (0: the take itself)."""
        entry.variants = list(variants) if variants else None
        entry.variant_index = index if entry.variants else 0
        self.page.show_entry(entry)

    def choose(self, index: int) -> None:
        take = self.page.listed_take()
        if take is None or not take.variants:
            return
        take.variant_index = max(0, min(index, len(take.variants)))
        self.page.show_entry(take)

    def keep(self) -> None:
        take = self.page.listed_take()
        if take is not None and take.variants and take.variant_index:
            self.undo_stack.push(KeepCommand(self, take, take.variant_index))

    def discard(self) -> None:
        take = self.page.listed_take()
        if take is not None and take.variants:
            self.undo_stack.push(AuditionCommand(self, take, (take.variants, take.variant_index), (None, 0),
                                                 f"Discard the variants of {take.name}"))

    def keep_now(self, entry: "TakeEntry", variants: list, index: int) -> "TakeEntry":
        """Keep variant ``index`` as a take in the list (and the store); returns the new entry."""
        from .generate_page import TakeEntry

        page = self.page
        variant = variants[index - 1]
        stored = None
        if page.store is not None and page.session is not None:
            try:
                stored = page.store.add_take(page.session, variant.take, settings=variant.settings,
                                             model=variant.model, name=variant.title)
            except JukeboxError as exc:
                log.warning("the kept variant was not written to disk: %s", exc)
                page.status.emit(f"{variant.title} could not be kept on disk (export it to save it): {exc}")
        number = stored.number if stored is not None else max((t.number for t in page.takes), default=0) + 1
        kept = TakeEntry(number, variant.take, variant.settings, variant.model)
        kept.title, kept.stored, kept.audio = variant.title, stored, variant.audio
        page.replace_audio_holder(variant, kept)
        entry.variants, entry.variant_index = None, 0
        page.add_take(kept)  # appends and selects it
        page.status.emit(f"Kept {kept.name}")
        return kept

    def unkeep(self, kept: "TakeEntry", entry: "TakeEntry", variants: list, index: int) -> None:
        page = self.page
        if kept is not None and kept in page.takes:
            if not page.takes_panel.delete(page.takes.index(kept)):
                return
        self.set_audition(entry, variants, index)

    def _refresh_strip(self) -> None:
        take = self.page.listed_take()
        variants = take.variants if take is not None else None
        if not variants:
            self.strip.hide()
            return
        buttons = self.choices.buttons()
        if len(buttons) != len(variants) + 1:
            for button in buttons:
                self.choices.removeButton(button)
                self.choice_row.removeWidget(button)
                button.deleteLater()
            for k in range(len(variants) + 1):
                button = QToolButton()
                button.setText("Original" if k == 0 else f"v{k}")
                button.setCheckable(True)
                self.choices.addButton(button, k)
                self.choice_row.addWidget(button)
        for k, button in enumerate(self.choices.buttons()):
            shown = take if k == 0 else variants[k - 1]
            button.setToolTip(f"{shown.name}: {shown.score.note_count} notes")
            button.setChecked(k == take.variant_index)
        info = variants[0].report.get("infill") or variants[0].report.get("track_fill") or {}
        bars = info.get("bars") or [0, 0]
        where = f"bars {bars[0]}-{bars[1]}" if bars[1] > bars[0] else f"bar {bars[0]}"
        if info.get("instruments"):
            self.strip_label.setText(f"{', '.join(info['instruments'])} anew in {where} of {take.name}:")
        else:
            self.strip_label.setText(f"{where[0].upper()}{where[1:]} of {take.name}:")
        self.keep_button.setEnabled(take.variant_index > 0)
        self.keep_button.setText(f"Keep v{take.variant_index}" if take.variant_index else "Keep")
        self.keep_button.setToolTip("Add the variant shown to the takes (kept on disk like any take)"
                                    if take.variant_index else "Choose a variant to keep")
        self.strip.show()
