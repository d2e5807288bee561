"""Parse untrusted MIDI files in worker processes; a native crash costs one file, not the app.

``inspect_file(path, limits)`` is the per-file job (plain dict in, plain dict out, so it can
also run in-process in tests). ``run_pool`` runs it in 'forkserver'/'spawn' processes (never
'fork': TensorFlow may be loaded in the parent), hands out small batches (two in flight per
worker), and watches each worker: a worker that dies (symusic segfault) turns the file it was
on into a "crashed the parser" skip; one that takes longer than ``timeout_s`` on a file is
killed the same way; the rest of its batches is re-queued on a fresh worker. ``warm_up`` starts
the process server ahead of the first scan. Workers import only symusic and numpy (mido
only when a file needs repair), so they start in a fraction of a second.
"""

from __future__ import annotations

import errno
import hashlib
import multiprocessing as mp
import os
import stat
import time
from collections import deque
from dataclasses import asdict, dataclass
from multiprocessing.connection import wait
from typing import Any, Callable

from . import repair
from ..errors import CorpusError


@dataclass(frozen=True)
class Limits:
    """Caps checked before (size) and right after parsing (notes, duration)."""

    max_bytes: int = 16 * 1024 * 1024
    max_notes: int = 250_000
    max_duration_s: float = 2 * 3600.0
    timeout_s: float = 10.0


def os_reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read: permission denied"
    if exc.errno == errno.ENOENT:
        return "cannot read: the file disappeared"
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file"
    return f"cannot read: {exc.strerror or exc}"


def _skip(reason: str, **extra: Any) -> dict[str, Any]:
    return {"status": "skipped", "reason": reason, **extra}


def read_capped(path: str, limits: Limits) -> bytes:
    """Read a regular file no larger than the cap (OSError / CorpusError otherwise)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CorpusError("not a regular file")
        if st.st_size > limits.max_bytes:
            raise CorpusError(f"too large ({st.st_size / 1e6:.1f} MB > {limits.max_bytes / 1e6:.0f} MB limit)")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limits.max_bytes:
                raise CorpusError(f"too large (> {limits.max_bytes / 1e6:.0f} MB limit)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def inspect_file(path: str, limits: Limits | dict | None = None) -> dict[str, Any]:
    """Everything the corpus needs to know about one file. Never raises for a bad file.

    Returns a dict with status ('ok'/'skipped'), reason, content_hash and, when parsed, the
    details (tracks, instruments, notes, duration_s, tempo, time_signature, ticks_per_beat,
    pitch_min/max, tempo_min/max, repaired notes). ``repaired_bytes`` is set when the usable
    MIDI differs from the file on disk.
    """
    if isinstance(limits, dict):
        limits = Limits(**limits)
    limits = limits or Limits()
    try:
        data = read_capped(path, limits)
    except OSError as exc:
        return _skip(os_reason(exc))
    except CorpusError as exc:
        return _skip(str(exc))
    content_hash = hashlib.sha256(data).hexdigest()
    try:
        result = _parse(data, limits)
    except CorpusError as exc:
        result = _skip(str(exc))
    except MemoryError:
        result = _skip("ran out of memory while parsing")
    result["content_hash"] = content_hash
    result["size"] = len(data)
    return result


def _parse(data: bytes, limits: Limits) -> dict[str, Any]:
    import symusic

    kind = repair.sniff(data)
    fixes: list[str] = []
    if kind == "riff":
        data = repair.unwrap_riff(data)
        fixes.append("unwrapped from a RIFF RMID file")
    elif kind != "midi":
        raise CorpusError(repair.describe_kind(kind))
    original = data
    fmt, _ntracks, division = repair.read_header(data)
    if division == 0:
        raise CorpusError("ticks per beat is 0 (no timing)")
    score = None
    first_error = ""
    if not division & 0x8000 and fmt in (0, 1):
        try:
            score = symusic.Score.from_midi(data)
        except (RuntimeError, ValueError, IndexError, OverflowError) as exc:
            first_error = str(exc).split(":")[-1].strip() or str(exc)
    if score is None:
        data, notes = repair.rebuild(data, limits.max_notes)
        fixes.extend(notes)
        try:
            score = symusic.Score.from_midi(data)
        except (RuntimeError, ValueError, IndexError, OverflowError):
            data = repair.mido_roundtrip(data)
            fixes.append("rewritten with mido")
            try:
                score = symusic.Score.from_midi(data)
            except (RuntimeError, ValueError, IndexError, OverflowError) as exc:
                raise CorpusError(f"damaged MIDI ({first_error or exc})") from exc
    result = _describe(score, limits)
    result["repairs"] = fixes
    if data is not original or fixes:
        result["repaired_bytes"] = data
    return result


def _describe(score: Any, limits: Limits) -> dict[str, Any]:
    """Facts of a parsed score. Notes with a duration <= 0, a negative time or pitch are ignored.

    Written for speed (it is most of a file's cost): per track a handful of NumPy reductions
    (notes are usually all sound, so no masks), the tempo and time-signature maps in Python
    (one or two events each)."""
    import numpy as np

    tpq = int(score.ticks_per_quarter)
    if tpq <= 0:
        raise CorpusError("ticks per beat is not positive")
    total, end_tick, instruments = 0, 0, set()
    pmin, pmax, tracks = 128, -1, 0
    for track in score.tracks:
        if not track.note_num():
            continue
        arr = track.notes.numpy()
        times, durations, pitches = arr["time"], arr["duration"], arr["pitch"]
        if durations.min() <= 0 or times.min() < 0 or pitches.min() < 0:  # rare: keep the sound notes
            good = (durations > 0) & (times >= 0) & (pitches >= 0)
            times, durations, pitches = times[good], durations[good], pitches[good]
            if not len(times):
                continue
        tracks += 1
        total += len(times)
        if total > limits.max_notes:
            raise CorpusError(f"too many notes (over {limits.max_notes:,})")
        pmin, pmax = min(pmin, int(pitches.min())), max(pmax, int(pitches.max()))
        end_tick = max(end_tick, int(np.add(times, durations, dtype=np.int64).max()))
        instruments.add(-1 if track.is_drum else int(track.program))
    if not total:
        raise CorpusError("no notes")
    tempos = sorted(((t.time, t.mspq) for t in score.tempos if t.mspq > 0 and t.time >= 0),
                    key=lambda tm: tm[0])  # stable: at one tick, the file's last tempo wins
    duration_s = _ticks_to_seconds(end_tick, tempos, tpq)
    if not duration_s <= limits.max_duration_s:  # also catches inf and nan
        raise CorpusError(f"lasts {_human_seconds(duration_s)} (limit {_human_seconds(limits.max_duration_s)}): "
                          "absurd tempo or a huge time gap")
    bpms = [60e6 / mspq for _, mspq in tempos] or [120.0]
    sigs = score.time_signatures
    time_sig = f"{int(sigs[0].numerator)}/{int(sigs[0].denominator)}" if len(sigs) else "4/4"
    return {
        "status": "ok",
        "reason": "",
        "tracks": tracks,
        "instruments": sorted(instruments),
        "notes": total,
        "duration_s": round(float(duration_s), 3),
        "tempo": round(float(bpms[0]), 3),
        "tempo_min": round(float(min(bpms)), 3),
        "tempo_max": round(float(max(bpms)), 3),
        "time_signature": time_sig,
        "ticks_per_beat": tpq,
        "pitch_min": pmin,
        "pitch_max": pmax,
    }


def _ticks_to_seconds(tick: int, tempos: list[tuple[int, int]], tpq: int) -> float:
    """Seconds at ``tick`` under a tempo map of (tick, microseconds per quarter), sorted by tick."""
    seconds, last_tick, last_mspq = 0.0, 0, 500000.0
    for t, m in tempos:
        if t >= tick:
            break
        seconds += (t - last_tick) * last_mspq / 1e6 / tpq
        last_tick, last_mspq = t, m
    return seconds + (tick - last_tick) * last_mspq / 1e6 / tpq


def _human_seconds(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "forever"
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


# ---- worker processes ----------------------------------------------------------------------------
IN_FLIGHT = 2  # batches sent to a worker ahead of its answers, so it never waits for the parent


def warm_up(method: str | None = None) -> None:
    """Start the parser process server now, without waiting for it: the next pool's workers then
    start in milliseconds. Harmless when it runs already; no-op under 'spawn'."""
    ctx = mp_context(method)
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _worker_main(conn: Any, current: Any, limits: dict, job: Callable = inspect_file) -> None:
    """Worker loop: receive [(index, path), ...], answer [(index, result), ...]; None stops."""
    lim = Limits(**limits)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        results = []
        for index, path in batch:
            current.value = index
            results.append((index, job(path, lim)))
        current.value = -1
        conn.send(results)


def mp_context(method: str | None = None) -> Any:
    """'forkserver' where it exists (cheap starts, never forks a TensorFlow parent), else 'spawn'."""
    if method == "fork":
        raise ValueError("never fork: TensorFlow may be loaded in this process")
    try:
        ctx = mp.get_context(method or "forkserver")
        if ctx.get_start_method() == "forkserver":
            # only takes effect if the server is not running yet; workers then start pre-imported
            ctx.set_forkserver_preload(["jukebox_gui.core.data.scan_worker", "symusic", "numpy"])
        return ctx
    except ValueError:
        return mp.get_context("spawn")


class _Worker:
    def __init__(self, ctx: Any, limits: dict, job: Callable) -> None:
        self.conn, child = ctx.Pipe()
        self.current = ctx.Value("q", -1, lock=False)
        self.proc = ctx.Process(target=_worker_main, args=(child, self.current, limits, job), daemon=True)
        self.proc.start()
        child.close()
        self.batch: list[tuple[int, str]] = []  # every file sent and not yet answered, in order
        self.in_flight = 0  # batches sent and not yet answered (at most IN_FLIGHT)
        self.since = 0.0
        self.seen = -1

    def give(self, batch: list[tuple[int, str]]) -> None:
        if not self.batch:  # idle until now: the stuck clock starts with this batch
            self.since, self.seen = time.monotonic(), -2
        self.batch += batch
        self.in_flight += 1
        try:
            self.conn.send(batch)
        except OSError:  # died already: handled by the caller as a crash
            pass

    def answered(self, count: int) -> None:
        self.in_flight -= 1
        del self.batch[:count]

    def stuck_for(self, now: float) -> float:
        """Seconds spent on the current file (the clock restarts when the worker moves on)."""
        current = self.current.value
        if current != self.seen:
            self.seen, self.since = current, now
        return now - self.since

    def ask_to_stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                self.proc.kill()

    def stop(self, kill: bool = False) -> None:
        self.ask_to_stop(kill)
        self.join()

    def join(self) -> None:
        self.proc.join(2.0)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(1.0)
        self.conn.close()


def run_pool(
    tasks: list[str],
    on_result: Callable[[int, dict[str, Any]], None],
    *,
    workers: int,
    limits: Limits,
    should_stop: Callable[[], bool] = lambda: False,
    batch_size: int = 16,
    job: Callable[[str, Limits], dict[str, Any]] = inspect_file,
    method: str | None = None,
) -> None:
    """Inspect every path in ``tasks`` in worker processes; ``on_result(index, result)`` each.

    ``job`` (a top-level function, default ``inspect_file``) and ``method`` ('forkserver' or
    'spawn') exist for tests that need a worker to crash or hang on purpose."""
    if not tasks:
        return
    ctx = mp_context(method)
    lim = asdict(limits)
    queue: deque[int] = deque(range(len(tasks)))
    pool = [_Worker(ctx, lim, job) for _ in range(max(1, min(workers, len(tasks))))]
    remaining = len(tasks)
    failed_starts = 0
    batch_size = max(1, min(batch_size, len(tasks) // (len(pool) * 4) or 1))
    try:
        while remaining:
            if should_stop():
                return
            for w in pool:  # two batches in flight: a worker never waits for this process
                while w.in_flight < IN_FLIGHT and queue:
                    w.give([(i, tasks[i]) for i in (queue.popleft() for _ in range(min(batch_size, len(queue))))])
            busy = [w for w in pool if w.batch]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=0.2)
            now = time.monotonic()
            for i, w in enumerate(list(pool)):
                if not w.batch:
                    continue
                if w.conn in ready:
                    try:
                        results = w.conn.recv()
                    except (EOFError, OSError):
                        results = None
                    if results is not None:
                        w.answered(len(results))
                        for index, result in results:
                            on_result(index, result)
                        remaining -= len(results)
                        continue
                dead = w.proc.sentinel in ready or not w.proc.is_alive()
                # a file in hand gets timeout_s; a worker still starting (busy machine) gets longer
                limit = limits.timeout_s if w.current.value >= 0 else max(60.0, limits.timeout_s)
                timed_out = w.stuck_for(now) > limit
                if dead or timed_out:
                    culprit = w.current.value
                    code = w.proc.exitcode
                    w.stop(kill=True)
                    reason = (f"took longer than {limits.timeout_s:g} s to parse (timed out)" if not dead
                              else f"crashed the parser (exit code {code})")
                    batch_ids = [ix for ix, _ in w.batch]
                    if culprit in batch_ids:
                        on_result(culprit, {"status": "skipped", "reason": reason, "crashed": dead})
                        remaining -= 1
                        failed_starts = 0
                    else:  # died or hung with no file in hand: not a file's fault
                        failed_starts += 1
                        if failed_starts > 3:
                            raise CorpusError(f"the parser processes could not start ({reason})")
                    for ix in reversed(batch_ids):
                        if ix != culprit:
                            queue.appendleft(ix)
                    pool[i] = _Worker(ctx, lim, job)
    finally:
        for w in pool:  # all asked first, then joined: they exit in parallel
            w.ask_to_stop(kill=bool(w.batch))
        for w in pool:
            w.join()
