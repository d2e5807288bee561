"""Which instruments a take has: one corpus piece's band (the default), the user's list, or a count.

``--instruments piano,bass,drums`` names them (GM family words, GM names or parts of them, program
numbers as ``p33``); ``--instruments 3`` asks for a band of three, as the corpus's pieces have them.
Words resolve to programs the model has seen (the bundle's palette): "bass" is the bass the corpus
uses most. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

import numpy as np

from ..errors import GenerationError
from ..music.gm_names import family_name, program_name
from .track_fill import FAMILY_WORDS

DRUMS = -1
MAX_COUNT = 16


def parse_spec(spec: str | None) -> tuple[list[str], int | None]:
    """(words, count): ``"3"`` -> ([], 3); ``"piano, bass"`` -> (["piano", "bass"], None)."""
    text = (spec or "").strip()
    if not text:
        return [], None
    if text.isdigit():
        count = int(text)
        if not 1 <= count <= MAX_COUNT:
            raise GenerationError(f"a take can have 1..{MAX_COUNT} instruments, not {count}")
        return [], count
    words = [w.strip() for w in text.split(",") if w.strip()]
    if not words:
        raise GenerationError(f"name instruments like piano,bass,drums or give a number; got {spec!r}")
    return words, None


def _usage(palette: dict[str, Any] | None) -> Counter:
    """How many corpus pieces use each program (the palette's instrument sets)."""
    counts: Counter = Counter()
    for band in (palette or {}).get("instrument_sets") or []:
        counts.update(int(p) for p in set(band))
    for program in (palette or {}).get("programs") or []:
        counts.setdefault(int(program), 0)
    return counts


def _matches(word: str, program: int) -> bool:
    key = word.lower()
    family = FAMILY_WORDS.get(key)
    if family:
        return family_name(program) == family
    if key.startswith("p") and key[1:].isdigit():
        return program == int(key[1:])
    return key in program_name(program).lower()


def resolve_words(words: Iterable[str], palette: dict[str, Any] | None) -> list[int]:
    """One program per word: the program matching it that most of the corpus's pieces use."""
    usage = _usage(palette)
    known = sorted(usage, key=lambda p: (-usage[p], p)) if usage else [DRUMS, *range(128)]
    out: list[int] = []
    for word in words:
        found = [p for p in known if _matches(word, p) and p not in out]
        if not found:
            seen = ", ".join(sorted({"drums" if p < 0 else family_name(p).lower() for p in known})) or "nothing"
            raise GenerationError(f"this model has not seen {word!r} in its corpus; it knows {seen}")
        out.append(found[0])
    return out


def band_of(count: int, palette: dict[str, Any] | None, rng: np.random.Generator) -> list[int]:
    """A band of ``count`` instruments: a corpus piece's band of that size where there is one (the
    nearest size otherwise, trimmed or filled up with the corpus's most used instruments)."""
    sets = [list(dict.fromkeys(int(p) for p in s)) for s in (palette or {}).get("instrument_sets") or []]
    usage = _usage(palette)
    if not sets:
        ranked = sorted(usage, key=lambda p: (-usage[p], p)) or [0]
        return ranked[:count]
    nearest = min(abs(len(s) - count) for s in sets)
    pool = [s for s in sets if abs(len(s) - count) == nearest]
    band = pool[int(rng.integers(len(pool)))]
    if len(band) > count:  # keep the instruments the corpus uses most, drums among them if there
        band = sorted(band, key=lambda p: (-usage[p], p))[:count]
    for program in sorted(usage, key=lambda p: (-usage[p], p)):
        if len(band) >= count:
            break
        if program not in band:
            band = [*band, program]
    return band


def choose_band(spec: str | None, palette: dict[str, Any] | None, rng: np.random.Generator,
                primer_programs: Iterable[int] = ()) -> list[int] | None:
    """The take's instruments for ``spec`` (None: the default, one corpus piece's band)."""
    from ..data.palette import pick_instruments, playable_set

    words, count = parse_spec(spec)
    if words:
        return playable_set([*resolve_words(words, palette), *primer_programs])
    if count:
        return playable_set([*primer_programs, *band_of(count, palette, rng)])
    return pick_instruments(palette, rng, primer_programs)


class BandEntry:
    """Every instrument of the take's band comes in during its first bars, and none falls silent
    for longer than the corpus's parts rest.

    A model trained on 256-token windows of dense band music sees a bar or two at a time, and left
    alone it often plays two of the four instruments it was given, and drops a part for good once
    it has been silent for longer than the window. Here, at a moment where notes have begun, the
    next note (or the move on to a later moment) goes to an instrument of the band that has not
    played yet, or has rested more than ``rest_bars`` bars: the model picks which of them (its own
    probabilities among them), then its pitch and length. So the band comes in together, as corpus
    pieces start, and each part comes back; otherwise the model carries the parts on as it sees fit.
    """

    def __init__(self, grammar, band: Iterable[int], bars: int = 2, rest_bars: int | None = None) -> None:
        self.g = grammar
        self.band = frozenset(int(p) for p in band)
        self.bars = bars
        self.rest_bars = rest_bars
        self.last_bar: dict[int, int] = {}  # program -> the last bar it played in
        self._seen = 0
        self.entries = 0  # notes this rule asked for

    @staticmethod
    def rest_limit(palette: dict[str, Any] | None) -> int | None:
        """Bars a part may rest: beyond the corpus's p90 longest rest (None: no such figure)."""
        rests = (palette or {}).get("part_rest_bars") or {}
        if "p90" not in rests:
            return None
        return max(2, int(np.ceil(float(rests["p90"]))) + 1)

    def missing(self, state, first_bar: int = 0) -> frozenset[int]:
        for note in state.notes[self._seen:]:
            self.last_bar[int(note.program)] = int(note.bar)
        self._seen = len(state.notes)
        if state.bar - first_bar < self.bars:
            return self.band - set(self.last_bar)
        if self.rest_bars is None:
            return frozenset()
        return frozenset(p for p in self.band if state.bar - self.last_bar.get(p, first_bar - 1) > self.rest_bars)

    def override(self, state, token: int, logits, settings, rng, first_bar: int = 0) -> int | None:
        """A Program token of a missing instrument instead of ``token``, or None to keep it."""
        from ..data.grammar import DURATION, POSITION, TEMPO
        from .sampling import sample

        g = self.g
        if not (g.is_position[token] or g.is_bar[token] or g.is_program[token]):
            return None
        if int(state.state) not in (POSITION, TEMPO, DURATION) or state.onset_notes == 0:
            return None
        missing = self.missing(state, first_bar)
        if not missing or (g.is_program[token] and int(g.program_value[token]) in missing):
            return None
        mask = g.is_program & np.isin(g.program_value, sorted(missing)) & state.mask()
        if not mask.any():
            return None
        self.entries += 1
        return sample(logits, settings, rng, mask=mask)
