"""Song form: a new section filled between its neighbours (``GenerationConfig.form_fill``).

In ``ABA``, ``AABA``, ``intro A B A outro`` or ``verse chorus verse chorus`` the section after a
new one is a repeat of an earlier section, so its bars are known before the new one is made. With
``form_fill`` such a section is **filled** instead of continued: the model reads the take so far,
then the known bars after the section, and writes the section's bars in between, the way
"Regenerate selection" fills a selection (:mod:`.infill`): the same prompt
(:func:`..data.fill_layout.fill_prompt`, ``BOS <bars before> Gap <bars after> Fill``, the layout
the model was trained on) and the same sampler (:func:`.infill._sample_fill`). The known bars are
the next sections' as they will be copied: every following repeat of a section made already, up
to and including the first whose last bar will be sampled anew (a second ending: only its bars
before that one). The first section, and a new section with nothing known after it, are
continued as before (:func:`.form.sample_form`).

The window: prompt and fill share the model's ``seq_len`` tokens. A section longer than fits
(its expected tokens, from the take's mean bar, with a bar of context each side), or longer than
the longest gap of training (:data:`..data.fill_layout.MAX_GAP_BARS`), is continued for its first
bars and filled for its last ones (``filled_bars`` in the report), so its seam into the known
section is always written with that section in view; one that cannot fit a single bar is continued
(with a ``fill_note``).

Seams: the filled section has exactly its bars (a fill that runs out of room is cut back to its
last whole note and padded with empty bars), it keeps the take's time signature, and a filled
note that would sound past the section's end is shortened to end by it (the longest duration
that fits), so nothing hangs over into the known bars. A model that cannot fill
(:func:`.infill.can_fill`) continues every section, and the report says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_CONTEXT_BARS = 1  # bars of music each side the window must hold beside the expected fill


@dataclass
class SectionFiller:
    """What a form take needs to fill its sections; ``ok`` False: continue them (``why``)."""

    ok: bool
    why: str = ""
    seq_len: int = 0
    decoder: Any = None
    grammar: Any = None
    tokenizer: Any = None
    config: Any = None
    rng: Any = None
    limits: dict | None = None
    cancel: Any = None

    @classmethod
    def create(cls, bundle, config, **parts) -> "SectionFiller | None":
        """None unless ``config.form_fill``; else a filler, ``ok`` when the model can fill."""
        if not getattr(config, "form_fill", False):
            return None
        if bundle is None:
            return cls(False, "no model bundle was given to fill with", **parts)
        from .infill import can_fill

        ok, why = can_fill(bundle)
        return cls(ok, why, int(bundle.config.model.seq_len), config=config, **parts)

    # ---- what is known after a section ----------------------------------------------------------
    def right_context(self, plan: list, index: int, placed: list[dict], tokens: list[int]) -> list[list[int]]:
        """Token lists of the known bars after new section ``index`` (see the module docstring)."""
        from .form import bar_spans

        spans = bar_spans(tokens, self.grammar)
        bars: list[list[int]] = []
        for section in plan[index + 1:]:
            if section.repeat_of is None or section.repeat_of >= index or section.repeat_of >= len(placed):
                break
            original = placed[section.repeat_of]
            vary = bool(self.config.second_endings) and section.bars >= 2
            keep = section.bars - 1 if vary else section.bars
            bars += [tokens[slice(*spans[original["first_bar"] + k])] for k in range(keep)]
            if vary:
                break
        return bars

    # ---- how many bars one window can fill -------------------------------------------------------
    def fill_bars(self, tokens: list[int], bars: int, right: list[list[int]]) -> int:
        """The most bars (the section's last ones) a window holds with the context around them."""
        from ..data.fill_layout import MAX_GAP_BARS
        from .form import bar_spans

        spans = bar_spans(tokens, self.grammar)
        if not spans or not right:
            return 0
        need = MIN_CONTEXT_BARS * _mean_bar(spans) + len(right[0])
        for n in range(min(bars, MAX_GAP_BARS), 0, -1):
            if self._budget(spans, n) >= need:
                return n
        return 0

    def _budget(self, spans: list[tuple[int, int]], bars: int) -> int:
        from .infill import GAP_ESTIMATE_SLACK

        return self.seq_len - 3 - (int(GAP_ESTIMATE_SLACK * _mean_bar(spans) * bars) + 4)

    # ---- filling ---------------------------------------------------------------------------------
    def fill(self, tokens: list[int], bars: int, right: list[list[int]]) -> tuple[list[int], dict]:
        """``tokens`` with ``bars`` new bars after them, filled with ``right`` after them in view;
        (the new tokens, what the report says: context bars, tokens, whether the window ran out)."""
        from ..data.fill_layout import fill_prompt
        from .form import _bar_header, bar_spans
        from .infill import _sample_fill

        spans = bar_spans(tokens, self.grammar)
        end = len(tokens)
        ids = list(tokens)
        right_spans = []
        for bar in right:
            right_spans.append((len(ids), len(ids) + len(bar)))
            ids += bar
        first = len(spans)
        prompt = fill_prompt(ids, [*spans, *[(end, end)] * bars, *right_spans], first, first + bars,
                             bos=tokens[0], gap=self.tokenizer.gap_id, fill=self.tokenizer.fill_id,
                             budget=max(0, self._budget(spans, bars)))
        header = _bar_header(tokens, spans[-1], self.grammar)
        limits = {k: v for k, v in (self.limits or {}).items() if k != "tempos"}
        signature = [t for t in header if self.grammar.is_timesig[t]]
        if signature:
            limits["timesigs"] = frozenset(signature)  # the take's metre, as the bars around it
        new, ran_out = _sample_fill(self.decoder, self.grammar, self.tokenizer, prompt.ids, bars, self.config,
                                    self.rng, limits, self.seq_len - len(prompt.ids), self.cancel)
        new = seam_safe(new, bars, header, self.grammar)
        return new, {"context_bars": {"before": prompt.left_bars, "after": prompt.right_bars},
                     "tokens": len(new), "model_steps": len(prompt.ids) + len(new), "window_ran_out": ran_out}


def _mean_bar(spans: list[tuple[int, int]]) -> float:
    return (spans[-1][1] - spans[0][0]) / max(1, len(spans))


def seam_safe(new: list[int], bars: int, header: list[int], grammar) -> list[int]:
    """Fill tokens that make exactly ``bars`` whole bars whose notes end by the last bar's end:
    an unfinished note group at the end is cut, missing bars are empty ``header`` bars, and a
    note sounding past the end gets the longest duration that fits."""
    from ..data.grammar import BAR, DURATION, TIMESIG, RemiState

    state = RemiState(grammar)
    whole = 0
    for k, token in enumerate(new):  # cut back to the last whole note or bar header
        state.push(token)
        if state.state in (DURATION, TIMESIG, BAR):
            whole = k + 1
    out = list(new[:whole])
    count = sum(1 for t in out if grammar.is_bar[t])
    if count > bars:  # never more bars than the section has
        starts = [k for k, t in enumerate(out) if grammar.is_bar[t]]
        out = out[:starts[bars]]
    out += list(header) * max(0, bars - count)
    durations = np.flatnonzero(grammar.is_duration)
    state = RemiState(grammar)
    for k, token in enumerate(out):
        if int(grammar.state_of[token]) == DURATION:
            room = bars * state.bar_beats - state.now  # the fill's first bar starts at beat 0
            length = float(grammar.duration_units[token]) * state.unit
            if length > room + 1e-9:
                fits = [d for d in durations if float(grammar.duration_units[d]) * state.unit <= room + 1e-9]
                shortest = min(durations, key=lambda d: grammar.duration_units[d])
                token = out[k] = int(max(fits, key=lambda d: grammar.duration_units[d]) if fits else shortest)
        state.push(token)
    return out
