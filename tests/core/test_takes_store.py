"""TakesStore: takes kept on disk per session, listed again by a fresh store, starred, renamed,
deleted, measured and pruned only when asked."""

from __future__ import annotations

import json
import os
import time

import pytest

from jukebox_gui.core.ml.generation import Take
from jukebox_gui.core.music.score import Note, Score, TempoChange, Track
from jukebox_gui.core.takes_store import TakesError, TakesStore

DAY = 86400.0


def _score(base: int = 60, n: int = 8) -> Score:
    notes = [Note(i * 0.5, 0.5, base + (i * 5) % 12, 80) for i in range(n)]
    return Score(tracks=[Track(program=40, notes=notes)], tempos=[TempoChange(0.0, 110.0)])


def _take(base: int = 60) -> Take:
    return Take(score=_score(base), tokens=[1, 5, 9, base], report={"seed": base, "notes": 8})


def _pitches(score: Score) -> list[int]:
    return [n.pitch for t in score.tracks for n in t.notes]


def test_takes_survive_a_new_store(tmp_path):
    store = TakesStore(tmp_path)
    session = store.new_session()
    first = store.add_take(session, _take(60), settings={"seed": 60, "bars": 4}, model="builtin:irish")
    second = store.add_take(session, _take(50))
    assert (first.number, second.number) == (1, 2)

    again = TakesStore(tmp_path)  # "after a restart": nothing but the folder
    assert [s.id for s in again.sessions()] == [session]
    takes = again.takes(session)
    assert [t.name for t in takes] == ["Take 1", "Take 2"]
    assert takes[0].settings == {"seed": 60, "bars": 4} and takes[0].model == "builtin:irish"
    assert takes[0].report == {"seed": 60, "notes": 8} and takes[0].tokens == [1, 5, 9, 60]
    assert _pitches(takes[0].load_score()) == _pitches(_score(60))
    assert takes[1].load_score().tracks[0].program == 40
    info = again.last_session()
    assert info.takes == 2 and info.open and info.size_bytes > 0


def test_star_rename_delete(tmp_path):
    store = TakesStore(tmp_path)
    session = store.new_session()
    take = store.add_take(session, _take())
    store.add_take(session, _take(55))
    store.star(take)
    store.rename(take.id, "  Reel   in D ")
    fresh = TakesStore(tmp_path).get(take.id)
    assert fresh.starred and fresh.name == "Reel in D"
    assert _pitches(fresh.load_score()) == _pitches(_score())
    store.star(fresh, False)
    assert not store.get(take.id).starred
    with pytest.raises(TakesError, match="cannot be empty"):
        store.rename(take, "   ")
    store.delete(take)
    assert [t.number for t in store.takes(session)] == [2]
    assert not take.midi_path.exists() and not take.record_path.exists()
    with pytest.raises(TakesError, match="no take"):
        store.get(take.id)


def test_half_written_takes_are_not_listed_and_damage_is_reported(tmp_path):
    store = TakesStore(tmp_path)
    session = store.new_session()
    good = store.add_take(session, _take())
    folder = good.folder
    (folder / "take-0002.mid").write_bytes(b"MThd-cut")  # MIDI written, the kill came before its record
    (folder / ".take-0003.json.abc.tmp").write_text("{")  # an atomic write's temp file
    (folder / "take-0004.json").write_text("{not json")  # damaged by hand
    (folder / "take-0005.json").write_text(json.dumps({"midi": "../../elsewhere.mid"}))
    assert [t.number for t in store.takes(session)] == [1]
    info = store.last_session()
    assert info.damaged == ["take-0004.json", "take-0005.json"]
    assert store.clean(session) == [".take-0003.json.abc.tmp", "take-0002.mid"]
    assert store.add_take(session, _take()).number == 6  # numbers are never reused after a crash


def test_a_changed_midi_file_is_refused_when_loaded(tmp_path):
    store = TakesStore(tmp_path)
    take = store.add_take(store.new_session(), _take())
    data = take.midi_path.read_bytes()
    take.midi_path.write_bytes(data[:-10])
    with pytest.raises(TakesError, match="changed or damaged"):
        take.load_score()
    take.midi_path.unlink()
    with pytest.raises(TakesError, match="lost its MIDI file"):
        take.load_score()


def test_resume_or_new_and_close(tmp_path):
    store = TakesStore(tmp_path)
    now = time.time()
    old = store.new_session(now - 2 * DAY)
    assert store.resume_or_new(now=now) != old  # idle for two days: a new sitting
    recent = store.last_session().id
    assert store.resume_or_new(now=now + 3600) == recent
    store.close_session(recent)
    assert not store.last_session().open
    assert store.resume_or_new(now=now + 7200) == recent and store.last_session().open
    # a take made in a session counts as use: it no longer looks two days old
    store.add_take(old, _take())
    assert next(s for s in store.sessions() if s.id == old).last_used >= now - 60


def test_disk_usage_and_prune_only_when_asked(tmp_path):
    store = TakesStore(tmp_path)
    now = time.time()
    sessions = [store.new_session(now - (10 - i) * DAY) for i in range(6)]  # 10, 9, ... 5 days old
    for i, s in enumerate(sessions):
        store.add_take(s, _take(), now=now - (10 - i) * DAY)
    starred = store.add_take(sessions[0], _take(40), now=now - 10 * DAY)
    store.star(starred)
    usage = store.disk_usage()
    assert usage == sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    # a new store (a restart) prunes nothing by itself
    assert len(TakesStore(tmp_path).sessions()) == 6
    would = store.prune(7, keep_sessions=1, keep=(sessions[1],), dry_run=True, now=now)
    assert {s.id for s in would} == {sessions[2]}  # 8 days; the 10-day one is starred, the 9-day one kept
    assert len(store.sessions()) == 6
    gone = store.prune(7, keep_sessions=1, keep=(sessions[1],), now=now)
    assert [s.id for s in gone] == [sessions[2]]
    assert sessions[2] not in {s.id for s in store.sessions()} and store.disk_usage() < usage
    assert store.prune(0, keep_sessions=10, now=now) == []


def test_errors_are_jukebox_errors(tmp_path):
    store = TakesStore(tmp_path)
    with pytest.raises(TakesError):
        store.takes("no-such-session")
    with pytest.raises(TakesError):
        store.takes("../escape")
    assert store.sessions() == [] and store.last_session() is None and store.disk_usage() == 0
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        from jukebox_gui.core.errors import JukeboxError

        with pytest.raises(JukeboxError):
            TakesStore(ro).new_session()


def test_a_deleted_take_number_is_never_given_again(tmp_path):
    store = TakesStore(tmp_path)
    session = store.new_session()
    first, second = store.add_take(session, _take()), store.add_take(session, _take(55))
    store.delete(second)
    store.delete(first)
    third = TakesStore(tmp_path).add_take(session, _take(50))
    assert third.number == 3 and [t.number for t in store.takes(session)] == [3]


def test_usage_per_session_counts_every_file_without_reading_records(tmp_path):
    store = TakesStore(tmp_path)
    a, b = store.new_session(now=1000.0), store.new_session(now=2000.0)
    store.add_take(a, _take())
    usage = store.usage()
    folder = store.sessions_dir / a
    assert usage[a] == sum(p.stat().st_size for p in folder.iterdir()) > 0
    assert usage[b] == (store.sessions_dir / b / "session.json").stat().st_size
    (folder / "take-0001.json").write_text("{ damaged")  # a damaged record still takes room
    assert store.usage()[a] == sum(p.stat().st_size for p in folder.iterdir())
    assert store.disk_usage() == sum(store.usage().values())
