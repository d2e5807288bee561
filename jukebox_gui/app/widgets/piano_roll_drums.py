"""The piano roll's drum lane: drum tracks drawn under the pitched notes, one row per drum sound
the take uses (lowest key at the bottom), each row labelled with its General MIDI name
("Acoustic Snare", "Closed Hi-Hat") in a translucent strip at the lane's left.

The lane does not scroll vertically (it is a handful of rows); it scrolls and zooms horizontally
with the notes, shows the same bar grid, selection and playhead, and a click in it seeks.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette

from jukebox_gui.core.music.gm_names import drum_name

from .piano_roll_paint import RULER_H

LANE_ROW_H = (6, 14)  # a drum row's height, smallest and largest (px)
LANE_SHARE = 0.42  # at most this share of the height goes to drums when there are pitched notes too


def drum_lane_geometry(roll) -> tuple[int, int]:
    """(lane height, row height) in pixels; (0, 0) without drum notes."""
    keys = getattr(roll, "_drum_keys", None)
    if not keys:
        return 0, 0
    avail = max(0, roll.viewport().height() - RULER_H)
    pitched = any(not t.is_drum for t in roll._tracks)
    cap = int(avail * LANE_SHARE) if pitched else max(0, avail - 1)
    row = int(np.clip(cap // max(1, len(keys)), *LANE_ROW_H))
    return min(cap, row * len(keys)), row


def drum_lane_height(roll) -> int:
    return drum_lane_geometry(roll)[0]


class DrumLane:
    """Mixin for :class:`PianoRoll`: the drum lane's geometry and painting."""

    def drum_lane(self) -> QRect:
        """The lane's rectangle in viewport coordinates (empty without drums)."""
        height, _row = drum_lane_geometry(self)
        vp = self.viewport().rect()
        return QRect(self._key_w, vp.height() - height, max(1, vp.width() - self._key_w), height)

    def drum_rows(self) -> list[tuple[int, str]]:
        """(drum key, GM name) of every lane row, top row first."""
        return [(k, drum_name(k)) for k in reversed(self._drum_keys)]

    @property
    def _lane_row_h(self) -> int:
        return drum_lane_geometry(self)[1]

    def _lane_rows_y(self, keys: np.ndarray) -> np.ndarray:
        """Top edge of each drum key's row."""
        lane = self.drum_lane()
        rank = np.searchsorted(np.asarray(self._drum_keys), keys)
        return lane.top() + lane.height() - (rank + 1).astype(np.float64) * self._lane_row_h

    def drum_row_y(self, key: int) -> int | None:
        """Viewport y of the middle of drum ``key``'s row (None when it has none)."""
        if key not in self._drum_keys:
            return None
        return int(self._lane_rows_y(np.array([key]))[0] + self._lane_row_h // 2)

    def _paint_drum_lane(self, p: QPainter, clip: QRect, dark: bool) -> None:
        lane = self.drum_lane()
        if lane.height() <= 0:
            return
        pal = self.palette()
        row_h = self._lane_row_h
        p.save()
        p.setClipRect(lane.intersected(clip))
        base = pal.color(QPalette.ColorRole.Base)
        p.fillRect(lane, base.lighter(112) if dark else base.darker(103))
        stripe = base.lighter(125) if dark else base.darker(108)
        for k in range(1, len(self._drum_keys), 2):
            p.fillRect(QRect(lane.left(), lane.bottom() + 1 - (k + 1) * row_h, lane.width(), row_h), stripe)
        b0 = self._beat_of(max(lane.left(), clip.left()))
        b1 = self._beat_of(clip.right() + 1)
        self._paint_grid(p, lane, b0, b1, dark)
        self._paint_selection(p, lane, pal)
        visited, drawn = self.last_visited, self.last_drawn
        self._paint_notes(p, lane, b0, b1, 0, 127, dark, drums=True)
        if self._score is None:
            self.last_visited, self.last_drawn = visited, drawn
        self._paint_playhead(p, lane)
        p.restore()
        edge = QColor(pal.color(QPalette.ColorRole.Text))
        edge.setAlpha(110)
        p.setPen(edge)
        p.drawLine(0, lane.top(), lane.right(), lane.top())
        self._paint_drum_labels(p, lane, row_h, dark)

    def _paint_drum_labels(self, p: QPainter, lane: QRect, row_h: int, dark: bool) -> None:
        """The rows' GM names in a translucent strip at the lane's left edge (the keyboard column
        keeps its width, so pitched notes line up with or without drums)."""
        p.save()
        keys = QRect(0, lane.top() + 1, self._key_w, lane.height() - 1)
        p.fillRect(keys, QColor("#d6d6d6") if dark else QColor("#f3f3f3"))
        p.setPen(QColor("#9a9a9a"))
        p.drawLine(self._key_w - 1, lane.top(), self._key_w - 1, lane.bottom())
        font = p.font()
        font.setPixelSize(max(7, min(11, row_h - 1)))
        p.setFont(font)
        fm = p.fontMetrics()
        rows = self.drum_rows()
        width = max(fm.horizontalAdvance(name) for _k, name in rows) + 10
        strip = QRect(lane.left(), lane.top() + 1, min(width, lane.width()), lane.height() - 1)
        bg = QColor(self.palette().color(QPalette.ColorRole.Window))
        bg.setAlpha(175)
        p.fillRect(strip, bg)
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        for k, (_key, name) in enumerate(rows):
            y = lane.top() + lane.height() - (len(rows) - k) * row_h
            p.drawText(QRect(strip.left() + 4, y, strip.width() - 6, row_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        p.drawText(QRect(2, lane.top() + 2, self._key_w - 4, lane.height() - 4),
                   Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, "Drums")
        p.restore()
