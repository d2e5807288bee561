"""The corpus palette: which metres, tempos and instruments a corpus uses, and how densely.

Measured once at training time from the tokenized training sequences (NumPy only, no
TensorFlow) and saved in the bundle as ``palette.json``. Generation uses it to keep a take to
what the corpus does (see :func:`jukebox_gui.core.ml.generation.generate`):

* ``time_signatures`` / ``tempos``: the TimeSig and Tempo token values that occur at all; the
  grammar mask never offers the others (a take in 1/4 from a corpus in 4/4 is impossible).
* ``programs``: every program used (drums as -1); ``instrument_sets``: per piece, its programs
  ordered by note count (most notes first). A take picks one piece's set up front and the
  stream keeps to it, so a take has the small, consistent band a song of the corpus has.
* ``max_notes_per_onset`` / ``max_notes_per_bar``: the densest onset and bar of the corpus;
  the mask caps a take there (no 700 notes in 5 seconds).

At most :data:`MAX_MELODIC_PROGRAMS` melodic programs plus drums fit the 16 MIDI channels (drums
own channel 10); :func:`playable_set` trims a set to that.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Sequence

import numpy as np

FORMAT = "jukebox-palette"
VERSION = 1
MAX_MELODIC_PROGRAMS = 15  # 16 MIDI channels, channel 10 (index 9) is the drums'
DRUMS = -1


def playable_set(programs: Iterable[int]) -> list[int]:
    """``programs`` (in priority order, duplicates dropped) with at most 15 melodic ones + drums."""
    out: list[int] = []
    melodic = 0
    for program in programs:
        program = int(program)
        if program in out:
            continue
        if program != DRUMS:
            if melodic >= MAX_MELODIC_PROGRAMS:
                continue
            melodic += 1
        out.append(program)
    return out


def corpus_palette(sequences: Iterable[Sequence[int]], tokenizer: Any) -> dict[str, Any] | None:
    """The palette of tokenized pieces (``BOS ... EOS`` id streams of ``tokenizer``); None for
    a BPE vocabulary (merged tokens cannot be read one by one)."""
    from .grammar import Grammar

    g = Grammar(tokenizer)
    if not g.exact:
        return None
    names = np.array(g.names, dtype=object)
    one_program = int(getattr(getattr(tokenizer, "config", None), "program", 0) or 0)
    timesigs: Counter[str] = Counter()
    tempos: Counter[str] = Counter()
    programs: Counter[int] = Counter()
    sets: list[list[int]] = []
    max_onset = max_bar = 0
    bar_counts: list[np.ndarray] = []
    pieces = 0
    kept: list[np.ndarray] = []
    rests: list[int] = []  # per part of a piece: its longest run of silent bars between notes
    for seq in sequences:
        ids = np.asarray(seq, dtype=np.int64)
        ids = ids[(ids >= 0) & (ids < g.size)]
        if not len(ids):
            continue
        pieces += 1
        kept.append(ids)
        for token, count in zip(*np.unique(ids[g.is_timesig[ids]], return_counts=True)):
            timesigs[str(names[token]).split("_", 1)[1]] += int(count)
        for token, count in zip(*np.unique(ids[g.is_tempo[ids]], return_counts=True)):
            tempos[str(names[token]).split("_", 1)[1]] += int(count)
        notes = g.is_pitch[ids] | g.is_drum_pitch[ids]
        if g.is_program.any():  # the token right before a note's Pitch is its Program
            before = ids[np.flatnonzero(notes) - 1]
            note_programs = g.program_value[before[g.is_program[before]]]
        else:  # a slim stream: every note is the corpus's one instrument
            note_programs = np.full(int(notes.sum()), one_program, dtype=np.int64)
        piece = Counter(int(p) for p in note_programs)
        programs.update(piece)
        bars_of_notes = np.cumsum(g.is_bar[ids])[notes]
        if len(note_programs) == len(bars_of_notes):
            rests.extend(_longest_rests(note_programs, bars_of_notes))
        if piece:
            sets.append([p for p, _n in sorted(piece.items(), key=lambda kv: (-kv[1], kv[0]))])
        onsets = np.cumsum(g.is_position[ids] | g.is_bar[ids])
        if notes.any():
            max_onset = max(max_onset, int(np.bincount(onsets[notes]).max()))
        bars = np.cumsum(g.is_bar[ids])
        per_bar = np.bincount(bars[notes], minlength=int(bars[-1]) + 1)[1:] if notes.any() else np.zeros(0)
        if len(per_bar):
            max_bar = max(max_bar, int(per_bar.max()))
            bar_counts.append(per_bar)
    all_bars = np.concatenate(bar_counts) if bar_counts else np.zeros(1)
    sizes = [len(s) for s in sets] or [0]
    return {
        "format": FORMAT,
        "version": VERSION,
        "pieces": pieces,
        "time_signatures": sorted(timesigs, key=lambda k: (-timesigs[k], k)),
        "tempos": sorted(tempos, key=lambda k: float(k) if _is_number(k) else 0.0),
        "programs": sorted(programs),
        "instrument_sets": sets,
        "instruments_per_piece": {"min": int(min(sizes)), "median": float(np.median(sizes)),
                                  "max": int(max(sizes))},
        "max_notes_per_onset": int(max_onset),
        "max_notes_per_bar": int(max_bar),
        "notes_per_bar": {"p50": float(np.percentile(all_bars, 50)), "p99": float(np.percentile(all_bars, 99))},
        "bar_repeats": bar_repeat_stats(kept, g),
        "part_rest_bars": {"p50": float(np.percentile(rests, 50)), "p90": float(np.percentile(rests, 90))}
        if rests else None,
        "voices": voice_profile(kept, g),
    }


STEADY_VOICES_SHARE = 0.9  # the corpus sounds its usual number of notes at least this share of the time


def voice_profile(sequences: Iterable[np.ndarray], grammar) -> dict[str, Any] | None:
    """How many notes sound at once, weighted by time over all pieces (a rest between notes
    counts as none): the usual count and the share of the time it holds (a chorale: 4 voices
    nearly always; a band: no steady count)."""
    from ..music.metrics import time_by_sounding
    from .grammar import RemiState

    time_by_count: Counter[int] = Counter()
    for ids in sequences:
        notes = RemiState(grammar, fixed_meter=False, single_tempo=False, max_programs=None).feed(ids).notes
        time_by_count.update(time_by_sounding([(n.start, n.start + n.duration) for n in notes]))
    total = sum(time_by_count.values())
    if not total:
        return None
    count, time = max(time_by_count.items(), key=lambda kv: (kv[1], -kv[0]))
    return {"count": int(count), "share": round(time / total, 4)}


def steady_voices(palette: dict[str, Any] | None) -> int | None:
    """The number of notes a corpus keeps sounding (None when it has no steady count)."""
    voices = (palette or {}).get("voices")
    if not isinstance(voices, dict) or not isinstance(voices.get("count"), int) or voices["count"] < 1:
        return None
    share = voices.get("share")
    return voices["count"] if isinstance(share, (int, float)) and share >= STEADY_VOICES_SHARE else None


def _longest_rests(note_programs: np.ndarray, note_bars: np.ndarray) -> list[int]:
    """For each instrument of a piece, the most bars in a row it is silent between two of its notes."""
    out = []
    for program in np.unique(note_programs):
        bars = np.unique(note_bars[note_programs == program])
        out.append(int(np.max(np.diff(bars)) - 1) if len(bars) > 1 else 0)
    return out


REPEAT_DISTANCES = (1, 2, 3, 4, 6, 8, 12, 16)  # bars back a repeat may reach (the corpus's own share of each)


def _bars(ids: np.ndarray, g) -> list[tuple[int, ...]]:
    """Each bar's tokens after its ``Bar`` token (a bar with a Tempo token: None, never proposed)."""
    starts = np.flatnonzero(g.is_bar[ids])
    ends = np.append(starts[1:], len(ids))
    return [tuple(int(t) for t in ids[a + 1:b]) for a, b in zip(starts, ends)]


REPEAT_BY_BAR = 32  # bar indices with their own repeat rates (later bars use the overall figures)


def bar_repeat_stats(sequences: Iterable[Sequence[int]], grammar) -> dict[str, Any] | None:
    """How often a bar of the corpus repeats an earlier bar of its piece token for token (notes,
    positions, durations; empty bars left out), and how far back: ``{"rate", "distances": {d:
    share}, "by_bar": {i: {d: rate}}}``. ``by_bar`` holds, for each of the first
    :data:`REPEAT_BY_BAR` bar indices, the share of pieces whose bar ``i`` repeats bar ``i - d``:
    tunes repeat at their phrase lines (bar 5 = bar 1, bar 9 = bar 1), not anywhere."""
    music = ~np.isin(np.asarray(grammar.names, dtype=object), ["PAD_None", "BOS_None", "EOS_None", "Gap_None",
                                                                "Fill_None"])
    bars_seen = repeats = 0
    distances: Counter[int] = Counter()
    at_bar: Counter[int] = Counter()
    at_bar_d: Counter[tuple[int, int]] = Counter()
    for seq in sequences:
        ids = np.asarray(seq, dtype=np.int64)
        ids = ids[(ids >= 0) & (ids < grammar.size)]
        ids = ids[music[ids]]  # the last bar ends at the music, not at EOS
        last: dict[tuple[int, ...], int] = {}
        for i, bar in enumerate(_bars(ids, grammar)):
            body = tuple(t for t in bar if not grammar.is_tempo[t])
            if not any(grammar.is_pitch[t] or grammar.is_drum_pitch[t] for t in body):
                continue
            bars_seen += 1
            at_bar[i] += 1
            if body in last and i - last[body] in REPEAT_DISTANCES:
                repeats += 1
                distances[i - last[body]] += 1
                at_bar_d[(i, i - last[body])] += 1
            last[body] = i
    if not bars_seen:
        return None
    total = sum(distances.values())
    by_bar = {}
    for i in range(REPEAT_BY_BAR):
        if at_bar[i] >= 10:  # enough pieces reach this bar to say
            by_bar[str(i)] = {str(d): round(at_bar_d[(i, d)] / at_bar[i], 4)
                              for d in REPEAT_DISTANCES if at_bar_d[(i, d)]}
    return {"rate": round(repeats / bars_seen, 4),
            "distances": {str(d): round(n / total, 4) for d, n in sorted(distances.items())} if total else {},
            "by_bar": by_bar}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def valid_palette(palette: Any) -> dict[str, Any] | None:
    """The palette if it is one this version reads, else None (old or foreign bundles)."""
    if not isinstance(palette, dict) or palette.get("format") != FORMAT:
        return None
    if not isinstance(palette.get("version"), int) or palette["version"] > VERSION:
        return None
    sets = palette.get("instrument_sets")
    if not isinstance(sets, list) or not all(isinstance(s, list) and s for s in sets):
        return None
    return palette


def pick_instruments(palette: dict[str, Any] | None, rng: np.random.Generator,
                     must_have: Iterable[int] = ()) -> list[int] | None:
    """One piece's instrument set for a take (playable; None: no palette, no restriction).

    ``must_have`` (a primer's programs) always belong to the take: among the sets, those holding
    the most of them are preferred, and the missing ones are added first.
    """
    must = [int(p) for p in dict.fromkeys(must_have)]
    sets = (palette or {}).get("instrument_sets") or []
    if not sets:
        return playable_set(must) if must else None
    weights = (palette or {}).get("instrument_set_weights")  # a blend of styles (palette_blend)
    weights = list(weights) if isinstance(weights, list) and len(weights) == len(sets) else [1.0] * len(sets)
    if must:
        overlap = [len(set(must) & set(s)) for s in sets]
        best = max(overlap)
        sets, weights = zip(*[(s, w) for s, w, n in zip(sets, weights, overlap) if n == best])
    if len(set(weights)) == 1:
        chosen = sets[int(rng.integers(len(sets)))]
    else:
        p = np.asarray(weights, dtype=np.float64)
        chosen = sets[int(rng.choice(len(sets), p=p / p.sum()))]
    return playable_set([*must, *chosen])


def take_limits(grammar: Any, palette: dict[str, Any] | None) -> dict[str, Any]:
    """``RemiState`` keyword arguments for the palette's time signatures, tempos and density caps
    (empty without a palette; a restriction whose tokens this vocabulary lacks is dropped)."""
    palette = valid_palette(palette)
    if palette is None:
        return {}
    ids = {name: i for i, name in enumerate(grammar.names)}
    limits: dict[str, Any] = {}
    for key, kind, arg in (("time_signatures", "TimeSig", "timesigs"), ("tempos", "Tempo", "tempos")):
        found = frozenset(ids[f"{kind}_{v}"] for v in palette.get(key) or [] if f"{kind}_{v}" in ids)
        if found:
            limits[arg] = found
    for key, arg in (("max_notes_per_onset", "max_onset_notes"), ("max_notes_per_bar", "max_bar_notes")):
        value = palette.get(key)
        if isinstance(value, int) and value > 0:
            limits[arg] = value
    return limits
