"""The GUI thread never freezes while a model trains: a 10 ms timer on the GUI thread measures the
longest gap between its ticks for the whole job (TensorFlow import, scan, build, epochs)."""

from __future__ import annotations

import random
import time

import pytest
from PySide6.QtCore import QTimer

from jukebox_gui.app.pages.train_page import TrainPage
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.workers import JobManager

pytestmark = [pytest.mark.slow, pytest.mark.timing]
# The default architecture is now the transformer: Keras tracing its graph at the first batch and
# building the plain model for the bundle hold the GIL in TensorFlow's C++ code for 80-120 ms on
# 2 cores (the LSTM stayed at 50-73 ms), and 155 ms was seen once in a clean clone's full run
# (at the first batch) with nothing else on the machine. The limit is there to catch the GUI thread
# waiting on the job: a real freeze (importing TensorFlow on the GUI thread: ~900 ms) fails it at once.
MAX_GAP_MS = 250


@pytest.fixture
def corpus(tmp_path, midi_bytes):
    rng = random.Random(3)
    root = tmp_path / "corpus"
    root.mkdir()
    for i in range(60):
        pitch, notes = 62, []
        for k in range(128):
            pitch = min(84, max(50, pitch + rng.choice((-2, -1, 0, 1, 2, 3, -3))))
            notes.append((pitch, k * 240, 240))
        (root / f"t{i:02d}.mid").write_bytes(midi_bytes(notes))
    return root


def test_gui_thread_stays_responsive_during_training(qtbot, isolated_home, corpus):
    jobs = JobManager()
    page = TrainPage(jobs, Settings())
    qtbot.addWidget(page)
    page.show()
    page.set_corpus(str(corpus))
    page.preset_combo.setCurrentIndex(page.preset_combo.findData("tiny"))
    page.epochs_spin.setValue(2)

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    done: list[str] = []
    page.trained.connect(lambda path: done.append(path))
    failures: list[str] = []
    page.worker = None
    timer.start()
    page.start_button.click()
    page.worker.failed.connect(failures.append)
    seen: list[tuple[float, str]] = []
    page.worker.progress.connect(lambda events: seen.append((time.perf_counter(), type(events[-1]).__name__ + " "
                                                             + str(getattr(events[-1], "message", ""))[:60])))
    qtbot.waitUntil(lambda: bool(done) or bool(failures), timeout=300_000)
    timer.stop()
    jobs.stop_all(5.0)
    assert not failures, failures
    gaps_ms = [(b - a) * 1000 for a, b in zip(ticks, ticks[1:])]
    worst = max(gaps_ms)
    at = ticks[gaps_ms.index(worst)]
    before = [text for t, text in seen if t <= at + worst / 1000]
    print(f"worst gap after: {before[-1] if before else 'start'}")
    p99 = sorted(gaps_ms)[int(len(gaps_ms) * 0.99)]
    print(f"responsiveness: {len(ticks)} ticks over {ticks[-1] - ticks[0]:.1f} s, "
          f"max gap {worst:.1f} ms, p99 {p99:.1f} ms, batch points {page.plot.batch_points}")
    assert page.plot.batch_points > 0
    assert worst < MAX_GAP_MS, f"the GUI thread froze for {worst:.0f} ms"
