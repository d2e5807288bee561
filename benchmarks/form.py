"""Bar repetition of takes by song form against the corpus's interquartile range (issue 17).

    python -m benchmarks form [--model builtin:irish --model builtin:bach] [--form AABB]
                              [--section-bars 8] [--takes 10] [--plain-takes 10] [--seed 1]

Per model: ``--takes`` takes ``--form FORM --section-bars N`` with default generation settings
(style check and originality guard on; seeds ``--seed`` ..), and ``--plain-takes`` plain takes of
as many bars for comparison; each take's bar repetition (core.music.metrics.bar_repetition) both
**as heard** (the MIDI, every repeat played out) and **as written** (the score the MusicXML export
writes: each section once, a repeat as repeat barlines and endings), next to the same figure over
the model's demo corpus files (p25/p50/p75 of all files, read as they are: their repeats are not
played out). ``in_iqr``: the share of takes inside the corpus's p25-p75. One JSON line last.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

CORPUS_OF = {"builtin:irish": "irish", "builtin:bach": "bach"}


def _corpus_repetition(name: str) -> list[float]:
    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.music.metrics import bar_repetition
    from jukebox_gui.core.music.midi_io import read_midi

    return [bar_repetition(read_midi(f)) for f in sorted(demo_corpus_dir(name).glob("*.mid"))]


def _summary(values: list[float], low: float, high: float) -> dict:
    if not values:
        return {}
    arr = np.asarray(values, dtype=float)
    return {"median": round(float(np.median(arr)), 3), "p25": round(float(np.percentile(arr, 25)), 3),
            "p75": round(float(np.percentile(arr, 75)), 3),
            "in_iqr": round(float(np.mean((arr >= low - 1e-9) & (arr <= high + 1e-9))), 3),
            "values": [round(float(v), 3) for v in arr]}


def measure(model: str, form: str, section_bars: int, takes: int, plain_takes: int, seed: int) -> dict:
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    corpus = _corpus_repetition(CORPUS_OF.get(model, "irish"))
    low, high = (float(np.percentile(corpus, q)) for q in (25, 75))
    bundle = load_bundle(model)
    heard, written, plain, seconds, attempts = [], [], [], [], []
    config = GenerationConfig(form=form, section_bars=section_bars).validate()
    bars = sum(s.bars for s in config.form_plan())
    for k in range(takes):
        t0 = time.perf_counter()
        take = generate(bundle, GenerationConfig(form=form, section_bars=section_bars, seed=seed + k))
        seconds.append(time.perf_counter() - t0)
        attempts.append(take.report["attempts_made"])
        heard.append(take.report["metrics"]["bar_repetition"])
        written.append(take.report["form"]["written"]["metrics"]["bar_repetition"])
    for k in range(plain_takes):
        take = generate(bundle, GenerationConfig(bars=bars, seed=seed + k))
        plain.append(take.report["metrics"]["bar_repetition"])
    return {"form": form, "section_bars": section_bars, "bars": bars, "takes": takes,
            "corpus": {"files": len(corpus), "p25": round(low, 3), "p50": round(float(np.median(corpus)), 3),
                       "p75": round(high, 3)},
            "heard": _summary(heard, low, high), "written": _summary(written, low, high),
            "plain": _summary(plain, low, high),
            "seconds_per_take": round(float(np.median(seconds)), 2) if seconds else None,
            "attempts_per_take": round(float(np.mean(attempts)), 2) if attempts else None}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks form", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="a model (repeatable; default both built-ins)")
    parser.add_argument("--form", default="AABB")
    parser.add_argument("--section-bars", type=int, default=8)
    parser.add_argument("--takes", type=int, default=10)
    parser.add_argument("--plain-takes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    started = time.perf_counter()
    models = args.model or ["builtin:irish", "builtin:bach"]
    result: dict = {"benchmark": "form", "models": {}}
    for model in models:
        out = measure(model, args.form, args.section_bars, args.takes, args.plain_takes, args.seed)
        result["models"][model] = out
        short = model.split(":")[-1]
        result[f"bar_repetition_heard_in_iqr_{short}"] = out["heard"].get("in_iqr")
        result[f"bar_repetition_written_in_iqr_{short}"] = out["written"].get("in_iqr")
        print(f"{model}: --form {args.form} --section-bars {args.section_bars}: bar repetition heard "
              f"{out['heard'].get('median')}, written {out['written'].get('median')}, plain "
              f"{out['plain'].get('median')}; corpus IQR {out['corpus']['p25']}..{out['corpus']['p75']}",
              file=sys.stderr)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
