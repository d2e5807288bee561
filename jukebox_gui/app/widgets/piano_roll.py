"""Piano roll: notes by pitch and time, a keyboard ruler, bar/beat lines, a playhead, click-to-seek.

Painting visits only what is visible: each track keeps its notes sorted by start in numpy arrays,
and a paint looks up ``[view_start - longest_note, view_end]`` with ``searchsorted`` (bisect), so a
zoomed-in view of a 20,000-note take touches a few hundred notes (painting: piano_roll_paint.py). Times on screen are in beats (bar
lines stay regular under tempo changes); the playhead and seek signal speak seconds through the
score's tempo map.

Mouse: wheel scrolls vertically, shift+wheel horizontally, ctrl+wheel zooms around the cursor;
a click (or drag) in the notes or a click in the bar ruler emits ``seekRequested(seconds)``.

Bar selection (for "Regenerate selection"): a drag across the bar ruler, or a shift-click (or
shift-drag) anywhere, selects whole bars; it is drawn as a shaded band and Esc clears it.
``selection()`` is ``(first, end)``, 0-based with the end excluded (``core.ml.infill``'s
convention); ``selectionChanged`` says when it changes.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
from PySide6.QtCore import QPointF, QRect, Qt, Signal
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from jukebox_gui.core.music.score import Score, TimeSignature

from .piano_roll_drums import DrumLane, drum_lane_height
from .piano_roll_paint import (DRAG_PX, EMPTY_TEXT, KEY_W, MAX_PPB, MIN_PPB, RULER_H, ZOOM_STEP, PianoRollPainting,
                               TrackIndex, index_tracks, pitch_name)

__all__ = ["PianoRoll", "EMPTY_TEXT", "KEY_W", "RULER_H", "pitch_name"]


class PianoRoll(DrumLane, PianoRollPainting, QAbstractScrollArea):
    """Shows a :class:`Score`; ``set_playhead(seconds)`` follows playback; emits ``seekRequested``.

    Drum tracks are drawn in a lane of their own under the pitched notes, one row per drum sound
    used, labelled with its General MIDI name (piano_roll_drums.py). ``set_audible(flags)`` dims
    the tracks that are not heard (muted, or not soloed), by their index in ``score.tracks``."""

    seekRequested = Signal(float)  # seconds
    selectionChanged = Signal(object)  # (first bar, end bar), 0-based, end excluded; None when cleared

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._score: Score | None = None
        self._tracks: list[TrackIndex] = []  # tracks with notes; .index is their place in score.tracks
        self._drums: list[bool] = []  # is_drum of every track of the score (the colour rule's input)
        self._audible: list[bool] | None = None  # per score track; None: all heard
        self._drum_keys: list[int] = []  # drum keys used, bottom row first
        self._key_w = KEY_W  # the keyboard column (the drum lane labels its rows inside the lane)
        self._bars: list[tuple[float, float, float]] = []  # (start beat, bar length, beat step)
        self._bar_beats: list[float] = []
        self._end_beat = 0.0
        self._pitch_range = (48, 84)
        self._ppb = 24.0  # pixels per beat
        self._key_h = 10  # pixels per semitone
        self._playhead_beat: float | None = None
        self._sections: list[dict] = []  # a take's song form (report["form"]["sections"])
        self._selection: tuple[int, int] | None = None  # whole bars, 0-based, end excluded
        self._anchor: int | None = None  # the bar a selection drag or shift-click extends from
        self._press: tuple[str, QPointF] | None = None  # ("ruler" | "select", where) while the button is down
        self.follow_playhead = True
        self._fitted = True  # re-fit on resize until the user zooms
        self.last_visited = 0  # notes looked at in the last paint (the culling works if small)
        self.last_drawn = 0  # notes actually drawn in the last paint
        self.setMinimumSize(240, 160)
        self.setFocusPolicy(Qt.FocusPolicy.WheelFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.viewport().setMouseTracking(False)
        self._build_bars()
        self._update_scrollbars()
        self._center_pitch()

    # ---- public API ----------------------------------------------------------------------
    def set_score(self, score: Score | None, keep_view: bool = False) -> None:
        """Show ``score``; ``keep_view`` keeps the zoom and scroll (e.g. comparing variants of a
        take). A bar selection stays while the new score still has its bars."""
        hval, vval = self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        self._score = score if score is not None and score.note_count else None
        self._tracks = index_tracks(self._score) if self._score else []
        self._drums = [bool(t.is_drum) for t in self._score.tracks] if self._score else []
        if self._audible is not None and len(self._audible) != len(self._drums):
            self._audible = None
        self._end_beat = 0.0
        melodic = [t for t in self._tracks if not t.is_drum]
        keys = {int(p) for t in self._tracks if t.is_drum for p in np.unique(t.pitches).tolist()}
        self._drum_keys = sorted(keys)
        if self._tracks:
            self._end_beat = max(float(t.ends.max()) for t in self._tracks)
        if melodic:
            lo = min(int(t.pitches.min()) for t in melodic)
            hi = max(int(t.pitches.max()) for t in melodic)
            self._pitch_range = (lo, hi)
        self._build_bars()
        self._playhead_beat = None
        if self._selection is not None and self._selection[1] > self.bar_count():
            self.clear_selection()
        if keep_view and self._score is not None and not self._fitted:
            self._update_scrollbars()
            self.horizontalScrollBar().setValue(hval)
            self.verticalScrollBar().setValue(vval)
            self.viewport().update()
        else:
            self.fit()

    def score(self) -> Score | None:
        return self._score

    def set_audible(self, flags: list[bool] | None) -> None:
        """Which tracks of the score are heard (by index in ``score.tracks``); the others are
        drawn dimmed. ``None`` (or a list of the wrong length): every track is heard."""
        flags = [bool(f) for f in flags] if flags is not None else None
        if flags is not None and (len(flags) != len(self._drums) or all(flags)):
            flags = None
        if flags != self._audible:
            self._audible = flags
            self.viewport().update()

    def is_audible(self, index: int) -> bool:
        return self._audible is None or not (0 <= index < len(self._audible)) or self._audible[index]

    # ---- bar selection ---------------------------------------------------------------------
    def bar_count(self) -> int:
        """Bars the shown score spans (0 without one)."""
        if self._score is None:
            return 0
        return max(1, bisect.bisect_left(self._bar_beats, self._end_beat - 1e-9))

    def selection(self) -> tuple[int, int] | None:
        """The selected bars as (first, end): 0-based, the end excluded; None when none."""
        return self._selection

    def selection_beats(self) -> tuple[float, float] | None:
        """(start beat, end beat) of the selection."""
        if self._selection is None:
            return None
        first, last = self._selection
        return self._bar_start(first), self._bar_start(last)

    def set_selection(self, first: int | None, last: int | None = None) -> None:
        """Select bars ``first..last-1`` (0-based; ``last`` defaults to one bar), clamped to the
        score's bars; ``None`` clears. Emits ``selectionChanged`` when it changes."""
        count = self.bar_count()
        new = None
        if first is not None and count:
            last = first + 1 if last is None else last
            first, last = sorted((int(first), int(last)))
            first = min(max(first, 0), count - 1)
            last = min(max(last, first + 1), count)
            new = (first, last)
        self._anchor = None  # a drag or shift-click sets its own
        if new != self._selection:
            self._selection = new
            self.viewport().update()
            self.selectionChanged.emit(new)

    def clear_selection(self) -> None:
        self.set_selection(None)

    def _bar_start(self, bar: int) -> float:
        if bar < len(self._bar_beats):
            return self._bar_beats[bar]
        last_start, last_len = self._bars[-1][0], self._bars[-1][1]
        return last_start + (bar - len(self._bars) + 1) * last_len

    def bar_at_x(self, x: float) -> int:
        """The bar under viewport x (clamped to the score's bars)."""
        beat = max(0.0, self._beat_of(x))
        bar = max(0, bisect.bisect_right(self._bar_beats, beat + 1e-9) - 1)
        return min(bar, max(0, self.bar_count() - 1))

    def _select_to(self, x: float) -> None:
        bar = self.bar_at_x(x)
        anchor = bar if self._anchor is None else self._anchor
        self._anchor = anchor
        self.set_selection(min(anchor, bar), max(anchor, bar) + 1)
        self._anchor = anchor  # set_selection(None) would have dropped it

    def set_sections(self, sections: list[dict] | None) -> None:
        """Label a take's song form above its notes: ``report["form"]["sections"]`` (name,
        first_bar, bars, is_repeat); None or [] for none."""
        self._sections = [dict(s) for s in (sections or []) if isinstance(s, dict) and "first_bar" in s]
        self.viewport().update()

    def section_labels(self) -> list[tuple[str, float, float]]:
        """(label, start beat, end beat) of every section shown (see ``set_sections``)."""
        if not self._sections or not self._bars:
            return []
        starts = [b[0] for b in self._bars]
        last_start, last_len = self._bars[-1][0], self._bars[-1][1]

        def beat(bar: int) -> float:
            return starts[bar] if bar < len(starts) else last_start + (bar - len(starts) + 1) * last_len

        out = []
        for s in self._sections:
            first, bars = int(s["first_bar"]), int(s.get("bars", 1))
            name = str(s.get("name", ""))
            if s.get("is_repeat"):
                name += " (2nd ending)" if s.get("varied_bars") else " (repeat)"
            out.append((name, beat(first), beat(first + bars)))
        return out

    def set_playhead(self, seconds: float | None) -> None:
        """Move the playhead (seconds from the start); scroll it into view while following."""
        old = self._playhead_x()
        if seconds is None or self._score is None:
            self._playhead_beat = None
        else:
            self._playhead_beat = max(0.0, self._score.seconds_to_beat(max(0.0, float(seconds))))
        if self.follow_playhead and self._playhead_beat is not None:
            self._scroll_beat_into_view(self._playhead_beat)
        new = self._playhead_x()
        for x in (old, new):
            if x is not None:
                self.viewport().update(QRect(int(x) - 7, 0, 15, self.viewport().height()))

    def playhead_seconds(self) -> float | None:
        if self._playhead_beat is None or self._score is None:
            return None
        return self._score.beat_to_seconds(self._playhead_beat)

    @property
    def pixels_per_beat(self) -> float:
        return self._ppb

    def zoom_in(self) -> None:
        self._zoom_at(self._note_area().center().x(), ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom_at(self._note_area().center().x(), 1 / ZOOM_STEP)

    def fit(self) -> None:
        """Show the whole take horizontally and centre its pitch range."""
        area = self._note_area()
        span = max(self._end_beat, 4.0)
        self._ppb = float(np.clip(area.width() / span, MIN_PPB, MAX_PPB))
        lo, hi = self._pitch_range
        self._key_h = int(np.clip(area.height() // max(hi - lo + 3, 1), 5, 16))
        self._update_scrollbars()
        self.horizontalScrollBar().setValue(0)
        self._center_pitch()
        self._fitted = True
        self.viewport().update()

    # ---- geometry ------------------------------------------------------------------------
    def _note_area(self) -> QRect:
        vp = self.viewport().rect()
        lane = drum_lane_height(self)
        return QRect(self._key_w, RULER_H, max(1, vp.width() - self._key_w), max(1, vp.height() - RULER_H - lane))

    def _x_of(self, beat: float) -> float:
        return self._key_w + beat * self._ppb - self.horizontalScrollBar().value()

    def _beat_of(self, x: float) -> float:
        return (x - self._key_w + self.horizontalScrollBar().value()) / self._ppb

    def _y_of(self, pitch: int) -> int:  # top edge of the pitch row
        return RULER_H + (127 - pitch) * self._key_h - self.verticalScrollBar().value()

    def _playhead_x(self) -> float | None:
        return None if self._playhead_beat is None else self._x_of(self._playhead_beat)

    def _update_scrollbars(self) -> None:
        area = self._note_area()
        total_w = int(math.ceil((max(self._end_beat, 4.0) + 4.0) * self._ppb))
        hbar = self.horizontalScrollBar()
        hbar.setRange(0, max(0, total_w - area.width()))
        hbar.setPageStep(area.width())
        hbar.setSingleStep(max(1, int(self._ppb)))
        vbar = self.verticalScrollBar()
        vbar.setRange(0, max(0, 128 * self._key_h - area.height()))
        vbar.setPageStep(area.height())
        vbar.setSingleStep(self._key_h)

    def _center_pitch(self) -> None:
        lo, hi = self._pitch_range
        mid_y = (127 - (lo + hi) / 2) * self._key_h
        self.verticalScrollBar().setValue(int(mid_y - self._note_area().height() / 2))

    def _zoom_at(self, x: float, factor: float) -> None:
        self._fitted = False
        anchor = self._beat_of(x)
        self._ppb = float(np.clip(self._ppb * factor, MIN_PPB, MAX_PPB))
        self._update_scrollbars()
        self.horizontalScrollBar().setValue(int(round(anchor * self._ppb - (x - self._key_w))))
        self.viewport().update()

    def _scroll_beat_into_view(self, beat: float) -> None:
        area = self._note_area()
        x = self._x_of(beat)
        if x < area.left() or x > area.right() - 8:
            self.horizontalScrollBar().setValue(int(beat * self._ppb - area.width() * 0.1))

    def _build_bars(self) -> None:
        """Bar starts with their length and beat step, from the time signatures (4/4 if empty)."""
        score = self._score or Score()
        sigs = sorted(score.time_signatures, key=lambda s: s.beat) or [TimeSignature(0.0)]
        starts = [s.beat for s in sigs]
        until = self._end_beat + 64.0  # beyond the end, so the grid fills the scroll padding
        self._bars, self._bar_beats = [], []
        for bar in score.bar_starts(until):
            sig = sigs[max(0, bisect.bisect_right(starts, bar + 1e-9) - 1)]
            self._bars.append((bar, sig.bar_beats, 4.0 / max(sig.denominator, 1)))
            self._bar_beats.append(bar)

    # ---- events --------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()  # e.g. set_score before the page was laid out
        else:
            self._update_scrollbars()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta()
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ControlModifier:
            steps = (delta.y() or delta.x()) / 120.0
            if steps:
                self._zoom_at(event.position().x(), ZOOM_STEP ** steps)
        elif mods & Qt.KeyboardModifier.ShiftModifier or (delta.x() and not delta.y()):
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - int((delta.y() or delta.x()) / 120.0 * bar.pageStep() / 4))
        else:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() - int(delta.y() / 120.0 * 3 * self._key_h))
        event.accept()

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        pos = event.position()
        if self._score is not None and pos.x() >= self._key_w:
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:  # extend (or start) a selection
                if self._anchor is None and self._selection is not None:
                    first, last = self._selection
                    self._anchor = first if self.bar_at_x(pos.x()) >= first else last - 1
                self._press = ("select", pos)
                self._select_to(pos.x())
                event.accept()
                return
            if pos.y() < RULER_H:  # the bar ruler: a click seeks, a drag selects bars
                self._press = ("ruler", pos)
                event.accept()
                return
        if self._seek_from(pos):
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self._press is not None:
            kind, where = self._press
            pos = event.position()
            if kind == "ruler" and abs(pos.x() - where.x()) >= DRAG_PX:
                self._anchor = self.bar_at_x(where.x())
                kind = "select"
                self._press = (kind, where)
            if kind == "select":
                self._select_to(pos.x())
            event.accept()
            return
        if event.buttons() & Qt.MouseButton.LeftButton and self._seek_from(event.position()):
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            kind, where = self._press
            self._press = None
            if kind == "ruler":  # no drag: a click in the ruler seeks, as before
                self._seek_from(where)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _seek_from(self, pos: QPointF) -> bool:
        if self._score is None or pos.x() < self._key_w:
            return False
        seconds = self._score.beat_to_seconds(max(0.0, self._beat_of(pos.x())))
        follow, self.follow_playhead = self.follow_playhead, False  # no jump under the mouse
        self.set_playhead(seconds)
        self.follow_playhead = follow
        self.seekRequested.emit(seconds)
        return True

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key.Key_0:
            self.fit()
        elif key == Qt.Key.Key_Escape and self._selection is not None:
            self.clear_selection()
        else:
            super().keyPressEvent(event)
