"""`jukebox models list|delete`: the models in the user's models folder."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="list or delete trained models",
                                   description="Models trained with `jukebox train --out NAME` live in the "
                                               "user's models folder.")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION")
    listing = sub.add_parser("list", help="list the trained models")
    listing.set_defaults(func=_list)
    delete = sub.add_parser("delete", help="delete a trained model")
    delete.add_argument("name", metavar="NAME", help="model name (see `jukebox models list`)")
    delete.set_defaults(func=_delete)
    parser.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    from ..core.ml.bundle import list_bundles
    from ..core.paths import models_dir

    found = list_bundles()
    if not found:
        print(f"no models in {models_dir()} (train one with `jukebox train CORPUS --out NAME`)")
        return 0
    width = max(len(info.name) for info in found)
    for info in found:
        status = "" if info.ok else f"  [{info.problem}]"
        print(f"{info.name.ljust(width)}  {info.arch:<12} {info.preset:<7} {info.size_bytes / 1e6:6.1f} MB  "
              f"{info.created}{status}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from ..core.ml.bundle import delete_bundle

    path = delete_bundle(args.name)
    print(f"deleted {path}")
    return 0
