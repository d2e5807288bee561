"""Regenerate one instrument (or several) of a piece, keeping every other note as it was.

``track_fill(bundle, score, tracks, config)`` returns takes in which the chosen tracks' notes are
new and every other track is untouched, for example a new bass line under the kept melody and
drums. It works with any model whose stream names instruments (``Program`` tokens): the model
writes the piece again from the start, in time order, and at every moment it is shown the kept
notes as they come ("teacher forcing"). Where the model would write a note for a kept
instrument, or move past the next kept note, the next kept tokens are written instead, so the
new part is written under, and in answer to, everything kept so far. At a free point the model
chooses among:

- a note of a chosen instrument at the current moment (its Program, then pitch and length),
- a later moment before the next kept event (a Position, or at the end a new Bar),
- the next kept event, which takes its own probability and most (:data:`MOVE_ON_SHARE`) of
  what the model would do that the fill may not (a note of a kept instrument that is not there).

The new part sees the kept music before it and at the same moment, not what comes after (the
bar infiller of :mod:`.infill` reads both sides, but only of whole bars). ``bars`` restricts the
new notes to a range of bars: the chosen tracks keep their notes outside it.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Sequence

import numpy as np

from ..errors import GenerationError
from ..progress import CancelToken, Progress, ProgressSink

FAMILY_WORDS = {"drum": "Drums", "drums": "Drums", "kit": "Drums", "percussion": "Drums",
                "bass": "Bass", "piano": "Piano", "keys": "Piano", "organ": "Organ", "guitar": "Guitar",
                "strings": "Strings", "string": "Strings", "brass": "Brass", "reed": "Reed", "sax": "Reed",
                "pipe": "Pipe", "flute": "Pipe", "lead": "Synth Lead", "pad": "Synth Pad",
                "ensemble": "Ensemble", "choir": "Ensemble"}


def _track_label(track, index: int) -> str:
    from ..music.gm_names import program_name

    return f"{index + 1}: {'Drums' if track.is_drum else program_name(track.program)}"


def select_tracks(score, spec: str) -> list[int]:
    """Track indices named by ``spec``: comma-separated 1-based numbers, "drums", a GM family word
    ("bass", "piano", "strings"...) or a GM instrument name or part of one ("fingered bass")."""
    from ..music.gm_names import family_name, program_name

    tracks = [t for t in score.tracks]
    chosen: list[int] = []
    for word in (w.strip() for w in str(spec).split(",")):
        if not word:
            continue
        found: list[int] = []
        if word.isdigit():
            number = int(word)
            if not 1 <= number <= len(tracks):
                raise GenerationError(f"the piece has {len(tracks)} tracks; there is no track {number}")
            found = [number - 1]
        else:
            key = word.lower()
            family = FAMILY_WORDS.get(key)
            for i, t in enumerate(tracks):
                program = -1 if t.is_drum else t.program
                name = program_name(program).lower()
                if (family and family_name(program) == family) or key in name or (t.name and key == t.name.lower()):
                    found.append(i)
        if not found:
            have = ", ".join(_track_label(t, i) for i, t in enumerate(tracks)) or "none"
            raise GenerationError(f"no track matches {word!r}; the piece's tracks are {have}")
        chosen += [i for i in found if i not in chosen]
    if not chosen:
        raise GenerationError("name the tracks to regenerate, e.g. --tracks bass or --tracks 2")
    return chosen


# Share of what the model would do that the fill may not (see the module docstring) given to "move on to the next kept event". 1.0 (all of it)
# starves the new part: a bass regenerated under kept drums and chords by a laptop model on the
# mma corpus (benchmarks/multitrack, 18 held-out songs, seeds 1-3) had 0.65-0.70x the song's own
# bass notes, chord tones 0.30-0.35 (song's own 0.55, random pitches 0.18-0.21); 0.8 gives
# 0.85-0.89x and 0.32-0.36; 0.5 gives 1.45x and 0 (plain renormalising) 22x, since the model
# rarely foresees the exact moment of the next kept note.
MOVE_ON_SHARE = 0.8

ONE_INSTRUMENT = ("this model writes one instrument (trained on a one-instrument corpus), so it cannot write a "
                  "part under others: train it on a folder of multi-instrument pieces, or regenerate bars")


def can_write_tracks(bundle) -> tuple[bool, str]:
    """(whether this model can write one instrument under others, a sentence saying why not)."""
    if bundle.config.model.arch == "seed-bilstm":
        return False, "a seed-bilstm model reads a fixed window and cannot regenerate a track"
    if not bundle.tokenizer.config.use_programs:
        return False, ONE_INSTRUMENT
    return True, ""


def _check(bundle, score, tracks: Sequence[int]) -> None:
    if bundle.config.model.arch == "seed-bilstm":
        raise GenerationError(can_write_tracks(bundle)[1])
    others = [t for i, t in enumerate(score.tracks) if i not in tracks and t.notes]
    if not bundle.tokenizer.config.use_programs and others:
        raise GenerationError(ONE_INSTRUMENT + " (with --bars)")
    if not any(score.tracks[i].notes for i in tracks) and not others:
        raise GenerationError("the piece has no notes")


def _kept_score(score, tracks: Sequence[int], start: float, end: float):
    """``score`` without the chosen tracks' notes starting in [start, end)."""
    out = dataclasses.replace(score, tracks=[
        dataclasses.replace(t, notes=[n for n in t.notes if not (i in tracks and start - 1e-9 <= n.start < end - 1e-9)])
        for i, t in enumerate(score.tracks)])
    return out


class _Forcer:
    """Chooses each next token: the model's under the rules above, or the next kept one."""

    FREE_NEXT = ("bar", "position", "program", "end")

    def __init__(self, grammar, tokenizer, kept: list[int], targets: frozenset[int], bars: tuple[int, int],
                 onset_cap: int = 6) -> None:
        from ..data.grammar import BAR, DURATION, POSITION, TEMPO, TIMESIG

        self.g, self.tokenizer, self.kept, self.k = grammar, tokenizer, kept, 0
        self.first, self.last = bars
        self.free_states = (BAR, TIMESIG, POSITION, TEMPO, DURATION)
        self.target_programs = grammar.is_program & np.isin(grammar.program_value, sorted(targets))
        self.own_note = False
        self.onset_cap = max(1, int(onset_cap))  # new notes at one moment (a chord's worth)
        self.onset: tuple[int, int] = (-2, -2)
        self.onset_pitches: list[int] = []  # the new notes' pitches at the current moment

    def next_kind(self) -> str:
        from ..data.grammar import BAR, POSITION, PROGRAM, PROGRAM_DRUM

        if self.k >= len(self.kept):
            return "end"
        kind = int(self.g.state_of[self.kept[self.k]])
        return {BAR: "bar", POSITION: "position", PROGRAM: "program", PROGRAM_DRUM: "program"}.get(kind, "other")

    def choose(self, state, logits, settings, rng, bars_total: int) -> tuple[int | None, bool]:
        """(token, whether the model wrote it); (None, False) at the end of the piece."""
        from .sampling import SamplingSettings, probabilities, sample

        g = self.g
        nxt = self.next_kind()
        if (state.bar, state.position) != self.onset:
            self.onset, self.onset_pitches = (state.bar, state.position), []
        if self.own_note:  # inside a note of ours: the model writes its pitch, velocity and length
            mask = state.mask() & ~g.is_eos
            if self.onset_pitches and (mask & (g.is_pitch | g.is_drum_pitch)).any():
                again = (g.is_pitch | g.is_drum_pitch) & np.isin(g.pitch_value, self.onset_pitches)
                if (mask & ~again).any():
                    mask &= ~again  # one note per pitch at a moment
            token = sample(logits, settings, rng, mask=mask, raw=g.is_duration)
            return token, True
        in_range = self.first <= max(state.bar, 0) < self.last and state.bar >= 0
        if nxt not in self.FREE_NEXT or int(state.state) not in self.free_states or not in_range:
            if nxt == "end":
                return None, False
            return self.kept[self.k], False
        mask = state.mask()
        free = mask & (self.target_programs | g.is_position | g.is_bar | g.is_timesig)
        if len(self.onset_pitches) >= self.onset_cap:
            free &= ~self.target_programs
        if nxt == "position":  # before the next kept moment in this bar
            q = int(g.position_value[self.kept[self.k]])
            free &= ~g.is_bar & ~(g.is_position & (g.position_value >= q))
        elif nxt == "program":  # a kept note now: no moving on before it
            free &= ~g.is_bar & ~g.is_position
        elif nxt == "bar":
            free &= ~g.is_bar  # the kept Bar is the way to the next bar
        elif state.bar + 1 >= min(bars_total, self.last):  # after the last kept token
            free &= ~g.is_bar
        probs = probabilities(logits, dataclasses.replace(settings, top_p=1.0, top_k=0), mask=mask)
        q = np.where(free, probs, 0.0)
        option = self.kept[self.k] if nxt != "end" else self.tokenizer.eos_id
        # what the model would do that the fill may not (a note of a kept instrument that is not
        # there, a later moment): most of it goes to the next kept event, the rest stays with the
        # new part's options by renormalising (see MOVE_ON_SHARE)
        unfree = max(0.0, 1.0 - float(q.sum()) - float(probs[option]))
        q[option] = float(probs[option]) + MOVE_ON_SHARE * unfree
        if q.sum() <= 0:
            return (self.kept[self.k], False) if nxt != "end" else (None, False)
        logq = np.log(np.maximum(q, 1e-300))
        logq[q <= 0] = -np.inf
        token = sample(logq, SamplingSettings(temperature=1.0, top_p=settings.top_p), rng)
        if token == option:
            return (None, False) if nxt == "end" else (token, False)
        return token, True

    def pushed(self, token: int, own: bool) -> None:
        from ..data.grammar import DURATION, PROGRAM, PROGRAM_DRUM

        kind = int(self.g.state_of[token])
        if own:
            if self.g.is_pitch[token] or self.g.is_drum_pitch[token]:
                self.onset_pitches.append(int(self.g.pitch_value[token]))
            if kind in (PROGRAM, PROGRAM_DRUM):
                self.own_note = True
            elif kind == DURATION:
                self.own_note = False
        else:
            self.k += 1


def _sample_tracks(decoder, grammar, tokenizer, kept: list[int], targets: frozenset[int], bars: tuple[int, int],
                   bars_total: int, config, rng, cancel: CancelToken | None,
                   onset_cap: int = 6) -> tuple[list[int], list[tuple], int]:
    """(the whole stream written, the new notes as (state NoteEvent, velocity token), model tokens)."""
    from ..data.grammar import DURATION, VELOCITY, RemiState
    from .styles import opening_id

    state = RemiState(grammar, fixed_meter=False, single_tempo=False, max_programs=None)
    forcer = _Forcer(grammar, tokenizer, kept, targets, bars, onset_cap)
    decoder.reset(1)
    start = opening_id(tokenizer, getattr(config, "style", None))  # BOS, or the style of a model of styles
    logits = decoder.feed([start])[0]
    tokens = [start]
    new: list[tuple] = []
    velocity = None
    written = 0
    budget = 4 * len(kept) + 64 * max(1, bars_total) + 256
    while len(tokens) < budget:
        if cancel is not None:
            cancel.wait_if_paused()
            cancel.raise_if_cancelled()
        token, own = forcer.choose(state, logits, config.sampling, rng, bars_total)
        if token is None:
            break
        kind = int(grammar.state_of[token])
        state.push(token)
        forcer.pushed(token, own)
        tokens.append(token)
        if own:
            written += 1
            if kind == VELOCITY:
                velocity = token
            elif kind == DURATION and state.notes:
                new.append((state.notes[-1], velocity))
                velocity = None
        logits = decoder.step([token])[0]
    return tokens, new, written


def _velocity(names: Sequence[str], token: int | None, default: int) -> int:
    if token is None:
        return default
    name = names[token] if 0 <= token < len(names) else ""
    try:
        return max(1, min(127, int(str(name).split("_", 1)[1])))
    except (IndexError, ValueError):
        return default


def _splice(score, tracks: Sequence[int], new: list[tuple], names: Sequence[str], start: float, end: float):
    """The piece with the chosen tracks' notes in [start, end) replaced by the new ones."""
    from ..music.score import Note

    out = _kept_score(score, tracks, start, end)
    by_program: dict[int, int] = {}
    for i in tracks:
        t = out.tracks[i]
        by_program.setdefault(-1 if t.is_drum else t.program, i)
    first = tracks[0]
    default_velocity = int(np.median([n.velocity for i in tracks for n in score.tracks[i].notes] or [80]))
    for event, velocity_token in new:
        onset = float(event.start)  # the stream's clock and the score's beats both start at 0
        if not start - 1e-9 <= onset < end - 1e-9:
            continue
        index = by_program.get(int(event.program), first)
        duration = max(1e-3, min(float(event.duration), end - onset))  # new notes end inside the selection
        out.tracks[index].notes.append(Note(onset, duration, int(event.pitch),
                                            _velocity(names, velocity_token, default_velocity)))
    # only the rewritten tracks are tidied: the kept ones stay note for note as they were
    dataclasses.replace(out, tracks=[out.tracks[i] for i in tracks]).trim_overlaps()
    return out


def track_fill(bundle, score, tracks: Sequence[int], config, *, bars: tuple[int, int] | None = None,
               variants: int = 1, progress: ProgressSink | None = None, cancel: CancelToken | None = None,
               decoder: Any = None) -> list:
    """``variants`` takes of ``score`` with the tracks ``tracks`` (indices) written anew, in bars
    ``bars`` = (first, end) 0-based, end excluded (default: the whole piece)."""
    from ..data.fill_layout import bar_spans
    from ..data.grammar import Grammar
    from ..music.gm_names import program_name
    from ..music.metrics import score_metrics
    from .decoders import make_decoder, single_thread_blas
    from .generation import MAX_SEED, Take
    from .take_checks import bundle_id
    from .model_defaults import with_model_defaults
    from .sampling import make_rng

    config = with_model_defaults(config.validate(), bundle)  # a temperature: the user's, else the model's
    tracks = sorted(dict.fromkeys(int(i) for i in tracks))
    if not tracks or not all(0 <= i < len(score.tracks) for i in tracks):
        raise GenerationError(f"track numbers must be 1..{len(score.tracks)}")
    if not 1 <= variants <= 16:
        raise GenerationError(f"variants must be 1..16, got {variants}")
    _check(bundle, score, tracks)
    tokenizer = bundle.tokenizer
    grammar = Grammar(tokenizer)
    targets = frozenset(-1 if score.tracks[i].is_drum else int(score.tracks[i].program) for i in tracks)
    missing = [p for p in targets if not (grammar.is_program & (grammar.program_value == p)).any()]
    if missing:
        raise GenerationError(f"this model has no token for {', '.join(program_name(p) for p in missing)}")
    whole = [t for t in tokenizer.encode(score) if t not in (tokenizer.eos_id, tokenizer.bos_id)]
    bars_total = len(bar_spans(whole, grammar.is_bar))
    first, last = bars if bars is not None else (0, bars_total)
    if not 0 <= first < last:
        raise GenerationError(f"choose bars to regenerate (got {first + 1}-{last})")
    if first >= bars_total:
        raise GenerationError(f"the piece has {bars_total} bars; bar {first + 1} is past its end")
    last = min(last, bars_total)
    lines = score.bar_starts(score.end_beat + 1e-6 + 4.0 * (last + 1))
    start = lines[first] if first < len(lines) else score.end_beat
    end = lines[last] if last < len(lines) else score.end_beat + 1.0
    kept_score = _kept_score(score, tracks, start, end)
    if kept_score.note_count:
        kept = [t for t in tokenizer.encode(kept_score) if t not in (tokenizer.eos_id, tokenizer.bos_id)]
    else:  # nothing kept: the piece's opening (bar, metre, tempo) and then free writing
        cut = next((i for i, t in enumerate(whole) if grammar.is_program[t] or grammar.is_pitch[t]
                    or grammar.is_drum_pitch[t]), len(whole))
        kept = whole[:cut]
    seed = config.seed if config.seed is not None else int(np.random.default_rng().integers(MAX_SEED))
    palette = (getattr(bundle, "extras", None) or {}).get("palette") or {}
    onset_cap = min(6, int(palette.get("max_notes_per_onset") or 6))
    decoder = decoder or make_decoder(bundle)
    names = [program_name(-1 if score.tracks[i].is_drum else score.tracks[i].program) for i in tracks]
    takes = []
    for variant in range(variants):
        t0 = time.perf_counter()
        with single_thread_blas():
            stream, new, written = _sample_tracks(decoder, grammar, tokenizer, kept, targets, (first, last),
                                                  bars_total, config, make_rng(seed, variant, 23), cancel, onset_cap)
        out = _splice(score, tracks, new, grammar.names, start, end)
        part = dataclasses.replace(out, tracks=[out.tracks[i] for i in tracks]).slice_beats(start, end)
        report = {
            "bundle": bundle_id(bundle),
            "settings": {**dataclasses.asdict(config), "seed": seed},
            "seed": seed,
            "track_fill": {"tracks": [i + 1 for i in tracks], "instruments": names,
                           "bars": [first + 1, last], "variant": variant + 1, "variants": variants,
                           "notes": part.note_count,
                           "old_notes": sum(1 for i in tracks for n in score.tracks[i].notes
                                            if start - 1e-9 <= n.start < end - 1e-9),
                           "kept_notes": kept_score.note_count - sum(
                               1 for i in tracks for n in kept_score.tracks[i].notes),
                           "model_tokens": written, "stream_tokens": len(stream),
                           "seconds": round(time.perf_counter() - t0, 4)},
            "metrics": score_metrics(part) if part.note_count else {},
        }
        takes.append(Take(score=out, tokens=stream, report=report))
        if progress is not None:
            progress(Progress("track fill", variant + 1, variants, f"variant {variant + 1}"))
    return takes
