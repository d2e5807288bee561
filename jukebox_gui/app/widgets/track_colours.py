"""The one rule for a track's colour: the piano roll draws a track's notes in it and the tracks
panel shows it as the track's swatch, so the two always agree.

Drum tracks are grey; every other track takes the next colour of ``TRACK_COLOURS`` in track order
(counting only non-drum tracks of ``score.tracks``, empty ones included, so a colour never
depends on which tracks happen to have notes in view).
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtGui import QColor

TRACK_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948",
                 "#9c755f", "#ff9da7")
DRUM_COLOUR = "#8c8c8c"
DIMMED_ALPHA = 0.22  # a muted (or not soloed) track's notes keep this share of their opacity


def track_colour(drums: Sequence[bool], index: int, dark: bool = False) -> QColor:
    """The colour of track ``index`` among tracks whose drum flags are ``drums`` (score order)."""
    if drums[index]:
        colour = QColor(DRUM_COLOUR)
        return colour.lighter(130) if dark else colour.darker(120)
    melodic = sum(1 for d in drums[:index] if not d)
    colour = QColor(TRACK_COLOURS[melodic % len(TRACK_COLOURS)])
    return colour.lighter(115) if dark else colour


def score_colours(score, dark: bool = False) -> list[QColor]:
    """``track_colour`` for every track of ``score``."""
    drums = [bool(t.is_drum) for t in score.tracks]
    return [track_colour(drums, i, dark) for i in range(len(drums))]
