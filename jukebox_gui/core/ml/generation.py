"""``generate(bundle, config)``: a new take from a trained model, reproducible from its seed.

Each token is drawn by :mod:`.sampling` from the model's logits (incremental decoding, see
:mod:`.decoders`) under the grammar mask (:mod:`..data.grammar`, so every take decodes) and the
collapse guards (:mod:`.guards`). The take then goes through the originality guard: when its
longest stretch copied from a training file (the bundle's ``originality`` index) is longer than
``max_copy_bars``, it is regenerated from a derived seed, up to ``max_attempts`` times; the least
copied take is kept and, if still over the limit, flagged in the report with the source and bars.
The style check works the same way (``style_check``): a take whose pitch-class entropy, scale
consistency, groove consistency, mean melodic interval or bar repetition (:data:`STYLE_METRICS`)
falls well outside the corpus's 10th-90th percentile range (past it by half its width,
``take_checks.STYLE_FENCE``; the bundle's ``corpus_metrics``) is regenerated too; among the attempts the kept take is the first
that passes both checks, else the one closest to passing (originality first). The report says
which style metrics were out of range. Style retries stop early when a metric has been far out of
range in every attempt, on the same side and further than twice the attempts' own spread, from
the ``STYLE_GIVE_UP_AFTER``-th attempt on: that model cannot get there (each attempt costs a take's
time), so the retries go on only for the other metrics (the report's ``style.out_of_reach``).

The corpus palette (the bundle's ``palette``, :mod:`..data.palette`) keeps a take to what its
corpus does: each attempt picks one corpus piece's instrument set up front (from the seed and
the attempt; a primer's instruments always belong to it) and the mask offers only those
programs; only the corpus's time signatures and tempos are offered, and notes per onset and per
bar stop at the corpus's densest. Where the corpus keeps a steady number of notes sounding (four
voices in a chorale, one in a fiddle tune), the take's note lengths follow its onsets to keep it
(``keep_voices``, :mod:`..music.voicing`). ``program`` overrides the set. Without a palette (older
bundles) a take still uses at most 15 melodic programs plus drums, what MIDI channels can play.
The report lists the take's instruments (``instruments``: count, programs, General MIDI names).

Length is counted on the generated part only (a primer comes on top): ``bars`` (default),
``seconds`` or ``notes`` — the first one given among notes, seconds, bars wins.

Primer: a MIDI file path, or ``demo:NAME/FILE`` (a file of a demo corpus, e.g.
``demo:irish/0001.mid``). Its first ``primer_bars`` bars open the take and the model continues.
Or ``generate(..., prefix_ids=[...])``: continue these token ids (BOS first, whole bars, no EOS)
instead; the take holds them, then ``bars`` new bars.

Song form (``form``, e.g. ``"AABB"`` or ``"intro A A B A outro"``, with ``section_bars``): the take
is made section by section, a new one by continuing the take so far (``form_fill``: one before a
known repeat filled between its neighbours, :mod:`.form_fill`), a repeat as a copy of its section's
tokens whose last bar is sampled anew (``second_endings``); see :mod:`.form`. ``bars`` is then the
form's total and the report's ``form`` lists the sections. The style check measures a form take as
a score writes it (each section once: ``form.written``), as the corpus files are.

Styles (a model of several corpora, :mod:`.style_decoder`): ``style="irish"`` opens the take with
``Style_irish`` instead of BOS and uses that style's palette and corpus profile; a blend
``"irish=0.7,bach=0.3"`` samples from the product of one decoder row per style, each raised to
its weight. The report's ``styles`` gives the weights and each style's corpus range.

Same bundle + settings + seed -> the same tokens -> byte-identical MIDI.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import GenerationError
from ..progress import CancelToken, Progress, ProgressSink
from . import take_checks as checks
from .take_checks import STYLE_METRICS  # noqa: F401 (named in the docstring; its old home)

log = logging.getLogger(__name__)

MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class GenerationConfig:
    bars: int = 16
    seconds: float | None = None
    notes: int | None = None
    # T 0.9 / top-p 0.95 measured on builtin:irish (the style check's retries do the rest); None:
    # the model's own suggestion, else 0.9 (core.ml.model_defaults; the built-ins suggest their own)
    temperature: float | None = None
    top_k: int = 0
    top_p: float = 0.95
    repetition_penalty: float = 1.0
    seed: int | None = None
    primer: str | None = None  # MIDI path or "demo:NAME/FILE"
    primer_bars: int = 2
    tempo: float | None = None  # BPM override
    program: int | None = None  # General MIDI program override (0..127)
    # the take's instruments: "piano,bass,drums" (names, families, p33) or a count "3"; None: the
    # band of one corpus piece (core.ml.instruments)
    instruments: str | None = None
    max_copy_bars: float = 2.0
    max_attempts: int = 8
    style_check: bool = True  # regenerate takes whose style metrics leave the corpus range
    max_run: int = 4  # collapse guard: identical note events in a row
    max_silence_bars: float = 2.0
    keep_voices: bool = True  # note lengths keep the corpus's steady number of voices (core.music.voicing)
    form: str | None = None  # song form, e.g. "AABB", "intro A A B A outro" (see core.ml.form)
    section_bars: int = 8  # bars of a form section without its own length (intro/outro: half)
    second_endings: bool = True  # a form repeat samples its last bar anew, like a second ending
    form_fill: bool = False  # a new section before a known repeat is filled between them (core.ml.form_fill)
    # Propose the corpus's bar repeats (core.ml.repeats): at a bar line an earlier bar is offered
    # as often as the corpus repeats one, and written token by token while the model agrees.
    repeat_bars: bool = True
    # every instrument of the take's band comes in during its first two bars (core.ml.instruments)
    full_band: bool = True
    # a model of several styles (core.ml.style_decoder): "irish", or a blend "irish=0.7,bach=0.3";
    # None: every style of the model, equal weights
    style: str | None = None

    def validate(self) -> "GenerationConfig":
        self.sampling.validate()
        if self.notes is not None and not (1 <= self.notes <= 20000):
            raise GenerationError(f"notes must be between 1 and 20000, got {self.notes}")
        if self.seconds is not None and not (0.5 <= self.seconds <= 3600):
            raise GenerationError(f"seconds must be between 0.5 and 3600, got {self.seconds}")
        if not (1 <= self.bars <= 1000):
            raise GenerationError(f"bars must be between 1 and 1000, got {self.bars}")
        if self.seed is not None and not (0 <= self.seed <= MAX_SEED):
            raise GenerationError(f"seed must be between 0 and {MAX_SEED}, got {self.seed}")
        if not (0 <= self.primer_bars <= 64):
            raise GenerationError(f"primer bars must be between 0 and 64, got {self.primer_bars}")
        if self.tempo is not None and not (20 <= self.tempo <= 400):
            raise GenerationError(f"tempo must be between 20 and 400 BPM, got {self.tempo}")
        if self.program is not None and not (0 <= self.program <= 127):
            raise GenerationError(f"program must be a General MIDI program 0..127, got {self.program}")
        if self.instruments:
            from .instruments import parse_spec

            parse_spec(self.instruments)
            if self.program is not None:
                raise GenerationError("choose either one program or a set of instruments, not both")
        if self.style is not None:
            from .style_decoder import parse_style

            parse_style(self.style)
        if not (1 <= self.max_attempts <= 50):
            raise GenerationError(f"max attempts must be between 1 and 50, got {self.max_attempts}")
        if self.max_copy_bars <= 0 or self.max_run < 1 or self.max_silence_bars <= 0:
            raise GenerationError("max copy bars, max run and max silence bars must be positive")
        if self.form:
            if self.notes is not None or self.seconds is not None:
                raise GenerationError("a take by form is measured in bars: leave out notes and seconds")
            if sum(s.bars for s in self.form_plan()) > 1000:
                raise GenerationError("a form may have at most 1000 bars in all")
        return self

    def form_plan(self) -> list:
        """The form's sections (core.ml.form.parse_form); [] without a form."""
        from .form import parse_form

        return parse_form(self.form, self.section_bars) if self.form else []

    @property
    def sampling(self):
        from .sampling import SamplingSettings

        from .model_defaults import DEFAULT_TEMPERATURE

        temperature = DEFAULT_TEMPERATURE if self.temperature is None else self.temperature
        return SamplingSettings(temperature, self.top_k, self.top_p, self.repetition_penalty)

    @property
    def length_mode(self) -> str:
        return "notes" if self.notes is not None else "seconds" if self.seconds is not None else "bars"


@dataclass
class Take:
    score: Any  # core.music.score.Score
    tokens: list[int]
    report: dict[str, Any] = field(default_factory=dict)


# ---- primer ---------------------------------------------------------------------------------------
def _primer_path(primer: str) -> Path:
    if primer.startswith("demo:"):
        name, _, file_name = primer[len("demo:"):].partition("/")
        if not file_name or "/" in file_name or file_name.startswith("."):
            raise GenerationError(f"a demo primer reads demo:NAME/FILE.mid, got {primer!r}")
        from ..demo import demo_corpus_dir

        path = demo_corpus_dir(name) / file_name
    else:
        path = Path(primer).expanduser()
    if not path.is_file():
        raise GenerationError(f"primer file {primer!r} not found")
    return path


def load_primer(config: GenerationConfig, tokenizer: Any) -> tuple[list[int], Any]:
    """(token ids without EOS, the primer Score) of the first ``primer_bars`` bars."""
    from ..errors import JukeboxError
    from ..music.safe_read import read_midi_isolated

    if not config.primer or config.primer_bars == 0:
        return [tokenizer.bos_id], None
    path = _primer_path(config.primer)
    try:
        score = read_midi_isolated(path)  # a user's file: parsed in a worker process, time-limited
    except JukeboxError as exc:
        raise GenerationError(f"cannot use {path.name} as a primer: {exc}") from exc
    if score.note_count == 0:
        raise GenerationError(f"the primer {path.name} has no notes")
    bars = score.bar_starts(score.end_beat + 1e-6)
    first = max(i for i, b in enumerate(bars) if b <= score.start_beat + 1e-9)  # skip leading silence
    start = bars[first]
    end = bars[first + config.primer_bars] if first + config.primer_bars < len(bars) else score.end_beat + 1e-6
    opening = score.slice_beats(start, end)
    ids = [t for t in tokenizer.encode(opening) if t != tokenizer.eos_id]
    return ids, opening


# ---- one sampling pass ----------------------------------------------------------------------------
def _sample_pass(decoder, grammar, tokenizer, config: GenerationConfig, prefix: list[int], rng,
                 progress: ProgressSink | None, cancel: CancelToken | None, attempt: int,
                 limits: dict | None = None, repeater=None,
                 rest_bars: int | None = None) -> tuple[list[int], Any, dict]:
    """Sample after ``prefix`` until the take's length; ``repeater`` (a :class:`.repeats.BarRepeater`)
    proposes bars that come back, each token written only where the model agrees; a part of the
    band silent for more than ``rest_bars`` bars comes back (:class:`.instruments.BandEntry`)."""
    from ..data.grammar import BAR, POSITION, TIMESIG, RemiState
    from ..music.score import DEFAULT_BPM, seconds_for_beats
    from .guards import CollapseGuard
    from .instruments import BandEntry
    from .sampling import sample

    settings = config.sampling
    state = RemiState(grammar, allow_tempo=config.tempo is None, **(limits or {}))
    state.feed(prefix)
    if config.tempo is not None:
        state.tempo = float(config.tempo)  # the clock (seconds) runs at the tempo the take will have
    primer_bars = state.bar + 1 if len(prefix) > 1 else 0
    if len(prefix) > 1:  # continue after the primer's last bar, never inside it
        state.position = state.bar_positions
    primer_notes = len(state.notes)
    start_seconds = (state.bar_seconds + seconds_for_beats(state.bar_beats, state.tempo or DEFAULT_BPM)
                     if primer_bars else 0.0)
    guard = CollapseGuard(config.max_run, config.max_silence_bars,
                          start_beat=(state.bar_start + state.bar_beats) if primer_bars else 0.0)
    # The model picks the tempo, but it must pick one: its training windows rarely hold a piece's
    # opening (and fill samples open with bars from inside a piece), so after BOS it may skip the
    # Tempo token and a take would play at the default 120 BPM whatever the corpus's tempos.
    opening_tempo = config.tempo is None and len(prefix) <= 1
    decoder.reset(1)
    logits = decoder.feed(prefix)[0]
    tokens = list(prefix)
    if repeater is not None and not repeater.primed:
        for t in prefix:
            repeater.feed(t, bool(grammar.is_bar[t]), propose=False)
    band = (BandEntry(grammar, limits["programs"], rest_bars=rest_bars)
            if config.full_band and (limits or {}).get("programs") and grammar.is_program.any() else None)
    generated = 0
    mode = config.length_mode
    budget = {"bars": 160 * config.bars, "notes": 12 * (config.notes or 0),
              "seconds": 400 * int(config.seconds or 0)}[mode] + 400
    target_bars = primer_bars + config.bars
    steps = 0
    while generated < budget:
        if cancel is not None:
            cancel.wait_if_paused()
            cancel.raise_if_cancelled()
        mask = guard.apply(state, state.mask())
        mask[tokenizer.eos_id] = False  # the length is ours to decide
        if opening_tempo and state.tempo is None and not state.notes and state.state in (POSITION, TIMESIG):
            first_beat = grammar.is_position & (grammar.position_value == 0)
            opening = grammar.is_tempo if state.state == POSITION else first_beat
            if (mask & opening).any():
                mask &= opening  # a piece opens with its tempo on its first beat, as every corpus piece does
        if len(state.notes) == primer_notes and state.bar + 1 >= target_bars and (mask & ~grammar.is_bar).any():
            mask &= ~grammar.is_bar  # never end a take before its first note
        if not mask.any():
            break
        recent = [t for t in tokens[-48:] if grammar.is_pitch[t]]  # the penalty targets pitches only
        token = repeater.propose(logits, mask, settings) if repeater is not None else None
        if token is None:
            token = sample(logits, settings, rng, mask=mask, recent=recent, raw=grammar.is_duration)
            if band is not None:
                entry = band.override(state, token, logits, settings, rng, first_bar=primer_bars)
                token = token if entry is None else entry
        kind = int(grammar.state_of[token])
        if kind == BAR and mode == "bars" and state.bar + 1 >= target_bars:
            break
        if mode == "seconds" and kind in (BAR, POSITION):
            probe = state.probe()
            probe.push(token)
            if probe.seconds - start_seconds >= config.seconds - 1e-9:
                break
        state.push(token)
        tokens.append(token)
        if repeater is not None:
            repeater.feed(token, kind == BAR)
        generated += 1
        if mode == "notes" and len(state.notes) - primer_notes >= config.notes:
            break
        logits = decoder.step([token])[0]
        steps += 1
        if progress is not None and generated % 64 == 0:
            done = {"bars": max(0, state.bar + 1 - primer_bars), "notes": len(state.notes) - primer_notes,
                    "seconds": int(state.seconds - start_seconds)}[mode]
            total = {"bars": config.bars, "notes": config.notes, "seconds": int(config.seconds or 0)}[mode]
            progress(Progress("generating", min(done, total), total, f"attempt {attempt + 1}",
                              {"tokens": generated}))
    if progress is not None:
        total = {"bars": config.bars, "notes": config.notes, "seconds": int(config.seconds or 0)}[mode]
        progress(Progress("generating", total, total, f"attempt {attempt + 1} done", {"tokens": generated}))
    info = {"generated_tokens": generated, "model_steps": steps + len(prefix), "guards": guard.counts.to_dict(),
            "primer_bars": primer_bars, "primer_notes": primer_notes,
            "repeats": repeater.report() if repeater is not None else None,
            "band_entries": band.entries if band is not None else 0}
    return tokens, state, info


def _postprocess(score, config: GenerationConfig, voices: int | None = None, form: list | None = None):
    from ..music.score import TempoChange
    from ..music.voicing import keep_voices

    if config.tempo is not None:
        score.tempos = [TempoChange(0.0, float(config.tempo))]
    if config.program is not None:
        for track in score.tracks:
            if not track.is_drum:
                track.program = int(config.program)
    if voices:  # the corpus keeps this many notes sounding: the lengths follow the onsets
        keep_voices(score, voices, seam_bars=[s["first_bar"] for s in form or []])
    return score.trim_overlaps()  # what the piano roll shows is what the MIDI file plays


def generate(bundle, config: GenerationConfig, *, progress: ProgressSink | None = None,
             cancel: CancelToken | None = None, decoder: Any = None,
             prefix_ids: list[int] | None = None) -> Take:
    """Generate one take (see the module docstring). ``decoder`` overrides the bundle's default;
    ``prefix_ids`` (BOS first, whole bars, no EOS) is continued instead of ``config.primer``."""
    from ..data.grammar import Grammar, RemiState
    from ..data.palette import steady_voices, take_limits
    from ..music.metrics import compare_to_profile, score_metrics
    from ..music.originality import CopyFinder, CopyMatch
    from .decoders import make_decoder, single_thread_blas
    from .instruments import BandEntry, choose_band
    from .model_defaults import with_model_defaults
    from .repeats import BarRepeater
    from .sampling import make_rng

    config = with_model_defaults(config.validate(), bundle)
    plan = config.form_plan()
    seed = config.seed if config.seed is not None else secrets.randbelow(MAX_SEED + 1)
    config = dataclasses.replace(config, seed=seed, **({"bars": sum(s.bars for s in plan)} if plan else {}))
    tokenizer = bundle.tokenizer
    grammar = Grammar(tokenizer)
    if config.program is not None and grammar.is_program.any() and not (
            grammar.is_program & (grammar.program_value == config.program)).any():
        raise GenerationError(f"this model's vocabulary has no token for program {config.program}")
    if config.instruments and not grammar.is_program.any():
        raise GenerationError("this model writes one instrument (it was trained on a one-instrument corpus): "
                              "it cannot be given a set of instruments")
    if prefix_ids is not None:
        prefix, primer_score = _given_prefix(prefix_ids, tokenizer), None
    else:
        prefix, primer_score = load_primer(config, tokenizer)
    from .style_decoder import resolve_styles

    styles = resolve_styles(bundle, config.style)  # a model of several styles: which, and its palette
    if styles is not None:
        prefix = styles.prefix(prefix, tokenizer.bos_id)
    index = (getattr(bundle, "extras", None) or {}).get("originality")
    finder = CopyFinder(index) if index else None
    # the style-check ranges and the palette: the corpus's, the chosen style's or the blend's
    profile, palette = styles.take_setting(bundle) if styles is not None else checks.corpus_setting(bundle)
    palette_limits = take_limits(grammar, palette)
    voices = steady_voices(palette) if config.keep_voices else None
    primer_programs = checks.programs_by_notes(RemiState(grammar).feed(prefix).notes) if len(prefix) > 1 else []
    started = time.perf_counter()
    decoder = decoder or make_decoder(bundle)
    if styles is not None:
        decoder = styles.decoder(decoder, tokenizer)  # one row per style, their probabilities mixed
    load_s = time.perf_counter() - started

    attempts: list[tuple] = []  # (copied, misses, copy bars, attempt, tokens, score, info, copy, new part, metrics)
    sampling_s = 0.0
    total_tokens = 0
    attempts_made = 0
    out_of_reach: list[str] = []  # style metrics this model misses by far, attempt after attempt
    for attempt in range(config.max_attempts):
        attempts_made += 1
        t0 = time.perf_counter()
        # the take's band, up front: one corpus piece's instruments (the primer's among them)
        instruments = None if config.program is not None else choose_band(
            config.instruments, palette, make_rng(seed, attempt, 1), primer_programs)
        programs = {config.program} if config.program is not None else instruments
        limits = {**palette_limits, "programs": frozenset(programs) if programs is not None else None}
        if styles is not None:
            decoder.use_programs(programs)  # a blend's rows each hear their own instrument
        with single_thread_blas():
            if plan:
                from .form import sample_form

                tokens, state, info = sample_form(plan, decoder, grammar, tokenizer, config, prefix,
                                                  make_rng(seed, attempt), progress, cancel, attempt, limits,
                                                  repeats=(palette or {}).get("bar_repeats"),
                                                  repeat_rng=make_rng(seed, attempt, 3), bundle=bundle)
            else:
                repeater = (BarRepeater(palette.get("bar_repeats"), grammar, make_rng(seed, attempt, 3))
                            if config.repeat_bars and palette else None)
                tokens, state, info = _sample_pass(decoder, grammar, tokenizer, config, prefix,
                                                   make_rng(seed, attempt), progress, cancel, attempt, limits,
                                                   repeater=repeater, rest_bars=BandEntry.rest_limit(palette))
        info["instrument_set"] = instruments
        sampling_s += time.perf_counter() - t0
        total_tokens += info["generated_tokens"]
        score = _postprocess(tokenizer.decode(tokens), config, voices, info.get("form"))
        new_part = checks.generated_part(score, info)
        copy = finder.longest(new_part) if finder is not None else CopyMatch()
        metrics = score_metrics(new_part)
        if plan:  # the style check sees the form take as written, as the corpus files are
            from .form import written_tokens

            written = tokenizer.decode(written_tokens(tokens, info["form"], grammar, tokenizer.bos_id))
            info["written_metrics"] = score_metrics(_postprocess(written, config, voices))
        misses = checks.style_misses(info.get("written_metrics", metrics), profile) if config.style_check else []
        copied = finder is not None and copy.bars > config.max_copy_bars
        attempts.append((copied, misses, copy.bars, attempt, tokens, score, info, copy, new_part, metrics))
        if misses and attempts_made >= checks.STYLE_GIVE_UP_AFTER:
            out_of_reach = checks.out_of_reach([a[-1] for a in attempts], profile)
        if not copied and not [m for m in misses if m not in out_of_reach]:
            break
        log.info("take attempt %d: copies %.2f bars from %s, style out of range: %s; regenerating",
                 attempt + 1, copy.bars, copy.source, ", ".join(misses) or "none")
    if out_of_reach:
        log.info("style check: %s out of this model's reach in %d attempts", ", ".join(out_of_reach), attempts_made)
    # the kept take: not copied, then the fewest misses this model can fix, then the fewest misses
    _c, misses, _b, attempt, tokens, score, info, copy, new_part, metrics = min(
        attempts, key=lambda a: (a[0], len([m for m in a[1] if m not in out_of_reach]), len(a[1]), a[2], a[3]))
    metrics["longest_copy_bars"] = copy.bars
    score.title = score.title or f"AI Jukebox take (seed {seed})"
    elapsed = time.perf_counter() - started
    report = {
        "bundle": checks.bundle_id(bundle),
        "settings": dataclasses.asdict(config),
        "seed": seed,
        "attempt": attempt + 1,
        "attempts_made": attempts_made,
        "length": {"bars": len(new_part.bar_starts()) if new_part.note_count else 0,
                   "notes": new_part.note_count, "seconds": round(new_part.duration_seconds, 3),
                   "notes_per_second": round(new_part.note_count / new_part.duration_seconds, 2)
                   if new_part.duration_seconds > 0 else 0.0,
                   "primer_bars": info["primer_bars"], "primer_notes": info["primer_notes"]},
        "instruments": checks.instruments(score),
        "time_signatures": sorted({f"{t.numerator}/{t.denominator}" for t in score.time_signatures}),
        "tempo_bpm": [round(t.bpm, 2) for t in score.tempos],
        "palette": checks.palette_report(palette, info["instrument_set"], palette_limits, voices),
        "metrics": metrics,
        "corpus_range": {k: v for k, v in profile.items() if k in metrics},
        "verdicts": compare_to_profile(metrics, profile) if profile else {},
        "style": {"checked": bool(config.style_check and profile), "metrics": list(checks.STYLE_METRICS),
                  "out_of_range": misses, "ok": not misses, "out_of_reach": out_of_reach,
                  "measured_on": "written form" if plan else "take"},
        "originality": {**copy.to_dict(), "limit_bars": config.max_copy_bars, "checked": finder is not None,
                        "ok": copy.bars <= config.max_copy_bars, "message": copy.describe()},
        "guards": info["guards"],
        "repeats": info.get("repeats"),
        "timing": {"seconds": round(elapsed, 4), "model_load_seconds": round(load_s, 4),
                   "sampling_seconds": round(sampling_s, 4), "tokens": total_tokens,
                   "tokens_per_second": round(total_tokens / sampling_s, 1) if sampling_s else 0.0,
                   "decoder": type(decoder).__name__},
    }
    if styles is not None:
        report["styles"] = styles.report(metrics)
    if report["palette"].get("checked"):
        report["palette"]["band_entries"] = info.get("band_entries", 0)
    if primer_score is not None:
        report["primer"] = {"source": config.primer, "bars": config.primer_bars}
    elif prefix_ids is not None:
        report["primer"] = {"source": "tokens", "bars": info["primer_bars"]}
    if plan:
        from .form import form_report

        report["form"] = form_report(config, info["form"], info.get("written_metrics"))
    return Take(score=score, tokens=tokens, report=report)


def _given_prefix(prefix_ids, tokenizer) -> list[int]:
    ids = [int(t) for t in prefix_ids if int(t) != tokenizer.eos_id]
    if not ids or ids[0] != tokenizer.bos_id:
        ids = [tokenizer.bos_id] + ids
    if any(not (0 <= t < tokenizer.vocab_size) for t in ids):
        raise GenerationError("prefix token id out of range for this model's vocabulary")
    return ids


def save_take(take: Take, mid_path, report_path=None) -> tuple[Path, Path]:
    """Write the MIDI and its report JSON (default: beside it, ``.json``), both atomically."""
    from ..fileio import atomic_write_json
    from ..music.midi_io import write_midi

    mid = Path(mid_path)
    report = Path(report_path) if report_path else mid.with_suffix(".json")
    if report.resolve() == mid.resolve():
        raise GenerationError("the report must not overwrite the MIDI file")
    write_midi(take.score, mid)
    atomic_write_json(report, {**take.report, "midi": str(mid)})
    return mid, report
