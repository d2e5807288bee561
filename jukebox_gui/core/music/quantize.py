"""Snap a Score to a rhythmic grid so notation never meets an inexpressible duration.

music21 raises on durations like 0.2 beat even after its own ``quantize``; snapping onsets and
ends in our Score first (every note at least one grid step long) keeps every duration a multiple
of the grid: with 4 steps per beat (sixteenths) or 12 (sixteenths and triplets) notation works.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import ExportError
from .score import Note, Score, TempoChange, TimeSignature, Track

ALLOWED_DIVISIONS = (1, 2, 3, 4, 6, 8, 12, 16, 24)


def check_divisions(divisions: int) -> int:
    if divisions not in ALLOWED_DIVISIONS:
        raise ExportError(f"grid of {divisions} steps per beat is not supported; use one of {ALLOWED_DIVISIONS}")
    return divisions


def snap(beat: float, divisions: int) -> float:
    """``beat`` rounded to the nearest multiple of 1/divisions (half steps round up)."""
    return int(beat * divisions + 0.5 + 1e-9) / divisions if beat >= 0 else 0.0


def quantize_track(track: Track, divisions: int = 4) -> Track:
    """Snap onsets and ends; at least one step long; exact duplicates (pitch and onset) merged."""
    check_divisions(divisions)
    step = 1.0 / divisions
    best: dict[tuple[float, int], Note] = {}
    for note in track.notes:
        start = snap(note.start, divisions)
        end = max(snap(note.end, divisions), start + step)
        key = (start, note.pitch)
        kept = best.get(key)
        if kept is None or end - start > kept.duration:
            best[key] = Note(start, end - start, note.pitch, note.velocity)
    notes = sorted(best.values(), key=lambda n: (n.start, n.pitch))
    return replace(track, notes=notes)


def quantize_score(score: Score, divisions: int = 4) -> Score:
    """A copy of ``score`` on a grid of ``divisions`` steps per quarter-note beat."""
    check_divisions(divisions)

    def snap_all(items):
        snapped: dict[float, object] = {}
        for item in sorted(items, key=lambda x: x.beat):
            snapped[snap(item.beat, divisions)] = replace(item, beat=snap(item.beat, divisions))
        return [snapped[b] for b in sorted(snapped)]

    return Score(
        tracks=[quantize_track(t, divisions) for t in score.tracks],
        tempos=snap_all(score.tempos) or [TempoChange(0.0, 120.0)],
        time_signatures=snap_all(score.time_signatures) or [TimeSignature(0.0)],
        key_signatures=snap_all(score.key_signatures),
        title=score.title,
    )


def is_quantized(score: Score, divisions: int = 4) -> bool:
    """True when every onset and end lies on the grid and every note is at least one step."""
    for track in score.tracks:
        for note in track.notes:
            for beat in (note.start, note.end):
                if abs(beat * divisions - round(beat * divisions)) > 1e-6:
                    return False
            if note.duration < 1.0 / divisions - 1e-9:
                return False
    return True
