"""Ingest speed: `scan` (cold and warm cache) against the seed's music21 method, same folder, same run.

The folder holds 1,000 files: the demo corpora (irish + bach) copied until there are 1,000 (each
copy made unique by one extra byte of padding after the last track, so no duplicate is skipped).

Cold cache means every file is read and parsed. Like the seed's figure, measured with music21
already imported, ``files_per_s_cold`` is the steady state: the parser processes already up, as in
the window (it starts them at launch, ``app.workers.preload.warm_up_parsers``); the median of 3 cold
scans. ``files_per_s_cold_fresh_process`` is the first scan in a fresh interpreter, including
starting the parser processes (~0.15 s on 2 cores: a `jukebox scan` in a new shell); it is
compared with the seed's files/s too (``ingest_speedup_fresh_process``) and with the seed's own
start-up included (``seed_import_s``: music21's import in a fresh interpreter).
The seed method (music21 ``converter.parse`` + ``instrument.partitionByInstrument`` + note/chord
names) runs on a subset (30 files) and is compared per file.
Usage: python -m benchmarks ingest [--files 1000] [--seed-files 30] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _source_files() -> list[Path]:
    from jukebox_gui.core import paths

    files: list[Path] = []
    for name in ("irish", "bach"):
        folder = paths.data_dir() / "demo" / name
        if not (folder / "manifest.json").exists():
            try:
                from jukebox_gui.core.demo import demo_corpus_dir

                folder = demo_corpus_dir(name)
            except Exception:  # noqa: BLE001 - no demo builder in this build: fall back below
                continue
        files += sorted(folder.glob("*.mid"))
    if not files:
        import music21

        files = sorted((Path(music21.__file__).parent / "midi" / "testPrimitive").glob("*.mid"))
    return files


def _build_folder(target: Path, sources: list[Path], count: int) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        src = sources[i % len(sources)]
        data = src.read_bytes()
        copy_no = i // len(sources)
        if copy_no:  # an unknown chunk after the tracks: valid MIDI, different content hash
            data += b"XPAD" + (4).to_bytes(4, "big") + copy_no.to_bytes(4, "big")
        path = target / f"{i:05d}_{src.name}"
        path.write_bytes(data)
        out.append(path)
    return out


def _seed_method(paths: list[Path]) -> tuple[float, int]:
    """The seed's parse: music21 converter + partitionByInstrument, note and chord names."""
    from music21 import chord, converter, instrument, note

    notes = 0
    started = time.perf_counter()
    for path in paths:
        midi = converter.parse(str(path), forceSource=True)
        parts = instrument.partitionByInstrument(midi)
        elements = parts.parts[0].recurse() if parts else midi.flatten().notes
        names = []
        for element in elements:
            if isinstance(element, note.Note):
                names.append(str(element.pitch))
            elif isinstance(element, chord.Chord):
                names.append(".".join(str(n) for n in element.normalOrder))
        notes += len(names)
    return time.perf_counter() - started, notes


def _seed_import_s() -> float:
    """music21's import in a fresh interpreter: the seed script's own start-up."""
    code = "import time; t = time.perf_counter(); import music21.converter, music21.instrument; " \
           "print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks ingest")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed-files", type=int, default=30)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)

    sources = _source_files()
    work = Path(tempfile.mkdtemp(prefix="jukebox-bench-ingest-"))
    old_home = os.environ.get("JUKEBOX_HOME")
    os.environ["JUKEBOX_HOME"] = str(work / "home")  # a cold, private cache
    try:
        from jukebox_gui.core.data.scan import scan

        folder = work / "corpus"
        files = _build_folder(folder, sources, args.files)

        started = time.perf_counter()
        cold = scan(folder, workers=args.workers)
        fresh_s = time.perf_counter() - started
        # cold cache again, the parser processes up (as in the open app): the median of 3
        cold_runs = []
        for _ in range(3):
            started = time.perf_counter()
            scan(folder, workers=args.workers, use_cache=False)
            cold_runs.append(time.perf_counter() - started)
        cold_s = statistics.median(cold_runs)
        started = time.perf_counter()
        warm = scan(folder, workers=args.workers)
        warm_s = time.perf_counter() - started
        # one changed file: only it is parsed again
        changed = files[0]
        changed.write_bytes(changed.read_bytes() + b"XPAD\x00\x00\x00\x04ZZZZ")
        started = time.perf_counter()
        one = scan(folder, workers=args.workers)
        one_changed_s = time.perf_counter() - started

        seed_paths = [files[i * len(files) // args.seed_files] for i in range(args.seed_files)]
        seed_import_s = _seed_import_s()
        seed_s, seed_notes = _seed_method(seed_paths)
        seed_fps = len(seed_paths) / seed_s
        n = len(cold.files)
        return {
            "files": n,
            "ok": cold.stats.ok,
            "skipped": cold.stats.skipped,
            "notes": cold.stats.notes,
            "workers": args.workers or max(1, min(4, os.cpu_count() or 1)),
            "cold_s": round(cold_s, 3),
            "files_per_s_cold": round(n / cold_s, 1),
            "notes_per_s_cold": round(cold.stats.notes / cold_s, 1),
            "cold_fresh_process_s": round(fresh_s, 3),
            "files_per_s_cold_fresh_process": round(n / fresh_s, 1),
            "warm_reopen_s": round(warm_s, 3),
            "files_per_s_warm": round(len(warm.files) / warm_s, 1),
            "warm_cached": warm.cached,
            "one_changed_s": round(one_changed_s, 3),
            "one_changed_parsed": one.parsed,
            "seed_files": len(seed_paths),
            "seed_s": round(seed_s, 3),
            "seed_files_per_s": round(seed_fps, 2),
            "seed_notes_per_s": round(seed_notes / seed_s, 1),
            "seed_import_s": round(seed_import_s, 3),
            "ingest_speedup": round(n / cold_s / seed_fps, 1),
            "ingest_speedup_fresh_process": round(n / fresh_s / seed_fps, 1),
            # both from a fresh interpreter, start-up included, the seed's time for n files estimated
            "ingest_speedup_fresh_both": round((seed_import_s + n / seed_fps) / fresh_s, 1),
            "ingest_speedup_warm": round(len(warm.files) / warm_s / seed_fps, 1),
        }
    finally:
        if old_home is None:
            os.environ.pop("JUKEBOX_HOME", None)
        else:
            os.environ["JUKEBOX_HOME"] = old_home
        shutil.rmtree(work, ignore_errors=True)
