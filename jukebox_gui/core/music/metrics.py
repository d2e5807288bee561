"""Music metrics of one Score, and the same figures summarised over a corpus.

Pure Python + NumPy on our own Score type, so a take can be shown against its training
corpus ("pitch-class entropy 3.1, corpus 10th-90th percentile 2.9-3.3: in range").

Definitions (times in quarter-note beats, drums ignored for pitch metrics):

- ``pitch_class_entropy``: Shannon entropy (bits, 0..log2 12) of the pitch-class histogram.
- ``scale_consistency``: share of notes inside the best-fitting major or minor (natural
  or harmonic) scale, over all 12 roots (0..1).
- ``groove_consistency``: 1 - mean Hamming distance between the onset patterns of consecutive
  bars (on a 12-per-beat grid), divided by the grid size (0..1, 1 = every bar the same rhythm).
- ``distinct_ioi``: number of distinct inter-onset intervals between consecutive onsets.
- ``distinct_durations``: number of distinct note durations.
- ``note_density``: notes per bar.
- ``empty_beat_rate``: share of quarter-note beats in which no note starts.
- ``polyphony``: mean number of sounding notes while at least one note sounds.
- ``longest_identical_run``: longest run of consecutive notes of a track with the same pitch and
  duration (the "same note over and over" symptom).
- ``mean_abs_interval``: mean absolute melodic interval (semitones) of the top line (skyline): per
  pitched track, the highest pitch at each onset, unless a higher note from an earlier onset is
  still sounding (an inner voice moving under a held soprano is not melody); intervals between
  successive top-line notes, averaged over all tracks (0 with fewer than two top-line notes).
- ``bar_repetition``: share of bars holding a pitched note whose content repeats an earlier bar
  of the piece, transposition-invariant: a bar's signature is the sorted tuple of (onset in the
  bar, pitch - the bar's lowest pitch, duration), times on a 24-per-beat grid (0..1).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from typing import Iterable

import numpy as np

from .score import Note, Score

GRID = 48  # rounding grid for durations and intervals (ticks per beat)
GROOVE_GRID = 12  # onset-pattern resolution per beat
REPEAT_GRID = 24  # bar-signature resolution per beat

METRICS = (
    "pitch_class_entropy",
    "scale_consistency",
    "groove_consistency",
    "distinct_ioi",
    "distinct_durations",
    "note_density",
    "empty_beat_rate",
    "polyphony",
    "longest_identical_run",
    "mean_abs_interval",
    "bar_repetition",
)

_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)
_HARMONIC_MINOR = (0, 2, 3, 5, 7, 8, 11)
_SCALES = [frozenset((root + step) % 12 for step in scale)
           for scale in (_MAJOR, _MINOR, _HARMONIC_MINOR) for root in range(12)]


def _ticks(value: float) -> int:
    return int(round(value * GRID))


def _pitched(score: Score) -> list[Note]:
    return [n for t in score.tracks if not t.is_drum for n in t.notes]


def _all(score: Score) -> list[Note]:
    return [n for t in score.tracks for n in t.notes]


def pitch_class_entropy(score: Score) -> float:
    notes = _pitched(score)
    if not notes:
        return 0.0
    counts = np.bincount([n.pitch % 12 for n in notes], minlength=12).astype(float)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum() + 0.0)


def scale_consistency(score: Score) -> float:
    notes = _pitched(score)
    if not notes:
        return 0.0
    classes = [n.pitch % 12 for n in notes]
    best = max(sum(1 for c in classes if c in scale) for scale in _SCALES)
    return best / len(classes)


def _bar_grid(score: Score) -> tuple[list[float], list[float]]:
    """Bar starts and bar lengths covering every onset."""
    notes = _all(score)
    end = max((n.start for n in notes), default=0.0) + 1e-6
    starts = score.bar_starts(end)
    lengths = [score.time_signature_at(s).bar_beats for s in starts]
    return starts, lengths


def groove_consistency(score: Score) -> float:
    notes = _all(score)
    if not notes:
        return 0.0
    starts, lengths = _bar_grid(score)
    size = max(1, int(round(max(lengths) * GROOVE_GRID)))
    patterns = np.zeros((len(starts), size), dtype=bool)
    onsets = sorted({n.start for n in notes})
    bar = 0
    for onset in onsets:
        while bar + 1 < len(starts) and onset >= starts[bar + 1] - 1e-9:
            bar += 1
        slot = int(round((onset - starts[bar]) * GROOVE_GRID))
        patterns[bar, min(max(slot, 0), size - 1)] = True
    if len(starts) < 2:
        return 1.0
    distances = (patterns[1:] != patterns[:-1]).sum(axis=1) / size
    return float(1.0 - distances.mean())


def _onsets_ticks(score: Score) -> list[int]:
    return sorted({_ticks(n.start) for n in _all(score)})


def distinct_ioi(score: Score) -> float:
    onsets = _onsets_ticks(score)
    return float(len({b - a for a, b in zip(onsets, onsets[1:])}))


def distinct_durations(score: Score) -> float:
    return float(len({_ticks(n.duration) for n in _all(score)}))


def note_density(score: Score) -> float:
    notes = _all(score)
    if not notes:
        return 0.0
    starts, _ = _bar_grid(score)
    first = max(i for i, s in enumerate(starts) if s <= min(n.start for n in notes) + 1e-9)
    return len(notes) / (len(starts) - first)


def empty_beat_rate(score: Score) -> float:
    notes = _all(score)
    if not notes:
        return 1.0
    first = math.floor(min(n.start for n in notes) + 1e-9)
    last = math.floor(max(n.start for n in notes) + 1e-9)
    beats = last - first + 1
    filled = {math.floor(n.start + 1e-9) for n in notes}
    return 1.0 - len(filled) / beats


def time_by_sounding(spans: Iterable[tuple[float, float]]) -> Counter:
    """How long each number of notes sounds at once, from the first onset to the last end (a
    rest between notes counts as none); ``spans``: (start, end) of each note."""
    sounded = [(a, b) for a, b in spans if b > a]
    events = sorted([(a, 1) for a, _b in sounded] + [(b, -1) for _a, b in sounded])
    time: Counter = Counter()
    sounding, previous = 0, events[0][0] if events else 0
    for at, step in events:
        if at > previous:
            time[sounding] += at - previous
        sounding += step
        previous = at
    return time


def polyphony(score: Score) -> float:
    notes = _all(score)
    if not notes:
        return 0.0
    time = time_by_sounding([(_ticks(n.start), _ticks(n.end)) for n in notes])
    busy = sum(t for k, t in time.items() if k > 0)
    return sum(k * t for k, t in time.items() if k > 0) / busy if busy else 1.0


def longest_identical_run(score: Score) -> float:
    best = 0
    for track in score.tracks:
        run = 0
        previous = None
        for n in sorted(track.notes, key=lambda n: (n.start, n.pitch)):
            event = (n.pitch, _ticks(n.duration))
            run = run + 1 if event == previous else 1
            previous = event
            best = max(best, run)
    return float(best)


LEGATO = GRID // 8  # a note ending within 1/8 beat of an onset does not cover it (legato overlap)


def top_line(track_notes: Iterable[Note]) -> list[int]:
    """Skyline of one track: the highest pitch at each onset, in onset order, leaving out onsets
    under a higher note still sounding from an earlier onset."""
    onsets: dict[int, list[Note]] = {}
    for n in track_notes:
        onsets.setdefault(_ticks(n.start), []).append(n)
    line: list[int] = []
    sounding: list[tuple[int, int]] = []  # (end tick, pitch) of the notes of earlier onsets
    for tick in sorted(onsets):
        pitch = max(n.pitch for n in onsets[tick])
        sounding = [(e, p) for e, p in sounding if e > tick + LEGATO]
        if not sounding or pitch >= max(p for _e, p in sounding):
            line.append(pitch)
        sounding += [(_ticks(n.end), n.pitch) for n in onsets[tick]]
    return line


def mean_abs_interval(score: Score) -> float:
    steps: list[int] = []
    for track in score.tracks:
        if not track.is_drum:
            line = top_line(track.notes)
            steps += [abs(b - a) for a, b in zip(line, line[1:])]
    return float(np.mean(steps)) if steps else 0.0


def bar_repetition(score: Score) -> float:
    notes = _pitched(score)
    if not notes:
        return 0.0
    starts = score.bar_starts(max(n.start for n in notes) + 1e-6)
    bars: dict[int, list[Note]] = {}
    for n in notes:
        i = max(0, bisect.bisect_right(starts, n.start + 1e-9) - 1)
        bars.setdefault(i, []).append(n)
    seen: set[tuple] = set()
    repeated = 0
    for i in sorted(bars):
        low = min(n.pitch for n in bars[i])
        signature = tuple(sorted((int(round((n.start - starts[i]) * REPEAT_GRID)), n.pitch - low,
                                  int(round(n.duration * REPEAT_GRID))) for n in bars[i]))
        repeated += signature in seen
        seen.add(signature)
    return repeated / len(bars)


_FUNCTIONS = {name: globals()[name] for name in METRICS}


def score_metrics(score: Score) -> dict[str, float]:
    """Every metric of ``score`` (see the module docstring), as plain floats."""
    return {name: float(round(fn(score), 6)) for name, fn in _FUNCTIONS.items()}


def corpus_profile(scores: Iterable[Score] | Iterable[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Percentiles (p10, p50, p90) and extremes of every metric over a corpus.

    Accepts Scores or already-computed metric dicts. Empty input gives an empty profile."""
    rows = [s if isinstance(s, dict) else score_metrics(s) for s in scores]
    profile: dict[str, dict[str, float]] = {}
    if not rows:
        return profile
    for name in METRICS:
        values = np.array([r[name] for r in rows if name in r], dtype=float)
        if not len(values):
            continue
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        profile[name] = {"p10": float(p10), "p50": float(p50), "p90": float(p90),
                         "min": float(values.min()), "max": float(values.max()), "count": int(len(values))}
    return profile


def compare_to_profile(metrics: dict[str, float], profile: dict[str, dict[str, float]]) -> dict[str, str]:
    """"in range" within the corpus p10..p90 (inclusive, with a tiny tolerance), else "low"/"high"."""
    verdicts: dict[str, str] = {}
    for name, value in metrics.items():
        band = profile.get(name)
        if not band:
            continue
        tolerance = 1e-9 + 1e-6 * abs(band["p90"] - band["p10"])
        if value < band["p10"] - tolerance:
            verdicts[name] = "low"
        elif value > band["p90"] + tolerance:
            verdicts[name] = "high"
        else:
            verdicts[name] = "in range"
    return verdicts
