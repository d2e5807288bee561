"""`jukebox generate BUNDLE --out TAKE.mid`: a new take, its report beside it, a metrics summary."""

from __future__ import annotations

import argparse
import sys

from ..core.ml.generation import GenerationConfig  # light: TensorFlow loads only when a take is made
from ..core.ml.model_defaults import DEFAULT_TEMPERATURE

_DEFAULTS = GenerationConfig()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate", help="generate a new piece (a take) from a trained model",
        description="Generate a take from a model bundle and write it as MIDI, with a JSON report "
                    "(bundle, settings, seed, metrics against the training corpus, originality, timing) "
                    "beside it. The same bundle, settings and --seed give a byte-identical file.")
    parser.add_argument("bundle", metavar="BUNDLE", help="a model bundle folder, or a model name in your models folder")
    parser.add_argument("--out", required=True, metavar="TAKE.mid", help="the MIDI file to write")
    length = parser.add_argument_group("length (the first of --notes, --seconds, --bars given wins)")
    length.add_argument("--bars", type=int, default=_DEFAULTS.bars, metavar="N",
                        help=f"bars to generate (default {_DEFAULTS.bars})")
    length.add_argument("--seconds", type=float, metavar="S", help="seconds to generate")
    length.add_argument("--notes", type=int, metavar="N", help="notes to generate")
    form = parser.add_argument_group("song form (instead of --bars)")
    form.add_argument("--form", metavar="FORM",
                      help="sections in order, e.g. AABB, ABAB, 'intro A A B A outro', 'verse chorus verse chorus'; "
                           "a name seen before repeats that section (same notes); digits after a name are its "
                           "bars (A8 B4, verse:8)")
    form.add_argument("--section-bars", type=int, default=_DEFAULTS.section_bars, metavar="N",
                      help=f"bars of a section without its own length (default {_DEFAULTS.section_bars}; "
                           "intro, outro, coda, tag and ending: half)")
    form.add_argument("--exact-repeats", dest="second_endings", action="store_false",
                      help="repeat sections exactly (default: a repeat's last bar is generated anew, "
                           "like a second ending)")
    form.add_argument("--fill-sections", dest="form_fill", action="store_true",
                      help="fill a new section that comes before a repeat of an earlier one (the B of ABA) "
                           "between its neighbours, with the music after it in view, instead of continuing "
                           "it (a model trained with bar infilling; others continue, and say so)")
    sampling = parser.add_argument_group("sampling")
    sampling.add_argument("--temperature", type=float, default=None, metavar="T",
                          help="randomness: lower is safer, higher is wilder; 0 = always the likeliest "
                               f"(default: the model's suggestion, else {DEFAULT_TEMPERATURE})")
    sampling.add_argument("--top-k", type=int, default=_DEFAULTS.top_k, metavar="K",
                          help="sample among the K likeliest tokens (0 = off)")
    sampling.add_argument("--top-p", type=float, default=_DEFAULTS.top_p, metavar="P",
                          help=f"nucleus sampling mass (1 = off; default {_DEFAULTS.top_p})")
    sampling.add_argument("--repetition-penalty", type=float, default=_DEFAULTS.repetition_penalty, metavar="R",
                          help=f"make recently used pitches less likely (1 = off; default {_DEFAULTS.repetition_penalty})")
    sampling.add_argument("--seed", type=int, metavar="S", help="random seed (default: a new one, printed and recorded)")
    music = parser.add_argument_group("music")
    music.add_argument("--primer", metavar="FILE.mid", help="continue the opening of this MIDI file (or demo:irish/FILE.mid)")
    music.add_argument("--primer-bars", type=int, default=2, metavar="N", help="bars of the primer to continue (default 2)")
    music.add_argument("--tempo", type=float, metavar="BPM", help="tempo of the take")
    music.add_argument("--program", type=int, metavar="P", help="General MIDI instrument 0..127 for every pitched part")
    music.add_argument("--instruments", metavar="LIST|N",
                       help="the take's instruments, from those the model has seen: names or families "
                            "(piano,bass,drums; \"fingered bass\"; p33 for a program number) or a count (3); "
                            "default: the band of one corpus piece")
    music.add_argument("--style", metavar="NAME|BLEND",
                       help="for a model of several styles: one style (irish) or a blend of them "
                            "(irish=0.7,bach=0.3); default: all of the model's styles, equal weights")
    music.add_argument("--max-copy-bars", type=float, default=2.0, metavar="B",
                       help="longest stretch that may match a training file before the take is regenerated (default 2)")
    music.add_argument("--no-style-check", dest="style_check", action="store_false",
                       help="keep the first take even when its style metrics leave the corpus range")
    parser.add_argument("--report", metavar="TAKE.json", help="where to write the report (default: beside the MIDI)")
    parser.add_argument("--quiet", action="store_true", help="print only the output paths")
    parser.set_defaults(func=run)


def _config(args: argparse.Namespace) -> GenerationConfig:
    if args.form_fill and not args.form:
        from ..core.errors import GenerationError

        raise GenerationError("--fill-sections fills sections of a --form (e.g. --form ABA)")
    return GenerationConfig(
        bars=args.bars, seconds=args.seconds, notes=args.notes, temperature=args.temperature, top_k=args.top_k,
        top_p=args.top_p, repetition_penalty=args.repetition_penalty, seed=args.seed, primer=args.primer,
        primer_bars=args.primer_bars, tempo=args.tempo, program=args.program, instruments=args.instruments,
        max_copy_bars=args.max_copy_bars, style_check=args.style_check, form=args.form or None, section_bars=args.section_bars,
        second_endings=args.second_endings, form_fill=args.form_fill, style=args.style,
    ).validate()


def summary(report: dict) -> list[str]:
    """A few lines for a terminal: length, seed, metrics against the corpus range, originality."""
    length = report["length"]
    lines = [f"seed {report['seed']} | {length['bars']} bars, {length['notes']} notes, {length['seconds']:.1f} s"
             f" | {report['timing']['tokens_per_second']:.0f} tokens/s"]
    ranges, verdicts = report.get("corpus_range", {}), report.get("verdicts", {})
    for name, value in report["metrics"].items():
        if name == "longest_copy_bars":
            continue
        band = ranges.get(name)
        where = f"  corpus {band['p10']:.2f}..{band['p90']:.2f}  {verdicts.get(name, '')}" if band else ""
        lines.append(f"  {name:<24}{value:>8.2f}{where}")
    form = report.get("form")
    if form:
        mark = {"copied": "*", "filled": "~"}
        lines.append("  form: " + " ".join(
            f"{s['name']}{mark.get(s.get('made'), '*' if s['is_repeat'] else '')}"
            f"({s['first_bar'] + 1}-{s['first_bar'] + s['bars']})" for s in form["sections"])
            + "  (* a repeat" + (", ~ filled between its neighbours" if form.get("fill_sections") else "") + ")")
        if form.get("fill_message"):
            lines.append(f"  fill sections: {form['fill_message']}")
    originality = report["originality"]
    if not originality.get("checked"):
        lines.append("  originality: not checked (the bundle has no originality index)")
    else:
        flag = "ok" if originality["ok"] else f"OVER THE {originality['limit_bars']:g}-BAR LIMIT"
        lines.append(f"  longest copy: {originality['message']} [{flag}]")
    styles = report.get("styles")
    if styles:
        blend = ", ".join(f"{n} {w:.0%}" for n, w in styles["styles"].items())
        lines.append(f"  style: {blend} " + (f"(palette of {styles['palette_of']})" if styles["palette_of"] != "blend"
                                              else "(palettes blended: their metres and tempos, one's instruments)"))
    style = report.get("style") or {}
    if style.get("checked"):
        tries = f" (attempt {report['attempt']} of {report['attempts_made']})" if report["attempts_made"] > 1 else ""
        verdict = "in the corpus range" if style["ok"] else "outside the corpus range: " + ", ".join(style["out_of_range"])
        lines.append(f"  style: {verdict}{tries}")
    return lines


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..core.ml.bundle import load_bundle
    from ..core.ml.generation import generate, save_take
    from .progressbar import ProgressBar

    config = _config(args)
    if Path(args.out).suffix.lower() not in (".mid", ".midi"):
        from ..core.errors import GenerationError

        raise GenerationError(f"--out should name a .mid file, got {args.out}")
    bundle = load_bundle(args.bundle)
    take = generate(bundle, config, progress=None if args.quiet else ProgressBar(label="generate"))
    mid, report = save_take(take, args.out, args.report)
    if not args.quiet:
        for line in summary(take.report):
            print(line)
    print(f"wrote {mid} and {report}")
    if (take.report.get("form") or {}).get("fill_message"):
        print(f"jukebox generate: --fill-sections: {take.report['form']['fill_message']}", file=sys.stderr)
    if not take.report["originality"]["ok"]:
        print(f"jukebox generate: warning: {take.report['originality']['message']}", file=sys.stderr)
    return 0
