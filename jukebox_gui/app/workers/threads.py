"""Thread plumbing: a ``Worker`` runs one job in a QThread and relays what happens as signals;
the ``JobManager`` keeps the running ones and stops them all when the window closes.

A ``Worker`` is a QObject that stays in the GUI thread while its job runs in a QThread (see
``_JobThread`` for why it is not moved). Its ``run`` calls the job with ``progress=`` (a sink
that batches events into ``progress(list)`` signals, at most ~25 per second so per-batch training
events never flood the GUI thread) and ``cancel=`` (a CancelToken). Results come back as
``finished(object)``, domain errors as ``failed(str)``, a user cancel as ``cancelled()``.
Workers never touch widgets.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from ...core.errors import Cancelled, JukeboxError
from ...core.progress import CancelToken

log = logging.getLogger("jukebox.app.workers")

FLUSH_INTERVAL_S = 0.04


class Worker(QObject):
    """Runs ``job(progress=..., cancel=...)`` in a QThread and relays what happens as signals."""

    progress = Signal(list)  # a list of core progress events, oldest first
    finished = Signal(object)  # the job's return value
    failed = Signal(str)  # a one-line message for a dialog
    cancelled = Signal()
    stopped = Signal()  # always emitted last, whatever the outcome

    def __init__(self, name: str, job: Callable[..., Any]) -> None:
        super().__init__()
        self.name = name
        self.job = job
        self.token = CancelToken()
        self.thread: QThread | None = None
        self._buffer: list[Any] = []
        self._last_flush = 0.0
        self._lock = threading.Lock()
        self._done = threading.Event()

    # ---- controls (called from the GUI thread) ----------------------------------------------
    def cancel(self) -> None:
        self.token.cancel()

    def pause(self) -> None:
        self.token.pause()

    def resume(self) -> None:
        self.token.resume()

    @property
    def paused(self) -> bool:
        return self.token.paused

    def is_running(self) -> bool:
        return self.thread is not None and not self._done.is_set()

    def wait(self, timeout_s: float) -> bool:
        """Block until the job has returned; True if it did within ``timeout_s``."""
        ok = self._done.wait(timeout_s)
        if ok and self.thread is not None:
            self.thread.wait(max(1, int(timeout_s * 1000)))
        return ok

    # ---- the worker thread -------------------------------------------------------------------
    def _sink(self, event: Any) -> None:
        with self._lock:
            previous = self._buffer[-1] if self._buffer else None
            self._buffer.append(event)
            now = time.monotonic()
            due = now - self._last_flush >= FLUSH_INTERVAL_S
            if previous is not None and type(previous) is not type(event):
                due = True
            if not due:
                return
            batch, self._buffer = self._buffer, []
            self._last_flush = now
        self.progress.emit(batch)

    def _flush(self) -> None:
        with self._lock:
            batch, self._buffer = self._buffer, []
        if batch:
            self.progress.emit(batch)

    def run(self) -> None:
        started = time.perf_counter()
        outcome, payload = "finished", None
        try:
            payload = self.job(progress=self._sink, cancel=self.token)
        except Cancelled:
            outcome = "cancelled"
        except JukeboxError as exc:
            outcome, payload = "failed", str(exc)
            log.warning("%s failed: %s", self.name, exc)
        except Exception as exc:  # a bug in the core: log the trace, show one line
            outcome = "failed"
            payload = f"{self.name} failed unexpectedly ({type(exc).__name__}: {exc}). See the log file."
            log.exception("%s crashed", self.name)
        self._flush()
        log.info("%s %s after %.1f s", self.name, outcome, time.perf_counter() - started)
        self._done.set()  # before the signals, so slots already see is_running() == False
        try:
            if outcome == "finished":
                self.finished.emit(payload)
            elif outcome == "failed":
                self.failed.emit(payload)
            else:
                self.cancelled.emit()
        finally:
            self.stopped.emit()
            if self.thread is not None:
                self.thread.quit()  # thread-safe; the loop ends once run() returns


class _JobThread(QThread):
    """Runs one worker's job. The Worker itself stays in the GUI thread (it is NOT moved): PySide
    delivers signals to lambdas and plain functions in the *sender's* thread, so a worker moved
    to its thread would run such slots there and touch widgets off the GUI thread (seen here as
    "QBackingStore::endPaint() called with active painter" and a segfault)."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker

    def run(self) -> None:
        background_priority()
        self.worker.run()


def background_priority(nice: int = 5) -> None:
    """Lower the calling thread's CPU priority so the GUI thread wins the CPU while jobs still get
    every idle cycle. On Linux nice is per thread and inherited by the threads and processes it
    creates: TensorFlow's thread pools and the scan's worker processes start from job threads."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(nice, os.getpriority(os.PRIO_PROCESS, tid)))
    except OSError:  # not allowed here: keep the normal priority
        log.debug("could not lower the job thread's priority", exc_info=True)


class JobManager(QObject):
    """Starts workers in their own threads, keeps them alive, and stops them all on close."""

    activeChanged = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._active: list[Worker] = []
        from .gui_gc import GuiGarbageCollector

        self._gc = GuiGarbageCollector.install()  # no cyclic collection in a worker thread (see gui_gc)

    def start(self, worker: Worker) -> Worker:
        thread = _JobThread(worker)
        thread.setObjectName(f"jukebox-{worker.name}")
        worker.thread = thread
        worker.stopped.connect(self._on_stopped)
        self._active.append(worker)
        if self._gc is not None:
            self._gc.job_started()
        thread.start()
        self.activeChanged.emit(len(self._active))
        return worker

    def _on_stopped(self) -> None:
        worker = self.sender()
        if isinstance(worker, Worker) and worker in self._active:
            self._active.remove(worker)
            if self._gc is not None:
                self._gc.job_stopped()
            if worker.thread is not None:
                worker.thread.wait(2000)
            self.activeChanged.emit(len(self._active))

    def active(self, name: str | None = None) -> list[Worker]:
        return [w for w in self._active if w.is_running() and (name is None or w.name == name)]

    def cancel_all(self) -> None:
        for worker in list(self._active):
            worker.cancel()

    def stop_all(self, timeout_s: float = 5.0) -> bool:
        """Cancel every job and wait for all of them; True if they all stopped in time."""
        self.cancel_all()
        deadline = time.monotonic() + timeout_s
        ok = True
        for worker in list(self._active):
            ok = worker.wait(max(0.0, deadline - time.monotonic())) and ok
        for worker in list(self._active):  # done: forget them now (their queued ``stopped`` may never run)
            if not worker.is_running():
                self._active.remove(worker)
                if self._gc is not None:
                    self._gc.job_stopped()
        return ok
