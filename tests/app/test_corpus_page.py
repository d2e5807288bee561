"""Corpus page: a real scan of a small folder fills the table; filters; statistics; the warning."""

from __future__ import annotations

import pytest

from jukebox_gui.app.pages.corpus_page import CorpusPage
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.workers import JobManager


@pytest.fixture
def page(qtbot, isolated_home):
    jobs = JobManager()
    page = CorpusPage(jobs, Settings())
    qtbot.addWidget(page)
    page.show()
    yield page
    jobs.stop_all(5.0)


@pytest.fixture
def folder(tmp_path, midi_bytes):
    root = tmp_path / "tunes"
    root.mkdir()
    for i in range(6):
        notes = [(60 + (i + k) % 12, k * 240, 240) for k in range(16)]
        (root / f"tune{i}.mid").write_bytes(midi_bytes(notes, program=40 if i % 2 else 0))
    (root / "broken.mid").write_bytes(b"MThd garbage, not a MIDI file")
    (root / "empty.mid").write_bytes(midi_bytes(()))
    return root


def test_scan_fills_table_and_stats(qtbot, page, folder):
    with qtbot.waitSignal(page.scanned, timeout=60_000) as blocker:
        page.set_source(str(folder))
    source, report = blocker.args
    assert source == str(folder)
    assert page.model.rowCount() == 8
    assert page.usable_files == 6
    names = {page.proxy.index(r, 0).data() for r in range(page.proxy.rowCount())}
    assert "broken.mid" in names
    assert page.stat_labels["ok"].text() == "6"
    assert page.stat_labels["notes"].text() == "96"
    assert "Violin" in page.stat_labels["instruments"].text()
    assert page.warning.isVisible() and "memorise" in page.warning.text()  # 6 files is a small corpus
    assert str(folder) in page.settings.recent_folders()

    page.status_filter.setCurrentIndex(page.status_filter.findData("skipped"))
    assert page.proxy.rowCount() == 2
    reason = page.proxy.index(0, 2).data()
    assert reason  # every skipped file says why
    page.status_filter.setCurrentIndex(page.status_filter.findData("ok"))
    assert page.proxy.rowCount() == 6
    page.text_filter.setText("tune3")
    assert page.proxy.rowCount() == 1


def test_scan_of_missing_folder_fails_with_a_message(qtbot, page, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    page.set_source(str(tmp_path / "nope"), scan=False)
    page.start_scan()
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert "nope" in shown[0]
    assert page.scan_button.isEnabled()


def test_cancel_button_stops_scan(qtbot, page, folder):
    page.set_source(str(folder), scan=False)
    page.start_scan()
    page.cancel_scan()
    qtbot.waitUntil(lambda: not page.cancel_button.isEnabled(), timeout=30_000)  # the page saw the end
    assert not page.worker.is_running()
    assert page.scan_button.isEnabled()
