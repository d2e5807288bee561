"""Painting for the piano roll, and the note index it paints from (split out of piano_roll.py).

``TrackIndex`` keeps one track's notes sorted by start in numpy arrays; a paint bisects
``[view_start - longest_note, view_end]`` so it only visits notes that can be on screen.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen, QPolygonF

from .track_colours import DIMMED_ALPHA, track_colour

KEY_W = 44  # keyboard ruler width (px)
SECTION_COLOURS = ("#f2c14e", "#8ecae6", "#b5e48c", "#f4a3a8", "#cdb4db", "#ffd6a5")  # song form bands
RULER_H = 20  # bar-number ruler height (px)
MIN_PPB, MAX_PPB = 0.05, 600.0  # horizontal zoom limits, pixels per quarter-note beat
ZOOM_STEP = 1.25
DRAG_PX = 4  # a press in the bar ruler that moves this far is a selection drag, not a click
SELECTION_ALPHA = 55  # the selected bars' band over the notes (the ruler's is stronger)
VEL_LEVELS = 8
LEGEND_ROWS = 8  # track names shown in the corner legend
EMPTY_TEXT = "Generate a take to see it here"
BLACK_KEYS = {1, 3, 6, 8, 10}
NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def _every(bar_px: float, min_px: float) -> int:
    """Draw every Nth bar (N a power of two) so that drawn bars are at least ``min_px`` apart."""
    every = 1
    while every * bar_px < min_px and every < 1 << 20:
        every *= 2
    return every


def pitch_name(pitch: int) -> str:
    return f"{NAMES[pitch % 12]}{pitch // 12 - 1}"  # MIDI 60 = C4


@dataclass
class TrackIndex:
    """One track's notes as arrays sorted by start, for bisecting the visible window."""
    index: int  # the track's place in score.tracks (colours, mute and solo go by it)
    name: str
    is_drum: bool
    starts: np.ndarray
    ends: np.ndarray
    pitches: np.ndarray
    levels: np.ndarray  # velocity level 0..VEL_LEVELS-1
    max_dur: float

    def window(self, b0: float, b1: float) -> slice:
        """Index range of notes that may overlap beats [b0, b1]."""
        lo = int(np.searchsorted(self.starts, b0 - self.max_dur, side="left"))
        hi = int(np.searchsorted(self.starts, b1, side="right"))
        return slice(lo, hi)


def index_tracks(score) -> list[TrackIndex]:
    """A ``TrackIndex`` for every track of ``score`` that has notes, named as in the mixer."""
    from jukebox_gui.core.music.gm_names import track_names

    names = track_names(score)
    return [index_track(t, i, names[i]) for i, t in enumerate(score.tracks) if t.notes]


def index_track(track, index: int = 0, name: str | None = None) -> TrackIndex:
    notes = sorted(track.notes, key=lambda n: n.start)
    starts = np.fromiter((n.start for n in notes), dtype=np.float64, count=len(notes))
    durs = np.fromiter((max(n.duration, 1e-3) for n in notes), dtype=np.float64, count=len(notes))
    pitches = np.fromiter((n.pitch for n in notes), dtype=np.int16, count=len(notes))
    vels = np.fromiter((n.velocity for n in notes), dtype=np.int16, count=len(notes))
    levels = np.clip(vels * VEL_LEVELS // 128, 0, VEL_LEVELS - 1).astype(np.int8)
    name = name or track.name or ("Drums" if track.is_drum else f"Program {track.program}")
    return TrackIndex(index, name, track.is_drum, starts, starts + durs, pitches, levels,
                       float(durs.max()) if len(durs) else 0.0)



class PianoRollPainting:
    """Mixin for :class:`PianoRoll`: everything that draws. Reads the roll's geometry helpers."""

    def paintEvent(self, event) -> None:
        clip = event.rect()
        pal = self.palette()
        dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
        area = self._note_area()
        p = QPainter(self.viewport())
        try:
            p.fillRect(clip, pal.color(QPalette.ColorRole.Base))
            p.save()
            p.setClipRect(area.intersected(clip))
            b0 = self._beat_of(max(area.left(), clip.left()))
            b1 = self._beat_of(clip.right() + 1)
            plo, phi = self._visible_pitches(area)
            self._paint_rows(p, area, plo, phi, dark)
            self._paint_grid(p, area, b0, b1, dark)
            self._paint_selection(p, area, pal)
            if self._score is None:
                self.last_visited = self.last_drawn = 0
                p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
                font = p.font()
                font.setPointSizeF(font.pointSizeF() * 1.3)
                p.setFont(font)
                p.drawText(area, Qt.AlignmentFlag.AlignCenter, EMPTY_TEXT)
            else:
                self._paint_notes(p, area, b0, b1, plo, phi, dark)
                self._paint_sections(p, area, b0, b1, pal)
                self._paint_playhead(p, area)
                self._paint_legend(p, area, pal)
            p.restore()
            if self._score is not None:
                self._paint_drum_lane(p, clip, dark)
            self._paint_keyboard(p, area, plo, phi, dark)
            self._paint_ruler(p, area, pal)
        finally:
            p.end()

    def _visible_pitches(self, area: QRect) -> tuple[int, int]:
        top = self.verticalScrollBar().value()
        hi = 127 - top // self._key_h
        lo = 127 - (top + area.height()) // self._key_h
        return max(0, lo), min(127, hi)

    def _paint_rows(self, p: QPainter, area: QRect, plo: int, phi: int, dark: bool) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        black_row = base.lighter(125) if dark else base.darker(106)
        line = QColor(self.palette().color(QPalette.ColorRole.Text))
        line.setAlpha(45)
        c_lines = []
        for pitch in range(plo, phi + 1):
            y = self._y_of(pitch)
            if pitch % 12 in BLACK_KEYS:
                p.fillRect(QRect(area.left(), y, area.width(), self._key_h), black_row)
            if pitch % 12 == 0:
                c_lines.append(QLineF(area.left(), y + self._key_h - 0.5, area.right(), y + self._key_h - 0.5))
        p.setPen(QPen(line, 1))
        p.drawLines(c_lines)

    def _visible_bars(self, b0: float, b1: float):
        i = max(0, bisect.bisect_right(self._bar_beats, b0) - 1)
        while i < len(self._bars) and self._bars[i][0] <= b1:
            yield i, self._bars[i]
            i += 1

    def _paint_grid(self, p: QPainter, area: QRect, b0: float, b1: float, dark: bool) -> None:
        text = self.palette().color(QPalette.ColorRole.Text)
        bar_lines, beat_lines = [], []
        top, bottom = float(area.top()), float(area.bottom() + 1)
        for i, (bar, length, step) in self._visible_bars(b0, b1):
            every = _every(length * self._ppb, 8.0)
            if i % every == 0:
                x = round(self._x_of(bar)) + 0.5
                bar_lines.append(QLineF(x, top, x, bottom))
            if step * self._ppb >= 6:
                beat = bar + step
                while beat < bar + length - 1e-9:
                    x = round(self._x_of(beat)) + 0.5
                    beat_lines.append(QLineF(x, top, x, bottom))
                    beat += step
        for lines, alpha in ((beat_lines, 40 if dark else 28), (bar_lines, 110 if dark else 90)):
            colour = QColor(text)
            colour.setAlpha(alpha)
            p.setPen(QPen(colour, 1))
            p.drawLines(lines)

    def _track_colour(self, index: int, dark: bool) -> QColor:
        """The colour of ``self._tracks[index]`` (the tracks panel's swatch: track_colours.py)."""
        return track_colour(self._drums, self._tracks[index].index, dark)

    def _paint_notes(self, p, area: QRect, b0: float, b1: float, plo: int, phi: int, dark: bool,
                     drums: bool = False) -> None:
        """Pitched tracks' notes in ``area`` (``drums``: the drum tracks' notes in the drum lane)."""
        ppb, kh = self._ppb, self._key_h if not drums else self._lane_row_h
        hval, vval = self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        left, right = area.left() - 2.0, area.right() + 2.0
        visited = drawn = 0
        for ti, track in enumerate(self._tracks):
            if track.is_drum != drums:
                continue
            window = track.window(b0, b1)
            visited += window.stop - window.start
            if window.stop <= window.start:
                continue
            starts, ends = track.starts[window], track.ends[window]
            pitches, levels = track.pitches[window], track.levels[window]
            keep = (ends > b0) & (pitches >= plo) & (pitches <= phi) if not drums else ends > b0
            if not keep.any():
                continue
            starts, ends, pitches, levels = starts[keep], ends[keep], pitches[keep], levels[keep]
            x0 = self._key_w + starts * ppb - hval
            x1 = self._key_w + ends * ppb - hval - 1.0  # a pixel gap between repeated notes
            if track.is_drum:  # drum hits: small squares whatever their length
                x1 = np.maximum(x1, x0 + min(kh * 0.8, max(2.0, ppb * 0.25)))
            x0c, x1c = np.maximum(x0, left), np.minimum(x1, right)
            widths = np.maximum(x1c - x0c, 1.0)
            if drums:
                ys = self._lane_rows_y(pitches) + 0.5
            else:
                ys = RULER_H + (127 - pitches.astype(np.float64)) * kh - vval + 0.5
            height = max(1.0, kh - 1.0)
            base = self._track_colour(ti, dark)
            dim = 1.0 if self.is_audible(track.index) else DIMMED_ALPHA
            outline = (kh >= 6) and float(np.median(widths)) >= 4.0
            drawn += len(starts)
            for level in np.unique(levels).tolist():
                sel = levels == level
                colour = QColor(base)
                colour.setAlpha(int((70 + level * (185 / (VEL_LEVELS - 1))) * dim))
                p.setBrush(colour)
                edge = base.darker(135)
                edge.setAlpha(int(255 * dim))
                p.setPen(QPen(edge, 1) if outline else Qt.PenStyle.NoPen)
                p.drawRects([QRectF(x, y, w, height) for x, y, w in
                             zip(x0c[sel].tolist(), ys[sel].tolist(), widths[sel].tolist())])
        if drums:
            self.last_visited, self.last_drawn = self.last_visited + visited, self.last_drawn + drawn
        else:
            self.last_visited, self.last_drawn = visited, drawn

    def _selection_x(self) -> tuple[int, int] | None:
        beats = self.selection_beats()
        if beats is None:
            return None
        return round(self._x_of(beats[0])), round(self._x_of(beats[1]))

    def _paint_selection(self, p: QPainter, area: QRect, pal: QPalette) -> None:
        """The selected bars: a shaded band under the notes, edged in the highlight colour."""
        xs = self._selection_x()
        if xs is None or xs[1] < area.left() or xs[0] > area.right():
            return
        x0, x1 = xs
        colour = QColor(pal.color(QPalette.ColorRole.Highlight))
        colour.setAlpha(SELECTION_ALPHA)
        p.fillRect(QRect(x0, area.top(), max(1, x1 - x0), area.height()), colour)
        colour.setAlpha(220)
        p.setPen(QPen(colour, 2))
        p.drawLine(QPointF(x0, area.top()), QPointF(x0, area.bottom()))
        p.drawLine(QPointF(x1, area.top()), QPointF(x1, area.bottom()))

    def _paint_playhead(self, p: QPainter, area: QRect) -> None:
        x = self._playhead_x()
        if x is None or not (area.left() <= x <= area.right()):
            return
        p.setPen(QPen(QColor("#e0452b"), 2))
        p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))

    def _paint_legend(self, p: QPainter, area: QRect, pal: QPalette) -> None:
        if len(self._tracks) < 2:
            return
        fm = p.fontMetrics()
        names = [t.name[:24] for t in self._tracks[:LEGEND_ROWS]]
        extra = len(self._tracks) - len(names)
        if extra:
            names.append(f"+{extra} more")
        row = fm.height() + 2
        width = max(fm.horizontalAdvance(n) for n in names) + 26
        box = QRect(area.right() - width - 8, area.top() + 6, width, row * len(names) + 6)
        bg = QColor(pal.color(QPalette.ColorRole.Window))
        bg.setAlpha(215)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(bg)
        p.drawRoundedRect(box, 4, 4)
        dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
        for i, name in enumerate(names):
            y = box.top() + 3 + i * row
            text = QColor(pal.color(QPalette.ColorRole.WindowText))
            if i < LEGEND_ROWS:
                swatch = self._track_colour(i, dark)
                if not self.is_audible(self._tracks[i].index):
                    swatch.setAlphaF(DIMMED_ALPHA)
                    text.setAlphaF(0.45)
                p.fillRect(QRect(box.left() + 6, y + (row - 10) // 2, 12, 10), swatch)
            p.setPen(text)
            p.drawText(QRect(box.left() + 22, y, width - 24, row), Qt.AlignmentFlag.AlignVCenter, name)

    def _paint_keyboard(self, p: QPainter, area: QRect, plo: int, phi: int, dark: bool) -> None:
        keys = QRect(0, area.top(), self._key_w, area.height())
        p.save()
        p.setClipRect(keys)
        white, black = (QColor("#d6d6d6"), QColor("#1b1b1b")) if dark else (QColor("#fafafa"), QColor("#2b2b2b"))
        p.fillRect(keys, white)
        edge = QColor("#9a9a9a")
        font = p.font()
        font.setPixelSize(max(7, min(11, self._key_h)))
        p.setFont(font)
        for pitch in range(plo, phi + 1):
            y, pc = self._y_of(pitch), pitch % 12
            if pc in BLACK_KEYS:
                p.fillRect(QRect(0, y, int(self._key_w * 0.6), self._key_h), black)
            elif pc in (0, 5):  # boundary under C and F (no black key between B|C and E|F)
                p.setPen(edge)
                p.drawLine(0, y + self._key_h - 1, self._key_w, y + self._key_h - 1)
            if pc == 0 and self._key_h >= 7:
                p.setPen(QColor("#555555"))
                p.drawText(QRect(0, y - 2, self._key_w - 3, self._key_h + 4),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, pitch_name(pitch))
        p.setPen(edge)
        p.drawLine(self._key_w - 1, area.top(), self._key_w - 1, area.bottom())
        p.restore()

    def _paint_sections(self, p: QPainter, area: QRect, b0: float, b1: float, pal: QPalette) -> None:
        """A take's song form: a band per section along the top of the notes, named (A, A (repeat))."""
        labels = self.section_labels()
        if not labels:
            return
        height = p.fontMetrics().height() + 4
        for k, (name, start, end) in enumerate(labels):
            if end < b0 or start > b1:
                continue
            x0, x1 = round(self._x_of(start)), round(self._x_of(end))
            band = QRect(x0, area.top(), max(1, x1 - x0), height)
            colour = QColor(SECTION_COLOURS[k % len(SECTION_COLOURS)])
            p.fillRect(band, colour)
            p.setPen(QColor("#202020"))
            p.drawLine(x0, area.top(), x0, area.bottom())
            p.drawText(band.adjusted(4, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)

    def _paint_ruler(self, p: QPainter, area: QRect, pal: QPalette) -> None:
        ruler = QRect(0, 0, self.viewport().width(), RULER_H)
        p.fillRect(ruler, pal.color(QPalette.ColorRole.Button))
        p.save()
        p.setClipRect(QRect(self._key_w, 0, area.width(), RULER_H))
        xs = self._selection_x()
        if xs is not None:  # the selected bars, strongly, in the ruler
            p.fillRect(QRect(xs[0], 0, max(1, xs[1] - xs[0]), RULER_H - 1), pal.color(QPalette.ColorRole.Highlight))
        p.setPen(pal.color(QPalette.ColorRole.ButtonText))
        b0, b1 = self._beat_of(self._key_w), self._beat_of(area.right() + 1)
        label_w = p.fontMetrics().horizontalAdvance(str(len(self._bars))) + 10  # widest bar number
        for i, (bar, length, _step) in self._visible_bars(b0, b1):
            every = _every(length * self._ppb, label_w)
            if i % every:
                continue
            x = round(self._x_of(bar))
            chosen = self._selection is not None and self._selection[0] <= i < self._selection[1]
            p.setPen(pal.color(QPalette.ColorRole.HighlightedText if chosen else QPalette.ColorRole.ButtonText))
            p.drawLine(x, RULER_H - 6, x, RULER_H)
            p.drawText(x + 3, RULER_H - 6, str(i + 1))
        x = self._playhead_x()
        if x is not None and area.left() <= x <= area.right():
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#e0452b"))
            p.drawPolygon(QPolygonF([QPointF(x - 5, RULER_H - 8), QPointF(x + 5, RULER_H - 8),
                                     QPointF(x, RULER_H)]))
        p.restore()
        p.setPen(QColor("#9a9a9a"))
        p.drawLine(0, RULER_H - 1, ruler.width(), RULER_H - 1)
        p.fillRect(QRect(0, 0, self._key_w, RULER_H - 1), pal.color(QPalette.ColorRole.Button))
