"""`jukebox corpus`: the demo corpora (``list``, ``demo NAME --out DIR``)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("corpus", help="demo corpora built from music21's bundled corpus",
                                   description="Demo MIDI corpora (built on first use, then cached).")
    sub = parser.add_subparsers(dest="corpus_command", metavar="ACTION")
    listing = sub.add_parser("list", help="list the demo corpora")
    listing.set_defaults(func=_list)
    demo = sub.add_parser("demo", help="write a demo corpus as .mid files",
                          description="Write a demo corpus (irish, bach) as .mid files into a folder.")
    demo.add_argument("name", metavar="NAME", help="demo corpus name (see `jukebox corpus list`)")
    demo.add_argument("--out", required=True, metavar="DIR", help="folder to write the .mid files into")
    demo.set_defaults(func=_demo)
    parser.set_defaults(func=lambda args: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _list(args: argparse.Namespace) -> int:
    from ..core.demo import DEMO_CORPORA, DEMO_PREFIX

    width = max(len(name) for name in DEMO_CORPORA)
    for name, description in DEMO_CORPORA.items():
        print(f"{name.ljust(width)}  {description}  (use as {DEMO_PREFIX}{name})")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ..core.demo import write_demo
    from .progressbar import ProgressBar

    bar = ProgressBar(label=f"demo {args.name}")
    try:
        result = write_demo(args.name, args.out, progress=bar)
    finally:
        bar.close()
    print(f"wrote {result.written} files to {result.folder} ({result.skipped} skipped)")
    return 0
