"""Collapse guards applied to the grammar mask while a take is sampled (NumPy only).

* Repetition: when the last ``max_run`` notes of an instrument were the same note event (pitch
  and duration), that pitch is masked for its next note — no run longer than ``max_run``; a pitch
  already started at the current onset by the same instrument (a unison duplicate) is masked too.
* Silence: positions and bar lines that would leave more than ``max_silence_bars`` bars without a
  sounding note are masked, so the model must place a note first.

Both only remove options; when that would leave nothing, the plain grammar mask is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.grammar import DURATION, POSITION, PROGRAM, PROGRAM_DRUM, TEMPO, TIMESIG, RemiState


@dataclass
class GuardCounts:
    repeats_masked: int = 0
    silences_masked: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"repeats_masked": self.repeats_masked, "silences_masked": self.silences_masked}


class CollapseGuard:
    def __init__(self, max_run: int = 4, max_silence_bars: float = 2.0, start_beat: float = 0.0) -> None:
        self.max_run = max_run
        self.max_silence_bars = max_silence_bars
        self.start_beat = start_beat  # where the generated part begins (after a primer)
        self.counts = GuardCounts()

    def _banned_pitches(self, state: RemiState, program: int) -> set[int]:
        """Pitches that would repeat a note already sounding at this onset (a unison duplicate) or
        extend a run of ``max_run`` identical notes (in onset-then-pitch order, as metrics count)."""
        now = state.now
        mine = [n for n in state.notes[-64:] if n.program == program]
        here = [n for n in mine if abs(n.start - now) < 1e-9]
        before = sorted((n for n in mine if n.start < now - 1e-9), key=lambda n: (n.start, n.pitch))
        banned = {n.pitch for n in here}
        if len(before) >= self.max_run:
            last = before[-self.max_run:]
            first = last[0]
            if all(n.pitch == first.pitch and abs(n.duration - first.duration) < 1e-6 for n in last):
                if not any(n.pitch < first.pitch for n in here):  # nothing here sorts in between
                    banned.add(first.pitch)
        return banned

    def apply(self, state: RemiState, mask: np.ndarray) -> np.ndarray:
        g = state.grammar
        narrowed = mask
        if state.state in (PROGRAM, PROGRAM_DRUM) or (state.state in (POSITION, TEMPO, DURATION)
                                                       and not g.is_program.any()):
            program = state.pending_program
            banned = self._banned_pitches(state, program)
            if banned:
                candidate = narrowed & ~((g.is_pitch | g.is_drum_pitch) & np.isin(g.pitch_value, list(banned)))
                if candidate.any() and not np.array_equal(candidate, narrowed):
                    narrowed = candidate
                    self.counts.repeats_masked += 1
        if state.state in (TIMESIG, POSITION, TEMPO, DURATION) and state.meter is not None:
            limit = self.max_silence_bars * state.bar_beats
            sounding = max(state.sound_end, self.start_beat)
            too_late = g.is_position & (state.bar_start + g.position_value / g.positions_per_beat * state.unit
                                        - sounding > limit + 1e-9)
            if state.bar_start + state.bar_beats - sounding > limit + 1e-9:
                too_late = too_late | g.is_bar | g.is_eos
            candidate = narrowed & ~too_late
            if candidate.any() and not np.array_equal(candidate, narrowed):
                narrowed = candidate
                self.counts.silences_masked += 1
        return narrowed
