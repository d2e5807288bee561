"""Fuzz the scan's per-file parse path with mutated real MIDI bytes.

    python -m benchmarks fuzz [--cases N] [--seconds S] [--seed K] [--workers W]

Seeds are real MIDI files (the demo:irish corpus and music21's testPrimitive files). Every case
applies one to three mutations: bit flips, byte inserts and deletes, truncation, corrupted chunk
lengths (MThd/MTrk), huge delta times, bogus ticks-per-beat (0, 1, 0x7FFF, SMPTE), a bogus format
or track count, or a splice of two files. The cases run through ``parser_pool.run_pool`` with the
real ``inspect_file`` in worker processes, exactly as ``scan`` does, so a native crash costs a
worker, not this process. Reported: cases run, ok / skipped, unhandled exceptions (an exception
escaping ``inspect_file``: must be 0), hangs over 2 s per file (must be 0; a timed-out file is
re-timed alone on CPU time so a loaded machine is not mistaken for a hang), parser crashes,
slowest file, cases/s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

HANG_S = 2.0
HUGE_DELTA = b"\xff\xff\xff"  # prefixed to a delta's last byte: a varlen around 2**28 ticks


def seed_files(limit: int = 200) -> list[bytes]:
    """Real MIDI bytes: demo:irish tunes (when the corpus can be built) and music21's test files."""
    files: list[Path] = []
    try:
        from jukebox_gui.core.demo import demo_corpus_dir

        files += sorted(Path(demo_corpus_dir("irish")).glob("*.mid"))[:limit]
    except Exception as exc:  # noqa: BLE001 - the benchmark still runs on music21's files
        print(f"demo:irish unavailable ({exc}); using music21's files only", file=sys.stderr)
    try:
        import music21

        files += sorted((Path(music21.__file__).parent / "midi" / "testPrimitive").glob("*.mid"))
    except ImportError:
        pass
    data = [p.read_bytes() for p in files]
    if not data:
        raise SystemExit("no seed MIDI files found")
    return data


def _chunks(data: bytes) -> list[int]:
    """Offsets of MThd/MTrk chunk headers."""
    out, pos = [], 0
    while True:
        hits = [i for i in (data.find(b"MThd", pos), data.find(b"MTrk", pos)) if i >= 0]
        if not hits:
            return out
        out.append(min(hits))
        pos = min(hits) + 4


def mutate(data: bytes, rng: random.Random, seeds: list[bytes]) -> tuple[bytes, list[str]]:
    buf = bytearray(data)
    kinds = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        kind = rng.choice(("flip", "flip", "insert", "delete", "truncate", "chunk_len", "huge_delta",
                           "tpb", "format", "ntracks", "splice"))
        kinds.append(kind)
        n = len(buf)
        if not n:
            break
        pos = rng.randrange(n)
        if kind == "flip":
            for _ in range(rng.randint(1, 8)):
                p = rng.randrange(n)
                buf[p] ^= 1 << rng.randrange(8)
        elif kind == "insert":
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif kind == "delete":
            del buf[pos:pos + rng.randint(1, 16)]
        elif kind == "truncate":
            del buf[pos:]
        elif kind == "chunk_len":
            offsets = _chunks(bytes(buf))
            if offsets:
                at = rng.choice(offsets) + 4
                value = rng.choice((0, 1, 5, 0xFFFFFFFF, 0x7FFFFFFF, rng.randrange(1 << 32),
                                    max(0, n - at + rng.randint(-20, 20))))
                buf[at:at + 4] = struct.pack(">I", value & 0xFFFFFFFF)
        elif kind == "huge_delta":
            tracks = [o for o in _chunks(bytes(buf)) if buf[o:o + 4] == b"MTrk"]
            if tracks:
                at = rng.choice(tracks)
                start = at + 8 if rng.random() < 0.5 else rng.randrange(at + 8, max(at + 9, n))
                buf[start:start] = HUGE_DELTA
                length = struct.unpack(">I", bytes(buf[at + 4:at + 8]))[0] if at + 8 <= len(buf) else 0
                buf[at + 4:at + 8] = struct.pack(">I", (length + len(HUGE_DELTA)) & 0xFFFFFFFF)
        elif kind == "tpb" and n >= 14:
            buf[12:14] = struct.pack(">H", rng.choice((0, 1, 2, 0x7FFF, 0x8000, 0xE728, 0xFFFF,
                                                       rng.randrange(1 << 16))))
        elif kind == "format" and n >= 10:
            buf[8:10] = struct.pack(">H", rng.choice((0, 1, 2, 3, 0xFFFF)))
        elif kind == "ntracks" and n >= 12:
            buf[10:12] = struct.pack(">H", rng.choice((0, 1, 2, 200, 0xFFFF)))
        elif kind == "splice":
            other = rng.choice(seeds)
            cut = rng.randrange(len(other))
            buf = buf[:pos] + other[cut:cut + rng.randint(16, 2048)]
    return bytes(buf), kinds


def fuzz_job(path: str, limits: Any) -> dict[str, Any]:
    """The scan's per-file job, timed; an exception escaping it is recorded, not raised."""
    from jukebox_gui.core.data.file_facts import inspect_file

    started = time.perf_counter()
    cpu = time.process_time()
    try:
        result = inspect_file(path, limits)
        result.pop("repaired_bytes", None)
    except BaseException as exc:  # noqa: BLE001 - exactly what the fuzzer looks for
        result = {"status": "exception", "reason": f"{type(exc).__name__}: {exc}",
                  "traceback": traceback.format_exc()[-2000:]}
    result["wall_s"] = time.perf_counter() - started
    result["cpu_s"] = time.process_time() - cpu
    return result


_RETIME = """
import json, sys, time
from jukebox_gui.core.data.file_facts import Limits, inspect_file
t, c = time.perf_counter(), time.process_time()
r = inspect_file(sys.argv[1], Limits(timeout_s=60))
print(json.dumps({"status": r["status"], "wall_s": time.perf_counter() - t, "cpu_s": time.process_time() - c}))
"""


def _retime(path: str) -> dict[str, Any]:
    """Parse one file alone in a fresh process; CPU time tells a real hang from a busy machine."""
    import json

    repo = Path(__file__).resolve().parents[1]
    try:
        proc = subprocess.run([sys.executable, "-c", _RETIME, path], capture_output=True, text=True, timeout=120,
                              cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)})
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        return {"status": "hang", "cpu_s": float("inf"), "error": str(exc)}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks fuzz")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (cases run are reported)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    parser.add_argument("--keep", default=None, help="copy failing cases into this folder")
    return parser.parse_args(argv)


def main(argv: list[str]) -> dict:
    from jukebox_gui.core.data.file_facts import Limits
    from jukebox_gui.core.data.parser_pool import run_pool

    args = parse_args(argv)
    rng = random.Random(args.seed)
    seeds = seed_files()
    work = Path(tempfile.mkdtemp(prefix="jukebox-fuzz-"))
    try:
        paths, kinds_used = [], Counter()
        for i in range(args.cases):
            data, kinds = mutate(rng.choice(seeds), rng, seeds)
            kinds_used.update(kinds)
            path = work / f"case{i:06d}.mid"
            path.write_bytes(data)
            paths.append(str(path))
        results: dict[int, dict[str, Any]] = {}
        started = time.perf_counter()
        deadline = started + args.seconds if args.seconds else None
        run_pool(paths, results.__setitem__, workers=args.workers, limits=Limits(timeout_s=HANG_S),
                 should_stop=lambda: deadline is not None and time.perf_counter() > deadline,
                 job=fuzz_job)
        seconds = time.perf_counter() - started
        status = Counter(r.get("status", "?") for r in results.values())
        exceptions = {i: r for i, r in results.items() if r.get("status") == "exception"}
        crashed = {i: r for i, r in results.items() if r.get("crashed")}
        timed_out = [i for i, r in results.items() if "timed out" in r.get("reason", "")]
        retimed = {i: _retime(paths[i]) for i in timed_out[:20]}
        hangs = [i for i, r in retimed.items() if r.get("cpu_s", 0) > HANG_S]
        slowest = max((r.get("cpu_s", 0.0) for r in results.values() if "cpu_s" in r), default=0.0)
        reasons = Counter(r.get("reason", "").split(" (")[0].split(":")[0][:60]
                          for r in results.values() if r.get("status") == "skipped")
        if args.keep and (exceptions or crashed or hangs):
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for i in [*exceptions, *crashed, *hangs]:
                shutil.copy(paths[i], keep / Path(paths[i]).name)
        return {
            "cases_requested": args.cases,
            "cases_run": len(results),
            "ok": status.get("ok", 0),
            "skipped": status.get("skipped", 0) - len(crashed) - len(timed_out),
            "unhandled_exceptions": len(exceptions),
            "hangs_over_2s": len(hangs) + max(0, len(timed_out) - 20),
            "timed_out_under_load": len(timed_out) - len(hangs),
            "crashes": len(crashed),
            "slowest_file_cpu_s": round(slowest, 3),
            "seconds": round(seconds, 2),
            "cases_per_s": round(len(results) / seconds, 1) if seconds else 0.0,
            "seed_files": len(seeds),
            "workers": args.workers,
            "seed": args.seed,
            "mutations": dict(sorted(kinds_used.items())),
            "top_skip_reasons": dict(reasons.most_common(8)),
            "exception_examples": [r["reason"] for r in list(exceptions.values())[:5]],
            "crash_examples": [r["reason"] for r in list(crashed.values())[:5]],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
