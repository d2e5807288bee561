"""The window reopens with the last corpus (and the styles beside it, and its style name), model,
generation settings, takes and selection; after a crash it says so in a non-modal bar and restores
only when asked; garbage in the settings file falls back to defaults with a message, never a crash."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from PySide6.QtWidgets import QApplication

from jukebox_gui.app.main_window import MainWindow
from jukebox_gui.app.pages.generate_page import DEFAULT_TEMPERATURE, DEFAULTS
from jukebox_gui.app.settings import Settings
from jukebox_gui.core.ml.generation import Take
from jukebox_gui.core.music.score import Note, Score, Track


def _score(base: int) -> Score:
    return Score(tracks=[Track(program=0, notes=[Note(i * 0.5, 0.5, base + i % 5, 80) for i in range(8)])])


@pytest.fixture
def open_window(qtbot, isolated_home):
    windows = []

    def make() -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.jobs.stop_all(5.0)


def _make_take(window: MainWindow, base: int) -> None:
    """What a finished generation does: the worker keeps the take, the page lists it."""
    page = window.generate_page
    settings, model = page.generation_settings(), page.model_combo.currentData()
    take = Take(_score(base), [1, 2, 3], {"seed": settings["seed"]})
    page._keep(take, settings, model)
    page._on_generated(take, settings, model)


def _set_up_a_session(window: MainWindow, corpus: str) -> None:
    page = window.generate_page
    window.corpus_page.set_source(corpus, scan=False)
    page.select_model("builtin:irish")
    page.bars_spin.setValue(7)
    page.temp_spin.setValue(1.35)
    page.seed_spin.setValue(4242)
    page.top_k_spin.setValue(12)
    page.program_combo.setCurrentIndex(page.program_combo.findData(40))
    page.form_edit.setText("AABB")
    page.section_bars.setValue(4)
    page.form_fill_check.setChecked(True)
    _make_take(window, 60)
    _make_take(window, 48)
    page.take_list.setCurrentRow(0)  # the first take is the one being looked at


def _assert_restored(window: MainWindow, corpus: str) -> None:
    page = window.generate_page
    assert window.corpus_page.source == corpus
    assert page.model_combo.currentData() == "builtin:irish"
    assert (page.bars_spin.value(), page.seed_spin.value(), page.top_k_spin.value()) == (7, 4242, 12)
    assert page.temp_spin.value() == pytest.approx(1.35)
    assert page.program_combo.currentData() == 40
    assert (page.form_edit.text(), page.section_bars.value()) == ("AABB", 4)
    assert page.form_fill_check.isChecked()
    assert page.primer_bars.value() == 2 and page.primer_edit.text() == ""  # no primer: its bars untouched
    assert len(page.takes) == 2 and page.take_list.currentRow() == 0
    assert page.current_take() is page.takes[0]


def test_a_clean_restart_reopens_the_last_session(open_window, tmp_path):
    corpus = tmp_path / "my tunes"
    corpus.mkdir()
    first = open_window()
    assert not first.crashed_last_time and first.notice.isHidden()
    _set_up_a_session(first, str(corpus))
    first.close()

    again = open_window()
    assert not again.crashed_last_time
    assert again.notice.isHidden()  # nothing to ask: it just reopens
    _assert_restored(again, str(corpus))
    again.corpus_page.cancel_scan()


def test_after_a_crash_it_says_so_and_restores_only_when_asked(open_window, tmp_path):
    corpus = tmp_path / "tunes"
    corpus.mkdir()
    first = open_window()
    _set_up_a_session(first, str(corpus))
    first.hide()  # never closed: what a crash or a kill leaves behind (the running marker stays)

    again = open_window()
    assert again.crashed_last_time
    assert again.notice.isVisible() and QApplication.activeModalWidget() is None  # a bar, not a dialog
    text = again.notice.text()
    assert "did not close normally" in text and "2 takes" in text and "corpus" in text
    page = again.generate_page
    assert len(page.takes) == 2  # the takes are back either way: they are on disk
    assert page.bars_spin.value() == DEFAULTS.bars and again.corpus_page.source == ""  # not yet
    again.notice.buttons["Restore"].click()
    assert again.notice.isHidden()
    _assert_restored(again, str(corpus))
    again.corpus_page.cancel_scan()
    again.close()
    assert not open_window().crashed_last_time  # the clean close cleared the marker


def test_start_fresh_keeps_the_defaults(open_window, tmp_path):
    first = open_window()
    _set_up_a_session(first, str(tmp_path))
    first.hide()
    again = open_window()
    again.notice.buttons["Start fresh"].click()
    assert again.notice.isHidden() and again.restore_offer is None
    assert again.generate_page.bars_spin.value() == DEFAULTS.bars and again.corpus_page.source == ""


def test_what_is_gone_is_said_not_restored(open_window, tmp_path):
    settings = Settings()
    settings.set_last_corpus(str(tmp_path / "deleted folder"))
    settings.set_last_model(str(tmp_path / "deleted model"))
    settings.sync()
    window = open_window()
    assert window.corpus_page.source == ""
    assert window.generate_page.model_combo.findData(str(tmp_path / "deleted model")) < 0
    text = window.notice.text()
    assert "deleted folder is no longer there" in text and "deleted model is no longer there" in text


def _tunes(folder, midi_bytes, count, program):
    folder.mkdir()
    for i in range(count):
        notes = [(60 + (i + k) % 7, k * 240, 240) for k in range(12)]
        (folder / f"tune{i}.mid").write_bytes(midi_bytes(notes, program=program))
    return folder


def _scanned(qtbot, page) -> None:
    qtbot.waitUntil(lambda: page.worker is not None and not page.worker.is_running() and page.report is not None,
                    timeout=60_000)


def test_the_corpus_styles_beside_it_and_its_style_name_survive_a_restart(open_window, qtbot, tmp_path, midi_bytes):
    reels = _tunes(tmp_path / "reels", midi_bytes, 3, 40)
    airs = _tunes(tmp_path / "Slow Airs", midi_bytes, 2, 0)
    jigs = _tunes(tmp_path / "jigs", midi_bytes, 2, 73)
    first = open_window()
    page = first.corpus_page
    page.set_source(str(reels))
    page.styles.add(str(airs))
    page.styles.add(str(jigs), "jig")
    page.styles.main_name.setText("reel")
    page.styles.main_name.editingFinished.emit()
    _scanned(qtbot, page)
    assert [r[0] for r in page.style_table.row_texts()] == ["reel", "Slow-Airs", "jig", "Total"]
    first.close()
    shutil.rmtree(jigs)  # a style's folder gone meanwhile: said, not restored

    again = open_window()
    page = again.corpus_page
    assert page.source == str(reels) and page.styles.main_name.text() == "reel"
    assert page.styles.list.extras() == [("Slow-Airs", str(airs))]
    assert "More corpora, each a style (1 beside this one)" == page.styles.toggle.text()
    assert f"the folder {jigs} of the style jig is no longer there" in again.notice.text()
    _scanned(qtbot, page)  # scanned as the page scans: per style
    assert [r[0] for r in page.style_table.row_texts()] == ["reel", "Slow-Airs", "Total"]
    assert [r[3] for r in page.style_table.row_texts()] == ["3", "2", "5"]
    assert again.train_page._sources() == [f"reel={reels}", f"Slow-Airs={airs}"]  # what training gets
    assert again.train_page.corpus_label.text().endswith("(5 usable files in 2 styles)")
    if os.environ.get("JUKEBOX_SCREENSHOTS"):
        again.show_page(0)
        qtbot.wait(50)
        again.grab().save(os.path.join(os.environ["JUKEBOX_SCREENSHOTS"], "polish-corpus-restored.png"))
    assert Settings().session_state().styles == [f"Slow-Airs={airs}"]  # the gone one is dropped for good
    page.styles.list.table.selectRow(0)
    page.styles.list.remove_selected()  # back to one corpus: saved at once
    assert Settings().session_state().styles == [] and Settings().session_state().style_name == "reel"
    _scanned(qtbot, page)


def test_several_folders_opened_at_once_are_reopened_as_styles(open_window, qtbot, tmp_path, midi_bytes):
    reels = _tunes(tmp_path / "reels", midi_bytes, 2, 40)
    airs = _tunes(tmp_path / "airs", midi_bytes, 2, 0)
    first = open_window()
    first.open_paths([str(reels), str(airs)])
    _scanned(qtbot, first.corpus_page)
    first.close()
    again = open_window()
    assert again.corpus_page.source == str(reels)
    assert again.corpus_page.styles.list.extras() == [("airs", str(airs))]
    _scanned(qtbot, again.corpus_page)


def test_after_a_crash_the_styles_come_back_with_restore(open_window, qtbot, tmp_path, midi_bytes):
    reels = _tunes(tmp_path / "reels", midi_bytes, 2, 40)
    airs = _tunes(tmp_path / "airs", midi_bytes, 2, 0)
    first = open_window()
    first.open_paths([str(reels), str(airs)])
    _scanned(qtbot, first.corpus_page)
    first.hide()  # never closed
    again = open_window()
    assert f"corpus {reels} with 1 more as styles" in again.notice.text()
    assert again.corpus_page.styles.list.extras() == []  # not yet
    again.notice.buttons["Restore"].click()
    assert again.corpus_page.source == str(reels)
    assert again.corpus_page.styles.list.extras() == [("airs", str(airs))]
    assert Settings().session_state().styles == [f"airs={airs}"]  # still saved after choosing the corpus again
    _scanned(qtbot, again.corpus_page)


def test_a_style_name_core_refuses_is_not_saved(open_window, qtbot, tmp_path, midi_bytes):
    reels = _tunes(tmp_path / "reels", midi_bytes, 2, 40)
    first = open_window()
    first.corpus_page.set_source(str(reels), scan=False)
    airs = _tunes(tmp_path / "airs", midi_bytes, 2, 0)
    first.corpus_page.styles.add(str(airs))
    assert Settings().session_state().styles == [f"airs={airs}"]
    first.corpus_page.styles.list.table.item(0, 0).setText("slow airs")  # a space: core refuses it
    assert Settings().session_state().styles == [f"airs={airs}"]  # the last good ones stay
    first.corpus_page.styles.list.table.item(0, 0).setText("slow-airs")
    assert Settings().session_state().styles == [f"slow-airs={airs}"]
    first.corpus_page.cancel_scan()


GARBAGE = {
    "session/generation": "{this is not json",
    "session/corpus": 12345,
    "session/running": "perhaps",
    "takes/prune_days": "banana",
    "window/page": "the third",
    "window/geometry": "zzz",
    "corpus/recent": 7,
    "session/styles": "[not, json",
    "session/style_name": "no spaces allowed",
}


def test_garbage_in_the_settings_falls_back_to_defaults_with_a_message(open_window):
    settings = Settings()
    for key, value in GARBAGE.items():
        settings.q.setValue(key, value)
    settings.sync()
    window = open_window()  # no exception
    text = window.notice.text()
    assert "generation settings could not be read" in text
    assert "deleting old takes was not valid" in text
    assert "styles beside the corpus could not be read" in text and "session/style_name could not be read" in text
    page = window.generate_page
    assert page.bars_spin.value() == DEFAULTS.bars and page.temp_spin.value() == pytest.approx(DEFAULT_TEMPERATURE)
    assert window.corpus_page.source == "" and window.stack.currentIndex() == 0
    assert Settings().prune_days() == 0 and Settings().recent_folders() == []


def test_a_settings_file_of_binary_junk_opens_with_defaults(open_window, isolated_home):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "settings.ini").write_bytes(bytes(range(256)) * 40 + b"\n[session]\ngeneration=@Variant(\\0\\xff)\n")
    window = open_window()
    assert window.generate_page.bars_spin.value() == DEFAULTS.bars
    window.close()
    assert not open_window().crashed_last_time  # and it still saves


def test_invalid_styles_are_dropped_one_by_one(open_window, tmp_path):
    corpus, other, jigs = tmp_path / "reels", tmp_path / "airs", tmp_path / "jigs"
    for folder in (corpus, other, jigs):
        folder.mkdir()
    settings = Settings()
    settings.set_last_corpus(str(corpus))
    settings.q.setValue("session/styles", json.dumps(
        [f"airs={other}", 5, "bad name=demo:bach", "=demo:irish", f"airs={corpus}", "x" * 5000, None,
         f"jig={jigs}", "gone=demo:no-such-demo"]))
    settings.sync()
    assert Settings().session_state().describe().startswith(f"corpus {corpus} with 3 more as styles")
    window = open_window()  # no exception, no dialog
    assert "6 of the saved styles beside the corpus could not be read" in window.notice.text()
    assert "the folder demo:no-such-demo of the style gone is no longer there" in window.notice.text()
    assert window.corpus_page.styles.list.extras() == [("airs", str(other)), ("jig", str(jigs))]
    window.corpus_page.cancel_scan()


def test_invalid_generation_fields_are_dropped_one_by_one(open_window):
    settings = Settings()
    settings.q.setValue("session/generation", json.dumps(
        {"bars": -5, "temperature": "hot", "seed": 77, "top_k": 1e9, "program": 40, "from_the_future": 1}))
    settings.sync()
    window = open_window()
    page = window.generate_page
    assert page.seed_spin.value() == 77 and page.program_combo.currentData() == 40  # the valid ones
    assert page.bars_spin.value() == DEFAULTS.bars
    assert "bars, temperature, top_k" in window.notice.text()
