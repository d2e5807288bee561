"""Music that sounds like its corpus: a generated set against the held-out files, and held-out NLL.

    python -m benchmarks quality [--model builtin:irish --model builtin:bach] [--corpus demo:irish]
                                 [--takes 100] [--bars 16] [--seed 1]

Per model (default: both built-in models, each on the corpus it was trained on):

* the corpus is split into training and held-out files exactly as training split it
  (``split_sequences`` with the bundle's ``val_fraction`` and ``seed``, over the paths in the order
  ``tokenize_corpus`` yields them); every file is measured as the model sees it, decoded from its
  tokens: the tokenizer merges the tracks of one program, so a Bach chorale's four voices become
  one track as in a take, and an originality index of the files as parsed (one stream per voice)
  could never match a take's chordal stream;
* ``--takes`` takes of ``--bars`` bars with default generation settings (style check and
  originality guard on, seeds ``--seed`` .. ``--seed + takes - 1``);
* ``oa``: per feature (:mod:`jukebox_gui.core.music.features`), the overlapping area of the
  takes' kernel density and the held-out files'; ``oa_ceiling``: the same for held-out vs
  training files; ``quality_ratio`` = mean OA / mean ceiling over the issue's nine features
  (``QUALITY_FEATURES``); ``oa_ratio`` per feature;
* instruments per take and notes per second against the corpus's files;
* originality: each take's longest run copied from the training files, next to the same figure
  for each held-out file's first ``--bars`` bars (and whole file) against the same index, built
  from the training files only; percentiles 5/50/95 and the share of takes inside the human
  5th-95th percentile;
* ``nll``: ``jukebox_gui.core.ml.evaluation.heldout_report`` (per-token-type held-out NLL and the
  pitch n-gram baselines) when that module is there; otherwise a message says it is unavailable.

Top level: ``models`` (name -> the above), ``quality_ratio_<name>``, ``oa_mean_abs_interval_<name>``,
``oa_bar_repetition_<name>``, ``pitch_vs_ngram_<name>`` and the wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

DEFAULT_MODELS = ("builtin:irish", "builtin:bach")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _name(reference: str) -> str:
    return reference.split(":", 1)[1] if reference.startswith("builtin:") else Path(reference).name


def split_files(bundle, source: str) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """(training, held-out) lists of (path, Score), split by file as training split them; each
    Score decoded from the file's tokens, i.e. the music as the model sees it."""
    from jukebox_gui.core.data.corpus import tokenize_corpus
    from jukebox_gui.core.data.scan import scan
    from jukebox_gui.core.ml.evaluation import split_like_training

    report = scan(str(source))
    corpus = tokenize_corpus(report, bundle.tokenizer)
    paths, sequences = list(corpus.paths), list(corpus.sequences)
    train_idx, held_idx = split_like_training(bundle, paths, report.folder)
    decode = lambda i: (paths[i], bundle.tokenizer.decode([int(t) for t in sequences[i]]))  # noqa: E731
    return [decode(i) for i in train_idx], [decode(i) for i in held_idx]


def _first_bars(score, bars: int):
    starts = score.bar_starts()
    return score if len(starts) <= bars else score.slice_beats(0.0, starts[bars])


def _percentiles(values) -> list[float]:
    if not len(values):
        return []
    return [round(float(v), 3) for v in np.percentile(np.asarray(values, dtype=float), [5, 50, 95])]


def _spread(values) -> dict[str, float]:
    v = np.asarray(values, dtype=float)
    if not len(v):
        return {}
    return {"median": round(float(np.median(v)), 3), "min": round(float(v.min()), 3),
            "max": round(float(v.max()), 3)}


def _nll(bundle, source: str) -> dict:
    try:
        from jukebox_gui.core.ml.evaluation import heldout_report
    except ImportError as exc:
        message = f"the NLL half is unavailable: jukebox_gui.core.ml.evaluation.heldout_report ({exc})"
        _say(message)
        return {"unavailable": message}
    started = time.perf_counter()
    out = dict(heldout_report(bundle, source))
    out["wall_s"] = round(time.perf_counter() - started, 1)
    return out


def overlap_figures(f_takes: dict, f_held: dict, f_train: dict) -> tuple[dict, dict, float, float]:
    """(OA of takes vs held-out per feature, the same for held-out vs training: the ceiling, and
    the two means over the quality features); quality_ratio is the first mean over the second."""
    from jukebox_gui.core.music.features import QUALITY_FEATURES, compare_sets

    oa, ceiling = compare_sets(f_takes, f_held), compare_sets(f_held, f_train)
    return (oa, ceiling, float(np.mean([oa[k] for k in QUALITY_FEATURES])),
            float(np.mean([ceiling[k] for k in QUALITY_FEATURES])))


def evaluate(reference: str, *, corpus: str | None = None, takes: int = 100, bars: int = 16, seed: int = 1,
             nll: bool = True, say: Callable[[str], None] = _say, sampling: dict | None = None) -> dict:
    """The quality report of one model (see the module docstring)."""
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.decoders import make_decoder
    from jukebox_gui.core.ml.generation import GenerationConfig, generate
    from jukebox_gui.core.music.features import FEATURES, QUALITY_FEATURES, set_features
    from jukebox_gui.core.music.originality import CopyFinder, build_index

    started = time.perf_counter()
    bundle = load_bundle(reference)
    source = corpus or ((bundle.training or {}).get("corpus") or {}).get("source")
    if not source:
        raise SystemExit(f"{reference}: the bundle does not record its corpus; give --corpus")
    train, held = split_files(bundle, source)
    if not train or not held:
        raise SystemExit(f"{reference}: {source} gives {len(train)} training and {len(held)} held-out files")
    say(f"{reference}: {source}, {len(train)} training / {len(held)} held-out files; generating {takes} takes")

    decoder = make_decoder(bundle)
    t0 = time.perf_counter()
    take_list = []
    for i in range(takes):
        take_list.append(generate(bundle, GenerationConfig(bars=bars, seed=seed + i, **(sampling or {})),
                                  decoder=decoder))
        if (i + 1) % 10 == 0:
            say(f"  {i + 1}/{takes} takes, {time.perf_counter() - t0:.0f} s")
    generation_s = time.perf_counter() - t0
    take_scores = [t.score for t in take_list]

    f_train = set_features(s for _, s in train)
    f_held = set_features(s for _, s in held)
    f_takes = set_features(take_scores)
    oa, ceiling, mean_oa, mean_ceiling = overlap_figures(f_takes, f_held, f_train)
    ratio = {k: (round(oa[k] / ceiling[k], 4) if ceiling[k] > 0 else None) for k in FEATURES}

    finder = CopyFinder(build_index([(Path(p).name, s) for p, s in train]))
    copied_takes = [finder.longest(s).bars for s in take_scores]
    copied_human = [finder.longest(_first_bars(s, bars)).bars for _, s in held]
    copied_human_full = [finder.longest(s).bars for _, s in held]
    lo, _mid, hi = np.percentile(copied_human, [5, 50, 95])
    inside = float(np.mean([lo - 1e-9 <= c <= hi + 1e-9 for c in copied_takes])) if copied_takes else 0.0

    corpus_all = {k: np.concatenate([f_train[k], f_held[k]]) for k in FEATURES}
    result: dict[str, Any] = {
        "model": reference, "arch": bundle.config.model.arch, "corpus": str(source),
        "files": {"train": len(train), "held_out": len(held)},
        "takes": takes, "bars": bars, "seeds": [seed, seed + takes - 1],
        "generation_wall_s": round(generation_s, 1), "seconds_per_take": round(generation_s / max(takes, 1), 3),
        "takes_regenerated": sum(t.report.get("attempts_made", 1) > 1 for t in take_list),
        "quality_ratio": round(mean_oa / mean_ceiling, 4) if mean_ceiling > 0 else None,
        "oa_mean": round(mean_oa, 4), "oa_ceiling_mean": round(mean_ceiling, 4),
        "quality_features": list(QUALITY_FEATURES),
        "oa": oa, "oa_ceiling": ceiling, "oa_ratio": ratio,
        "oa_mean_abs_interval": oa["mean_abs_interval"], "oa_bar_repetition": oa["bar_repetition"],
        "median": {"takes": {k: round(float(np.median(f_takes[k])), 3) for k in FEATURES},
                   "held_out": {k: round(float(np.median(f_held[k])), 3) for k in FEATURES}},
        "instruments_per_take": _spread(f_takes["instruments"]),
        "instruments_corpus": _spread(corpus_all["instruments"]),
        "notes_per_second": {"takes": _spread(f_takes["notes_per_second"]),
                             "corpus": _spread(corpus_all["notes_per_second"])},
        "originality": {
            "takes_copied_bars_p5_p50_p95": _percentiles(copied_takes),
            "human_copied_bars_p5_p50_p95": _percentiles(copied_human),
            "human_full_file_copied_bars_p5_p50_p95": _percentiles(copied_human_full),
            "takes_inside_human_p5_p95": round(inside, 3),
            "index": "training-split files only", "human_window_bars": bars,
        },
    }
    if nll:
        say(f"{reference}: held-out NLL")
        result["nll"] = _nll(bundle, source)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks quality")
    parser.add_argument("--model", action="append", help="bundle name or path, repeatable "
                        f"(default: {' and '.join(DEFAULT_MODELS)})")
    parser.add_argument("--corpus", help="corpus source (default: each bundle's training corpus)")
    parser.add_argument("--takes", type=int, default=100)
    parser.add_argument("--bars", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1, help="seed of the first take (then +1 per take)")
    parser.add_argument("--no-nll", action="store_true", help="skip the held-out NLL half")
    parser.add_argument("--temperature", type=float, help="sampling temperature (default: the app's default)")
    parser.add_argument("--top-p", type=float, help="nucleus mass (default: the app's default)")
    parser.add_argument("--no-repeats", action="store_true", help="takes without the corpus's bar repeats proposed")
    parser.add_argument("--free-voices", action="store_true",
                        help="takes without the corpus's steady number of sounding notes kept (core.music.voicing)")
    parser.add_argument("--no-style-check", action="store_true",
                        help="keep every first attempt (no regenerating of takes outside the corpus's ranges)")
    args = parser.parse_args(argv)
    sampling = {k: v for k, v in (("temperature", args.temperature), ("top_p", args.top_p)) if v is not None}
    if args.no_repeats:
        sampling["repeat_bars"] = False
    if args.no_style_check:
        sampling["style_check"] = False
    if args.free_voices:
        sampling["keep_voices"] = False
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    started = time.perf_counter()
    models: dict[str, dict] = {}
    for reference in args.model or DEFAULT_MODELS:
        models[_name(reference)] = evaluate(reference, corpus=args.corpus, takes=args.takes, bars=args.bars,
                                            seed=args.seed, nll=not args.no_nll, sampling=sampling)
    out: dict[str, Any] = {"models": models}
    for name, r in models.items():
        out[f"quality_ratio_{name}"] = r["quality_ratio"]
        out[f"oa_mean_abs_interval_{name}"] = r["oa_mean_abs_interval"]
        out[f"oa_bar_repetition_{name}"] = r["oa_bar_repetition"]
        out[f"takes_inside_human_copy_p5_p95_{name}"] = r["originality"]["takes_inside_human_p5_p95"]
        if "pitch_vs_ngram" in (r.get("nll") or {}):
            out[f"pitch_vs_ngram_{name}"] = r["nll"]["pitch_vs_ngram"]
    out["wall_s"] = round(time.perf_counter() - started, 1)
    out["targets"] = {"quality_ratio": ">= 0.92 (built-in)", "oa_mean_abs_interval": ">= 0.8",
                      "oa_bar_repetition": ">= 0.6", "takes_inside_human_copy_p5_p95": "high"}
    return out
