"""music21 streams -> our ``Score`` (for the demo corpora; ``midi_io`` then writes the MIDI).

music21 is used here only on TRUSTED input (its own bundled corpus); never on users' files.
We read the notes ourselves instead of calling ``music21.midi.translate``: that raised
"TimeSignature ... is already found in this Stream" on O'Neill's tunes, and music21's odd
artefacts (1/16 bars inside a 2/4 tune, grace notes, ties between different pitches) are easier
to handle on the way in.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable

from .score import KeySignature, Note, Score, TempoChange, TimeSignature, Track

_SANE_DENOMINATORS = (2, 4, 8)


def _walk(part: Any) -> list[tuple[float, Any]]:
    """Every element of a part with its offset from the part's start, in time order.

    We ask each container for the offset of its own element: music21's ``flatten()`` misplaces
    a TimeSignature object that its ABC reader put in two bars (the same object twice).
    """
    measures = list(part.getElementsByClass("Measure"))
    if not measures:
        flat = part.flatten()
        return [(float(flat.elementOffset(e)), e) for e in flat]
    found: list[tuple[float, Any]] = []
    for measure in measures:
        base = float(part.elementOffset(measure))
        for element in measure:
            offset = base + float(measure.elementOffset(element))
            if "Voice" in element.classes:
                found.extend((offset + float(element.elementOffset(e)), e) for e in element)
            else:
                found.append((offset, element))
    found.sort(key=lambda pair: pair[0])
    return found


def _of(walked: list[tuple[float, Any]], cls: str) -> list[tuple[float, Any]]:
    return [(offset, e) for offset, e in walked if cls in e.classes]


def _part_notes(walked: list[tuple[float, Any]], shift: float, velocity: int) -> list[Note]:
    """Every sounding note of a music21 part, tied notes of the same pitch merged."""
    notes: list[Note] = []
    open_ties: dict[int, int] = {}  # pitch -> index in notes of a note waiting for its tie
    for offset, element in _of(walked, "NotRest"):  # notes and chords
        if not hasattr(element, "pitches"):
            continue
        length = float(element.quarterLength)
        if length <= 0:  # grace notes
            continue
        start = offset + shift
        tie = element.tie.type if element.tie is not None else None
        for pitch in element.pitches:
            midi = int(round(pitch.ps))
            if not 0 <= midi <= 127:
                continue
            index = open_ties.get(midi)
            if tie in ("stop", "continue") and index is not None and abs(notes[index].end - start) < 1e-6:
                notes[index] = replace(notes[index], duration=notes[index].duration + length)
                if tie == "stop":
                    del open_ties[midi]
                continue
            notes.append(Note(start, length, midi, velocity))
            if tie in ("start", "continue"):
                open_ties[midi] = len(notes) - 1
            else:
                open_ties.pop(midi, None)
    return notes


def _pickup_shift(part: Any) -> float:
    """Beats to delay everything so that bar lines fall where the time signature says."""
    measures = part.getElementsByClass("Measure")
    if not measures:
        return 0.0
    return max(0.0, float(measures[0].paddingLeft or 0.0))


def _time_signatures(walked: list[tuple[float, Any]], shift: float) -> list[TimeSignature]:
    sigs: list[TimeSignature] = []
    for offset, ts in _of(walked, "TimeSignature"):
        num, den = int(ts.numerator), int(ts.denominator)
        if den not in _SANE_DENOMINATORS or num < 1 or num * 4.0 / den < 1.5:
            continue  # music21 artefacts such as a 1/16 "bar" in the middle of a 2/4 tune
        beat = 0.0 if offset == 0 else offset + shift
        if sigs and (sigs[-1].numerator, sigs[-1].denominator) == (num, den):
            continue
        if sigs and abs(sigs[-1].beat - beat) < 1e-9:
            sigs[-1] = TimeSignature(beat, num, den)
        else:
            sigs.append(TimeSignature(beat, num, den))
    return sigs or [TimeSignature(0.0, 4, 4)]


def _key_signatures(walked: list[tuple[float, Any]], shift: float) -> list[KeySignature]:
    keys: list[KeySignature] = []
    for offset, ks in _of(walked, "KeySignature"):
        sharps = max(-7, min(7, int(ks.sharps)))
        minor = getattr(ks, "mode", "major") in ("minor", "aeolian")
        beat = 0.0 if offset == 0 else offset + shift
        if keys and (keys[-1].sharps, keys[-1].minor) == (sharps, minor):
            continue
        keys.append(KeySignature(beat, sharps, minor))
    return keys


def _tempos(walked: list[tuple[float, Any]], shift: float, default_bpm: float) -> list[TempoChange]:
    tempos: list[TempoChange] = []
    for offset, mark in _of(walked, "MetronomeMark"):
        bpm = mark.getQuarterBPM()
        if not bpm or not 10 <= bpm <= 400:
            continue
        beat = 0.0 if offset == 0 else offset + shift
        if tempos and abs(tempos[-1].bpm - bpm) < 1e-6:
            continue
        tempos.append(TempoChange(beat, float(bpm)))
    if not tempos or tempos[0].beat > 0:
        tempos.insert(0, TempoChange(0.0, float(default_bpm)))
    return tempos


def score_from_m21(
    m21_score: Any,
    *,
    programs: Iterable[int] | int = 0,
    title: str = "",
    default_bpm: float = 120.0,
    velocity: int = 80,
    parts: list[Any] | None = None,
) -> Score:
    """Convert a music21 ``Score`` (one tune) into our ``Score``: one Track per part.

    ``programs`` is one GM program for every part or one per part; ``parts`` picks a subset.
    """
    chosen = list(parts if parts is not None else m21_score.parts)
    if not chosen:
        return Score(title=title)
    progs = [programs] * len(chosen) if isinstance(programs, int) else list(programs)
    shift = _pickup_shift(chosen[0])
    walks = [_walk(part) for part in chosen]
    tracks = []
    for part, walked, program in zip(chosen, walks, progs):
        notes = _part_notes(walked, shift, velocity)
        if notes:
            tracks.append(Track(program=program, name=str(part.partName or ""), notes=notes).sorted())
    return Score(
        tracks=tracks,
        tempos=_tempos(walks[0], shift, default_bpm),
        time_signatures=_time_signatures(walks[0], shift),
        key_signatures=_key_signatures(walks[0], shift),
        title=title,
    )
