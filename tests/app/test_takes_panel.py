"""The take list: star, rename, delete through the takes store (kept across a restart), disk use
shown, and old unstarred sessions pruned only by the setting, saying what went."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from jukebox_gui.app.main_window import MainWindow
from jukebox_gui.app.pages.generate_page import GeneratePage
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.workers import JobManager
from jukebox_gui.core.ml.generation import Take
from jukebox_gui.core.music.score import Note, Score, Track
from jukebox_gui.core.takes_store import TakesStore

DAY = 86400.0


def _score(base: int) -> Score:
    return Score(tracks=[Track(program=0, notes=[Note(i * 0.5, 0.5, base + i % 5, 80) for i in range(8)])])


@pytest.fixture
def open_page(qtbot, isolated_home):
    jobs = JobManager()

    def make() -> GeneratePage:
        page = GeneratePage(jobs, Settings())
        qtbot.addWidget(page)
        return page

    yield make
    jobs.stop_all(5.0)


def _generate(page: GeneratePage, base: int) -> None:
    take = Take(_score(base), [1, 2], {"seed": base})
    page._keep(take, {"seed": base}, "builtin:irish")
    page._on_generated(take, {"seed": base}, "builtin:irish")


def test_star_rename_delete_are_kept_on_disk(open_page):
    page = open_page()
    panel = page.takes_panel
    for base in (60, 50, 40):
        _generate(page, base)
    assert panel.star(0) and panel.rename(1, "  The   good one ")
    assert page.take_list.item(0).text().startswith("★ Take 1 · seed 60")
    assert page.take_list.item(1).text().startswith("The good one · seed 50")
    session = page.session
    folder = TakesStore().sessions_dir / session
    assert (folder / "take-0003.mid").exists()
    page.take_list.setCurrentRow(2)
    assert panel.delete(None)  # the selected take
    assert not (folder / "take-0003.mid").exists() and not (folder / "take-0003.json").exists()
    assert page.take_list.count() == len(page.takes) == 2
    assert page.current_take() is page.takes[page.take_list.currentRow()]

    again = open_page()  # after a restart: the same names, star and takes
    assert [t.stored.name for t in again.takes] == ["Take 1", "The good one"]
    assert [t.stored.starred for t in again.takes] == [True, False]
    assert again.take_list.item(0).text().startswith("★ Take 1")
    _generate(again, 30)  # a new take gets a number no deleted or kept take had
    assert again.takes[-1].number == 4 and [t.stored.number for t in again.takes] == [1, 2, 4]
    assert again.takes_panel.star(0, False) and not TakesStore().get(f"{session}/0001").starred


def test_delete_keeps_rows_and_takes_aligned(open_page):
    page = open_page()
    for base in (60, 50, 40, 30):
        _generate(page, base)
    page.takes_panel.delete(1)
    assert [t.number for t in page.takes] == [1, 3, 4]
    assert [page.take_list.item(i).text().split(" · ")[0] for i in range(3)] == ["Take 1", "Take 3", "Take 4"]
    page.take_list.setCurrentRow(1)
    assert page.piano_roll.score() is page.takes[1].score


def test_buttons_context_menu_and_a_take_not_kept(open_page, qtbot):
    page = open_page()
    panel = page.takes_panel
    assert not panel.star_action.isEnabled() and not panel.delete_action.isEnabled()  # nothing yet
    _generate(page, 60)
    assert panel.star_action.isEnabled() and panel.star_action.text() == "Star"
    panel.buttons["star"].click()
    assert page.takes[0].stored.starred and panel.star_action.text() == "Unstar"
    rect = page.take_list.visualItemRect(page.take_list.item(0))
    panel._context_menu(rect.center())
    menus = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.metaObject().className() == "QMenu"]
    assert menus and [a.text() for a in menus[-1].actions()] == ["Unstar", "Rename…", "Delete…"]
    menus[-1].close()
    assert QApplication.activeModalWidget() is None
    panel._context_menu(QPoint(5, rect.bottom() + 200))  # empty space: no menu, no error

    page.takes[0].stored = None  # a take the disk refused: shown, but only deletable
    panel.refresh_row(0)
    said = []
    panel.status.connect(said.append)
    assert not panel.rename(0, "x") and "not kept on disk" in said[-1]
    assert panel.delete(0) and page.takes == []


def test_disk_use_is_shown_and_follows_the_takes(open_page):
    page = open_page()
    label = page.takes_panel.usage_label
    assert "this session 0 takes" in label.text()
    _generate(page, 60)
    _generate(page, 50)
    assert "this session 2 takes" in label.text() and "in 1 session" in label.text()
    size = TakesStore().usage()[page.session]
    assert size > 0 and TakesStore().disk_usage() == size
    before = label.text()
    page.takes_panel.delete(0)
    assert "this session 1 takes" in label.text() and label.text() != before


def _old_sessions(store: TakesStore, ages_days: list[float], starred_index: int) -> list[str]:
    ids = []
    for i, age in enumerate(ages_days):
        now = time.time() - age * DAY
        session = store.new_session(now=now)
        take = store.add_take(session, score=_score(60 + i), report={}, now=now)
        if i == starred_index:
            store.star(take)
        ids.append(session)
    return ids


def test_pruning_happens_only_by_the_setting_and_says_what_went(qtbot, isolated_home):
    store = TakesStore()
    old = _old_sessions(store, [40, 50, 60, 70, 80, 90], starred_index=4)

    window = MainWindow()  # the setting is "never" by default: nothing goes
    qtbot.addWidget(window)
    assert {s.id for s in store.sessions()} >= set(old)
    assert "Deleted" not in window.notice.text()
    panel = window.generate_page.takes_panel
    said = []
    panel.status.connect(said.append)
    panel.prune_combo.setCurrentIndex(panel.prune_combo.findData(30))
    panel._prune_setting_chosen(panel.prune_combo.currentIndex())  # what choosing it in the box does
    assert Settings().prune_days() == 30
    assert "From the next start" in said[-1] and {s.id for s in store.sessions()} >= set(old)  # not yet
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    left = {s.id for s in store.sessions()}
    current = again.generate_page.session
    # the three most recent sessions (the current one and two old ones) and the starred one stay
    assert left == {current, old[0], old[1], old[4]}
    text = again.notice.text()
    assert "Deleted 3 old sessions of takes unused for more than 30 days (3 unstarred takes" in text
    assert all(s in text for s in (old[2], old[3], old[5]))
    again.close()


def test_only_the_last_rendered_takes_keep_their_audio_in_memory(open_page):
    import numpy as np

    from jukebox_gui.app.pages.generate_page import AUDIO_KEPT

    page = open_page()
    for i in range(AUDIO_KEPT + 3):
        _generate(page, 40 + i)
        page._on_rendered(page.takes[-1], np.zeros((1000, 2), dtype=np.float32))
    held = [t.number for t in page.takes if t.audio is not None]
    assert held == [t.number for t in page.takes[-AUDIO_KEPT:]]
    page._on_rendered(page.takes[0], np.zeros((1000, 2), dtype=np.float32))  # rendered again: back in
    assert page.takes[0].audio is not None and sum(t.audio is not None for t in page.takes) == AUDIO_KEPT
    assert page.takes[-AUDIO_KEPT].audio is None  # the oldest of the rest made room
