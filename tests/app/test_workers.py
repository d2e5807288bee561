"""The Qt<->core seam: results, errors and cancels come back as signals on the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest

from jukebox_gui.app.workers import JobManager, Worker
from jukebox_gui.core.errors import CorpusError
from jukebox_gui.core.progress import Progress


@pytest.fixture
def jobs(qtbot):
    manager = JobManager()
    yield manager
    manager.stop_all(5.0)


def test_result_arrives_on_the_gui_thread(qtbot, jobs):
    seen = {}

    def job(progress, cancel):
        seen["worker_thread"] = threading.current_thread()
        for i in range(5):
            progress(Progress("count", i + 1, 5))
        return 42

    worker = Worker("count", job)
    events = []
    worker.progress.connect(events.extend)
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        jobs.start(worker)
    assert blocker.args == [42]
    assert seen["worker_thread"] is not threading.main_thread()
    qtbot.waitUntil(lambda: [e.done for e in events] == [1, 2, 3, 4, 5], timeout=2000)
    qtbot.waitUntil(lambda: not jobs.active(), timeout=2000)


def test_domain_error_becomes_failed_signal(qtbot, jobs):
    def job(progress, cancel):
        raise CorpusError("the folder has no MIDI files")

    worker = Worker("scan", job)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        jobs.start(worker)
    assert blocker.args == ["the folder has no MIDI files"]


def test_bug_in_job_is_reported_not_raised(qtbot, jobs):
    worker = Worker("oops", lambda progress, cancel: 1 / 0)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        jobs.start(worker)
    assert "ZeroDivisionError" in blocker.args[0]


def test_cancel_and_stop_all_within_timeout(qtbot, jobs):
    started = threading.Event()

    def job(progress, cancel):
        started.set()
        while True:
            cancel.wait_if_paused(0.05)
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    worker = Worker("loop", job)
    jobs.start(worker)
    assert started.wait(5)
    worker.pause()
    assert worker.paused
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        assert jobs.stop_all(5.0)  # False if a job had not stopped within 5 s
    assert not worker.is_running()


def test_frequent_events_are_batched(qtbot, jobs):
    def job(progress, cancel):
        for i in range(2000):
            progress(Progress("fast", i + 1, 2000))
        return None

    worker = Worker("fast", job)
    batches = []
    worker.progress.connect(batches.append)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        jobs.start(worker)
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) == 2000, timeout=2000)
    assert len(batches) < 200  # not one signal per event
    assert batches[-1][-1].done == 2000


def test_lambda_slots_run_on_the_gui_thread(qtbot, jobs):
    """PySide runs lambda/function slots in the sender's thread: the seam must keep them on the GUI thread."""
    seen = []
    worker = Worker("x", lambda progress, cancel: progress("tick") or 1)
    worker.progress.connect(lambda events: seen.append(threading.current_thread()))
    worker.finished.connect(lambda result: seen.append(threading.current_thread()))
    jobs.start(worker)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert all(t is threading.main_thread() for t in seen)


def test_many_emits_cannot_free_true(qapp):
    """PySide6 6.12's emit() drops a reference to True per call; jukebox_gui.app guards against it."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Source(QObject):
        tick = Signal(int)

    source = Source()
    for i in range(20_000):
        source.tick.emit(i)
    if sys.version_info < (3, 12):
        assert sys.getrefcount(True) > 1 << 39


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="per-thread nice is Linux-only")
def test_jobs_run_below_the_gui_threads_priority(qtbot, jobs):
    import os

    def job(progress, cancel):
        own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        seen = []
        child = threading.Thread(target=lambda: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        child.start()
        child.join()
        return own, seen[0]

    gui_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = Worker("nice", job)
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        jobs.start(worker)
    own, child = blocker.args[0]
    assert own > gui_nice and child == own  # threads the job starts (TensorFlow's pools) inherit it
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui_nice


@pytest.fixture(scope="module")
def parser_warm_up(tmp_path_factory):
    """Warm the parsers up in a fresh interpreter, then run a pool: how long the warm-up call
    blocked, and the nice level of each parser and of the caller."""
    import subprocess
    import sys

    script = """
import json, os, sys, time
from jukebox_gui.app.workers import warm_up_parsers
from jukebox_gui.core.data.file_facts import Limits
from jukebox_gui.core.data.parser_pool import run_pool
import tests.app.test_workers as here

started = time.perf_counter()
warm_up_parsers().join()
returned_s = time.perf_counter() - started
seen = []
run_pool([sys.argv[1]] * 2, lambda i, r: seen.append(r["nice"]), workers=2, limits=Limits(), job=here._report_nice)
print(json.dumps({"returned_s": returned_s, "nice": seen, "own": os.getpriority(os.PRIO_PROCESS, 0)}))
"""
    midi = tmp_path_factory.mktemp("warm-up") / "a.mid"
    midi.write_bytes(b"MThd")
    out = subprocess.run([sys.executable, "-c", script, str(midi)], capture_output=True, text=True, timeout=60,
                         cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert out.returncode == 0, out.stderr
    return __import__("json").loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="per-thread nice is Linux-only")
def test_parser_warm_up_starts_the_parsers_at_job_priority(parser_warm_up):
    """The window starts the parser process server early; the parsers forked from it later (by any
    thread) must still run below the GUI thread."""
    result = parser_warm_up
    assert len(result["nice"]) == 2 and all(n >= result["own"] + 5 for n in result["nice"])


@pytest.mark.timing
@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="per-thread nice is Linux-only")
def test_parser_warm_up_does_not_block_the_caller(parser_warm_up):
    assert parser_warm_up["returned_s"] < 0.1  # the server boots in the background


def _report_nice(path, limits):
    import os

    return {"status": "ok", "nice": os.getpriority(os.PRIO_PROCESS, 0)}


def test_training_reuses_the_windows_scan(qtbot, jobs, monkeypatch, tmp_path):
    """The Train page hands over the Corpus page's scan: train() gets the report, not a source to scan
    again, and a config from the builder the CLI uses (core.ml.settings)."""
    import sys
    import types

    from jukebox_gui.app.workers import TrainRequest, train, train_worker
    from jukebox_gui.core.data.scan import CorpusReport, CorpusStats

    calls = []
    fake = types.ModuleType("jukebox_gui.core.ml.training")
    fake.train = lambda corpus, out, config, **kwargs: calls.append((corpus, out, config, kwargs)) or "result"
    monkeypatch.setitem(sys.modules, "jukebox_gui.core.ml.training", fake)  # no TensorFlow for this
    monkeypatch.setattr(train, "load_tensorflow", lambda: None)
    report = CorpusReport(source="demo:irish", folder=str(tmp_path), files=[], stats=CorpusStats())
    request = TrainRequest(source="demo:irish", out_dir=tmp_path / "run", overrides=(("epochs", 3), ("seq_len", 16)),
                           report=report)
    worker = train_worker(request)
    with qtbot.waitSignal(worker.finished, timeout=10_000) as blocker:
        jobs.start(worker)
    assert blocker.args == ["result"]
    corpus, out, config, kwargs = calls[0]
    assert corpus is report and out == tmp_path / "run"
    assert config.preset == "tiny" and config.epochs == 3 and config.model.seq_len == 16
    assert kwargs["resume"] is False
