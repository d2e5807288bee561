from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

# long runs, left out of `all` (run them on their own): fuzz (10,000 files), soak (200 window cycles),
# big_corpus (20,000 files, ~27 min), multitrack and styles (they train models: 15-20 min each)
LONG = ("fuzz", "soak", "big_corpus", "multitrack", "styles")


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def run(name: str, argv: list[str]) -> dict:
    module = importlib.import_module(f"benchmarks.{name}")
    return module.main(argv)


def main() -> int:
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m benchmarks NAME [ARGS] | all\navailable:", ", ".join(available()))
        return 0
    name, rest = args[0], args[1:]
    if name == "all":
        results = {}
        for bench in available():
            if bench in LONG:
                continue
            print(f"== {bench}", file=sys.stderr, flush=True)
            results[bench] = run(bench, rest)
            print(json.dumps(results[bench]), flush=True)
        print(json.dumps(results))
        return 0
    if name not in available():
        print(f"unknown benchmark {name!r}; available: {', '.join(available())}", file=sys.stderr)
        return 2
    print(json.dumps(run(name, rest)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
