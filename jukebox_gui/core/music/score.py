"""The one internal music representation, used by everything after ingest.

Times are in quarter-note beats (floats); the tempo map converts beats to seconds. A Score
is independent of any library: conversion to and from MIDI lives in ``midi_io``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

DRUM_CHANNEL = 9
DEFAULT_BPM = 120.0  # MIDI's tempo when a file sets none


def seconds_for_beats(beats: float, bpm: float) -> float:
    """How long ``beats`` quarter notes last at ``bpm``: the one tempo clock (a tempo map, the
    generator's running clock and the renderer all count time with it)."""
    return beats * 60.0 / bpm


def beats_for_seconds(seconds: float, bpm: float) -> float:
    """The inverse of :func:`seconds_for_beats`."""
    return seconds * bpm / 60.0


@dataclass(frozen=True, slots=True)
class Note:
    start: float  # beats from the start of the piece
    duration: float  # beats, > 0
    pitch: int  # 0..127
    velocity: int = 80  # 1..127

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(slots=True)
class Track:
    program: int = 0  # General MIDI program 0..127 (ignored for drums)
    is_drum: bool = False
    name: str = ""
    notes: list[Note] = field(default_factory=list)

    def sorted(self) -> "Track":
        return replace(self, notes=sorted(self.notes, key=lambda n: (n.start, n.pitch)))


@dataclass(frozen=True, slots=True)
class TempoChange:
    beat: float
    bpm: float  # quarter notes per minute


@dataclass(frozen=True, slots=True)
class TimeSignature:
    beat: float
    numerator: int = 4
    denominator: int = 4

    @property
    def bar_beats(self) -> float:
        """Length of one bar in quarter-note beats."""
        return self.numerator * 4.0 / self.denominator


@dataclass(frozen=True, slots=True)
class KeySignature:
    beat: float
    sharps: int = 0  # -7..7, negative = flats
    minor: bool = False


@dataclass(slots=True)
class Score:
    tracks: list[Track] = field(default_factory=list)
    tempos: list[TempoChange] = field(default_factory=lambda: [TempoChange(0.0, DEFAULT_BPM)])
    time_signatures: list[TimeSignature] = field(default_factory=lambda: [TimeSignature(0.0, 4, 4)])
    key_signatures: list[KeySignature] = field(default_factory=list)
    title: str = ""

    # ---- sizes -------------------------------------------------------------------------
    @property
    def note_count(self) -> int:
        return sum(len(t.notes) for t in self.tracks)

    def all_notes(self) -> list[tuple[Note, Track]]:
        """Every note with its track, ordered by onset then pitch."""
        pairs = [(n, t) for t in self.tracks for n in t.notes]
        pairs.sort(key=lambda p: (p[0].start, p[0].pitch))
        return pairs

    @property
    def end_beat(self) -> float:
        return max((n.end for t in self.tracks for n in t.notes), default=0.0)

    @property
    def start_beat(self) -> float:
        return min((n.start for t in self.tracks for n in t.notes), default=0.0)

    # ---- tempo map -----------------------------------------------------------------------
    def _tempo_table(self) -> tuple[list[float], list[float], list[float]]:
        tempos = sorted(self.tempos, key=lambda t: t.beat) or [TempoChange(0.0, DEFAULT_BPM)]
        if tempos[0].beat > 0:
            tempos.insert(0, TempoChange(0.0, tempos[0].bpm))
        beats, secs, bpms = [], [], []
        elapsed = 0.0
        for i, tempo in enumerate(tempos):
            if i:
                prev = tempos[i - 1]
                elapsed += seconds_for_beats(tempo.beat - prev.beat, prev.bpm)
            beats.append(tempo.beat)
            secs.append(elapsed)
            bpms.append(tempo.bpm)
        return beats, secs, bpms

    def beat_to_seconds(self, beat: float) -> float:
        beats, secs, bpms = self._tempo_table()
        i = max(0, bisect.bisect_right(beats, beat) - 1)
        return secs[i] + seconds_for_beats(beat - beats[i], bpms[i])

    def seconds_to_beat(self, seconds: float) -> float:
        beats, secs, bpms = self._tempo_table()
        i = max(0, bisect.bisect_right(secs, seconds) - 1)
        return beats[i] + beats_for_seconds(seconds - secs[i], bpms[i])

    @property
    def duration_seconds(self) -> float:
        return self.beat_to_seconds(self.end_beat)

    # ---- bars ----------------------------------------------------------------------------
    def bar_starts(self, until_beat: float | None = None) -> list[float]:
        """Beat positions of every bar line up to ``until_beat`` (default: the end)."""
        end = self.end_beat if until_beat is None else until_beat
        sigs = sorted(self.time_signatures, key=lambda s: s.beat) or [TimeSignature(0.0)]
        bars: list[float] = []
        for i, sig in enumerate(sigs):
            stop = sigs[i + 1].beat if i + 1 < len(sigs) else end
            beat = sig.beat
            step = max(sig.bar_beats, 1e-6)
            while beat < stop - 1e-9 or (not bars and beat <= stop):
                bars.append(beat)
                beat += step
                if len(bars) > 1_000_000:
                    break
        return bars or [0.0]

    def time_signature_at(self, beat: float) -> TimeSignature:
        sigs = sorted(self.time_signatures, key=lambda s: s.beat) or [TimeSignature(0.0)]
        current = sigs[0]
        for sig in sigs:
            if sig.beat <= beat + 1e-9:
                current = sig
        return current

    def tempo_at(self, beat: float) -> float:
        beats, _secs, bpms = self._tempo_table()
        return bpms[max(0, bisect.bisect_right(beats, beat) - 1)]

    # ---- edits ---------------------------------------------------------------------------
    def trim_overlaps(self) -> "Score":
        """Shorten a note that is still sounding when the same pitch starts again on its track (in
        place; returns self). MIDI cannot hold two sounding notes of one pitch on one channel: a
        written file would end the first at the second's start anyway, so the piano roll should
        show what plays. Notes starting together keep the longer one."""
        for track in self.tracks:
            by_pitch: dict[int, list[Note]] = {}
            for note in sorted(track.notes, key=lambda n: (n.start, -n.duration)):
                by_pitch.setdefault(note.pitch, []).append(note)
            kept: list[Note] = []
            for notes in by_pitch.values():
                line: list[Note] = []
                for note in notes:
                    if line and note.start < line[-1].start + 1e-9:
                        continue  # a unison duplicate at the same onset: the longer one (first) stays
                    if line and note.start < line[-1].end - 1e-9:
                        line[-1] = replace(line[-1], duration=note.start - line[-1].start)
                    line.append(note)
                kept.extend(line)
            track.notes = sorted(kept, key=lambda n: (n.start, n.pitch))
        return self

    def slice_beats(self, start: float, end: float) -> "Score":
        """Notes starting in [start, end), shifted so ``start`` becomes beat 0."""
        tracks = [
            replace(t, notes=[replace(n, start=n.start - start, duration=min(n.duration, end - n.start))
                              for n in t.notes if start <= n.start < end])
            for t in self.tracks
        ]
        shift = lambda items: sorted(  # noqa: E731
            {replace(x, beat=max(0.0, x.beat - start)) for x in items if x.beat < end}, key=lambda x: x.beat
        )
        return Score(
            tracks=[t for t in tracks if t.notes],
            tempos=shift(self.tempos) or [TempoChange(0.0, self.tempo_at(start))],
            time_signatures=shift(self.time_signatures) or [self.time_signature_at(start)],
            key_signatures=shift(self.key_signatures),
            title=self.title,
        )

    def sorted(self) -> "Score":
        return replace(self, tracks=[t.sorted() for t in self.tracks])
