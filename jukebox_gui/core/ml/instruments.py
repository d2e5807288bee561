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
    """Every instrument of the take's band comes in during its first bars.

    A model trained on 256-token windows of dense band music sees a bar or two at a time, and left
    alone it often plays two of the four instruments it was given. Here, at a moment where notes
    have begun, the next note (or the move on to a later moment) goes to an instrument of the band
    that has not played yet: the model picks which of the missing ones (its own probabilities
    among them), then its pitch and length. So the band comes in together, as corpus pieces start;
    after its entry the model carries each part on as it sees fit.
    """

    def __init__(self, grammar, band: Iterable[int], bars: int = 2) -> None:
        self.g = grammar
        self.band = frozenset(int(p) for p in band)
        self.bars = bars
        self.heard: set[int] = set()
        self._seen = 0
        self.entries = 0  # notes this rule asked for

    def missing(self, state) -> frozenset[int]:
        for note in state.notes[self._seen:]:
            self.heard.add(int(note.program))
        self._seen = len(state.notes)
        return self.band - self.heard

    def override(self, state, token: int, logits, settings, rng, first_bar: int = 0) -> int | None:
        """A Program token of a missing instrument instead of ``token``, or None to keep it."""
        from ..data.grammar import DURATION, POSITION, TEMPO
        from .sampling import sample

        g = self.g
        if not (g.is_position[token] or g.is_bar[token] or g.is_program[token]) or state.bar - first_bar >= self.bars:
            return None
        if int(state.state) not in (POSITION, TEMPO, DURATION) or state.onset_notes == 0:
            return None
        missing = self.missing(state)
        if not missing or (g.is_program[token] and int(g.program_value[token]) in missing):
            return None
        mask = g.is_program & np.isin(g.program_value, sorted(missing)) & state.mask()
        if not mask.any():
            return None
        self.entries += 1
        return sample(logits, settings, rng, mask=mask)
