"""Issue 7 "Done when": the whole flow offscreen through the widgets — demo:irish, scan, train tiny
for one epoch (the loss chart gets points), generate 8 bars (the piano roll shows them), render,
export MIDI and MusicXML. Real scanner, real Keras, real FluidSynth, real music21."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

pytestmark = pytest.mark.slow


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    # models and settings go to a fresh home; the demo corpus (slow to build) comes from the shared one
    from jukebox_gui.core.paths import data_dir

    shared_demo = data_dir() / "demo"
    home = tmp_path / "home"
    monkeypatch.setenv("JUKEBOX_HOME", str(home))
    if shared_demo.is_dir():
        (home / "data").mkdir(parents=True)
        (home / "data" / "demo").symlink_to(shared_demo, target_is_directory=True)
    failures = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: failures.append(a[1:3]))
    from jukebox_gui.app.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.failures = failures
    yield win
    win.jobs.stop_all(5.0)


def wait_for(qtbot, window, signal, action, timeout_s: float) -> list:
    """Run ``action`` and wait for ``signal``, or stop early when an error dialog would show."""
    got: list = []
    signal.connect(lambda *args: got.append(args))
    action()
    qtbot.waitUntil(lambda: bool(got) or bool(window.failures), timeout=int(timeout_s * 1000))
    assert not window.failures, window.failures
    return list(got[0])


def test_demo_to_exported_take(qtbot, window, tmp_path, monkeypatch):
    corpus, train, gen = window.corpus_page, window.train_page, window.generate_page

    # 1. pick demo:irish and scan
    corpus.demo_combo.setCurrentIndex(corpus.demo_combo.findData("demo:irish"))
    wait_for(qtbot, window, corpus.scanned, corpus.demo_button.click, 300)
    assert corpus.usable_files >= 300
    assert not corpus.warning.isVisible()

    # 2. train with the tiny preset for one epoch
    window.show_page(1)
    train.preset_combo.setCurrentIndex(train.preset_combo.findData("tiny"))
    train.arch_combo.setCurrentIndex(train.arch_combo.findData("lstm"))
    train.advanced_toggle.click()
    train.epochs_spin.setValue(1)
    bundle = Path(wait_for(qtbot, window, train.trained, train.start_button.click, 300)[0])
    assert (bundle / "config.json").is_file()
    assert train.plot.batch_points > 0 and train.plot.epoch_points == 1
    assert train.labels["epoch"].text() == "1 / 1"

    # 3. generate 8 bars with that model; the piano roll shows the take
    qtbot.waitUntil(lambda: gen.model_combo.findData(str(bundle)) >= 0, timeout=10_000)
    gen.select_model(str(bundle))
    gen.bars_spin.setValue(8)
    gen.seed_spin.setValue(7)
    window.show_page(3)
    take = wait_for(qtbot, window, gen.generated, gen.generate_button.click, 120)[0]
    assert take.score.note_count > 0
    assert gen.piano_roll.score() is take.score
    assert "Originality" in gen.report.toHtml() or "Compared" in gen.report.toHtml()

    # 4. render it
    wait_for(qtbot, window, gen.rendered, gen.render_button.click, 120)
    assert take.audio.ndim == 2 and take.audio.shape[1] == 2 and np.abs(take.audio).max() > 0.001

    # 5. export MIDI and MusicXML through the buttons (the save dialog answers with a path)
    out = tmp_path / "exports"
    out.mkdir()
    for kind, name in (("midi", "take.mid"), ("musicxml", "take.musicxml")):
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, n=name, **k: (str(out / n), ""))
        exported = wait_for(qtbot, window, gen.exported, gen.export_buttons[kind].click, 120)
        assert exported == [kind, str(out / name)]
    from jukebox_gui.core.music.midi_io import read_midi

    assert read_midi(out / "take.mid").note_count == take.score.note_count
    assert b"score-partwise" in (out / "take.musicxml").read_bytes()[:2000]
    shutil.rmtree(bundle, ignore_errors=True)
