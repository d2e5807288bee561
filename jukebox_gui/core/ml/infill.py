"""Regenerate a selection: fill bars of a piece from the music on both sides.

``infill(bundle, score, first, last, config, variants=N)`` returns ``N`` takes in which bars
``first..last-1`` (0-based, the end excluded) are new and every note outside them is exactly as
it was. The model reads ``BOS <bars before> Gap <bars after> Fill`` (:mod:`..data.fill_layout`,
the layout it was trained on) and writes the gap's bars under the grammar mask, held to the
piece's time signature, its instruments and the corpus's density caps, with the same collapse
guards as a take.

Seams: a note that starts before the selection keeps its length (it is outside the selection);
a new note that would start under a held note of the same pitch and instrument is left out, and
new notes end at the selection's end, so nothing hangs or overlaps across a seam.

Only models trained with bar infilling (``Tokenizer.can_fill``) can fill; for others
:func:`can_fill` says why not.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from ..errors import GenerationError
from ..progress import CancelToken, Progress, ProgressSink

GAP_ESTIMATE_SLACK = 1.3  # the new bars may hold more tokens than the old ones


def can_fill(bundle) -> tuple[bool, str]:
    """(whether this model can fill a selection, a sentence saying why not)."""
    tokenizer = bundle.tokenizer
    if not getattr(tokenizer, "can_fill", False):
        return False, ("this model was trained for continuation only (before bar infilling existed, or with it "
                       "off): train a new model, or fine-tune one, to regenerate a selection")
    if bundle.config.model.arch == "seed-bilstm":
        return False, "a seed-bilstm model reads a fixed window and cannot fill a gap"
    return True, ""


def _bar_lines(score, count: int) -> list[float]:
    """Beats of the first ``count + 1`` bar lines of ``score`` (past its end when needed)."""
    until = score.end_beat + 1e-6
    bars = score.bar_starts(until)
    while len(bars) < count + 1:
        until += 4.0 * max(1, count + 1 - len(bars))
        bars = score.bar_starts(until)
    return bars[:count + 1] if len(bars) > count + 1 else bars


def _splice(score, fill, start: float, end: float, slim_program: int | None):
    """``score`` with the notes starting in [start, end) replaced by ``fill``'s (shifted by start)."""
    from ..music.score import Track

    out = dataclasses.replace(score, tracks=[dataclasses.replace(t, notes=[n for n in t.notes
                                                                           if not start - 1e-9 <= n.start < end - 1e-9])
                                             for t in score.tracks])
    for new_track in fill.tracks:
        target = None
        for track in out.tracks:
            if track.is_drum == new_track.is_drum and (
                    track.program == new_track.program or (slim_program is not None and not track.is_drum)):
                target = track
                break
        if target is None:
            target = Track(program=new_track.program, is_drum=new_track.is_drum, name=new_track.name)
            out.tracks.append(target)
        held = [n for n in target.notes if n.start < start - 1e-9 and n.end > start + 1e-9]
        for note in new_track.notes:
            onset = start + note.start
            if onset >= end - 1e-9:
                continue
            if any(h.pitch == note.pitch and h.end > onset + 1e-9 for h in held):
                continue  # it would start under a held note of the same pitch
            target.notes.append(dataclasses.replace(note, start=onset, duration=min(note.duration, end - onset)))
        target.notes.sort(key=lambda n: (n.start, n.pitch))
    out.tracks = [t for t in out.tracks if t.notes]
    return out


def _limits(grammar, tokenizer, score, start: float, palette) -> dict[str, Any]:
    from ..data.palette import take_limits

    limits = dict(take_limits(grammar, palette))
    sig = score.time_signature_at(start)
    name = f"TimeSig_{sig.numerator}/{sig.denominator}"
    vocab = tokenizer.vocab()
    if name in vocab:
        limits["timesigs"] = frozenset({vocab[name]})
    if grammar.is_program.any():
        programs = {-1 if t.is_drum else t.program for t in score.tracks if t.notes}
        if programs:
            limits["programs"] = frozenset(programs)
    limits.pop("tempos", None)
    return limits


def _sample_fill(decoder, grammar, tokenizer, prompt: list[int], bars: int, config, rng, limits, room: int,
                 cancel: CancelToken | None) -> tuple[list[int], bool]:
    """Tokens of ``bars`` new bars after the prompt, at most ``room`` of them (what is left of the
    model's window); (tokens, whether the window ran out first)."""
    from ..data.grammar import BAR, RemiState
    from .guards import CollapseGuard
    from .sampling import sample

    state = RemiState(grammar, allow_tempo=False, **limits)
    guard = CollapseGuard(config.max_run, config.max_silence_bars)
    decoder.reset(1)
    logits = decoder.feed(prompt)[0]
    tokens: list[int] = []
    while len(tokens) < room:
        if cancel is not None:
            cancel.wait_if_paused()
            cancel.raise_if_cancelled()
        mask = guard.apply(state, state.mask())
        mask[tokenizer.eos_id] = False
        if not mask.any():
            break
        token = sample(logits, config.sampling, rng, mask=mask, raw=grammar.is_duration)
        if int(grammar.state_of[token]) == BAR and state.bar + 1 >= bars:
            return tokens, False
        state.push(token)
        tokens.append(token)
        logits = decoder.step([token])[0]
    return tokens, state.bar + 1 < bars


def infill(bundle, score, first: int, last: int, config, *, variants: int = 1,
           progress: ProgressSink | None = None, cancel: CancelToken | None = None, decoder: Any = None) -> list:
    """``variants`` takes of ``score`` with bars ``first..last-1`` (0-based) generated anew."""
    from ..data.fill_layout import bar_spans, fill_prompt
    from ..data.grammar import Grammar
    from ..data.palette import steady_voices, valid_palette
    from ..music.metrics import compare_to_profile, score_metrics
    from ..music.voicing import keep_voices
    from .decoders import make_decoder, single_thread_blas
    from .generation import MAX_SEED, Take
    from .take_checks import bundle_id
    from .sampling import make_rng

    ok, why = can_fill(bundle)
    if not ok:
        raise GenerationError(why)
    from .model_defaults import with_model_defaults

    config = with_model_defaults(config.validate(), bundle)
    if not 1 <= variants <= 16:
        raise GenerationError(f"variants must be 1..16, got {variants}")
    tokenizer = bundle.tokenizer
    grammar = Grammar(tokenizer)
    ids = [t for t in tokenizer.encode(score) if t != tokenizer.eos_id]
    spans = bar_spans(ids, grammar.is_bar)
    if not 0 <= first < last:
        raise GenerationError(f"choose bars to regenerate (got {first + 1}-{last})")
    if first >= len(spans):
        raise GenerationError(f"the piece has {len(spans)} bars; bar {first + 1} is past its end")
    last = min(last, len(spans))
    bars = last - first
    seq_len = int(bundle.config.model.seq_len)
    old = spans[last - 1][1] - spans[first][0]
    mean_bar = (spans[-1][1] - spans[0][0]) / max(1, len(spans))
    estimate = int(GAP_ESTIMATE_SLACK * max(old, mean_bar * bars)) + 4
    budget = seq_len - 3 - estimate
    if budget < 0:
        most = int((seq_len - 3 - 4) / (GAP_ESTIMATE_SLACK * mean_bar))
        if 1 <= most < bars:
            raise GenerationError(f"{bars} bars are more than this model can write in one window "
                                  f"({seq_len} tokens): select at most {most} bar{'s' if most > 1 else ''}")
        raise GenerationError(f"this model's window ({seq_len} tokens) is too short to rewrite "
                              f"{'a bar' if bars == 1 else f'{bars} bars'} of this piece (about "
                              f"{round(mean_bar)} tokens a bar): a model trained with a longer window can")
    from .styles import opening_id

    opening = opening_id(tokenizer, getattr(config, "style", None))  # BOS, or the style of a model of styles
    prompt = fill_prompt(ids, spans, first, last, bos=opening, gap=tokenizer.gap_id, fill=tokenizer.fill_id,
                         budget=budget)
    lines = _bar_lines(score, last)
    start, end = lines[first], lines[last]
    palette = valid_palette((getattr(bundle, "extras", None) or {}).get("palette"))
    limits = _limits(grammar, tokenizer, score, start, palette)
    voices = steady_voices(palette) if config.keep_voices else None
    profile = (getattr(bundle, "extras", None) or {}).get("corpus_metrics") or {}
    slim_program = None if tokenizer.config.use_programs else tokenizer.config.program
    seed = config.seed if config.seed is not None else int(np.random.default_rng().integers(MAX_SEED))
    decoder = decoder or make_decoder(bundle)
    takes = []
    for variant in range(variants):
        t0 = time.perf_counter()
        with single_thread_blas():
            new, ran_out = _sample_fill(decoder, grammar, tokenizer, prompt.ids, bars, config,
                                        make_rng(seed, variant, 17), limits, seq_len - len(prompt.ids), cancel)
        fill = tokenizer.decode([tokenizer.bos_id, *new])
        if voices:  # the new bars' lengths follow their onsets, as a take's do (core.music.voicing)
            keep_voices(fill, voices, seam_bars=[bars])
        fill = fill.trim_overlaps()
        out = _splice(score, fill, start, end, slim_program)
        part = out.slice_beats(start, end)
        # the table compares the take as it now plays with the corpus's pieces (a few bars alone
        # have too few notes for whole-piece ranges); the new bars' own figures stay in "infill"
        metrics = score_metrics(out) if out.note_count else {}
        report = {
            "bundle": bundle_id(bundle),
            "settings": {**dataclasses.asdict(config), "seed": seed},
            "seed": seed,
            "infill": {"bars": [first + 1, last], "variant": variant + 1, "variants": variants,
                       "context_bars": {"before": prompt.left_bars, "after": prompt.right_bars},
                       "notes": part.note_count, "tokens": len(new), "window_ran_out": ran_out,
                       "seconds": round(time.perf_counter() - t0, 4),
                       "metrics": score_metrics(part) if part.note_count else {}},
            "metrics": metrics,
            "corpus_range": {k: v for k, v in profile.items() if k in metrics},
            "verdicts": compare_to_profile(metrics, profile) if profile and metrics else {},
        }
        takes.append(Take(score=out, tokens=[*prompt.ids, *new], report=report))
        if progress is not None:
            progress(Progress("infill", variant + 1, variants, f"variant {variant + 1}"))
    return takes


def parse_bars(text: str) -> tuple[int, int]:
    """``"5-8"`` -> (4, 8): 0-based first bar, end excluded; ``"5"`` is one bar."""
    first, sep, last = str(text).strip().partition("-")
    try:
        a = int(first)
        b = int(last) if sep else a
    except ValueError:
        raise GenerationError(f"bars read like 5-8 (first and last bar, counted from 1), got {text!r}") from None
    if a < 1 or b < a:
        raise GenerationError(f"bars read like 5-8 (first and last bar, counted from 1), got {text!r}")
    return a - 1, b
