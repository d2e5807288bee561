"""Build time of the demo corpora from scratch (a temp JUKEBOX_HOME), then the cached call."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> dict:
    names = argv or ["irish", "bach"]
    result: dict = {"cpus": os.cpu_count()}
    old_home = os.environ.get("JUKEBOX_HOME")
    with tempfile.TemporaryDirectory(prefix="jukebox-bench-") as home:
        os.environ["JUKEBOX_HOME"] = home
        try:
            from jukebox_gui.core import demo

            total = 0.0
            for name in names:
                started = time.perf_counter()
                folder = demo.demo_corpus_dir(name)
                seconds = time.perf_counter() - started
                total += seconds
                manifest = json.loads((folder / demo.MANIFEST).read_text())
                started = time.perf_counter()
                demo.demo_corpus_dir(name)
                cached = time.perf_counter() - started
                started = time.perf_counter()
                copied = demo.write_demo(name, Path(home) / "out" / name)
                copy_seconds = time.perf_counter() - started
                result[name] = {
                    "files": len(manifest["files"]), "skipped": len(manifest["skipped"]),
                    "build_s": round(seconds, 2), "tunes_per_s": round(len(manifest["files"]) / seconds, 1),
                    "cached_lookup_s": round(cached, 4), "write_demo_s": round(copy_seconds, 2),
                    "written": copied.written,
                }
            result["total_build_s"] = round(total, 2)
        finally:
            if old_home is None:
                os.environ.pop("JUKEBOX_HOME", None)
            else:
                os.environ["JUKEBOX_HOME"] = old_home
    return result
