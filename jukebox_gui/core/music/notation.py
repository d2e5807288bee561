"""Notation decisions for a Score, before any library sees it: key, spelling, staves, voices,
clefs, written note values, pickup, metronome marks. ``musicxml`` turns the plan into music21.

Times here are integer grid steps (``divisions`` per quarter-note beat) of a quantised Score.
Pure Python (the key analysis in :mod:`.spelling` imports music21).

- Key and spelling: see :mod:`.spelling`.
- Staves: keyboards on a grand staff split by hand (span, position, ledger lines), a chorale-like
  texture (mostly three or four notes at once) on two staves of two voices each, anything wider
  than one staff on a grand staff, otherwise one staff with the clef that needs fewest ledger lines.
- Voices: notes that start and end together are a chord; overlapping ones go to further voices.
- Written values: split at bar lines, then into plain or dotted values that show the beat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable

from .gm_names import KEYBOARD_PROGRAMS, program_name
from .score import Score, Track
from .spelling import (
    Key, plain_index, choose_clef, estimate_keys, ledger_lines,
)

GridNote = tuple[int, int, int]  # (start, end, pitch) in grid steps
GRAND_STAFF_PROGRAMS = KEYBOARD_PROGRAMS | {46}  # + Orchestral Harp
MAX_VOICES = 4
MAELZEL = (40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 63, 66, 69, 72, 76, 80, 84, 88, 92, 96, 100,
           104, 108, 112, 116, 120, 126, 132, 138, 144, 152, 160, 168, 176, 184, 192, 200, 208)
_GENERIC_NAME = ("track", "midi", "untitled", "staff", "part", "instrument", "inst", "channel", "ch", "")


# ---- staves and voices -----------------------------------------------------------------------
@dataclass
class StaffPlan:
    clef: str
    voices: list[list[GridNote]]


@dataclass
class PartPlan:
    name: str
    program: int
    is_drum: bool
    staves: list[StaffPlan]
    kind: str = "single"  # single, grand, chorale, drums


def restrike(notes: Iterable[GridNote]) -> list[GridNote]:
    """Sorted notes where a re-struck pitch ends the earlier note, as in MIDI; empty ones dropped."""
    ordered = sorted(notes)
    last: dict[int, int] = {}
    for i, (start, end, pitch) in enumerate(ordered):
        j = last.get(pitch)
        if j is not None and ordered[j][1] > start:
            ordered[j] = (ordered[j][0], start, pitch)
        last[pitch] = i
    return [n for n in ordered if n[1] > n[0]]


def _onsets(notes: list[GridNote]) -> list[tuple[int, list[GridNote]]]:
    groups: dict[int, list[GridNote]] = {}
    for n in notes:
        groups.setdefault(n[0], []).append(n)
    return sorted(groups.items())


def polyphony_profile(notes: list[GridNote]) -> tuple[float, float]:
    """(share of onsets where three to five notes sound, share where more than five do)."""
    onsets = _onsets(notes)
    if not onsets:
        return 0.0, 0.0
    import bisect  # noqa: PLC0415

    rich = crowded = 0
    starts = sorted(n[0] for n in notes)
    ends = sorted(n[1] for n in notes)
    for start, _group in onsets:
        sounding = bisect.bisect_right(starts, start) - bisect.bisect_right(ends, start)
        rich += 3 <= sounding <= 5
        crowded += sounding > 5
    return rich / len(onsets), crowded / len(onsets)


def split_hands(notes: list[GridNote]) -> tuple[list[GridNote], list[GridNote]]:
    """Upper and lower staff of a keyboard part: at each onset the new notes are cut at the
    point that keeps each hand within about an octave, near where it was, without crossing,
    and with few ledger lines (treble above, bass below)."""
    upper: list[GridNote] = []
    lower: list[GridNote] = []
    centre = [67.0, 50.0]
    held: list[tuple[int, int, int]] = []  # (end, pitch, hand)
    for start, group in _onsets(notes):
        held = [h for h in held if h[0] > start]
        group = sorted(group, key=lambda n: n[2])
        best, best_cost = 0, None
        for cut in range(len(group) + 1):
            hands = (group[cut:], group[:cut])
            cost = 0.0
            for hand, new in enumerate(hands):
                if not new:
                    continue
                pitches = [n[2] for n in new] + [h[1] for h in held if h[2] == hand]
                span = max(pitches) - min(pitches)
                cost += 8.0 * max(0, span - 12) + 6.0 * max(0, len(pitches) - 5)
                cost += sum(0.5 * abs(n[2] - centre[hand]) for n in new)
                clef = "treble" if hand == 0 else "bass"
                cost += sum(2.0 * max(0, ledger_lines(plain_index(n[2]), clef) - 1) for n in new)
            up = [n[2] for n in hands[0]] + [h[1] for h in held if h[2] == 0]
            down = [n[2] for n in hands[1]] + [h[1] for h in held if h[2] == 1]
            if up and down and min(up) < max(down):
                cost += 20.0 * (max(down) - min(up))
            if best_cost is None or cost < best_cost:
                best, best_cost = cut, cost
        for hand, new in enumerate((group[best:], group[:best])):
            if new:
                (upper if hand == 0 else lower).extend(new)
                centre[hand] = 0.3 * centre[hand] + 0.7 * sum(n[2] for n in new) / len(new)
                held += [(n[1], n[2], hand) for n in new]
    return upper, lower


def split_by_rank(notes: list[GridNote], upper_voices: int = 2) -> tuple[list[GridNote], list[GridNote]]:
    """Chorale staves: at each onset the top ``upper_voices`` sounding notes go to the upper staff."""
    upper: list[GridNote] = []
    lower: list[GridNote] = []
    held: list[tuple[int, int, int]] = []  # (end, pitch, staff)
    for start, group in _onsets(notes):
        held = [h for h in held if h[0] > start]
        sounding = sorted([(h[1], h[2], None) for h in held] + [(n[2], -1, n) for n in group], reverse=True)
        for rank, (_pitch, staff, new) in enumerate(sounding):
            if new is None:
                continue
            taken_up = sum(1 for h in held if h[2] == 0)
            pitch = new[2]
            # ranks decide, within reach: above G4 is the upper staff's, below D3 the lower's
            to_upper = pitch >= 67 or (pitch > 50 and rank < upper_voices and taken_up < upper_voices)
            (upper if to_upper else lower).append(new)
            held.append((new[1], new[2], 0 if to_upper else 1))
    return upper, lower


def rank_voices(notes: list[GridNote], count: int = 2) -> list[list[GridNote]]:
    """``count`` voices by pitch rank (voice 1 the highest); extra notes join the nearest voice."""
    voices: list[list[GridNote]] = [[] for _ in range(count)]
    busy: dict[int, tuple[int, int]] = {}  # voice -> (end, pitch)
    for start, group in _onsets(notes):
        busy = {v: b for v, b in busy.items() if b[0] > start}
        free = [v for v in range(count) if v not in busy]
        group = sorted(group, key=lambda n: -n[2])
        if not free:
            for n in group:
                v = min(busy, key=lambda v: abs(busy[v][1] - n[2]))
                voices[v].append(n)
            continue
        if len(group) <= len(free):
            # keep the order: voices above the held notes take the higher new notes
            chosen = _ordered_slots(group, free, busy)
        else:
            chosen = []
            for i, n in enumerate(group):
                chosen.append(free[min(len(free) - 1, i * len(free) // len(group))])
        for n, v in zip(group, chosen):
            voices[v].append(n)
            busy[v] = (max(busy.get(v, (0, 0))[0], n[1]), n[2])
    return [v for v in voices if v] or [[]]


def _ordered_slots(group: list[GridNote], free: list[int], busy: dict[int, tuple[int, int]]) -> list[int]:
    """Free voices for new notes (highest first), preferring slots consistent with held pitches."""
    best, best_cost = None, None
    from itertools import combinations  # noqa: PLC0415

    for slots in combinations(free, len(group)):
        cost = 0
        for n, v in zip(group, slots):
            for hv, (_e, hp) in busy.items():
                if (hv < v and hp < n[2]) or (hv > v and hp > n[2]):
                    cost += 1
        if best_cost is None or cost < best_cost:
            best, best_cost = list(slots), cost
    return best or free[: len(group)]


def event_voices(notes: list[GridNote], max_voices: int = MAX_VOICES) -> list[list[GridNote]]:
    """Notes that start and end together are one chord; a chord that starts while another voice
    still sounds goes to the next free voice (up to ``max_voices``; beyond that it shares voice 1,
    whose overlaps become tied chords)."""
    chords: dict[tuple[int, int], list[GridNote]] = {}
    for n in notes:
        chords.setdefault((n[0], n[1]), []).append(n)
    voices: list[list[GridNote]] = []
    ends: list[int] = []
    for (start, end), members in sorted(chords.items(), key=lambda kv: (kv[0][0], -max(n[2] for n in kv[1]))):
        for v, voice_end in enumerate(ends):
            if voice_end <= start:
                voices[v] += members
                ends[v] = end
                break
        else:
            if len(voices) < max_voices:
                voices.append(list(members))
                ends.append(end)
            else:
                voices[0] += members
                ends[0] = max(ends[0], end)
    # voice 1 carries the highest line: order voices by mean pitch
    voices.sort(key=lambda v: -sum(n[2] for n in v) / len(v))
    return voices or [[]]


def part_name(track: Track, index: int) -> str:
    name = (track.name or "").strip()
    bare = name.lower().rstrip("0123456789 #:-_.").strip()
    if not name or bare in _GENERIC_NAME:
        return "Drums" if track.is_drum else program_name(track.program)
    return name


def plan_part(track: Track, divisions: int, index: int) -> PartPlan:
    """Staves, clefs and voices for one track (quantised)."""
    raw = [(round(n.start * divisions), round(n.end * divisions), n.pitch) for n in track.notes]
    name = part_name(track, index)
    if track.is_drum:
        notes = _drum_lengths(restrike(raw))
        return PartPlan(name, track.program, True, [StaffPlan("percussion", [notes])], "drums")
    notes = restrike(raw)
    rich, crowded = polyphony_profile(notes)
    pitches = [n[2] for n in notes]
    if track.program not in GRAND_STAFF_PROGRAMS and rich >= 0.5 and crowded <= 0.25:
        upper, lower = split_by_rank(notes)
        staves = [StaffPlan("treble", rank_voices(upper)), StaffPlan(_lower_clef(lower), rank_voices(lower))]
        return PartPlan(name, track.program, False, staves, "chorale")
    clef = choose_clef(pitches)
    far = sum(1 for p in pitches if ledger_lines(plain_index(p), clef) > 3)
    if track.program in GRAND_STAFF_PROGRAMS or far > 0.02 * len(pitches):
        upper, lower = split_hands(notes)
        if far <= 0.02 * len(pitches) and min(len(upper), len(lower)) <= 0.05 * len(notes):
            # one hand of a keyboard (a "Piano (hi)" track): one staff, not a grand staff of rests
            return PartPlan(name, track.program, False, [StaffPlan(clef, event_voices(notes))], "single")
        staves = [StaffPlan("treble", event_voices(upper)), StaffPlan("bass", event_voices(lower))]
        return PartPlan(name, track.program, False, staves, "grand")
    return PartPlan(name, track.program, False, [StaffPlan(clef, event_voices(notes))], "single")


def _lower_clef(notes: list[GridNote]) -> str:
    """Bass clef, as in every chorale on two staves, unless the lower voices sit far above it."""
    far = sum(1 for n in notes if ledger_lines(plain_index(n[2]), "bass") > 3)
    return "treble8vb" if notes and far > 0.02 * len(notes) else "bass"


def _drum_lengths(notes: list[GridNote]) -> list[GridNote]:
    """Drum hits last until the next hit (at most a beat's worth of their own length): one
    chord voice without tied overlaps. Lengths of drum notes carry no meaning in MIDI."""
    starts = sorted({n[0] for n in notes})
    following = {s: (starts[i + 1] if i + 1 < len(starts) else None) for i, s in enumerate(starts)}
    out = []
    for start, end, pitch in notes:
        nxt = following[start]
        out.append((start, min(end, nxt) if nxt is not None else end, pitch))
    return out


# ---- time: bars, pickup, written values, metronome -------------------------------------------
def beat_length(numerator: int, denominator: int) -> Fraction:
    """Quarter-note length of one beat (a dotted quarter in 6/8, 9/8, 12/8 and 3/8)."""
    if denominator >= 8 and numerator % 3 == 0:
        return Fraction(3 * 4, denominator)
    return Fraction(4, denominator)


def _values(triplets: bool) -> list[Fraction]:
    plain = [Fraction(1, 32) * 2 ** k for k in range(8)]  # 128th .. whole
    values = set(plain) | {v * Fraction(3, 2) for v in plain[:-1]}
    if triplets:
        values |= {v * Fraction(2, 3) for v in plain[1:]}
    return sorted(v for v in values if v <= 6)


_PLAIN = _values(False)
_WITH_TRIPLETS = _values(True)


def written_values(pos: Fraction, length: Fraction, beat: Fraction, bar: Fraction, *, rest: bool,
                   triplets: bool = False) -> list[Fraction]:
    """Split ``length`` starting ``pos`` quarters into a bar into note values that show the beat:
    one value when it is a plain or dotted one that starts on a beat (or stays within one, or
    is a short syncopation on the half beat), else tied pieces that end on beats. Rests are
    stricter: a rest starts where its own value divides the bar position."""
    values = _WITH_TRIPLETS if triplets else _PLAIN
    out: list[Fraction] = []
    while length > 0:
        piece = _first_value(pos, length, beat, bar, rest, values)
        out.append(piece)
        pos += piece
        length -= piece
    return out


def _first_value(pos, length, beat, bar, rest, values) -> Fraction:
    if rest and pos == 0 and length == bar:
        return length  # a whole-bar rest
    fits = [v for v in values if v <= length]
    if not fits:
        return length
    into_beat = pos % beat
    to_beat = beat - into_beat
    if rest:
        for v in reversed(fits):
            if (pos % v == 0 or (into_beat == 0 and v == beat)) and (v <= beat or into_beat == 0 and pos % v == 0):
                return v
        return fits[0]
    if length in values:
        if into_beat == 0 or length <= to_beat:
            return length
        if into_beat * 2 == beat and length <= beat:
            return length  # eighth-quarter-eighth, sixteenth-eighth-sixteenth
    if into_beat:
        limit = to_beat
        choice = [v for v in fits if v <= limit]
        return choice[-1] if choice else fits[0]
    # on a beat: the longest value that lands on a beat line
    for v in reversed(fits):
        if (pos + v) % beat == 0:
            return v
    return fits[-1]


def metronome(bpm: float, numerator: int, denominator: int) -> tuple[int, Fraction]:
    """A whole-number metronome mark and its beat note: a dotted quarter in compound time.
    A whole number stays; otherwise Maelzel's marks (…, 116, 120, 126, …) win when within 2 %
    (121.29, a tempo bin, becomes 120 and still falls in that bin), else the nearest whole BPM."""
    referent = beat_length(numerator, denominator) if denominator >= 8 and numerator % 3 == 0 else Fraction(1)
    per_beat = bpm / float(referent)
    if abs(per_beat - round(per_beat)) < 0.01:
        return max(1, round(per_beat)), referent  # the source's own whole number
    near = min(MAELZEL, key=lambda m: abs(m - per_beat))
    number = near if abs(near - per_beat) <= 0.02 * per_beat else round(per_beat)
    return max(1, int(number)), referent


@dataclass
class Bar:
    start: int  # grid steps
    end: int
    numerator: int
    denominator: int
    number: int


@dataclass
class Layout:
    parts: list[PartPlan]
    keys: list[Key]
    bars: list[Bar]
    pickup: int  # grid steps of silence cut from the front (a pickup bar); 0 when none
    total: int
    divisions: int
    tempos: list[tuple[int, float]] = field(default_factory=list)  # (grid step, quarter bpm)


def make_bars(score: Score, divisions: int) -> tuple[list[Bar], int]:
    """Bars of a quantised score to the end of its last bar, and the pickup length (the silence
    before the first note when the first bar is only partly filled)."""
    starts = score.bar_starts(score.end_beat)
    last = starts[-1]
    end_beat = max(score.end_beat, last + score.time_signature_at(last).bar_beats)
    if end_beat - 1e-9 > last + score.time_signature_at(last).bar_beats:
        starts = score.bar_starts(end_beat)
    grid = [round(b * divisions) for b in starts]
    total = round(end_beat * divisions)
    while grid and grid[-1] >= total:
        grid.pop()
    bars = []
    for i, start in enumerate(grid):
        end = grid[i + 1] if i + 1 < len(grid) else total
        ts = score.time_signature_at(start / divisions)
        bars.append(Bar(start, end, ts.numerator, ts.denominator, i + 1))
    first = min((round(n.start * divisions) for t in score.tracks for n in t.notes), default=0)
    pickup = first if bars and 0 < first < bars[0].end else 0
    if pickup:
        for bar in bars:
            bar.number -= 1
    return bars, pickup


def plan_layout(score: Score, divisions: int, source: Score | None = None) -> Layout:
    """The whole notation plan for a quantised score (see ``quantize_score``); the key comes
    from ``source`` (the unquantised score) when given, so it is music21's analysis of the take."""
    bars, pickup = make_bars(score, divisions)
    edges = [b.start for b in bars] + [bars[-1].end]
    parts = [plan_part(t, divisions, i) for i, t in enumerate(score.tracks) if t.notes]
    return Layout(parts=parts, keys=estimate_keys(source or score, edges, divisions), bars=bars, pickup=pickup,
                  total=bars[-1].end, divisions=divisions,
                  tempos=[(round(t.beat * divisions), t.bpm) for t in sorted(score.tempos, key=lambda t: t.beat)])
