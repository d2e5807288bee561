"""Regenerate a selection in the window (issue 17): select bars in the piano roll (programmatically,
by dragging across the bar ruler, by shift-click), press "Regenerate selection", audition the
variants, keep one, undo and redo; a continuation-only model says why it cannot fill.

Uses the tiny real fill-trained transformer of tests/core/ml (a few seconds of training, once per
session) and the continuation-only LSTM beside it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "ml"))
from tiny_bundle import tiny_bundle, tiny_fill_bundle  # noqa: E402

from jukebox_gui.app.pages.generate_page import GeneratePage, TakeEntry  # noqa: E402
from jukebox_gui.app.pages.regenerate import NO_SELECTION, NO_TAKE  # noqa: E402
from jukebox_gui.app.settings import Settings  # noqa: E402
from jukebox_gui.app.widgets.piano_roll import RULER_H  # noqa: E402
from jukebox_gui.app.workers import JobManager  # noqa: E402
from jukebox_gui.core.ml.generation import Take  # noqa: E402
from jukebox_gui.core.music.score import Note, Score, Track  # noqa: E402

pytest.importorskip("tensorflow")

WAIT_MS = 180_000  # a fill on a busy 2-core machine


@pytest.fixture(scope="module")
def fill_model(tmp_path_factory) -> str:
    return str(tiny_fill_bundle(tmp_path_factory))


@pytest.fixture(scope="module")
def plain_model(tmp_path_factory) -> str:
    return str(tiny_bundle(tmp_path_factory))


@pytest.fixture(scope="module")
def base_take(fill_model):
    """A real tune of the corpus the tiny model learnt from, as a take (what the window shows)."""
    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.music.midi_io import read_midi

    for path in sorted(demo_corpus_dir("irish").glob("*.mid")):
        score = read_midi(path)
        if 8 <= len(score.bar_starts(score.end_beat + 1e-6)) <= 24:
            return Take(score, [], {"source": path.name})
    pytest.skip("no demo tune of 8-24 bars")


@pytest.fixture
def page(qtbot, isolated_home, fill_model, plain_model):
    jobs = JobManager()
    page = GeneratePage(jobs, Settings())
    qtbot.addWidget(page)
    page.resize(1280, 820)
    page.show()
    qtbot.waitExposed(page)
    page.set_models([("tiny fill", fill_model), ("tiny plain", plain_model)])
    yield page
    jobs.stop_all(10.0)


def simple_score(bars: int = 8) -> Score:
    notes = [Note(start=i * 0.5, duration=0.5, pitch=60 + (i * 5) % 12, velocity=80) for i in range(bars * 8)]
    return Score(tracks=[Track(program=40, name="Violin", notes=notes)])


def add_take(page, take: Take, number: int = 1) -> TakeEntry:
    entry = TakeEntry(number, take, page.generation_settings(), page.model_combo.currentData())
    page.add_take(entry)
    return entry


def notes_outside(score: Score, start: float, end: float) -> list:
    return sorted((round(n.start, 6), n.pitch, round(n.duration, 6), n.velocity, t.program, t.is_drum)
                  for t in score.tracks for n in t.notes if not start - 1e-9 <= n.start < end - 1e-9)


def ruler_x(roll, bar: int) -> int:
    """The middle of bar ``bar`` (0-based) on the ruler, in viewport pixels."""
    start, end = roll._bar_beats[bar], roll._bar_beats[bar + 1]
    return round(roll._x_of((start + end) / 2))


def drag(qtbot, widget, start: QPoint, end: QPoint, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, modifier, start)
    steps = 6
    for k in range(1, steps + 1):
        qtbot.mouseMove(widget, QPoint(start.x() + (end.x() - start.x()) * k // steps, start.y()))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, modifier, end)


def grab(widget) -> QImage:
    return widget.grab().toImage()


def test_bars_are_selected_by_code_by_dragging_the_ruler_and_by_shift_click(page, qtbot):
    add_take(page, Take(simple_score(8), []))
    roll = page.piano_roll
    assert roll.bar_count() == 8 and roll.selection() is None
    assert page.regenerate_button.toolTip() == NO_SELECTION and not page.regenerate_button.isEnabled()
    before = grab(roll)

    with qtbot.waitSignal(roll.selectionChanged, timeout=1000) as blocker:
        roll.set_selection(4, 6)
    assert blocker.args == [(4, 6)] and roll.selection() == (4, 6)
    assert roll.selection_beats() == (16.0, 24.0)
    assert "Bars 5-6 selected" in page.regen.info.text()
    # the band is drawn over bars 5-6 only: pixels change inside it, not outside
    after = grab(roll)
    inside = [ruler_x(roll, 4), ruler_x(roll, 5)]
    outside = [ruler_x(roll, 1), ruler_x(roll, 7)]
    y = roll.viewport().height() - 30
    assert all(before.pixel(x, y) != after.pixel(x, y) for x in inside)
    assert all(before.pixel(x, y) == after.pixel(x, y) for x in outside)

    roll.setFocus()
    qtbot.keyClick(roll, Qt.Key.Key_Escape)
    assert roll.selection() is None

    # a drag across the bar ruler, from the middle of bar 5 to the middle of bar 6, snaps to bars 5-6
    vp = roll.viewport()
    seeks = []
    roll.seekRequested.connect(seeks.append)
    drag(qtbot, vp, QPoint(ruler_x(roll, 4), RULER_H // 2), QPoint(ruler_x(roll, 5), RULER_H // 2))
    assert roll.selection() == (4, 6) and not seeks  # a drag in the ruler selects, it does not seek
    drag(qtbot, vp, QPoint(ruler_x(roll, 6), RULER_H // 2), QPoint(ruler_x(roll, 2), RULER_H // 2))
    assert roll.selection() == (2, 7)  # backwards works too
    # dragging past the end stops at the last bar
    drag(qtbot, vp, QPoint(ruler_x(roll, 6), RULER_H // 2), QPoint(vp.width() - 5, RULER_H // 2))
    assert roll.selection() == (6, 8)

    # a plain click in the ruler still seeks and leaves the selection alone
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=QPoint(ruler_x(roll, 1), RULER_H // 2))
    assert seeks and roll.selection() == (6, 8)

    # shift-click: a bar, then extend to another
    qtbot.keyClick(roll, Qt.Key.Key_Escape)
    shift = Qt.KeyboardModifier.ShiftModifier
    notes_y = vp.height() // 2
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, shift, QPoint(ruler_x(roll, 4), notes_y))
    assert roll.selection() == (4, 5)
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, shift, QPoint(ruler_x(roll, 5), notes_y))
    assert roll.selection() == (4, 6)
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, shift, QPoint(ruler_x(roll, 2), notes_y))
    assert roll.selection() == (2, 5)  # extends from the anchor (bar 5) the other way


def test_the_button_says_why_it_cannot_run(page, qtbot, plain_model, fill_model):
    button = page.regenerate_button
    assert not button.isEnabled() and button.toolTip() == NO_TAKE
    add_take(page, Take(simple_score(8), []))
    assert not button.isEnabled() and button.toolTip() == NO_SELECTION
    page.select_model(plain_model)
    page.piano_roll.set_selection(4, 6)
    qtbot.waitUntil(lambda: "Checking" not in button.toolTip(), timeout=WAIT_MS)  # the check runs in a worker
    assert not button.isEnabled()
    assert "tiny plain cannot regenerate a selection" in button.toolTip()
    assert "continuation only" in button.toolTip() and "continuation only" in page.regen.info.text()
    assert page.regenerate_selection() is None  # refused, and says why
    assert page.regen.worker is None
    page.select_model(fill_model)
    qtbot.waitUntil(button.isEnabled, timeout=WAIT_MS)
    assert "bars 5-6" in button.toolTip()


def test_regenerate_variants_keep_undo_redo(page, qtbot, base_take, tmp_path):
    roll = page.piano_roll
    parent = add_take(page, base_take)
    original = parent.score
    # select bars 5-6 with the mouse, as a user would
    drag(qtbot, roll.viewport(), QPoint(ruler_x(roll, 4), RULER_H // 2), QPoint(ruler_x(roll, 5), RULER_H // 2))
    assert roll.selection() == (4, 6)
    start, end = roll.selection_beats()
    page.variants_spin.setValue(3)
    page.seed_spin.setValue(11)
    qtbot.waitUntil(page.regenerate_button.isEnabled, timeout=WAIT_MS)
    page.regenerate_button.click()
    assert page.regen.running() and not page.regenerate_button.isEnabled() and page.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: bool(parent.variants), timeout=WAIT_MS)

    # three variants: every note outside bars 5-6 exactly as before, the selection new
    variants = parent.variants
    assert len(variants) == 3 and page.regen.strip.isVisible()
    assert [b.text() for b in page.regen.choices.buttons()] == ["Original", "v1", "v2", "v3"]
    outside = notes_outside(original, start, end)
    for k, variant in enumerate(variants, start=1):
        assert notes_outside(variant.score, start, end) == outside
        assert variant.report["infill"]["bars"] == [5, 6] and variant.report["infill"]["variant"] == k
        assert variant.name == f"Take 1 · bars 5-6 v{k}"
    assert notes_outside(parent.score, start, end) == outside and parent.score is original  # the take itself
    insides = {tuple(sorted((n.start, n.pitch) for t in v.score.tracks for n in t.notes
                            if start <= n.start < end)) for v in variants}
    assert len(insides) > 1  # the variants differ
    assert roll.score() is variants[0].score and page.current_take() is variants[0]
    assert "Bars 5–6 regenerated" in page.report.toPlainText()
    assert len(page.takes) == 1  # nothing is kept until the user says so

    # audition v2: the piano roll, the report and the render/play path follow it
    page.regen.choices.button(2).click()
    assert roll.score() is variants[1].score and page.current_take() is variants[1]
    assert roll.selection() == (4, 6)  # the selection stays while comparing
    if os.environ.get("JUKEBOX_SCREENSHOTS"):
        page.grab().save(os.path.join(os.environ["JUKEBOX_SCREENSHOTS"], "regenerate_selection.png"))
    # listen to it: "Render audio" renders the variant shown, the transport loads it
    with qtbot.waitSignal(page.rendered, timeout=WAIT_MS) as blocker:
        page.render_button.click()
    assert blocker.args[0] is variants[1] and variants[1].audio is not None and parent.audio is None
    assert page.transport.player.source is not None
    page.regen.choices.button(1).click()  # v1 is not rendered yet: nothing to play
    assert page.transport.player.source is None
    page.regen.choices.button(0).click()
    assert roll.score() is original and not page.regen.keep_button.isEnabled()
    page.regen.choices.button(2).click()
    assert page.transport.player.source is not None  # v2's audio is kept while auditioning

    # keep v2: a take of its own, through the takes store
    page.regen.keep_button.click()
    assert len(page.takes) == 2 and not parent.variants and not page.regen.strip.isVisible()
    kept = page.takes[1]
    assert kept.name == "Take 1 · bars 5-6 v2" and kept.score is variants[1].score
    assert kept.audio is variants[1].audio  # no need to render it again
    assert kept.stored is not None and kept.stored.midi_path.exists()
    assert page.take_list.currentRow() == 1 and "Take 1 · bars 5-6 v2" in page.take_list.item(1).text()
    assert page.store.takes(page.session)[-1].name == "Take 1 · bars 5-6 v2"
    midi = kept.stored.midi_path

    # Ctrl+Z: the kept take goes (from the disk too) and the variants are back, v2 shown
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(page.takes) == 1 and not midi.exists()
    assert parent.variants == variants and parent.variant_index == 2 and roll.score() is variants[1].score
    # Ctrl+Z again: the take as it was before "Regenerate selection"
    qtbot.keyClick(page, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not parent.variants and roll.score() is original and page.current_take() is parent
    assert not page.regen.strip.isVisible()
    # Ctrl+Shift+Z twice: the variants, then the kept take again
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(page, Qt.Key.Key_Z, redo)
    assert parent.variants == variants and roll.score() is variants[0].score
    page.regen.choices.button(2).click()
    qtbot.keyClick(page, Qt.Key.Key_Z, redo)
    assert len(page.takes) == 2 and page.takes[1].score is variants[1].score
    assert page.takes[1].stored is not None and page.takes[1].stored.midi_path.exists()

    # regenerate again from the kept take, then discard: undo brings the variants back
    page.variants_spin.setValue(1)
    qtbot.waitUntil(page.regenerate_button.isEnabled, timeout=WAIT_MS)
    page.regenerate_button.click()
    second = page.takes[1]
    qtbot.waitUntil(lambda: bool(second.variants), timeout=WAIT_MS)
    assert len(second.variants) == 1 and second.variants[0].name == "Take 1 · bars 5-6 v2 · bars 5-6 v1"
    page.regen.discard_button.click()
    assert not second.variants and roll.score() is second.score
    assert page.regen.undo_action.isEnabled() and "Undo Discard the variants" in page.regen.undo_action.toolTip()
    page.regen.undo_button.click()
    assert len(second.variants) == 1 and page.regen.strip.isVisible()
    assert "Redo Discard the variants" in page.regen.redo_action.toolTip()


def test_the_window_menus_reach_undo_redo_and_regenerate(qtbot, isolated_home):
    from jukebox_gui.app.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    edit = [a.text() for a in menus["Edit"].actions()]
    assert edit[:2] == ["Undo", "Redo"] and not menus["Edit"].actions()[0].isEnabled()  # nothing to undo yet
    run = {a.text(): a for a in menus["Run"].actions()}
    messages = []
    window.generate_page.status.connect(messages.append)
    run["Regenerate selection"].trigger()  # no take yet: it says why instead of failing
    assert messages and window.generate_page.regen.worker is None
    window.jobs.stop_all(5.0)
