"""The Generate page keeps every take on disk as it is made and lists them again after a restart."""

from __future__ import annotations

import pytest

from jukebox_gui.app.pages.generate_page import GeneratePage
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.workers import JobManager
from jukebox_gui.core.ml.generation import Take
from jukebox_gui.core.music.score import Note, Score, Track
from jukebox_gui.core.takes_store import TakesStore


def _score(base: int) -> Score:
    return Score(tracks=[Track(program=40, notes=[Note(i * 0.5, 0.5, base + i % 7, 80) for i in range(16)])])


def _pitches(score: Score) -> list[int]:
    return [n.pitch for t in score.tracks for n in t.notes]


@pytest.fixture
def open_page(qtbot, isolated_home):
    jobs = JobManager()

    def make() -> GeneratePage:
        page = GeneratePage(jobs, Settings())
        qtbot.addWidget(page)
        return page

    yield make
    jobs.stop_all(5.0)


def test_a_made_take_is_on_disk_and_comes_back_after_a_restart(qtbot, open_page):
    page = open_page()
    assert page.takes == [] and page.restore_message == ""
    for base in (60, 48):
        take = Take(_score(base), [1, 2, base], {"seed": base})
        page._keep(take, {"seed": base, "bars": 2}, "builtin:irish")  # what the generate worker runs
        page._on_generated(take, {"seed": base, "bars": 2}, "builtin:irish")
    assert all(entry.stored is not None for entry in page.takes)
    [session] = TakesStore().sessions()
    assert session.takes == 2

    again = open_page()  # restarted after a crash: the first page never closed its session
    assert again.restore_message == "AI Jukebox did not close normally last time: its 2 takes are back"
    assert [_pitches(t.score) for t in again.takes] == [_pitches(_score(60)), _pitches(_score(48))]
    assert again.takes[1].report == {"seed": 48} and again.takes[1].settings["seed"] == 48
    assert again.take_list.count() == 2 and again.current_take() is again.takes[-1]
    take = Take(_score(36), [], {"seed": 36})
    again._keep(take, {"seed": 36}, "builtin:irish")
    again._on_generated(take, {"seed": 36}, "builtin:irish")
    assert [s.takes for s in TakesStore().sessions()] == [3]  # the same session goes on
    again.close_takes_session()  # what quitting the app does
    last = open_page()
    assert last.restore_message == "Restored 3 takes of this session"
    with qtbot.waitSignal(last.status, timeout=5000) as said:  # the window's status bar hears it
        pass
    assert said.args == ["Restored 3 takes of this session"]


def test_a_take_that_cannot_be_kept_is_still_shown_and_said(open_page, isolated_home):
    page = open_page()
    messages = []
    page.status.connect(messages.append)
    folder = TakesStore().sessions_dir / page.session
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()  # the session folder vanished (disk cleaned up by hand)
    take = Take(_score(60), [], {})
    page._keep(take, {}, "m")
    page._on_generated(take, {}, "m")
    assert len(page.takes) == 1 and page.takes[0].stored is None
    assert any("could not be kept on disk" in m for m in messages)


def test_a_real_generation_is_kept(qtbot, open_page):
    from jukebox_gui.core.ml.builtin_models import available_builtins

    if "irish" not in available_builtins():
        pytest.skip("builtin:irish is not installed")
    page = open_page()
    page.set_models([("irish", "builtin:irish")])
    page.bars_spin.setValue(1)
    with qtbot.waitSignal(page.generated, timeout=180_000) as blocker:
        page.generate()
    entry = blocker.args[0]
    assert entry.stored is not None
    kept = TakesStore().takes(page.session)
    assert [k.id for k in kept] == [entry.stored.id]
    assert entry.score.note_count > 0
    assert sorted(_pitches(kept[0].load_score())) == sorted(_pitches(entry.score))
    assert kept[0].report.keys() == entry.report.keys()
