"""Closing the window while a real job runs (scan, training, generation, rendering, each through
the window's real worker factories in app/workers/): the close completes within 5 s, the job's
thread has stopped, and after training the last checkpoint still restores. (tests/app covers the
close question with a stand-in job; these use the real ones.)"""

from __future__ import annotations

import shutil
import struct
import time

import pytest
from PySide6.QtWidgets import QMessageBox

from jukebox_gui.app import workers
from jukebox_gui.app.main_window import MainWindow

CLOSE_LIMIT_S = 5.0


def _close_while_running(qtbot, window, worker, ready, monkeypatch, timeout_ms=240_000) -> None:
    events = []
    worker.progress.connect(events.extend)
    window.jobs.start(worker)
    qtbot.waitUntil(lambda: ready(events), timeout=timeout_ms)
    assert worker.is_running(), "the job ended before the window was closed"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    started = time.monotonic()
    window.close()
    elapsed = time.monotonic() - started
    assert not window.isVisible()
    assert not worker.is_running()
    assert worker.thread is not None and worker.thread.wait(1000) and worker.thread.isFinished()
    assert window.jobs.active() == []
    assert elapsed < CLOSE_LIMIT_S, f"closing took {elapsed:.2f} s"


@pytest.fixture
def window(qtbot, isolated_home):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    return w


def _midi(index: int, notes: int = 400) -> bytes:
    body = bytearray()
    for i in range(notes):
        pitch = 40 + (i * 5 + index) % 40
        body += bytes([0, 0x90, pitch, 1 + (index + i) % 127, 120, 0x80, pitch, 0])
    body += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(body)) + bytes(body)


def test_close_during_scan(qtbot, window, tmp_path, monkeypatch):
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(4000):
        (folder / f"t{i:05d}.mid").write_bytes(_midi(i))
    worker = workers.scan_worker(str(folder))
    _close_while_running(qtbot, window, worker, lambda ev: any(getattr(e, "done", 0) > 50 for e in ev), monkeypatch)


@pytest.mark.slow
def test_close_during_training_keeps_the_last_checkpoint(qtbot, window, tmp_path, monkeypatch, demo_corpus):
    from jukebox_gui.core.ml import checkpoints
    from jukebox_gui.core.ml.callbacks import BatchEnd

    corpus = tmp_path / "tunes"
    corpus.mkdir()
    for f in sorted(demo_corpus("irish").glob("*.mid"))[:30]:  # the session's: the window's home is empty
        shutil.copy(f, corpus / f.name)
    out = tmp_path / "run"
    worker = workers.train_worker(workers.TrainRequest(source=str(corpus), out_dir=out, preset="tiny",
                                                       overrides=(("epochs", 50),)))
    window.train_page.worker = worker
    ready = lambda ev: checkpoints.last_state(out) is not None and any(isinstance(e, BatchEnd) for e in ev[-3:])
    _close_while_running(qtbot, window, worker, ready, monkeypatch)
    state = checkpoints.last_state(out)
    assert state is not None and state["epoch"] >= 1
    from jukebox_gui.core.ml.config import train_config_from_dict
    from jukebox_gui.core.ml.models import build_model

    model = build_model(train_config_from_dict(state["config"]).model, state["vocab_size"])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    checkpoints.restore(out, model, state)  # the last checkpoint is intact


def test_close_during_generation(qtbot, window, tmp_path, monkeypatch):
    from jukebox_gui.core.data.tokenizer import Tokenizer
    from jukebox_gui.core.ml import bundle as bundles
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.models import build_model

    tok, config = Tokenizer(), preset("tiny", "lstm")
    path = bundles.save_bundle(tmp_path / "untrained", model=build_model(config.model, tok.vocab_size),
                               config=config, tokenizer=tok, training={})
    worker = workers.generate_worker(str(path), {"bars": 1000, "seed": 1, "max_attempts": 3})
    _close_while_running(qtbot, window, worker, lambda ev: len(ev) >= 2, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["mid_render", "final_pass"])
def test_close_during_rendering(qtbot, window, monkeypatch, moment):
    """mid_render: notes a second apart, so progress comes while FluidSynth runs; final_pass: dense
    notes, whose only progress event is the last one, so the close lands in the normalising pass."""
    from jukebox_gui.core.music.score import Note, Score, TempoChange, Track

    step = 1.0 if moment == "mid_render" else 0.25
    notes = [Note(i * step, 0.5, 40 + i % 40, 90) for i in range(int(1500 / step))]
    score = Score(tracks=[Track(program=0, notes=notes)], tempos=[TempoChange(0.0, 60.0)])  # 25 min
    worker = workers.render_worker(score, None)
    _close_while_running(qtbot, window, worker, lambda ev: len(ev) >= 1, monkeypatch)
