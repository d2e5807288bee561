"""Keep a take's voices sounding as its corpus's do: note lengths that follow the onsets.

A corpus of four-part chorales has four notes sounding nearly all the time, a fiddle tune one
(the palette's ``voices``, :func:`..data.palette.steady_voices`). A model chooses where the next
notes start well; a note's length it draws from a spread of lengths, so a take's voice may stop
short and leave a gap under the others until the next onset (the top line then falls to the alto
for a beat), or hold on over the note that follows it. :func:`keep_voices` reads the onsets as
the model wrote them and sets the lengths to fit:

* a note still sounding when a new note starts over ``voices`` sounding ones ends there (the
  held note nearest in pitch to the new one: the same voice, most likely);
* a note that ends where fewer than ``voices`` would sound (no note or too few start there) holds
  on to the next onset (the highest such notes first, so the tune is the line that carries on),
  unless that gap is longer than ``max_gap`` beats, a real rest, and never over a seam (the
  first bar of a song form's section), so a filled section's edges stay as it was filled.

Onsets, pitches and the number of notes stay as they were. Pure Python, no model.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from typing import Sequence

from .score import Score

EPS = 1e-6


def _sounding(spans: list[list], at: float) -> list[int]:
    """Indices of the spans sounding just after ``at``."""
    return [i for i, (start, end, *_rest) in enumerate(spans) if start <= at + EPS and end > at + EPS]


def keep_voices(score: Score, voices: int, *, max_gap: float = 4.0, seam_bars: Sequence[int] = ()) -> Score:
    """The lengths of the pitched tracks' notes set to keep ``voices`` sounding, counted over all
    of them as the palette counts them (in place; returns ``score``); no note is held over the
    start of the bars ``seam_bars``."""
    pitched = [t for t in score.tracks if not t.is_drum and t.notes]
    if voices < 1 or not pitched:
        return score
    lines = score.bar_starts(score.end_beat + 1.0) if seam_bars else []
    seams = sorted(lines[b] for b in seam_bars if 0 <= b < len(lines))
    # [start, end, pitch, track, index in the track]
    spans = sorted([[n.start, n.end, n.pitch, k, i] for k, t in enumerate(pitched) for i, n in enumerate(t.notes)])
    onsets = sorted({round(s[0], 6) for s in spans})
    for t in onsets:  # too many at an onset: held notes end where the new ones start
        new = [s for s in spans if abs(s[0] - t) <= EPS]
        held = [s for s in spans if s[0] < t - EPS and s[1] > t + EPS]
        for _ in range(len(new) + len(held) - voices):
            if not held:
                break
            nearest = min(held, key=lambda s: min(abs(s[2] - n[2]) for n in new))
            nearest[1] = t
            held.remove(nearest)
    for e in sorted({round(s[1], 6) for s in spans}):  # too few after a note ends: it holds on to the next onset
        k = bisect.bisect_right(onsets, e + EPS)  # the next onset after it
        if k >= len(onsets) or onsets[k] - e > max_gap + EPS:
            continue  # the end of the take, or a rest
        sounding = _sounding(spans, e)
        taken = {(spans[i][3], spans[i][2]) for i in sounding}  # a pitch sounding on cannot be held twice
        ending = sorted((s for s in spans if abs(s[1] - e) <= EPS and (s[3], s[2]) not in taken), key=lambda s: -s[2])
        seam = bisect.bisect_left(seams, e - EPS)  # never over a seam
        until = min(onsets[k], seams[seam]) if seam < len(seams) else onsets[k]
        for s in ending[:max(0, voices - len(sounding))]:
            s[1] = until
    ends = {(s[3], s[4]): s[1] for s in spans}
    for k, track in enumerate(pitched):
        track.notes = [replace(n, duration=max(EPS, ends[k, i] - n.start)) for i, n in enumerate(track.notes)]
    return score
