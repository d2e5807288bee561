"""Bar repetition of takes by song form against the corpus's interquartile range (issue 17).

    python -m benchmarks form [--model builtin:irish --model builtin:bach] [--form AABB]
                              [--section-bars 8] [--takes 10] [--plain-takes 10] [--seed 1]
                              [--fill]

Per model: ``--takes`` takes ``--form FORM --section-bars N`` with default generation settings
(style check and originality guard on; seeds ``--seed`` ..), and ``--plain-takes`` plain takes of
as many bars for comparison; each take's bar repetition (core.music.metrics.bar_repetition) both
**as heard** (the MIDI, every repeat played out) and **as written** (the score the MusicXML export
writes: each section once, a repeat as repeat barlines and endings), next to the same figure over
the model's demo corpus files (p25/p50/p75 of all files, read as they are: their repeats are not
played out). ``in_iqr``: the share of takes inside the corpus's p25-p75. One JSON line last.

``--fill`` (a form with a section to fill, e.g. ``--form AABA``): each take is made again with
``--fill-sections`` (same seed) and every section the fill made is measured in both takes, filled
and continued: its style metrics (the share inside the corpus's p10-p90, bar repetition) and its
seams, the interval in semitones from the last note before the section to its first note and from
its last note to the first note after it (the corpus's median mean melodic interval beside them).
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


def _seam(score, beat: float) -> float | None:
    """Semitones from the last note starting before ``beat`` (its highest) to the first after it."""
    notes = [n for t in score.tracks if not t.is_drum for n in t.notes]
    before = [n for n in notes if n.start < beat - 1e-9]
    after = [n for n in notes if n.start >= beat - 1e-9]
    if not before or not after:
        return None
    last = max(before, key=lambda n: (n.start, n.pitch))
    first = min(after, key=lambda n: (n.start, -n.pitch))
    return float(abs(first.pitch - last.pitch))


def _section_figures(take, index: int, profile: dict) -> dict:
    from jukebox_gui.core.ml.take_checks import STYLE_METRICS
    from jukebox_gui.core.music.metrics import compare_to_profile, score_metrics

    section = take.report["form"]["sections"][index]
    score = take.score
    lines = score.bar_starts(score.end_beat + 1e-6)
    while len(lines) <= section["first_bar"] + section["bars"]:
        lines.append(lines[-1] + score.time_signature_at(lines[-1]).bar_beats)
    start, end = lines[section["first_bar"]], lines[section["first_bar"] + section["bars"]]
    part = score.slice_beats(start, end)
    metrics = score_metrics(part) if part.note_count else {}
    verdicts = compare_to_profile({k: v for k, v in metrics.items() if k in STYLE_METRICS}, profile)
    return {"style_in_range": (sum(v == "in range" for v in verdicts.values()) / len(verdicts)) if verdicts else None,
            "bar_repetition": metrics.get("bar_repetition"), "seam_in": _seam(score, start), "seam_out": _seam(score, end)}


def _median(rows: list[dict], key: str) -> float | None:
    """The median of ``key`` over the sections (the mean for a share)."""
    values = [r[key] for r in rows if r.get(key) is not None]
    average = np.mean if key == "style_in_range" else np.median
    return round(float(average(values)), 3) if values else None


def measure_fill(bundle, form: str, section_bars: int, takes: int, seed: int) -> dict:
    """Sections the fill made, measured filled and continued (the same seeds)."""
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    profile = (getattr(bundle, "extras", None) or {}).get("corpus_metrics") or {}
    rows: dict[str, list[dict]] = {"filled": [], "continued": []}
    partial = messages = 0
    seconds: dict[str, list[float]] = {"filled": [], "continued": []}
    for k in range(takes):
        made = {}
        for mode, fill in (("continued", False), ("filled", True)):
            t0 = time.perf_counter()
            made[mode] = generate(bundle, GenerationConfig(form=form, section_bars=section_bars, seed=seed + k,
                                                           form_fill=fill))
            seconds[mode].append(time.perf_counter() - t0)
        messages += bool(made["filled"].report["form"]["fill_message"])
        for index, section in enumerate(made["filled"].report["form"]["sections"]):
            if section.get("made") == "filled":
                partial += section["filled_bars"] < section["bars"]
                for mode in rows:
                    rows[mode].append(_section_figures(made[mode], index, profile))
    band = profile.get("mean_abs_interval") or {}
    return {"sections": len(rows["filled"]), "partly_filled": partial, "takes_with_a_message": messages,
            "corpus_mean_abs_interval_p50": band.get("p50"),
            **{mode: {key: _median(rows[mode], key) for key in ("style_in_range", "bar_repetition", "seam_in",
                                                                  "seam_out")}
                      | {"seconds_per_take": round(float(np.median(seconds[mode])), 2) if seconds[mode] else None}
               for mode in rows}}


def measure(model: str, form: str, section_bars: int, takes: int, plain_takes: int, seed: int,
            fill: bool = False) -> dict:
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
    extra = {"fill": measure_fill(bundle, form, section_bars, takes, seed)} if fill else {}
    return {**extra, "form": form, "section_bars": section_bars, "bars": bars, "takes": takes,
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
    parser.add_argument("--fill", action="store_true",
                        help="also measure the sections --fill-sections fills, filled vs continued")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    started = time.perf_counter()
    models = args.model or ["builtin:irish", "builtin:bach"]
    result: dict = {"benchmark": "form", "models": {}}
    for model in models:
        out = measure(model, args.form, args.section_bars, args.takes, args.plain_takes, args.seed, args.fill)
        result["models"][model] = out
        short = model.split(":")[-1]
        result[f"bar_repetition_heard_in_iqr_{short}"] = out["heard"].get("in_iqr")
        result[f"bar_repetition_written_in_iqr_{short}"] = out["written"].get("in_iqr")
        print(f"{model}: --form {args.form} --section-bars {args.section_bars}: bar repetition heard "
              f"{out['heard'].get('median')}, written {out['written'].get('median')}, plain "
              f"{out['plain'].get('median')}; corpus IQR {out['corpus']['p25']}..{out['corpus']['p75']}",
              file=sys.stderr)
        if args.fill:
            fill = out["fill"]
            result[f"fill_style_in_range_{short}"] = fill["filled"]["style_in_range"]
            result[f"continued_style_in_range_{short}"] = fill["continued"]["style_in_range"]
            print(f"{model}: {fill['sections']} sections filled vs continued: seams in/out "
                  f"{fill['filled']['seam_in']}/{fill['filled']['seam_out']} vs "
                  f"{fill['continued']['seam_in']}/{fill['continued']['seam_out']} semitones, style in range "
                  f"{fill['filled']['style_in_range']} vs {fill['continued']['style_in_range']}", file=sys.stderr)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
