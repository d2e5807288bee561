"""Styles in one model (issue 19): does a two-style model keep its styles apart, and help a small one?

    python -m benchmarks styles [--time-budget 240] [--takes 20] [--bars 8] [--small-files 30]
                                [--skip-single] [--skip-small] [--singles-first] [--work DIR]

Every training is the ``laptop`` preset (transformer) with the same ``--time-budget`` (seconds of
epochs; corpus preparation and evaluation come on top), seed 1234:

1. **two styles**: ``irish=demo:irish bach=demo:bach``; ``--takes`` takes of ``--bars`` bars per
   ``--style`` with default generation settings (seeds 1..N);
2. **style classifier**: logistic regression (NumPy, L2, standardised features) on the quality
   features of :func:`jukebox_gui.core.music.metrics.score_metrics` of the real corpus files of both
   styles (decoded from their tokens: the music as the model sees it; the model's training split),
   checked on the held-out files (``classifier_heldout_accuracy``), then applied to the takes:
   ``style_accuracy_irish`` / ``style_accuracy_bach`` = share of ``--style X`` takes called X
   (target >= 0.9); **blends** ``irish=w,bach=1-w`` for w = 0.7, 0.5, 0.3 (``blend_curve``): the
   classifier's mean P(irish), the share called Irish, and the takes' median polyphony and notes
   per bar, which a blend that follows its weights moves from the fiddle's to the chorale's;
3. **one-style models** (unless ``--skip-single``) of the same size and time budget on each corpus
   alone; ``quality_vs_single_<style>`` = the two-style model's ``quality_ratio_<style>`` (the
   quality benchmark's figure: mean OA of its ``--style`` takes against the style's held-out files,
   over held-out vs training files) / the one-style model's from as many takes (target >= 0.95);
   ``nll_vs_single_<style>`` = the two-style model's held-out pitch NLL (nats per pitch, on the
   same held-out files: a style is split as its folder alone would be) / the one-style model's
   (lower is better; a model of two styles in the same time sees half as much of each);
4. **a small style** (unless ``--skip-small``): the first ``--small-files`` files of demo:bach as
   ``smallbach`` next to demo:irish, vs ``smallbach`` alone: ``small_style_nll_vs_alone`` = held-out
   pitch NLL with irish beside it / alone (target < 1). With 30 files the held-out set is 3 files:
   a noisy figure.

The last printed line is one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

STYLES = ("irish", "bach")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _config(budget: float):
    from jukebox_gui.core.ml.config import preset

    # calibrate_takes=0: every model samples at the app's default temperature, so the two-style
    # model (which does not choose one) and the one-style models are compared at the same settings
    return dataclasses.replace(preset("laptop", "transformer"), time_budget_s=float(budget), seed=1234,
                               calibrate_takes=0)


def _train(source, out: Path, budget: float) -> dict:
    from jukebox_gui.core.ml.training import train

    started = time.perf_counter()
    result = train(source, out, _config(budget))
    training = json.loads((out / "training.json").read_text())
    _say(f"trained {out.name}: {result.epochs_completed} epochs ({result.stopped}), "
         f"{time.perf_counter() - started:.0f} s")
    return {"training": training, "epochs": result.epochs_completed, "wall_s": round(result.wall_s, 1),
            "optimizer_iterations": result.optimizer_iterations}


def _pitch_nll(training: dict, style: str | None = None) -> float | None:
    melody = training.get("melody") or {}
    if style is not None:
        melody = (melody.get("styles") or {}).get(style) or {}
    value = melody.get("pitch_nll")
    return float(value) if value is not None else None


def _features(score) -> np.ndarray:
    from jukebox_gui.core.music.metrics import METRICS, score_metrics

    metrics = score_metrics(score)
    return np.array([metrics[m] for m in METRICS], dtype=np.float64)


class Classifier:
    """Multinomial logistic regression by gradient descent, L2, standardised inputs (NumPy)."""

    def __init__(self, labels: list[str]) -> None:
        self.labels = labels

    def fit(self, x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, steps: int = 3000, lr: float = 0.5):
        self.mean, self.std = x.mean(0), x.std(0) + 1e-9
        z = (x - self.mean) / self.std
        k = len(self.labels)
        self.w, self.b = np.zeros((z.shape[1], k)), np.zeros(k)
        onehot = np.eye(k)[y]
        for _ in range(steps):
            p = self._probs(z)
            grad = p - onehot
            self.w -= lr * (z.T @ grad / len(z) + l2 * self.w)
            self.b -= lr * grad.mean(0)
        return self

    def _probs(self, z: np.ndarray) -> np.ndarray:
        logits = z @ self.w + self.b
        logits -= logits.max(1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(1, keepdims=True)

    def probs(self, x: np.ndarray) -> np.ndarray:
        return self._probs((x - self.mean) / self.std)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.probs(x).argmax(1)


def _quality_ratio(takes: list[Any], train: list[Any], held: list[Any]) -> float | None:
    """The quality benchmark's figure for one style: mean OA of the takes against the held-out
    files over the quality features, over the same for held-out vs training files (the ceiling)."""
    from benchmarks.quality import overlap_figures
    from jukebox_gui.core.music.features import set_features

    if not takes or not train or not held:
        return None
    _oa, _ceiling, top, bottom = overlap_figures(set_features(takes), set_features(held), set_features(train))
    return round(top / bottom, 4) if bottom > 0 else None


def _corpus_features(bundle, scores: dict | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(training, held-out) features per style of the real files, split as the model's training was;
    ``scores``, if given, receives {style: (training Scores, held-out Scores)}."""
    from jukebox_gui.core.data.corpus import tokenize_corpus
    from jukebox_gui.core.data.scan import scan
    from jukebox_gui.core.data.split import relative_name

    held = set((bundle.training.get("corpus") or {}).get("held_out_files") or [])
    sources = {n: r["source"] for n, r in bundle.training["styles"]["styles"].items()}
    train_x, held_x = {}, {}
    for name, source in sources.items():
        report = scan(source)
        corpus = tokenize_corpus(report, bundle.tokenizer)
        rows_t, rows_h, scores_t, scores_h = [], [], [], []
        for path, seq in zip(corpus.paths, corpus.sequences):
            score = bundle.tokenizer.decode([int(t) for t in seq])
            if score.note_count == 0:
                continue
            key = f"{name}/{relative_name(path, report.folder)}"
            (rows_h if key in held else rows_t).append(_features(score))
            (scores_h if key in held else scores_t).append(score)
        train_x[name], held_x[name] = np.array(rows_t), np.array(rows_h)
        if scores is not None:
            scores[name] = (scores_t, scores_h)
    return train_x, held_x


def _takes(bundle, style: str | None, count: int, bars: int) -> list[Any]:
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    out = []
    for seed in range(1, count + 1):
        take = generate(bundle, GenerationConfig(bars=bars, seed=seed, style=style))
        out.append(take)
    return out


BLEND_WEIGHTS = (0.7, 0.5, 0.3)  # of irish; bach has the rest


def blend_curve(bundle, clf: Classifier, labels: list[str], count: int, bars: int) -> dict[str, dict]:
    """Per blend ``irish=w,bach=1-w``: the classifier's mean P(irish) of its takes, the share it
    calls Irish, and the takes' median texture (a fiddle tune has 1 voice and ~6 notes a bar, a
    chorale 4 voices and ~17): a blend that follows its weights moves between the two."""
    from jukebox_gui.core.music.features import piece_features

    out = {}
    for w in BLEND_WEIGHTS:
        spec = f"irish={w:g},bach={1 - w:.1f}"
        made = _takes(bundle, spec, count, bars)
        feats = np.array([_features(t.score) for t in made])
        p = clf.probs(feats)[:, labels.index("irish")]
        texture = [piece_features(t.score) for t in made]
        out[spec] = {"p_irish": round(float(p.mean()), 3), "called_irish": float((p > 0.5).mean()),
                     "polyphony_median": round(float(np.median([f["polyphony"] for f in texture])), 3),
                     "notes_per_bar_median": round(float(np.median([f["notes_per_bar"] for f in texture])), 3),
                     "on_the_fiddle": float(np.mean([t.report["instruments"]["programs"] == [40] for t in made]))}
        _say(f"blend {spec}: {out[spec]}")
    return out


def two_style_part(work: Path, budget: float, takes: int, bars: int) -> dict:
    from jukebox_gui.core.ml.bundle import load_bundle

    out = work / "two-styles"
    run = _train([f"{s}=demo:{s}" for s in STYLES], out, budget)
    bundle = load_bundle(out)
    scores: dict[str, tuple[list, list]] = {}
    train_x, held_x = _corpus_features(bundle, scores)
    labels = list(train_x)
    x = np.concatenate([train_x[n] for n in labels])
    y = np.concatenate([np.full(len(train_x[n]), i) for i, n in enumerate(labels)])
    clf = Classifier(labels).fit(x, y)
    hx = np.concatenate([held_x[n] for n in labels])
    hy = np.concatenate([np.full(len(held_x[n]), i) for i, n in enumerate(labels)])
    result: dict[str, Any] = {"classifier_heldout_accuracy": float((clf.predict(hx) == hy).mean()),
                              "classifier_train_accuracy": float((clf.predict(x) == y).mean())}
    timings = []
    for i, name in enumerate(labels):
        t0 = time.perf_counter()
        made = _takes(bundle, name, takes, bars)
        timings.append((time.perf_counter() - t0) / max(1, len(made)))
        feats = np.array([_features(t.score) for t in made])
        called = clf.predict(feats)
        result[f"style_accuracy_{name}"] = float((called == i).mean())
        result[f"quality_ratio_{name}"] = _quality_ratio([t.score for t in made], *scores[name])
        result[f"takes_{name}"] = {"count": len(made),
                                   "programs": sorted({p for t in made for p in t.report["instruments"]["programs"]}),
                                   "time_signatures": sorted({s for t in made for s in t.report["time_signatures"]}),
                                   "open_with_style_token": all(t.tokens[0] == bundle.tokenizer.style_ids[name]
                                                                for t in made),
                                   "style_check_ok": float(np.mean([t.report["style"]["ok"] for t in made]))}
    result["blend_curve"] = blend_curve(bundle, clf, labels, max(4, takes // 2), bars)
    result["blend_50_50_called_irish"] = result["blend_curve"]["irish=0.5,bach=0.5"]["called_irish"]
    result["seconds_per_take"] = round(float(np.mean(timings)), 2)
    result["pitch_nll"] = {n: _pitch_nll(run["training"], n) for n in labels}
    result["pitch_ngram_nll"] = {n: ((run["training"]["melody"] or {}).get("styles", {}).get(n) or {}).get(
        "pitch_ngram_nll") for n in labels}
    result["shares"] = {n: r["share"] for n, r in run["training"]["styles"]["styles"].items()}
    result["natural_shares"] = {n: r["natural_share"] for n, r in run["training"]["styles"]["styles"].items()}
    result["epochs"], result["wall_s"] = run["epochs"], run["wall_s"]
    result["optimizer_iterations"] = run["optimizer_iterations"]
    return result


def single_part(work: Path, budget: float, takes: int, bars: int) -> dict:
    from benchmarks.quality import split_files
    from jukebox_gui.core.ml.bundle import load_bundle

    out: dict[str, Any] = {}
    for name in STYLES:
        run = _train(f"demo:{name}", work / f"single-{name}", budget)
        out[f"single_pitch_nll_{name}"] = _pitch_nll(run["training"])
        out[f"single_optimizer_iterations_{name}"] = run["optimizer_iterations"]
        out[f"single_wall_s_{name}"] = run["wall_s"]
        bundle = load_bundle(work / f"single-{name}")
        train, held = split_files(bundle, f"demo:{name}")
        out[f"single_quality_ratio_{name}"] = _quality_ratio([t.score for t in _takes(bundle, None, takes, bars)],
                                                             [s for _, s in train], [s for _, s in held])
    return out


def versus_single(out: dict) -> dict:
    """The two-style model's figures over the one-style models' (``quality_vs_single_<style>``,
    ``nll_vs_single_<style>``)."""
    ratios: dict[str, Any] = {}
    for name in STYLES:
        mine, single = (out.get("pitch_nll") or {}).get(name), out.get(f"single_pitch_nll_{name}")
        ratios[f"nll_vs_single_{name}"] = mine / single if mine and single else None
        mine, single = out.get(f"quality_ratio_{name}"), out.get(f"single_quality_ratio_{name}")
        ratios[f"quality_vs_single_{name}"] = round(mine / single, 4) if mine and single else None
    return ratios


def small_part(work: Path, budget: float, files: int) -> dict:
    from jukebox_gui.core.demo import demo_corpus_dir

    small = work / "smallbach"
    if not small.exists():
        small.mkdir(parents=True)
        for f in sorted(demo_corpus_dir("bach").glob("*.mid"))[:files]:
            shutil.copy(f, small / f.name)
    beside = _train(["irish=demo:irish", f"smallbach={small}"], work / "small-beside-irish", budget)
    alone = _train(str(small), work / "small-alone", budget)
    a, b = _pitch_nll(beside["training"], "smallbach"), _pitch_nll(alone["training"])
    return {"small_style_pitch_nll_beside_irish": a, "small_style_pitch_nll_alone": b,
            "small_style_nll_vs_alone": a / b if a and b else None,
            "small_style_share": beside["training"]["styles"]["styles"]["smallbach"]["share"],
            "small_style_natural_share": beside["training"]["styles"]["styles"]["smallbach"]["natural_share"],
            "small_style_heldout_files": beside["training"]["styles"]["styles"]["smallbach"]["val_pieces"]}


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks styles")
    parser.add_argument("--time-budget", type=float, default=240.0, help="seconds of training per model")
    parser.add_argument("--takes", type=int, default=20, help="takes per style")
    parser.add_argument("--bars", type=int, default=8)
    parser.add_argument("--small-files", type=int, default=30)
    parser.add_argument("--skip-single", action="store_true")
    parser.add_argument("--skip-small", action="store_true")
    parser.add_argument("--singles-first", action="store_true",
                        help="train the one-style models before the two-style one (a check on the order)")
    parser.add_argument("--work", help="folder for the bundles (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.perf_counter()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="jukebox-styles-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        out: dict[str, Any] = {"time_budget_s": args.time_budget, "takes_per_style": args.takes, "bars": args.bars,
                               "order": "one-style models first" if args.singles_first else "two-style model first"}
        singles = lambda: ({"nll_vs_single": "skipped (--skip-single)"} if args.skip_single  # noqa: E731
                           else single_part(work, args.time_budget, args.takes, args.bars))
        if args.singles_first:
            out.update(singles())
            _say(json.dumps(out))
        out.update(two_style_part(work, args.time_budget, args.takes, args.bars))
        _say(json.dumps(out))
        if not args.singles_first:
            out.update(singles())
        if not args.skip_single:
            out.update(versus_single(out))
        _say(json.dumps(out))
        out.update({"small_style_nll_vs_alone": "skipped (--skip-small)"} if args.skip_small
                   else small_part(work, args.time_budget, args.small_files))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    out["wall_s"] = round(time.perf_counter() - started, 1)
    out["targets"] = {"style_accuracy_irish": ">= 0.9", "style_accuracy_bach": ">= 0.9",
                      "quality_vs_single_<style>": ">= 0.95", "nll_vs_single_<style>": "lower is better",
                      "small_style_nll_vs_alone": "< 1"}
    return out
