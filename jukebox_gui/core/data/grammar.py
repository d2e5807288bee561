"""Which token may follow which: a small REMI state machine, so every sampled stream decodes.

The real MidiTok REMI stream (programs in one stream, time signatures, tempos) reads::

    Bar TimeSig Position Tempo Position Program Pitch Velocity Duration Program Pitch ... Bar ...
    Bar TimeSig Bar TimeSig ...                  (an empty bar)
    Position Program_-1 PitchDrum Velocity Duration   (drums)

States are the kinds of the last token; each has a precomputed boolean row over the vocabulary
(:attr:`Grammar.allowed`). EOS may only follow a complete note (a ``Duration``), so a stream
never ends before its first note. :class:`RemiState` adds what a fixed table cannot know:
positions only move forward and stay inside the bar, one time signature and one tempo per take,
optional restrictions to the time signatures, tempos and programs a corpus uses (its palette,
see :mod:`.palette`), at most 15 melodic programs plus drums (what 16 MIDI channels can play),
optional density caps (notes per onset, notes per bar) — and it keeps the musical clock (bars,
beats, seconds, notes) that generation uses to stop at a length and to guard against silence and
repetition.

Positions and durations count in the time signature's beat unit (an eighth in 6/8) at
``positions_per_beat`` steps per beat; in quarter-note beats a position ``p`` is
``p / positions_per_beat * 4 / denominator``. NumPy only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from ..music.score import DEFAULT_BPM, seconds_for_beats

# states (kinds of the last token)
START, BAR, TIMESIG, POSITION, TEMPO, PROGRAM, PROGRAM_DRUM, PITCH, VELOCITY, DURATION, END = range(11)
STATE_NAMES = ("start", "bar", "timesig", "position", "tempo", "program", "program-drum", "pitch",
               "velocity", "duration", "end")
DEFAULT_TEMPO = DEFAULT_BPM
MAX_MELODIC_PROGRAMS = 15  # 16 MIDI channels; channel 10 (index 9) belongs to the drums


# The tokens of one note, in stream order: the one statement of the REMI note group. The state
# table below and ``Tokenizer``'s decode filter both follow it. ``PitchDrum`` (after
# ``Program_-1``) takes the place of ``Pitch``; ``Program`` is there only with programs in the
# stream, ``Velocity`` only with velocity tokens.
NOTE_GROUP = ("Program", "Pitch", "Velocity", "Duration")
# Tokens that move the clock or set the metre/tempo; one of them ends an unfinished note group.
TIME_KINDS = ("Bar", "TimeSig", "Position", "Tempo")


def note_group(*, programs: bool = True, velocities: bool = True) -> tuple[str, ...]:
    """The token kinds of one note in order, for a vocabulary with or without those tokens."""
    return tuple(kind for kind in NOTE_GROUP
                 if (programs or kind != "Program") and (velocities or kind != "Velocity"))


def note_kind(kind: str) -> str:
    """A token kind as the note group names it (``PitchDrum`` counts as ``Pitch``)."""
    return "Pitch" if kind == "PitchDrum" else kind


def _number(text: str, default: float = 0.0) -> float:
    try:
        return float(text)
    except ValueError:
        return default


def _duration_units(value: str) -> float:
    """``"1.4.8"`` -> 1.5 (beats of the time signature's unit)."""
    parts = value.split(".")
    if len(parts) == 3 and all(p.lstrip("-").isdigit() for p in parts) and int(parts[2]):
        return int(parts[0]) + int(parts[1]) / int(parts[2])
    return _number(value, 1.0)


class Grammar:
    """Legal-next-token masks for one tokenizer (anything with ``token_types()``/``token_name``)."""

    def __init__(self, tokenizer) -> None:
        size = int(tokenizer.vocab_size)
        names = [tokenizer.token_name(i) for i in range(size)]
        kinds = [n.split("_", 1)[0] for n in names]
        values = [n.split("_", 1)[1] if "_" in n else "" for n in names]
        self.size = size
        self.names = names
        self.kinds = np.array(kinds, dtype=object)
        self.eos_id = int(tokenizer.eos_id)
        self.bos_id = int(tokenizer.bos_id)
        self.pad_id = int(tokenizer.pad_id)
        self.positions_per_beat = int(getattr(tokenizer, "positions_per_beat", 0) or self._guess_resolution(names))
        # BPE merges cannot be checked token by token: fall back to "anything but PAD/BOS"
        self.exact = "BPE" not in set(kinds)

        def is_kind(*wanted: str) -> np.ndarray:
            return np.array([k in wanted for k in kinds], dtype=bool)

        self.is_bar = is_kind("Bar")
        self.is_timesig = is_kind("TimeSig")
        self.is_position = is_kind("Position")
        self.is_tempo = is_kind("Tempo")
        self.is_program = is_kind("Program")
        self.is_pitch = is_kind("Pitch")
        self.is_drum_pitch = is_kind("PitchDrum")
        self.is_velocity = is_kind("Velocity")
        self.is_duration = is_kind("Duration")
        self.is_eos = np.zeros(size, dtype=bool)
        self.is_eos[self.eos_id] = True

        self.position_value = np.array([int(_number(v, -1)) if k == "Position" else -1
                                        for k, v in zip(kinds, values)], dtype=np.int64)
        self.duration_units = np.array([_duration_units(v) if k == "Duration" else 0.0
                                        for k, v in zip(kinds, values)], dtype=np.float64)
        self.program_value = np.array([int(_number(v, 0)) if k == "Program" else 0
                                       for k, v in zip(kinds, values)], dtype=np.int64)
        self.pitch_value = np.array([int(_number(v, -1)) if k in ("Pitch", "PitchDrum") else -1
                                     for k, v in zip(kinds, values)], dtype=np.int64)
        self.tempo_value = np.array([_number(v, DEFAULT_TEMPO) if k == "Tempo" else 0.0
                                     for k, v in zip(kinds, values)], dtype=np.float64)
        self.timesig_value: dict[int, tuple[int, int]] = {}
        for i, (k, v) in enumerate(zip(kinds, values)):
            if k == "TimeSig" and "/" in v:
                num, _, den = v.partition("/")
                if num.isdigit() and den.isdigit() and int(num) > 0 and int(den) > 0:
                    self.timesig_value[i] = (int(num), int(den))

        self.state_of = np.full(size, -1, dtype=np.int64)
        for mask, state in ((self.is_bar, BAR), (self.is_timesig, TIMESIG), (self.is_position, POSITION),
                            (self.is_tempo, TEMPO), (self.is_pitch | self.is_drum_pitch, PITCH),
                            (self.is_velocity, VELOCITY), (self.is_duration, DURATION), (self.is_eos, END)):
            self.state_of[mask] = state
        self.state_of[self.is_program] = PROGRAM
        self.state_of[self.is_program & (self.program_value == -1)] = PROGRAM_DRUM
        self.state_of[self.bos_id] = START
        self.allowed = self._table()

    @staticmethod
    def _guess_resolution(names: list[str]) -> int:
        denominators = [int(n.rsplit(".", 1)[1]) for n in names
                        if n.startswith("Duration_") and n.count(".") == 2 and n.rsplit(".", 1)[1].isdigit()]
        return max(denominators, default=8)

    def _table(self) -> np.ndarray:
        has_timesig = bool(self.is_timesig.any())
        group = note_group(programs=bool(self.is_program.any()), velocities=bool(self.is_velocity.any()))
        of_kind = {"Program": self.is_program, "Pitch": self.is_pitch | self.is_drum_pitch,
                   "Velocity": self.is_velocity, "Duration": self.is_duration}
        note_start = of_kind[group[0]]
        after_pitch = of_kind[group[group.index("Pitch") + 1]]
        rows = np.zeros((len(STATE_NAMES), self.size), dtype=bool)
        rows[START] = self.is_bar
        rows[BAR] = self.is_timesig if has_timesig else (self.is_position | self.is_bar)
        rows[TIMESIG] = self.is_position | self.is_bar
        rows[POSITION] = self.is_tempo | note_start
        rows[TEMPO] = self.is_position | self.is_bar | note_start
        rows[PROGRAM] = self.is_pitch  # the group's Pitch: melodic after Program_n,
        rows[PROGRAM_DRUM] = self.is_drum_pitch  # PitchDrum after Program_-1
        rows[PITCH] = after_pitch
        rows[VELOCITY] = of_kind[NOTE_GROUP[NOTE_GROUP.index("Velocity") + 1]]
        rows[DURATION] = note_start | self.is_position | self.is_bar | self.is_eos
        rows[END] = False
        rows[END, self.pad_id] = True
        if not self.exact:
            rows[:] = True
            rows[:, [self.pad_id, self.bos_id]] = False
        return rows

    def state_after(self, ids: Iterable[int]) -> int:
        """The state after the last meaningful token of ``ids`` (PAD ignored)."""
        state = START
        for token in ids:
            token = int(token)
            if token == self.pad_id:
                continue
            kind = int(self.state_of[token])
            if kind >= 0:
                state = kind
        return state

    def mask(self, previous: Iterable[int]) -> np.ndarray:
        """Boolean mask of the tokens that may follow ``previous`` (a copy, safe to edit)."""
        return self.allowed[self.state_after(previous)].copy()

    def first_violation(self, ids: Iterable[int]) -> int | None:
        """Index of the first token not allowed by the table (None when the stream is legal)."""
        state = START
        for index, token in enumerate(int(t) for t in ids):
            if index == 0 and token == self.bos_id:
                continue
            if not self.allowed[state, token]:
                return index
            kind = int(self.state_of[token])
            state = kind if kind >= 0 else state
        return None


@dataclass
class NoteEvent:
    start: float  # quarter-note beats
    duration: float
    pitch: int
    program: int
    bar: int


@dataclass
class RemiState:
    """The musical clock of a REMI stream being written, plus its dynamic constraints."""

    grammar: Grammar
    fixed_meter: bool = True  # keep the first time signature for the whole take
    single_tempo: bool = True  # at most one Tempo token
    allow_tempo: bool = True
    programs: frozenset[int] | None = None  # allowed Program values (None = any)
    timesigs: frozenset[int] | None = None  # allowed TimeSig token ids (None = any)
    tempos: frozenset[int] | None = None  # allowed Tempo token ids (None = any)
    max_programs: int | None = MAX_MELODIC_PROGRAMS  # distinct melodic programs per take
    max_onset_notes: int | None = None  # notes starting at one position
    max_bar_notes: int | None = None  # notes starting in one bar
    state: int = START
    bar: int = -1  # index of the current bar
    bar_start: float = 0.0  # beats
    bar_seconds: float = 0.0  # seconds at the current bar start
    meter: tuple[int, int] | None = None
    position: int = -1  # in the current bar, -1 before the first Position
    tempo: float | None = None
    notes: list[NoteEvent] = field(default_factory=list)
    sound_end: float = 0.0  # latest note end so far (beats)
    onset_notes: int = 0  # notes at the current position
    bar_notes: int = 0  # notes in the current bar
    melodic_programs: frozenset[int] = frozenset()  # melodic programs used so far
    _pending: dict = field(default_factory=dict)
    _static: np.ndarray | None = field(default=None, init=False, repr=False)
    _full_band: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        g = self.grammar
        static = np.ones(g.size, dtype=bool)  # what the restrictions given at creation allow
        if self.programs is not None:
            static &= ~(g.is_program & ~np.isin(g.program_value, sorted(self.programs)))
        for ids, kind in ((self.timesigs, g.is_timesig), (self.tempos, g.is_tempo)):
            if ids is not None:
                keep = np.zeros(g.size, dtype=bool)
                keep[[i for i in ids if 0 <= i < g.size]] = True
                static &= ~kind | keep
        self._static = static

    # ---- clock ---------------------------------------------------------------------------
    @property
    def unit(self) -> float:
        """Quarter-note beats per time-signature beat."""
        return 4.0 / (self.meter or (4, 4))[1]

    @property
    def bar_beats(self) -> float:
        num, _den = self.meter or (4, 4)
        return num * self.unit

    @property
    def bar_positions(self) -> int:
        return (self.meter or (4, 4))[0] * self.grammar.positions_per_beat

    def position_beats(self, position: int) -> float:
        return self.bar_start + position / self.grammar.positions_per_beat * self.unit

    @property
    def now(self) -> float:
        """Beat of the current position (the bar start before any Position)."""
        return self.position_beats(max(self.position, 0))

    @property
    def seconds(self) -> float:
        return self.bar_seconds + seconds_for_beats(self.now - self.bar_start, self.tempo or DEFAULT_TEMPO)

    @property
    def pending_program(self) -> int:
        """Program of the note group being written (0 before its Program token)."""
        return self._pending.get("program", 0)

    def probe(self) -> "RemiState":
        """A cheap copy to look one token ahead with (no note history, no unfinished note)."""
        return dataclasses.replace(self, notes=[], _pending={})

    @property
    def complete_bars(self) -> int:
        return max(self.bar, 0)

    # ---- feeding -------------------------------------------------------------------------
    def push(self, token: int) -> None:
        g = self.grammar
        token = int(token)
        kind = int(g.state_of[token]) if 0 <= token < g.size else -1
        if kind < 0 or token == g.pad_id:
            return
        if kind == BAR:
            if self.bar >= 0:
                self.bar_seconds += seconds_for_beats(self.bar_beats, self.tempo or DEFAULT_TEMPO)
                self.bar_start += self.bar_beats
            self.bar += 1
            self.position = -1
            self.onset_notes = self.bar_notes = 0
        elif kind == TIMESIG:
            self.meter = g.timesig_value.get(token, self.meter)
        elif kind == POSITION:
            self.position = int(g.position_value[token])
            self.onset_notes = 0
        elif kind == TEMPO:
            self.tempo = float(g.tempo_value[token])
        elif kind in (PROGRAM, PROGRAM_DRUM):
            self._pending = {"program": int(g.program_value[token])}
        elif kind == PITCH:
            self._pending["pitch"] = int(g.pitch_value[token])
            if not g.is_program.any():
                self._pending.setdefault("program", 0)
        elif kind == DURATION and "pitch" in self._pending:
            start = self.now
            duration = float(g.duration_units[token]) * self.unit
            self.notes.append(NoteEvent(start, duration, self._pending["pitch"],
                                        self._pending.get("program", 0), self.bar))
            self.sound_end = max(self.sound_end, start + duration)
            self.onset_notes += 1
            self.bar_notes += 1
            program = self._pending.get("program", 0)
            if program >= 0 and program not in self.melodic_programs:
                self.melodic_programs = self.melodic_programs | {program}
            self._pending = {}
        self.state = kind

    def feed(self, tokens: Iterable[int]) -> "RemiState":
        for token in tokens:
            self.push(token)
        return self

    # ---- constraints ---------------------------------------------------------------------
    def mask(self) -> np.ndarray:
        """Legal next tokens: the grammar table row, narrowed by the dynamic rules."""
        g = self.grammar
        mask = g.allowed[self.state].copy()
        if not g.exact:
            return mask
        # positions move forward and stay inside the bar
        bad = (g.position_value <= self.position) | (g.position_value >= self.bar_positions)
        mask &= ~(g.is_position & bad)
        if self.fixed_meter and self.meter is not None:  # the take's metre wins over the palette
            for token, sig in g.timesig_value.items():
                if sig != self.meter:
                    mask[token] = False
            mask &= self._static | g.is_timesig
        else:
            mask &= self._static
        if not self.allow_tempo or (self.single_tempo and self.tempo is not None):
            mask &= ~g.is_tempo
        if self.max_programs is not None and len(self.melodic_programs) >= self.max_programs:
            if self._full_band is None:  # the set cannot grow any more: compute its mask once
                self._full_band = ~(g.is_program & (g.program_value >= 0)
                                    & ~np.isin(g.program_value, sorted(self.melodic_programs)))
            mask &= self._full_band
        if self.state in (POSITION, TEMPO, DURATION):
            note_start = g.is_program if g.is_program.any() else (g.is_pitch | g.is_drum_pitch)
            if self.max_bar_notes is not None and self.bar_notes >= self.max_bar_notes:
                mask &= ~(note_start | g.is_position)  # the bar is full: on to the next one
            elif self.max_onset_notes is not None and self.onset_notes >= self.max_onset_notes:
                mask &= ~note_start
        if not mask.any():  # never a dead end: a new bar is always possible
            mask = g.allowed[self.state] & (g.is_bar | g.is_timesig | g.is_eos)
            if not mask.any():
                mask = g.allowed[self.state].copy()
        return mask
