"""Parse untrusted MIDI files in worker processes; a native crash costs one file, not the app.

``run_pool`` runs the per-file job (:func:`.file_facts.inspect_file` by default) in
'forkserver'/'spawn' processes (never 'fork': TensorFlow may be loaded in the parent), hands out
small batches (two in flight per worker), and watches each worker: a worker that dies (symusic
segfault) turns the file it was on into a "crashed the parser" skip; one that takes longer than
``timeout_s`` on a file is killed the same way; the rest of its batches is re-queued on a fresh
worker. ``warm_up`` starts the process server ahead of the first scan.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import deque
from dataclasses import asdict
from multiprocessing.connection import wait
from typing import Any, Callable

from ..errors import CorpusError
from .file_facts import Limits, inspect_file

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
            ctx.set_forkserver_preload(["jukebox_gui.core.data.parser_pool", "symusic", "numpy"])
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
                    if dead:
                        w.proc.join(1.0)  # a dead child's exit code is known only once it is joined
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
