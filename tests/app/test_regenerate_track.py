"""Regenerate one instrument in the window (issue 18): the ↻ button of a track's row writes a new
part for it under the other tracks, as variants to audition, keep or undo; a one-instrument model
says why it cannot; the Band box reaches the generation settings.

Uses the tiny real LSTM of tests/core/ml (full token stream: every instrument has a Program token)
and the slim one-instrument fill transformer beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "ml"))
from tiny_bundle import tiny_bundle, tiny_fill_bundle  # noqa: E402

from jukebox_gui.app.pages.generate_page import GeneratePage, TakeEntry  # noqa: E402
from jukebox_gui.app.settings import Settings  # noqa: E402
from jukebox_gui.app.workers import JobManager  # noqa: E402
from jukebox_gui.core.ml.generation import Take  # noqa: E402
from jukebox_gui.core.music.score import Note, Score, Track  # noqa: E402

pytest.importorskip("tensorflow")
WAIT_MS = 120_000


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> tuple[str, str]:
    return str(tiny_bundle(tmp_path_factory)), str(tiny_fill_bundle(tmp_path_factory))


@pytest.fixture
def page(qtbot, isolated_home, models):
    jobs = JobManager()
    page = GeneratePage(jobs, Settings())
    qtbot.addWidget(page)
    page.resize(1280, 820)
    page.show()
    qtbot.waitExposed(page)
    page.set_models([("tiny band", models[0]), ("tiny slim", models[1])])
    yield page
    jobs.stop_all(10.0)


def band(bars: int = 6) -> Score:
    melody = [Note(b * 4.0 + i, 1.0, 67 + (b + i) % 5, 90) for b in range(bars) for i in range(4)]
    bass = [Note(b * 4.0, 2.0, 36 + (b % 4) * 2, 80) for b in range(bars)]
    drums = [Note(b * 4.0 + i, 0.25, 36 if i % 2 == 0 else 38, 100) for b in range(bars) for i in range(4)]
    return Score(tracks=[Track(program=40, notes=melody), Track(program=33, notes=bass),
                         Track(is_drum=True, notes=drums)])


def _notes(track):
    return [(round(n.start, 4), n.pitch, round(n.duration, 4)) for n in track.notes]


def _press_regenerate(page, qtbot, row: int) -> None:
    """Press ↻ until the model check is done and the worker starts (the first press starts the check)."""
    button = page.tracks_panel.rows[row].regenerate_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.regen.checks.get(page.model_combo.currentData()) is not None, timeout=WAIT_MS)
    if not page.regen.running():
        button.click()


def test_the_bass_row_writes_a_new_bass_under_the_kept_tracks(page, qtbot):
    score = band()
    page.add_take(TakeEntry(1, Take(score, [], {}), page.generation_settings(), page.model_combo.currentData()))
    panel = page.tracks_panel
    assert [r.regenerate_button.accessibleName() for r in panel.rows] == [
        "Regenerate Violin", "Regenerate Fingered Bass", "Regenerate Drums"]
    page.variants_spin.setValue(2)
    page.piano_roll.set_selection(2, 5)
    _press_regenerate(page, qtbot, 1)
    qtbot.waitUntil(lambda: not page.regen.running() and bool(page.listed_take().variants), timeout=WAIT_MS)
    take = page.listed_take()
    assert len(take.variants) == 2 and take.variant_index == 1
    shown = page.piano_roll.score()
    assert shown is take.variants[0].score
    assert _notes(shown.tracks[0]) == _notes(score.tracks[0]) and _notes(shown.tracks[2]) == _notes(score.tracks[2])
    outside = [n for n in _notes(shown.tracks[1]) if not 8.0 <= n[0] < 20.0]
    assert outside == [n for n in _notes(score.tracks[1]) if not 8.0 <= n[0] < 20.0]
    assert page.regen.strip_label.text() == "Fingered Bass anew in bars 3-5 of Take 1:"
    assert take.variants[0].name == "Take 1 · Fingered Bass anew v1"
    assert take.variants[0].settings["regenerated"]["what"] == "Fingered Bass anew"
    page.regen.undo_stack.undo()
    assert not page.listed_take().variants and page.piano_roll.score() is take.score


def test_a_one_instrument_model_says_why_it_cannot_write_a_part(page, qtbot):
    page.add_take(TakeEntry(1, Take(band(), [], {}), page.generation_settings(), page.model_combo.currentData()))
    page.model_combo.setCurrentIndex(1)  # the slim one-instrument model
    with qtbot.waitSignals([page.status], timeout=WAIT_MS, check_params_cbs=[
            lambda text: "cannot write one instrument under others" in text or "Checking" in text]):
        _press_regenerate(page, qtbot, 1)
    messages = []
    page.status.connect(messages.append)
    page.tracks_panel.rows[1].regenerate_button.click()
    assert not page.regen.running()
    assert messages and "writes one instrument" in messages[-1]


def test_the_band_box_reaches_the_generation_settings(page):
    combo = page.instruments_combo
    assert page.generation_settings()["instruments"] is None
    combo.setCurrentIndex(combo.findData("3"))
    assert page.generation_settings()["instruments"] == "3"
    combo.setEditText("piano, bass, drums")
    assert page.generation_settings()["instruments"] == "piano, bass, drums"
    page.apply_generation_settings({"instruments": "4"})
    assert combo.currentText() == "4 instruments"
    page.apply_generation_settings({"instruments": "strings, drums"})
    assert page.generation_settings()["instruments"] == "strings, drums"
    page.apply_generation_settings({"instruments": None})
    assert page.generation_settings()["instruments"] is None


def test_the_style_box_follows_the_model_and_reaches_the_settings(page, qtbot):
    combo = page.style_combo
    # the tiny models have one style: once the bundle is opened (a worker) the box is off
    qtbot.waitUntil(lambda: page.regen.checks.get(page.model_combo.currentData()) is not None, timeout=WAIT_MS)
    assert not combo.isEnabled() and page.generation_settings()["style"] is None
    page.set_styles(["irish", "bach"])  # what a model of two styles fills it with
    assert combo.isEnabled() and [combo.itemText(i) for i in range(combo.count())] == [
        "all styles, blended", "irish", "bach"]
    assert page.generation_settings()["style"] is None
    combo.setCurrentIndex(2)
    assert page.generation_settings()["style"] == "bach"
    combo.setEditText("irish=0.7, bach=0.3")
    assert page.generation_settings()["style"] == "irish=0.7,bach=0.3"
    page.apply_generation_settings({"style": "irish"})
    assert page.generation_settings()["style"] == "irish"
    page.set_styles([])
    assert not combo.isEnabled() and page.generation_settings()["style"] is None
