"""Song form: a take generated section by section (``GenerationConfig.form``).

**The form string.** Sections in playing order, either as one word of capital letters (``AABB``,
``ABAB``, ``AABA``) or as words separated by spaces or commas (``intro A A B A outro``,
``verse chorus verse chorus bridge chorus``). A name is letters (and ``-``/``_``), compared without
case; digits after it give that section's length in bars (``A8 B4``, ``intro2 A A``, ``verse:8``),
else it is ``section_bars`` long (default 8) and an intro, outro, coda, tag or ending half that
(at least 1 bar: :data:`SHORT_SECTIONS`). A name seen before is a **repeat** of that section: it
keeps the first one's length (a different length given for it is an error).

**Generating.** Sections are made in order, each from the take so far:

* a new section is sampled by continuing the music so far (``generation._sample_pass`` on the whole
  take as the prefix; the decoder's context window is limited, so the model sees the most recent
  bars, about ``seq_len`` tokens); with ``form_fill`` a new section followed by a repeat of an
  earlier one is instead filled between the take so far and that repeat's known bars, as
  "Regenerate selection" fills (:mod:`.form_fill`; a model that cannot fill continues);
* a repeat copies the original section's bars token for token (the same notes). With
  ``second_endings`` (the default) a repeat of 2 bars or more copies all but its last bar and
  samples that bar by continuing from the repeat's earlier bars, like a second ending (it may come
  out the same).

Bars are segments of the REMI stream that each start with a ``Bar`` token (and its time
signature), so a copied bar decodes to the same notes at the same place in its bar. Each sampled
section has exactly its number of bars (a pass that runs out of tokens is padded with empty bars).

**The report** (``take.report["form"]``, see :func:`form_report`): the form string, the default
section length and per section ``name``, ``first_bar`` (0-based bar of the take, a primer's bars
counted), ``bars``, ``is_repeat``, ``repeat_of`` (index of the section it repeats, else None),
``varied_bars`` (bar offsets inside a repeat whose tokens differ from the original's) and ``made``
(``"continued"``, ``"filled"`` or ``"copied"``; a filled one adds ``filled_bars``, its last bars
that were filled, and ``context_bars``; one that could not be filled a ``fill_note``);
``fill_sections`` and ``fill_message`` say what became of ``form_fill``. Its
``written`` entry holds the metrics of the take as a score writes it (each section once; an exact
repeat adds no bar, a varied repeat its differing bars): the demo corpora's files are written so
(O'Neill's tunes are 16-18 bars with their repeats not played out), and the style check compares a
form take's written form with the corpus (see ``generation.generate``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ..errors import GenerationError

SHORT_SECTIONS = frozenset({"intro", "outro", "coda", "tag", "ending"})
MAX_SECTIONS = 64
MAX_SECTION_BARS = 64

_WORD = re.compile(r"^([A-Za-z][A-Za-z_-]*?)(?::?(\d+))?$")
_COMPACT = re.compile(r"^(?:[A-Z]\d*)+$")


@dataclass(frozen=True)
class Section:
    name: str  # as written first ("A", "verse")
    bars: int
    repeat_of: int | None = None  # index (in the plan) of the section this one repeats

    @property
    def is_repeat(self) -> bool:
        return self.repeat_of is not None


def parse_form(text: str, section_bars: int = 8) -> list[Section]:
    """The sections of a form string (see the module docstring); GenerationError if malformed."""
    if not (1 <= section_bars <= MAX_SECTION_BARS):
        raise GenerationError(f"section bars must be between 1 and {MAX_SECTION_BARS}, got {section_bars}")
    words = [w for w in re.split(r"[\s,]+", (text or "").strip()) if w]
    if not words:
        raise GenerationError("the form is empty: write sections like AABB or 'intro A A B A outro'")
    if len(words) == 1 and _COMPACT.match(words[0]):
        words = re.findall(r"[A-Z]\d*", words[0])
    plan: list[Section] = []
    first: dict[str, int] = {}
    for word in words:
        match = _WORD.match(word)
        if not match:
            raise GenerationError(f"cannot read the form section {word!r}: write a name of letters, "
                                  "optionally followed by its bars (A8, verse:8)")
        name, given = match.group(1), match.group(2)
        key = name.lower()
        bars = int(given) if given else None
        if bars is not None and not (1 <= bars <= MAX_SECTION_BARS):
            raise GenerationError(f"form section {word!r}: bars must be between 1 and {MAX_SECTION_BARS}")
        if key in first:
            original = plan[first[key]]
            if bars is not None and bars != original.bars:
                raise GenerationError(f"form section {word!r} repeats {original.name}, which has "
                                      f"{original.bars} bars, not {bars}")
            plan.append(Section(original.name, original.bars, first[key]))
            continue
        if bars is None:
            bars = max(1, section_bars // 2) if key in SHORT_SECTIONS else section_bars
        first[key] = len(plan)
        plan.append(Section(name.upper() if len(name) == 1 else name, bars))
    if len(plan) > MAX_SECTIONS:
        raise GenerationError(f"a form has at most {MAX_SECTIONS} sections, this one {len(plan)}")
    return plan


def form_bars(plan: list[Section]) -> int:
    return sum(s.bars for s in plan)


# ---- bars of a token stream ---------------------------------------------------------------------
def bar_spans(tokens: list[int], grammar: Any) -> list[tuple[int, int]]:
    """``(start, end)`` token indices of every bar (from its ``Bar`` token to the next one)."""
    starts = [i for i, t in enumerate(tokens) if grammar.is_bar[t]]
    return [(s, starts[k + 1] if k + 1 < len(starts) else len(tokens)) for k, s in enumerate(starts)]


def _bar_header(tokens: list[int], span: tuple[int, int], grammar: Any) -> list[int]:
    """A bar's ``Bar`` token and the time signature after it: an empty bar like it."""
    start, end = span
    return [t for t in tokens[start:min(end, start + 2)] if grammar.is_bar[t] or grammar.is_timesig[t]]


# ---- generating a take by form ------------------------------------------------------------------
def sample_form(plan: list[Section], decoder, grammar, tokenizer, config, prefix: list[int], rng,
                progress, cancel, attempt: int, limits: dict | None = None, repeats: dict | None = None,
                repeat_rng=None, bundle=None) -> tuple[list[int], Any, dict]:
    """One attempt at a form take: ``(tokens, state, info)`` like ``generation._sample_pass``,
    ``info["form"]`` listing the sections (see the module docstring). ``repeats``: the corpus's
    bar repeats (palette), proposed inside each new section as in a plain take, its bars counted
    as the score writes them (each section once, as the corpus's files are written). ``bundle``: the
    model, to fill new sections between their neighbours with (``config.form_fill``, :mod:`.form_fill`)."""
    from ..data.grammar import RemiState
    from ..progress import Progress
    from .form_fill import SectionFiller
    from .generation import _sample_pass

    total = form_bars(plan)
    tokens = list(prefix)
    primer_bars = len(bar_spans(tokens, grammar)) if len(prefix) > 1 else 0
    primer_notes = len(RemiState(grammar).feed(prefix).notes) if len(prefix) > 1 else 0
    sampled = steps = 0
    guards: dict[str, int] = {}
    placed: list[dict[str, Any]] = []

    def run(bars: int, done: int) -> None:  # sample ``bars`` more bars after ``tokens``
        nonlocal tokens, sampled, steps

        def relay(event: Progress) -> None:
            if progress is not None:
                progress(dataclasses.replace(event, done=min(total, done + event.done), total=total))

        before = len(bar_spans(tokens, grammar))
        repeater = None
        if repeats and config.repeat_bars and repeat_rng is not None:
            from .repeats import BarRepeater

            # counted as the score is written (each section once): the corpus's files are written so
            repeater = BarRepeater(repeats, grammar, repeat_rng).prime(
                list(prefix) + written_tokens(tokens, placed, grammar, tokenizer.bos_id)[1:])
        tokens, _state, info = _sample_pass(decoder, grammar, tokenizer, dataclasses.replace(config, bars=bars),
                                            tokens, rng, relay if progress is not None else None, cancel,
                                            attempt, limits, repeater=repeater)
        sampled += info["generated_tokens"]
        steps += info["model_steps"]
        for key, value in info["guards"].items():
            guards[key] = guards.get(key, 0) + value
        spans = bar_spans(tokens, grammar)
        for _ in range(before + bars - len(spans)):  # ran out of tokens: empty bars keep the count
            tokens += _bar_header(tokens, spans[-1], grammar)

    filler = SectionFiller.create(bundle, config, decoder=decoder, grammar=grammar, tokenizer=tokenizer, rng=rng,
                                  limits=limits, cancel=cancel)
    done = 0
    for index, section in enumerate(plan):
        first_bar = len(bar_spans(tokens, grammar))
        made: dict[str, Any] = {"made": "copied" if section.is_repeat else "continued"}
        if section.repeat_of is None:
            right = filler.right_context(plan, index, placed, tokens) if filler is not None and index else []
            fill = filler.fill_bars(tokens, section.bars, right) if right and filler.ok else 0
            if right and not filler.ok:
                made["fill_note"] = f"this model cannot fill: {filler.why}"
            elif right and not fill:
                made["fill_note"] = "its bars and the music around them do not fit this model's window"
            if section.bars > fill:
                run(section.bars - fill, done)
            if fill:
                new, about = filler.fill(tokens, fill, right)
                tokens += new
                sampled += about["tokens"]
                steps += about["model_steps"]
                made = {"made": "filled", "filled_bars": fill, **about}
                if progress is not None:
                    progress(Progress("generating", min(total, done + section.bars), total, "filled a section"))
        else:
            original = placed[section.repeat_of]
            spans = bar_spans(tokens, grammar)
            vary = bool(config.second_endings) and section.bars >= 2
            keep = section.bars - 1 if vary else section.bars
            for bar in range(original["first_bar"], original["first_bar"] + keep):
                start, end = spans[bar]
                tokens += tokens[start:end]
            if vary:
                run(1, done + keep)
        spans = bar_spans(tokens, grammar)
        entry = {"name": section.name, "first_bar": first_bar, "bars": section.bars,
                 "is_repeat": section.is_repeat, "repeat_of": section.repeat_of, "varied_bars": [], **made}
        if section.is_repeat:
            original = placed[section.repeat_of]
            entry["varied_bars"] = [
                k for k in range(section.bars)
                if tokens[slice(*spans[first_bar + k])] != tokens[slice(*spans[original["first_bar"] + k])]]
        placed.append(entry)
        done += section.bars
    state = RemiState(grammar, **(limits or {})).feed(tokens)
    info = {"generated_tokens": sampled, "model_steps": steps, "guards": guards, "primer_bars": primer_bars,
            "primer_notes": primer_notes, "form": placed}
    return tokens, state, info


def written_tokens(tokens: list[int], sections: list[dict], grammar: Any, bos_id: int) -> list[int]:
    """The form take as a score writes it: the sections' bars once each (an exact repeat adds no
    bar, a varied one the bars that differ; a primer's bars are left out)."""
    spans = bar_spans(tokens, grammar)
    out = [bos_id]
    for section in sections:
        keep = range(section["bars"]) if not section["is_repeat"] else section["varied_bars"]
        for k in keep:
            bar = section["first_bar"] + k
            if bar < len(spans):
                out += tokens[slice(*spans[bar])]
    return out


def form_report(config, sections: list[dict], written_metrics: dict | None) -> dict[str, Any]:
    """``take.report["form"]``."""
    return {"form": config.form, "section_bars": config.section_bars, "second_endings": config.second_endings,
            "fill_sections": bool(getattr(config, "form_fill", False)), "fill_message": fill_message(config, sections),
            "bars": sum(s["bars"] for s in sections), "sections": sections,
            "written": {"metrics": written_metrics or {},
                        "bars": sum(s["bars"] if not s["is_repeat"] else len(s["varied_bars"]) for s in sections)}}


def fill_message(config, sections: list[dict]) -> str:
    """What became of ``form_fill`` (empty when every section it could fill was filled)."""
    if not getattr(config, "form_fill", False):
        return ""
    notes = [(s["name"], s["fill_note"]) for s in sections if s.get("fill_note")]
    if notes and notes[0][1].startswith("this model cannot fill"):
        return f"{notes[0][1]}; the new sections were continued instead"
    if notes:
        return "; ".join(f"section {name} was continued: {note}" for name, note in notes)
    if not any(s.get("made") == "filled" for s in sections):
        return ("no new section of this form has a known section after it (a repeat of an earlier one): "
                "every new section was continued")
    return ""
