"""Models page: rows from the core's BundleInfo (kind, corpus, figures); only usable models are offered."""

from __future__ import annotations

import json

import pytest

from jukebox_gui.app.pages.models_page import ModelsPage
from jukebox_gui.app.workers import JobManager
from jukebox_gui.core.ml.bundle import list_bundles
from jukebox_gui.core.paths import models_dir


@pytest.fixture
def page(qtbot, isolated_home):
    jobs = JobManager()
    page = ModelsPage(jobs)
    qtbot.addWidget(page)
    yield page
    jobs.stop_all(5.0)


def test_rows_show_kind_corpus_and_figures(page):
    good = models_dir() / "good"
    good.mkdir(parents=True)
    for name in ("model.weights.h5", "tokenizer.json"):
        (good / name).write_text("{}")
    (good / "config.json").write_text(json.dumps({"arch": "lstm", "preset": "tiny", "created": "2026-01-02T03:04:05+00:00"}))
    (good / "training.json").write_text(json.dumps({
        "best_val_loss": 1.23456, "val_perplexity": 3.437, "corpus": {"source": "/music/reels", "pieces": 40},
        "melody": {"pitch_nll": 2.7, "pitch_ngram_nll": 2.06, "pitch_vs_ngram": 1.311, "pitch_unigram_nll": 2.77,
                   "learned_melody": False}}))
    (models_dir() / "half" / "checkpoints").mkdir(parents=True)
    offered = []
    page.modelsChanged.connect(offered.append)
    page.set_models(list_bundles())
    cells = [[page.table.item(r, c).text() for c in range(page.table.columnCount())] for r in range(2)]
    assert cells[0] == ["good", "trained", "lstm", "reels (40 pieces)", "2026-01-02 03:04:05", "1.235", "3.44",
                        "still learning melody (1.31× n-gram)"]
    assert "2.70 nats per pitch vs 2.06" in page.table.item(0, 7).toolTip()
    assert cells[1][:2] == ["half", "unfinished"] and cells[1][5:] == ["—", "—", "—"]
    assert offered == [[("good (trained)", str(good))]]
