"""The `jukebox` command: every window action has a twin here. Printing happens only in cli/.

Each subcommand lives in its own module with ``register(subparsers)`` which adds a parser whose
``func(args) -> int`` runs it. Heavy imports (TensorFlow, music21) happen inside ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .. import __version__
from ..core.errors import JukeboxError

# subcommand modules, imported only to register their parsers (cheap imports only)
COMMANDS = ["corpus", "scan", "train", "generate", "infill", "render", "export", "models"]

log = logging.getLogger("jukebox.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jukebox",
        description="AI Jukebox: learn from a folder of MIDI files, generate new music, listen and export.",
    )
    parser.add_argument("--version", action="version", version=f"jukebox {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to the terminal")
    parser.set_defaults(func=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.func is None:
        parser.print_help()
        return 0
    from ..core.logs import setup_logging

    setup_logging(logging.DEBUG if args.verbose else logging.INFO, console=args.verbose)
    try:
        return int(args.func(args) or 0)
    except JukeboxError as exc:
        log.warning("%s failed: %s", args.command, exc)
        print(f"jukebox {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"jukebox {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
