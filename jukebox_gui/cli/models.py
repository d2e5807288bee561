"""`jukebox models list|delete|builtin`: the models in the user's models folder, and the built-in ones."""

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
    builtin = sub.add_parser("builtin", help="list the built-in models, or retrain them (`make demo-models`)",
                             description="The built-in models (builtin:NAME) are trained by `jukebox train` from "
                                         "the demo corpora; --retrain trains them again (several minutes each) "
                                         "and records how in each bundle's provenance.json.")
    builtin.add_argument("--retrain", action="store_true", help="train them again")
    builtin.add_argument("names", nargs="*", metavar="NAME", help="which ones (default: all)")
    builtin.set_defaults(func=_builtin)
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


def _builtin(args: argparse.Namespace) -> int:
    import json

    from ..core.errors import BundleError
    from ..core.ml.builtin_models import BUILTIN_MODELS, available_builtins, retrain

    unknown = sorted(set(args.names) - set(BUILTIN_MODELS))
    if unknown:
        raise BundleError(f"unknown built-in model {', '.join(unknown)} (built-in models: {', '.join(sorted(BUILTIN_MODELS))})")
    if not args.retrain:
        for name, folder in sorted(available_builtins().items()):
            if not args.names or name in args.names:
                print(f"builtin:{name}\t{folder}")
        return 0
    for name in args.names or sorted(BUILTIN_MODELS):
        print(json.dumps(retrain(name)), flush=True)
    return 0


def _delete(args: argparse.Namespace) -> int:
    from ..core.ml.bundle import delete_bundle

    path = delete_bundle(args.name)
    print(f"deleted {path}")
    return 0
