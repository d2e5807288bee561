"""Train page: preset defaults, advanced settings, events -> loss chart and labels."""

from __future__ import annotations

import pytest

from jukebox_gui.app.pages.train_page import TrainPage
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.workers import JobManager
from jukebox_gui.core.ml.settings import training_config
from jukebox_gui.core.ml.events import BatchEnd as Batch
from jukebox_gui.core.ml.events import EpochEnd as Epoch


@pytest.fixture
def page(qtbot, isolated_home):
    jobs = JobManager()
    page = TrainPage(jobs, Settings())
    qtbot.addWidget(page)
    page.show()
    yield page
    jobs.stop_all(5.0)


def test_presets_fill_advanced_settings(page):
    page.preset_combo.setCurrentIndex(page.preset_combo.findData("tiny"))
    assert page.epochs_spin.value() == 2
    assert not page.advanced.isVisible()
    page.advanced_toggle.click()
    assert page.advanced.isVisible()
    page.epochs_spin.setValue(1)
    config = training_config("tiny", page.arch_combo.currentData(), **page.overrides())
    assert config.epochs == 1 and config.preset == "tiny"
    assert config.model.seq_len == page.seq_spin.value()


def test_start_needs_a_corpus(page, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    assert not page.start_button.isEnabled()
    page.set_corpus("demo:irish")
    assert page.start_button.isEnabled()
    assert "demo:irish" in page.corpus_label.text()


def test_events_draw_the_loss_chart_and_labels(page):
    own = [5.0 - b * 0.1 for b in range(1, 11)]  # each batch's own loss
    means = [sum(own[:b]) / b for b in range(1, 11)]  # what Keras reports: the epoch's running mean
    events = [Batch(1, b, 400, means[b - 1], 1234.0) for b in range(1, 11)]  # the first 10 of 400 batches
    page._on_progress(events)
    page._on_progress([Epoch(1, 3, 4.2, 4.4, 81.5, 0.2, 0.25, 12.0, 24.0)])
    assert page.plot.batch_points == 10
    assert page.plot.epoch_points == 1
    xs, raw, smooth = page.plot.batch_series()
    assert xs[-1] == pytest.approx(10 / 400)
    assert raw == pytest.approx(own)  # per-batch losses recovered from the running means
    assert smooth[0] == pytest.approx(4.9)  # the EMA starts at the first value, not 0
    assert 4.0 < smooth[-1] < 4.9  # smoothed lags behind the raw 4.0
    assert page.labels["epoch"].text() == "1 / 3"
    assert page.labels["eta"].text() == "0:24"
    assert page.labels["val"].text() == "4.400"
    assert "1,234" in page.labels["speed"].text()


def test_checkpoints_and_previous_runs_come_from_the_core(page, isolated_home):
    import json

    from jukebox_gui.core.paths import models_dir

    run = models_dir() / "irish-lstm"
    for name in ("epoch-0001", "epoch-0002", "epoch-0003"):
        (run / "checkpoints" / name).mkdir(parents=True)
    (run / "checkpoints" / "last.json").write_text(json.dumps({"dir": "epoch-0003", "epoch": 3}))
    (run / "checkpoints" / "best.json").write_text(json.dumps({"dir": "epoch-0002", "epoch": 2}))
    page.out_dir = run
    page.refresh_checkpoints()
    rows = [page.checkpoints.item(i).text() for i in range(page.checkpoints.count())]
    assert [r.split("   (")[0] for r in rows] == ["epoch-0003  [last]", "epoch-0002  [best]", "epoch-0001"]
    page.refresh_runs()
    assert page.runs_combo.currentData() == str(run)


def test_scan_report_reaches_the_training_request(page, monkeypatch, tmp_path):
    from jukebox_gui.app.pages import train_page
    from jukebox_gui.core.data.scan import CorpusReport, CorpusStats

    report = CorpusReport(source=str(tmp_path), folder=str(tmp_path), files=[], stats=CorpusStats(ok=7))
    page.set_corpus(str(tmp_path), report)
    assert "7 usable files" in page.corpus_label.text()
    requests = []
    monkeypatch.setattr(page, "_launch", requests.append)
    page.start()
    assert requests[0].report is report and requests[0].source == str(tmp_path)
    page.set_corpus("demo:bach")  # a new source: its scan is not done yet
    page.start()
    assert requests[1].report is None
