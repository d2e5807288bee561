"""Regenerate a selection (issue 17): does the model use the music after a gap, how fast is a fill,
does anything outside the selection move, and do the new bars sound like the corpus?

    python -m benchmarks infill [--model builtin:irish --model builtin:bach] [--takes 10] [--bars 8]

Per model (default: both built-in models, on the corpus each was trained on):

* ``gap``: :func:`jukebox_gui.core.ml.fill_eval.fill_report` on the held-out files (split as
  training split them): nats per gap token with both sides vs the left side only,
  ``both_vs_left`` (target: clearly below 1), and with another piece's bars after the gap
  (``swapped``: worse than both sides when the model reads that side at all);
* ``--takes`` takes of 16 bars (default settings), each with bars 5..4+``--bars`` filled once
  (seeds 1..N): ``fill_seconds`` median and max for ``--bars`` bars, one variant (target < 1 s on
  2 cores); ``too_long_for_the_window``: takes whose ``--bars`` bars do not fit the model's window
  (the app says "select at most N bars"); ``bars_outside_changed`` over all fills (target 0); ``filled_style_in_range``: the
  share of the style metrics of the filled bars inside the corpus's p10-p90 range, next to the
  same share for the takes' own bars 5..4+N (the continuation as the yardstick).

One JSON object as the last line: ``models`` and, per model, ``both_vs_left_<name>``,
``fill_seconds_<name>``, ``bars_outside_changed_<name>``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

DEFAULT_MODELS = ("builtin:irish", "builtin:bach")
STYLE = ("pitch_class_entropy", "scale_consistency", "groove_consistency", "mean_abs_interval")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _notes(score, start: float, end: float, inside: bool) -> list[tuple]:
    return sorted((round(n.start, 6), n.pitch, round(n.duration, 6), n.velocity, t.program, t.is_drum)
                  for t in score.tracks for n in t.notes if (start - 1e-9 <= n.start < end - 1e-9) == inside)


def _in_range(metrics: dict, profile: dict) -> list[bool]:
    out = []
    for name in STYLE:
        band = profile.get(name)
        if band and name in metrics:
            out.append(band["p10"] - 1e-9 <= metrics[name] <= band["p90"] + 1e-9)
    return out


def _gap_figures(bundle) -> dict | None:
    from jukebox_gui.core.data.corpus import tokenize_corpus
    from jukebox_gui.core.data.scan import scan
    from jukebox_gui.core.ml.evaluation import split_like_training
    from jukebox_gui.core.ml.fill_eval import fill_report

    source = ((bundle.training or {}).get("corpus") or {}).get("source")
    if not source:
        return None
    report = scan(str(source))
    corpus = tokenize_corpus(report, bundle.tokenizer)
    _train, held = split_like_training(bundle, corpus.paths, report.folder)
    return fill_report(bundle.model, bundle.tokenizer, bundle.config, [corpus.sequences[i] for i in held],
                       seed=bundle.config.seed)


def measure(reference: str, takes: int, bars: int) -> dict:
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.generation import GenerationConfig, generate
    from jukebox_gui.core.ml.infill import can_fill, infill
    from jukebox_gui.core.music.metrics import score_metrics

    bundle = load_bundle(reference)
    ok, why = can_fill(bundle)
    if not ok:
        return {"model": reference, "can_fill": False, "why": why}
    _say(f"{reference}: held-out gap loss")
    gap = _gap_figures(bundle)
    profile = (bundle.extras or {}).get("corpus_metrics") or {}
    from jukebox_gui.core.errors import GenerationError

    seconds, changed, filled_ok, own_ok, notes, too_long = [], 0, [], [], [], 0
    infill(bundle, generate(bundle, GenerationConfig(bars=8, seed=999)).score, 2, 4, GenerationConfig(seed=1))  # warm-up
    for seed in range(1, takes + 1):
        take = generate(bundle, GenerationConfig(bars=16, seed=seed))
        lines = take.score.bar_starts(take.score.end_beat + 1e-6)
        if len(lines) < 5 + bars:
            continue
        start, end = lines[4], lines[4 + bars]
        t0 = time.perf_counter()
        try:
            new = infill(bundle, take.score, 4, 4 + bars, GenerationConfig(seed=seed))[0]
        except GenerationError as exc:  # a dense take: the gap does not fit the model's window
            too_long += 1
            _say(f"  take {seed}: not filled: {exc}")
            continue
        seconds.append(time.perf_counter() - t0)
        changed += int(_notes(new.score, start, end, False) != _notes(take.score, start, end, False))
        part, own = new.score.slice_beats(start, end), take.score.slice_beats(start, end)
        notes.append(part.note_count)
        if part.note_count:
            filled_ok += _in_range(score_metrics(part), profile)
        if own.note_count:
            own_ok += _in_range(score_metrics(own), profile)
        _say(f"  take {seed}: {bars} bars filled in {seconds[-1]:.2f} s, {part.note_count} notes")
    return {
        "model": reference, "can_fill": True, "gap": gap, "fills": len(seconds), "bars": bars,
        "too_long_for_the_window": too_long,
        "fill_seconds": {"median": round(float(np.median(seconds)), 3), "max": round(float(np.max(seconds)), 3)}
        if seconds else None,
        "bars_outside_changed": changed,
        "filled_notes_median": float(np.median(notes)) if notes else 0.0,
        "filled_style_in_range": round(float(np.mean(filled_ok)), 3) if filled_ok else None,
        "continuation_style_in_range": round(float(np.mean(own_ok)), 3) if own_ok else None,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks infill", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="bundle name or path, repeatable (default: both built-ins)")
    parser.add_argument("--takes", type=int, default=10)
    parser.add_argument("--bars", type=int, default=8, help="bars to fill in each take (default 8)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    started = time.perf_counter()
    out: dict = {"models": {}}
    for reference in args.model or DEFAULT_MODELS:
        name = reference.split(":", 1)[-1].rstrip("/").split("/")[-1]
        result = measure(reference, args.takes, args.bars)
        out["models"][name] = result
        if result.get("can_fill"):
            out[f"both_vs_left_{name}"] = (result["gap"] or {}).get("both_vs_left")
            out[f"fill_seconds_{name}"] = (result["fill_seconds"] or {}).get("median")
            out[f"bars_outside_changed_{name}"] = result["bars_outside_changed"]
    out["wall_s"] = round(time.perf_counter() - started, 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
