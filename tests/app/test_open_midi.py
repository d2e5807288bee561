"""Opening MIDI files as takes (issue 18): File > Open…, drag and drop anywhere, ``jukebox-gui
FILE.mid``. Real files (music21's test MIDI), real parser processes, real FluidSynth; the dialog
and drops are driven like a user's (select + accept, QDropEvent with file URLs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from jukebox_gui.app.main import parse_args, start_window
from jukebox_gui.app.main_window import MainWindow

WAIT_MS = 60_000


@pytest.fixture
def multitrack(real_midi_files) -> Path:
    """A real 4-track MIDI file (163 notes, 18 s)."""
    path = next(p for p in real_midi_files if p.name == "test02.mid")
    return path


@pytest.fixture
def window(qtbot, isolated_home):
    made = []

    def make() -> MainWindow:
        w = MainWindow()
        qtbot.addWidget(w)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.jobs.stop_all(10.0)
        w.close()


def _open(qtbot, window: MainWindow, paths) -> list:
    with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS) as blocker:
        window.open_paths([str(p) for p in paths])
    return blocker.args[0]


def _labels(window: MainWindow) -> list[str]:
    tl = window.generate_page.take_list
    return [tl.item(i).text() for i in range(tl.count())]


def _file_menu_action(window: MainWindow, text: str):
    file_menu = window.menuBar().actions()[0].menu()
    return next(a for a in file_menu.actions() if a.text().replace("&", "") == text)


def test_file_open_shows_a_multitrack_take_that_renders_and_survives_restart(qtbot, window, multitrack, tmp_path):
    w = window()
    action = _file_menu_action(w, "Open…")
    assert action.shortcut().toString() == "Ctrl+O"
    assert _file_menu_action(w, "Open corpus folder…")  # still there
    action.trigger()
    dialog = w.open_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.selectFile(str(multitrack))
    with qtbot.waitSignal(w.opener.opened, timeout=WAIT_MS) as blocker:
        dialog.accept()
    [entry] = blocker.args[0]
    page = w.generate_page
    assert entry.opened
    assert w.stack.currentWidget() is page
    assert _labels(w) == ["test02.mid · opened · 163 notes · 18 s"]
    assert page.current_take() is entry
    shown = page.piano_roll.score()
    assert shown is entry.score and shown.note_count == 163 and len([t for t in shown.tracks if t.notes]) == 4
    report = page.report.toPlainText()
    assert "test02.mid" in report and str(multitrack.parent) in report  # where it came from
    # kept in the takes store like a generated take
    [kept] = page.store.takes(page.session)
    assert kept.name == "test02.mid" and entry.stored.id == kept.id
    assert kept.load_score().note_count == 163
    # ready to export and to render: real FluidSynth
    assert page.render_button.isEnabled() and page.export_buttons["midi"].isEnabled()
    with qtbot.waitSignal(page.rendered, timeout=WAIT_MS):
        page.render()
    assert entry.audio is not None and len(entry.audio) > 18 * 22050
    assert float(np.max(np.abs(entry.audio))) > 0.1
    # continue it as a primer: the Generate page's primer is its copy in the store
    w.continue_take()
    assert page.generation_settings()["primer"] == str(kept.midi_path)
    assert page.generation_settings()["primer_bars"] == 10  # the whole take opens the continuation
    w.close()

    again = window()
    assert _labels(again) == ["test02.mid · opened · 163 notes · 18 s"]
    assert again.generate_page.takes[0].opened
    assert again.generate_page.takes[0].score.note_count == 163


def test_several_files_at_once_each_become_a_take(qtbot, window, real_midi_files):
    w = window()
    files = [p for p in real_midi_files if p.name in ("test02.mid", "test11.mid", "test17.mid")]
    entries = _open(qtbot, w, files)
    assert [e.name for e in entries] == ["test02.mid", "test11.mid", "test17.mid"]
    assert [label.split(" · ")[0] for label in _labels(w)] == ["test02.mid", "test11.mid", "test17.mid"]
    assert len(w.generate_page.store.takes(w.generate_page.session)) == 3
    assert w.generate_page.current_take() is entries[-1]


def test_file_open_on_a_folder_opens_the_corpus(qtbot, window, real_midi_files, tmp_path):
    folder = tmp_path / "songs"
    folder.mkdir()
    for p in real_midi_files[:3]:
        (folder / p.name).write_bytes(p.read_bytes())
    w = window()
    dialog = w.show_open_dialog()
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(str(folder))
    with qtbot.waitSignal(w.corpus_page.scanned, timeout=WAIT_MS):
        dialog.accept()
    assert w.corpus_page.source == str(folder)
    assert w.stack.currentWidget() is w.corpus_page
    assert w.generate_page.takes == []


def _folders(tmp_path, real_midi_files, *names):
    made = []
    for k, name in enumerate(names):
        folder = tmp_path / name
        folder.mkdir()
        for p in real_midi_files[2 * k:2 * k + 2]:
            (folder / p.name).write_bytes(p.read_bytes())
        made.append(folder)
    return made


def test_file_open_on_several_folders_opens_a_corpus_with_styles(qtbot, window, real_midi_files, tmp_path):
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QListView

    music = tmp_path / "music"
    music.mkdir()
    reels, airs = _folders(music, real_midi_files, "reels", "Slow Airs")
    w = window()
    w.corpus_page.styles.add("demo:bach")  # listed before: the folders opened take its place
    dialog = w.show_open_dialog()
    dialog.setDirectory(str(music))
    view = dialog.findChild(QListView, "listView")
    qtbot.waitUntil(lambda: view.model().rowCount(view.rootIndex()) == 2, timeout=WAIT_MS)
    rows = {view.model().index(r, 0, view.rootIndex()).data(): r for r in range(2)}
    for name in ("reels", "Slow Airs"):  # what ctrl+click on both does
        view.selectionModel().select(view.model().index(rows[name], 0, view.rootIndex()),
                                     QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    assert len(dialog.selectedFiles()) == 2
    with qtbot.waitSignal(w.corpus_page.stylesChanged, timeout=WAIT_MS) as blocker:
        dialog.accept()
    assert not dialog.isVisible()  # it opened them rather than entering one
    assert w.corpus_page.source == str(reels)
    assert blocker.args[0] == [f"reels={reels}", f"Slow-Airs={airs}"]  # default names: the folders'
    assert [r[0] for r in w.corpus_page.style_table.row_texts()] == ["reels", "Slow-Airs", "Total"]
    assert w.train_page.styles.extras() == [("Slow-Airs", str(airs))]
    assert w.stack.currentWidget() is w.corpus_page and w.notice.isHidden()


def test_dropping_several_folders_and_a_file_opens_a_corpus_with_styles_and_a_take(
        qtbot, window, real_midi_files, multitrack, tmp_path):
    first, second, third = _folders(tmp_path, real_midi_files, "jigs", "reels", "hornpipes")
    w = window()
    w.show_page(3)
    with qtbot.waitSignal(w.corpus_page.stylesChanged, timeout=WAIT_MS) as styles, \
            qtbot.waitSignal(w.opener.opened, timeout=WAIT_MS) as opened:
        _drop(w.generate_page.report, [first, multitrack, second, third])
    page = w.corpus_page
    assert page.source == str(first)
    assert page.styles.list.extras() == [("reels", str(second)), ("hornpipes", str(third))]
    assert styles.args[0] == [f"jigs={first}", f"reels={second}", f"hornpipes={third}"]
    assert page.styled is not None and len(page.styled.reports) == 3 and page.usable_files > 0
    assert "2 beside this one" in page.styles.toggle.text() and not page.styles.box.isHidden()
    assert [e.name for e in opened.args[0]] == ["test02.mid"]  # the MIDI file: a take, as before
    assert "One corpus at a time" not in w.notice.text()


def _drop(target, paths) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()
    return drop


def test_drop_a_midi_file_anywhere_opens_it_as_a_take(qtbot, window, multitrack, real_midi_files):
    w = window()
    page = w.generate_page
    w.show_page(3)
    # onto the piano roll (does not take drops: the window does), and onto the primer field (a
    # text field that takes drops itself: the window's filter opens the file instead)
    with qtbot.waitSignal(w.opener.opened, timeout=WAIT_MS):
        _drop(page.piano_roll, [multitrack])
    other = next(p for p in real_midi_files if p.name == "test11.mid")
    with qtbot.waitSignal(w.opener.opened, timeout=WAIT_MS):
        _drop(page.primer_edit, [other])
    assert page.primer_edit.text() == ""
    assert [label.split(" · ")[0] for label in _labels(w)] == ["test02.mid", "test11.mid"]
    assert page.piano_roll.score().note_count == 48
    # onto the Corpus page, which takes folder drops itself: a file is a take there too
    w.show_page(0)
    with qtbot.waitSignal(w.opener.opened, timeout=WAIT_MS):
        _drop(w.corpus_page, [multitrack])
    assert len(page.takes) == 3 and w.stack.currentWidget() is page


def test_drop_a_folder_on_the_generate_page_opens_the_corpus(qtbot, window, real_midi_files, tmp_path):
    folder = tmp_path / "dropped"
    folder.mkdir()
    for p in real_midi_files[:2]:
        (folder / p.name).write_bytes(p.read_bytes())
    w = window()
    w.show_page(3)
    with qtbot.waitSignal(w.corpus_page.scanned, timeout=WAIT_MS):
        _drop(w.generate_page.report, [folder])
    assert w.corpus_page.source == str(folder)
    assert w.stack.currentWidget() is w.corpus_page


def test_a_drag_of_other_files_is_not_taken(window, tmp_path):
    w = window()
    text = tmp_path / "notes.txt"
    text.write_text("not music")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(text))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.setAccepted(False)
    QApplication.sendEvent(w.generate_page.piano_roll, enter)
    assert not enter.isAccepted()


def test_a_corrupt_file_gives_a_message_and_nothing_is_listed(qtbot, window, tmp_path, multitrack):
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\xff\xff\xff\xff" + bytes(range(256)) * 4)
    empty = tmp_path / "empty.mid"
    empty.write_bytes(b"")
    w = window()
    with qtbot.waitSignal(w.opener.problems, timeout=WAIT_MS) as blocker:
        w.open_paths([str(bad), str(empty)])
    problems = blocker.args[0]
    assert len(problems) == 2 and "broken.mid" in problems[0] and "empty.mid" in problems[1]
    assert "broken.mid" in w.notice.text() and w.notice.isVisible()
    assert w.generate_page.takes == [] and w.generate_page.store.takes(w.generate_page.session) == []
    assert w.isVisible()
    # the window carries on: a good file still opens
    _open(qtbot, w, [multitrack])
    assert len(w.generate_page.takes) == 1


def test_the_command_line_opens_files_as_takes_and_a_folder_as_corpus(qtbot, isolated_home, multitrack, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    args = parse_args([str(multitrack), str(folder), str(tmp_path / "missing.mid")])
    w = start_window(args.paths, scan=False)
    qtbot.addWidget(w)
    try:
        qtbot.waitUntil(lambda: len(w.generate_page.takes) == 1, timeout=WAIT_MS)
        assert _labels(w) == ["test02.mid · opened · 163 notes · 18 s"]
        assert w.corpus_page.source == str(folder)
        assert "missing.mid" in w.notice.text()
        assert w.stack.currentWidget() is w.generate_page
    finally:
        w.jobs.stop_all(10.0)
        w.close()


def test_desktop_file_passes_files_and_takes_midi():
    desktop = Path(__file__).resolve().parents[2] / "resources" / "io.github.aijukebox.AIJukebox.desktop"
    text = desktop.read_text()
    assert "Exec=jukebox-gui %F" in text and "audio/midi" in text


def test_an_opened_file_regenerates_a_selection_with_a_bundled_model(qtbot, window, multitrack):
    """No training: the bundled irish model fills bars 5-6 of the opened 4-track file."""
    pytest.importorskip("tensorflow")
    w = window()
    [entry] = _open(qtbot, w, [multitrack])
    page = w.generate_page
    page.select_model("builtin:irish")
    page.piano_roll.set_selection(4, 6)
    page.variants_spin.setValue(1)
    qtbot.waitUntil(page.regenerate_button.isEnabled, timeout=180_000)
    page.regenerate_selection()
    qtbot.waitUntil(lambda: bool(entry.variants), timeout=180_000)
    [variant] = entry.variants
    assert variant.name == "test02.mid · bars 5-6 v1"
    bars = entry.score.bar_starts()

    def before(score):
        return sorted((n.start, n.pitch) for n, _t in score.all_notes() if n.start < bars[4] - 1e-6)

    assert before(variant.score) == before(entry.score) != []  # every note before bar 5 is kept
