"""Corpus page with several styles (issue 19): more folders beside the chosen one, each a style,
scanned together (real scans of small real MIDI folders) and reported per style; a bad style name
is said and nothing is scanned; the styles go to the Train page's list."""

from __future__ import annotations

import pytest

from jukebox_gui.app.pages.corpus_page import CorpusPage, FileTableModel
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.workers import JobManager


@pytest.fixture
def page(qtbot, isolated_home):
    jobs = JobManager()
    page = CorpusPage(jobs, Settings())
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    yield page
    jobs.stop_all(10.0)


@pytest.fixture
def folders(tmp_path, midi_bytes):
    """``reels``: 3 tunes (fiddle) and a broken file; ``Slow Airs``: 2 tunes (piano), 3/4."""
    reels, airs = tmp_path / "reels", tmp_path / "Slow Airs"
    reels.mkdir()
    airs.mkdir()
    for i in range(3):
        notes = [(62 + (i + k) % 7, k * 120, 120) for k in range(12)]
        (reels / f"reel{i}.mid").write_bytes(midi_bytes(notes, program=40))
    (reels / "broken.mid").write_bytes(b"MThd garbage, not a MIDI file")
    for i in range(2):
        notes = [(48 + (i + k) % 5, k * 480, 480) for k in range(8)]
        (airs / f"air{i}.mid").write_bytes(midi_bytes(notes, program=0, tempo=1_000_000))
    return reels, airs


def _scan(qtbot, page, action):
    with qtbot.waitSignal(page.scanned, timeout=60_000):
        action()
    qtbot.waitUntil(lambda: not page.cancel_button.isEnabled(), timeout=10_000)


def test_two_styles_are_scanned_and_reported_per_style(qtbot, page, folders):
    reels, airs = folders
    _scan(qtbot, page, lambda: page.set_source(str(reels)))
    assert page.style_table.isHidden() and page.table.isColumnHidden(FileTableModel.STYLE)  # one corpus: as before
    assert page.stat_labels["ok"].text() == "3"

    handed = []
    page.stylesChanged.connect(handed.append)
    _scan(qtbot, page, lambda: page.styles.add(str(airs)))  # adding a corpus scans them all
    rows = page.style_table.row_texts()
    assert [r[0] for r in rows] == ["reels", "Slow-Airs", "Total"]  # default names: the folders'
    assert rows[2][1] == "2 corpora"  # not fooled by the space in "Slow Airs"
    assert [r[2:5] for r in rows] == [["4", "3", "1"], ["2", "2", "0"], ["6", "5", "1"]]  # files, usable, skipped
    assert rows[0][5] == "36" and rows[1][5] == "16" and rows[2][5] == "52"  # notes
    assert "Violin" in rows[0][7] and "Piano" in rows[1][7]
    assert rows[1][-1] == "4/4"
    assert not page.style_table.isHidden() and not page.table.isColumnHidden(FileTableModel.STYLE)
    assert page.usable_files == 5 and page.stat_labels["ok"].text() == "5"
    in_table = [page.proxy.index(r, FileTableModel.STYLE).data() for r in range(page.proxy.rowCount())]
    assert in_table == ["reels"] * 4 + ["Slow-Airs"] * 2  # the files by style, in the styles' order
    assert page.stat_labels["reasons"].text().startswith("reels: ")  # skip reasons, with their style
    page.status_filter.setCurrentIndex(page.status_filter.findData("skipped"))
    assert page.proxy.rowCount() == 1
    assert page.proxy.index(0, FileTableModel.STYLE).data() == "reels"  # labelled with its style
    assert page.proxy.index(0, 0).data() == "broken.mid" and page.proxy.index(0, 2).data()  # and its reason
    page.status_filter.setCurrentIndex(page.status_filter.findData("all"))
    page.text_filter.setText("slow-airs")  # the filter finds a style
    assert page.proxy.rowCount() == 2
    assert handed[-1] == [f"reels={reels}", f"Slow-Airs={airs}"]
    assert "Small styles" in page.warning.text() and "Slow-Airs: 2 usable files" in page.warning.text()

    page.styles.list.table.selectRow(0)
    _scan(qtbot, page, page.styles.list.remove_selected)  # back to one corpus: it looks as before
    assert page.style_table.isHidden() and page.table.isColumnHidden(FileTableModel.STYLE)
    assert page.stat_labels["ok"].text() == "3" and handed[-1] == []


def test_a_bad_style_name_is_said_and_nothing_is_scanned(qtbot, page, folders):
    reels, airs = folders
    page.set_source(str(reels), scan=False)
    page.styles.add(str(airs))  # scans both
    qtbot.waitUntil(lambda: page.styled is not None, timeout=60_000)
    handed = []
    page.stylesChanged.connect(handed.append)

    page.styles.list.table.item(0, 0).setText("slow airs")  # a space: core refuses it
    assert page.styles.message.isVisible() and "bad style name 'slow airs'" in page.styles.message.text()
    page.start_scan()
    assert not page.worker.is_running() and page.progress.format() == "fix the style names to scan"
    page.styles.list.table.item(0, 0).setText("reels")  # two alike
    assert "two corpora would be the style 'reels'" in page.styles.message.text()

    page.styles.list.table.item(0, 0).setText("airs")  # fixed: relabelled, no new scan
    assert page.styles.message.isHidden() and not page.worker.is_running()
    assert [r[0] for r in page.style_table.row_texts()] == ["reels", "airs", "Total"]
    assert handed == [[f"reels={reels}", f"airs={airs}"]]
    page.styles.main_name.setText("fast")
    page.styles.main_name.editingFinished.emit()
    assert [r[0] for r in page.style_table.row_texts()] == ["fast", "airs", "Total"]
    assert handed[-1][0] == f"fast={reels}"


def test_the_train_page_gets_the_styles(qtbot, isolated_home, folders):
    from jukebox_gui.app.main_window import MainWindow

    reels, airs = folders
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    try:
        corpus, train = window.corpus_page, window.train_page
        corpus.styles.add(str(airs), "airs")  # no corpus chosen yet: nothing to scan
        assert corpus.worker is None
        _scan(qtbot, corpus, lambda: corpus.set_source(str(reels)))
        assert train.source == str(reels) and train.report is corpus.report
        assert train.styles.extras() == [("airs", str(airs))]
        assert train._sources() == [f"reels={reels}", f"airs={airs}"]
        corpus.styles.main_name.setText("reel")  # a name for the chosen corpus: no new scan
        corpus.styles.main_name.editingFinished.emit()
        assert train._sources() == [f"reel={reels}", f"airs={airs}"]  # what training gets
        corpus.styles.list.table.selectRow(0)
        _scan(qtbot, corpus, corpus.styles.list.remove_selected)
        assert train.styles.extras() == [] and train._sources() == str(reels)
    finally:
        window.jobs.stop_all(10.0)


def test_the_train_page_counts_the_usable_files_of_every_style(qtbot, isolated_home, folders):
    from jukebox_gui.app.main_window import MainWindow

    reels, airs = folders
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    try:
        corpus, train = window.corpus_page, window.train_page
        _scan(qtbot, corpus, lambda: corpus.set_source(str(reels)))
        assert train.corpus_label.text().endswith("(3 usable files)")  # one corpus: as before
        _scan(qtbot, corpus, lambda: corpus.styles.add(str(airs)))
        assert train.corpus_label.text() == f"Corpus: <b>{reels}</b> (5 usable files in 2 styles)"
        assert train.corpus_label.toolTip() == "Usable files per style: reels 3, Slow-Airs 2"
        corpus.styles.main_name.setText("reel")  # renamed on the Corpus page: still its scan
        corpus.styles.main_name.editingFinished.emit()
        assert train.corpus_label.text().endswith("(5 usable files in 2 styles)")
        train.styles.add("demo:bach")  # a style the Corpus page never scanned: its count is not known
        assert train.corpus_label.text().endswith("(3 usable files)") and train.corpus_label.toolTip() == ""
        train.styles.table.selectRow(1)
        train.styles.remove_selected()  # the list is the scanned one again
        assert train.corpus_label.text().endswith("(5 usable files in 2 styles)")
        corpus.styles.list.table.selectRow(0)
        _scan(qtbot, corpus, corpus.styles.list.remove_selected)
        assert train.corpus_label.text().endswith("(3 usable files)")
    finally:
        window.jobs.stop_all(10.0)
