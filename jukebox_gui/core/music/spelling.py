"""Key and spelling for a Score's notation: which key signature, and how each pitch is written.

- Key: the source's key signatures when it has them (changes kept), else music21's own key
  analysis of the whole piece (``Stream.analyze('key')``: Aarden-Essen key profiles, the
  Krumhansl-Schmuckler method with weights from a folk-song corpus), with a modal correction of
  its signature (see ``fit_signature``), with a key change only where two or more 8-bar sections in a row
  clearly prefer another key.
- Spelling: the scale's own names; chromatic notes on the side of the line of fifths nearer the
  key (C major: C#, Eb, F#, Bb), a semitone step to the next note of the line decides the rest
  (``spell``, ``spell_line``). A part's export spells its chromatic notes in context
  (``spell_part``): by the harmony sounding around them, their line, and one name per pitch in a bar.
- Clefs and ledger lines: which clef needs the fewest ledger lines.

Pure Python; music21 is imported only for its key analysis. :mod:`.notation` uses these for the
whole layout.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable

from .score import Score

STEPS = "CDEFGAB"
STEP_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
FIFTHS_BASE = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}  # line-of-fifths position
SHARP_ORDER = "FCGDAEB"
SECTION_BARS = 8
# clef name -> (sign, line, octave change, diatonic index of the bottom staff line)
CLEFS = {
    "treble": ("G", 2, 0, 30),  # E4
    "bass": ("F", 4, 0, 18),  # G2
    "treble8vb": ("G", 2, -1, 23),  # sounds an octave lower: E3
    "bass8vb": ("F", 4, -1, 11),
    "treble8va": ("G", 2, 1, 37),
}


# ---- key -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Key:
    start: int  # grid step where it begins (a bar line)
    sharps: int  # -7..7
    minor: bool = False
    name: str = ""  # "G major", "e minor"


# music21's default key analysis (what ``Stream.analyze('key')`` runs). On 20 builtin:bach takes
# its keys write 6 % fewer accidentals than the Krumhansl-Schmuckler profiles' (371 vs 394, both
# with the modal correction); the two agree on 15 of those takes and on all 20 builtin:irish ones.
KEY_ANALYSIS = "AardenEssen"


def _key_analyser():
    from music21 import analysis  # noqa: PLC0415

    return getattr(analysis.discrete, KEY_ANALYSIS)()


def analyse_key(notes: Iterable[tuple[int, float]]) -> tuple[int, bool, str, float]:
    """music21's key estimate (``KEY_ANALYSIS``) for ``(pitch, duration in beats)`` pairs:
    ``(sharps, minor, name, correlation)``; C major when there are no notes."""
    from music21 import note, stream  # noqa: PLC0415

    container = stream.Stream()
    for pitch, length in notes:  # coreAppend + one coreElementsChanged: insert() is O(n) each
        n = note.Note(int(pitch))
        n.quarterLength = max(0.25, float(length))
        container.coreAppend(n)
    container.coreElementsChanged()
    if not len(container):
        return 0, False, "C major", 0.0
    found = _key_analyser().getSolution(container)
    sharps = max(-7, min(7, int(found.sharps)))
    return sharps, found.mode == "minor", str(found), float(found.correlationCoefficient)


def _key_weights(found_key: str, notes: list[tuple[int, float]]) -> float:
    """Correlation of a named key with ``notes`` (the profiles of ``KEY_ANALYSIS``)."""
    from music21 import key, note, stream  # noqa: PLC0415

    container = stream.Stream()
    for pitch, length in notes:
        n = note.Note(int(pitch))
        n.quarterLength = max(0.25, float(length))
        container.coreAppend(n)
    container.coreElementsChanged()
    ks = _key_analyser()
    tonic, mode = found_key.split()
    dist = ks._getPitchClassDistribution(container)  # noqa: SLF001 - the same weights music21 uses
    weights = ks.getWeights(mode)
    shift = key.Key(tonic, mode).tonic.pitchClass
    rotated = [weights[(pc - shift) % 12] for pc in range(12)]
    return _pearson(dist, rotated)


def _pearson(a, b) -> float:
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = sum((x - ma) ** 2 for x in a) ** 0.5
    vb = sum((y - mb) ** 2 for y in b) ** 0.5
    return cov / (va * vb) if va and vb else 0.0


MODE_NAMES = ("major", "dorian", "phrygian", "lydian", "mixolydian", "minor", "locrian")


def _scale_pcs(sharps: int) -> list[int]:
    tonic = (7 * sharps) % 12  # the major key with that signature
    return [(tonic + step) % 12 for step in (0, 2, 4, 5, 7, 9, 11)]


def fit_signature(pitches: Iterable[int], sharps: int, minor: bool, name: str) -> tuple[int, bool, str]:
    """A modal correction to the key profiles, which know only major and minor: when a
    signature up to two steps away on the circle of fifths leaves clearly fewer notes outside its
    scale (at most half as many, and two fewer), write that one, named as the mode of the same
    tonic. (An Irish take in D with five C naturals and two C sharps: one sharp, D mixolydian.)
    A tune in A dorian gets one sharp, not A major's three and a natural on every G. Returns
    ``(sharps, minor, name)``."""
    counts = [0] * 12
    for pitch in pitches:
        counts[pitch % 12] += 1

    def outside(sig: int) -> int:
        scale = set(_scale_pcs(sig))
        return sum(c for pc, c in enumerate(counts) if pc not in scale)

    options = [sig for sig in range(sharps - 2, sharps + 3) if -7 <= sig <= 7]
    best = min(options, key=lambda sig: (outside(sig), abs(sig - sharps)))
    if best == sharps or outside(sharps) - outside(best) < 2 or outside(best) > 0.5 * outside(sharps):
        return sharps, minor, name
    tonic = name.split()[0] if name else "C"
    tonic_pc = (STEP_PC[tonic[0].upper()] + tonic.count("#") - tonic.count("-")) % 12
    scale = _scale_pcs(best)
    if tonic_pc not in scale:  # no mode of that tonic has this signature: name its major key
        return best, False, f"{best:+d} signature"
    mode = MODE_NAMES[scale.index(tonic_pc)]
    return best, mode in ("dorian", "phrygian", "minor", "locrian"), f"{tonic} {mode}"


def estimate_keys(score: Score, bars: list[int], divisions: int) -> list[Key]:
    """The keys to write: the source's (snapped to bar lines), else estimated (see module note)."""
    def bar_at(grid: int) -> int:
        return min(bars[:-1] or [0], key=lambda b: (abs(b - grid), b))

    if score.key_signatures:
        keys: list[Key] = []
        for k in sorted(score.key_signatures, key=lambda k: k.beat):
            start = 0 if not keys else bar_at(round(k.beat * divisions))
            item = Key(start, max(-7, min(7, k.sharps)), k.minor)
            if keys and keys[-1].start == start:
                keys[-1] = item
            elif not keys or (keys[-1].sharps, keys[-1].minor) != (item.sharps, item.minor):
                keys.append(item)
        return keys
    pitched = [(n.start, n.pitch, n.duration) for t in score.tracks if not t.is_drum for n in t.notes]
    if not pitched:
        return [Key(0, 0, False, "C major")]
    sharps, minor, name, _corr = analyse_key((p, d) for _s, p, d in pitched)
    ks_name = name
    sharps, minor, name = fit_signature((p for _s, p, _d in pitched), sharps, minor, name)
    keys = [Key(0, sharps, minor, name)]
    if len(bars) - 1 < 3 * SECTION_BARS:
        return keys
    sections = []  # (start grid, name, sharps, minor) where a section clearly prefers another key
    size = max(SECTION_BARS, (len(bars) - 1) // 24)  # at most ~24 sections: each analysis costs ~30 ms
    for i in range(0, len(bars) - 1, size):
        lo, hi = bars[i], bars[min(i + size, len(bars) - 1)]
        notes = [(p, d) for s, p, d in pitched if lo <= s * divisions < hi]
        if len(notes) < 16:
            sections.append(None)
            continue
        s_sharps, s_minor, s_name, s_corr = analyse_key(notes)
        s_sharps, s_minor, s_name = fit_signature((p for p, _d in notes), s_sharps, s_minor, s_name)
        if s_sharps != sharps and s_corr - _key_weights(ks_name, notes) > 0.25:
            sections.append((lo, s_name, s_sharps, s_minor))
        else:
            sections.append(None)
    current = (sharps, minor)
    for i, section in enumerate(sections):
        after = sections[i + 1] if i + 1 < len(sections) else None
        if section and after and section[2] == after[2] and (section[2], section[3]) != current:
            keys.append(Key(section[0], section[2], section[3], section[1]))
            current = (section[2], section[3])
        elif section is None and current != (sharps, minor) and (i == 0 or sections[i - 1] is None):
            keys.append(Key(bars[i * size], sharps, minor, name))
            current = (sharps, minor)
    return keys


def key_at(keys: list[Key], grid: int) -> Key:
    current = keys[0]
    for k in keys:
        if k.start <= grid:
            current = k
    return current


def key_alters(sharps: int) -> dict[str, int]:
    """Step -> alteration that the key signature gives it."""
    alters = dict.fromkeys(STEPS, 0)
    if sharps > 0:
        for step in SHARP_ORDER[:sharps]:
            alters[step] = 1
    elif sharps < 0:
        for step in reversed(SHARP_ORDER):
            if sharps == 0:
                break
            alters[step] = -1
            sharps += 1
    return alters


# ---- spelling --------------------------------------------------------------------------------
Spelled = tuple[str, int, int]  # (step, alter, octave)


def _candidates(pitch: int) -> list[tuple[str, int]]:
    pc = pitch % 12
    return [(s, a) for s in STEPS for a in (-1, 0, 1) if (STEP_PC[s] + a) % 12 == pc]


def _octave(pitch: int, step: str, alter: int) -> int:
    return (pitch - alter - STEP_PC[step]) // 12 - 1


def _fifths_distance(step: str, alter: int, sharps: int) -> int:
    """How far a name lies outside the key's seven positions on the line of fifths."""
    pos = FIFTHS_BASE[step] + 7 * alter
    low, high = sharps - 1, sharps + 5
    return low - pos if pos < low else pos - high if pos > high else 0


def spell(pitch: int, sharps: int, minor: bool = False) -> Spelled:
    """The name of ``pitch`` in a key: diatonic notes by the scale, chromatic ones nearer the key
    on the line of fifths (ties: sharps in minor keys, the raised leading note; flats in major)."""
    def cost(candidate):
        step, alter = candidate
        return _fifths_distance(step, alter, sharps), (alter < 0) if minor else (alter > 0), abs(alter)

    step, alter = min(_candidates(pitch), key=cost)
    return step, alter, _octave(pitch, step, alter)


def spell_line(pitches: list[int], sharps: int, minor: bool = False) -> list[Spelled]:
    """Spell a melodic line: a chromatic note that steps by a semitone to the next note takes the
    letter next to that note's (G# before A, Ab before G) unless that name is far from the key
    (F then F# in G major stays F, not E#)."""
    names = [spell(p, sharps, minor) for p in pitches]
    alters = key_alters(sharps)
    for i in range(len(pitches) - 1):
        step, alter, _o = names[i]
        if alter == alters[step]:
            continue  # diatonic
        nxt = pitches[i + 1] - pitches[i]
        if abs(nxt) != 1:
            continue
        target = STEPS[(STEPS.index(names[i + 1][0]) - nxt) % 7]
        limit = _fifths_distance(step, alter, sharps) + 2
        for s, a in _candidates(pitches[i]):
            if s == target and _fifths_distance(s, a, sharps) <= limit:
                names[i] = (s, a, _octave(pitches[i], s, a))
    return names


def diatonic_index(step: str, octave: int) -> int:
    return octave * 7 + STEPS.index(step)


def ledger_lines(index: int, clef: str) -> int:
    """Ledger lines a note at diatonic ``index`` needs on a five-line staff with ``clef``."""
    bottom = CLEFS[clef][3]
    top = bottom + 8
    if index > top:
        return (index - top) // 2
    if index < bottom:
        return (bottom - index) // 2
    return 0


def plain_index(pitch: int) -> int:
    step, alter, octave = spell(pitch, 0)
    return diatonic_index(step, octave)


def choose_clef(pitches: list[int]) -> str:
    """The clef that keeps the notes nearest the staff (octave clefs only when needed)."""
    if not pitches:
        return "treble"
    indices = [plain_index(p) for p in pitches]

    def cost(name):  # octave clefs only where a plain one leaves more than 2 % of notes far off
        far = sum(1 for i in indices if ledger_lines(i, name) > 3) > 0.02 * len(indices)
        return far, name not in ("treble", "bass"), sum(ledger_lines(i, name) ** 2 for i in indices)

    return min(("treble", "bass", "treble8vb", "bass8vb", "treble8va"), key=cost)


# ---- spelling in context ---------------------------------------------------------------------
def _position(step: str, alter: int) -> int:
    return FIFTHS_BASE[step] + 7 * alter


def _melodic_hints(voices: list[list[tuple[int, int, int]]], names: dict) -> dict:
    """``(start, pitch) -> step`` for a chromatic note of a voice's top line that steps by a
    semitone to the next note: the letter next to that note's (G# before A, Ab before G)."""
    hints: dict[tuple[int, int], str] = {}
    for voice in voices:
        tops: dict[int, int] = {}
        for start, _end, pitch in voice:
            tops[start] = max(tops.get(start, -1), pitch)
        line = sorted(tops.items())
        for (start, pitch), (_nstart, npitch) in zip(line, line[1:]):
            step = npitch - pitch
            if abs(step) == 1:
                hints[(start, pitch)] = STEPS[(STEPS.index(names[(_nstart, npitch)][0]) - step) % 7]
    return hints


def spell_part(voices: list[list[tuple[int, int, int]]], keys: list[Key], beat: int,
               bars: list[int] | None = None) -> dict[tuple[int, int], Spelled]:
    """``(start, pitch) -> (step, alter, octave)`` for every note of a part's voices (grid
    steps ``(start, end, pitch)``; ``beat`` grid steps per beat; ``bars`` the bar lines).

    Diatonic notes take the scale's name. A chromatic note chooses among the names near the key
    on the line of fifths by its context, as a reader would spell it:
    - harmony: the name nearest the centre (on the line of fifths) of the notes sounding within
      a beat of it, so F#/Gb in B-flat major is F# among D and A (a D major chord) and Gb among
      E-flat and B-flat;
    - melody: a semitone step to the next note of its line takes the letter next to that note's;
    - then, within a bar, one pitch keeps one name, so an accidental is written once.
    """
    notes = sorted({n for voice in voices for n in voice})
    names: dict[tuple[int, int], Spelled] = {}
    for start, _end, pitch in notes:
        k = key_at(keys, start)
        names[(start, pitch)] = spell(pitch, k.sharps, k.minor)
    chromatic = []
    for start, end, pitch in notes:
        k = key_at(keys, start)
        step, alter, _o = names[(start, pitch)]
        if alter != key_alters(k.sharps)[step]:
            chromatic.append((start, end, pitch))
    if not chromatic:
        return names
    hints = _melodic_hints(voices, names)
    starts = [n[0] for n in notes]
    longest = max(e - s for s, e, _p in notes)
    for _round in range(2):
        for start, end, pitch in chromatic:
            k = key_at(keys, start)
            lo, hi = start - beat, end + beat
            total = weight = 0.0
            first = bisect.bisect_left(starts, lo - longest)
            last = bisect.bisect_left(starts, hi)
            for s, e, p in notes[first:last]:
                overlap = min(e, hi) - max(s, lo)
                if overlap <= 0 or (s, p) == (start, pitch) or p % 12 == pitch % 12:
                    continue
                w = overlap * (2.0 if s < end and e > start else 1.0)  # sounding with it counts double
                step, alter, _o = names[(s, p)]
                total += w * _position(step, alter)
                weight += w
            centre = total / weight if weight else float(k.sharps + 2)
            options = _candidates(pitch)
            near = min(_fifths_distance(s, a, k.sharps) for s, a in options)
            hint = hints.get((start, pitch))

            def cost(option, centre=centre, hint=hint, k=k):
                s, a = option
                return (abs(_position(s, a) - centre) + HINT_WEIGHT * (hint is not None and s != hint)
                        + KEY_WEIGHT * _fifths_distance(s, a, k.sharps), abs(a))

            step, alter = min((o for o in options if _fifths_distance(*o, k.sharps) <= near + 2), key=cost)
            names[(start, pitch)] = (step, alter, _octave(pitch, step, alter))
    if bars:
        _one_name_per_bar(names, chromatic, bars)
    return names


HINT_WEIGHT = 4.0
KEY_WEIGHT = 0.5


def _one_name_per_bar(names: dict, chromatic: list[tuple[int, int, int]], bars: list[int]) -> None:
    """Within a bar, every note of one pitch takes the name most of them have (the first on a tie)."""
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for start, _end, pitch in chromatic:
        bar = bisect.bisect_right(bars, start)
        groups.setdefault((bar, pitch), []).append((start, pitch))
    for members in groups.values():
        if len(members) < 2:
            continue
        chosen = [names[m] for m in sorted(members)]
        best = max(chosen, key=lambda name: (chosen.count(name), -chosen.index(name)))
        for m in members:
            names[m] = best
