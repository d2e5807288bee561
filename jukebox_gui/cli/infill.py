"""`jukebox infill TAKE.mid --bars 5-8 --model M --out NEW.mid`: regenerate bars of a piece;
`jukebox infill TAKE.mid --tracks bass --model M --out NEW.mid`: regenerate one instrument.

With ``--bars`` alone the bars outside the selection stay exactly as they were; the model reads
the music on both sides of the gap (a model trained with bar infilling: see ``core.ml.infill``).
With ``--tracks`` the named instruments are written anew under the others, which stay note for
note (``core.ml.track_fill``); ``--bars`` then limits the new notes to those bars. ``--variants N``
writes N versions (NEW.mid, NEW-2.mid, ...), each with its JSON report beside it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.ml.generation import GenerationConfig  # light: TensorFlow loads only when bars are filled
from ..core.ml.model_defaults import DEFAULT_TEMPERATURE

_DEFAULTS = GenerationConfig()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "infill", help="regenerate bars of a piece, or one instrument of it, keeping the rest",
        description="Regenerate bars of a MIDI file (a take or any piece) with a model that can fill a gap: "
                    "the music before and after the selection stays exactly as it was and is the model's "
                    "context. With --tracks, the named instruments are written anew under the others, which stay "
                    "note for note. Writes the new piece as MIDI with a JSON report beside it.")
    parser.add_argument("take", metavar="TAKE.mid", help="the MIDI file whose bars to regenerate")
    parser.add_argument("--bars", metavar="FIRST-LAST",
                        help="the bars to regenerate, counted from 1, e.g. 5-8 (or one bar: 5)")
    parser.add_argument("--tracks", metavar="NAMES",
                        help="regenerate these instruments under the others, e.g. bass, drums, 2 (track "
                             "number) or \"fingered bass\"; comma-separated; with --bars, only in those bars")
    parser.add_argument("--model", required=True, metavar="MODEL",
                        help="a model bundle folder, a model name in your models folder, or builtin:NAME")
    parser.add_argument("--out", required=True, metavar="NEW.mid", help="the MIDI file to write")
    parser.add_argument("--seed", type=int, metavar="S", help="random seed (default: a new one, printed and recorded)")
    parser.add_argument("--variants", type=int, default=1, metavar="N",
                        help="write N versions: NEW.mid, NEW-2.mid, ... (default 1)")
    parser.add_argument("--temperature", type=float, default=None, metavar="T",
                        help=f"randomness (default: the model's suggestion, else {DEFAULT_TEMPERATURE})")
    parser.add_argument("--top-p", type=float, default=_DEFAULTS.top_p, metavar="P",
                        help=f"nucleus sampling mass (1 = off; default {_DEFAULTS.top_p})")
    parser.add_argument("--quiet", action="store_true", help="print only the output paths")
    parser.set_defaults(func=run, parser=parser)


def variant_path(out: Path, index: int) -> Path:
    """NEW.mid for the first variant, NEW-2.mid, NEW-3.mid ... for the others."""
    return out if index == 0 else out.with_name(f"{out.stem}-{index + 1}{out.suffix}")


def _bars(count: int) -> str:
    return f"{count} bar" if count == 1 else f"{count} bars"


def run(args: argparse.Namespace) -> int:
    from ..core.errors import GenerationError, JukeboxError
    from ..core.ml.bundle import load_bundle
    from ..core.ml.generation import save_take
    from ..core.ml.infill import infill, parse_bars
    from ..core.ml.track_fill import select_tracks, track_fill
    from ..core.music.safe_read import read_midi_isolated

    out = Path(args.out)
    if out.suffix.lower() not in (".mid", ".midi"):
        raise GenerationError(f"--out should name a .mid file, got {args.out}")
    if not args.bars and not args.tracks:
        args.parser.error("say what to regenerate: --bars FIRST-LAST, --tracks NAMES, or both")
    bars = parse_bars(args.bars) if args.bars else None
    config = GenerationConfig(seed=args.seed, temperature=args.temperature, top_p=args.top_p).validate()
    path = Path(args.take).expanduser()
    try:
        score = read_midi_isolated(path)  # a user's file: parsed in a worker process, time-limited
    except JukeboxError as exc:
        raise GenerationError(f"cannot read {path.name}: {exc}") from exc
    tracks = select_tracks(score, args.tracks) if args.tracks else None
    bundle = load_bundle(args.model)
    if tracks is not None:
        takes = track_fill(bundle, score, tracks, config, bars=bars, variants=args.variants)
    else:
        takes = infill(bundle, score, bars[0], bars[1], config, variants=args.variants)
    for i, take in enumerate(takes):
        take.report["source"] = str(path)
        take.score.title = score.title or path.stem
        mid, report = save_take(take, variant_path(out, i))
        if tracks is not None:
            info = take.report["track_fill"]
            if not args.quiet:
                print(f"variant {info['variant']}: {', '.join(info['instruments'])} anew in bars "
                      f"{info['bars'][0]}-{info['bars'][1]}: {info['notes']} notes (were {info['old_notes']}), "
                      f"{info['kept_notes']} notes of the other tracks kept, seed {take.report['seed']}")
            print(f"wrote {mid} and {report}")
            continue
        info = take.report["infill"]
        if not args.quiet:
            print(f"variant {info['variant']}: bars {info['bars'][0]}-{info['bars'][1]} anew, {info['notes']} notes "
                  f"(context: {_bars(info['context_bars']['before'])} before, {_bars(info['context_bars']['after'])} "
                  f"after), "
                  f"seed {take.report['seed']}")
        print(f"wrote {mid} and {report}")
    return 0
