"""Foundation pieces: Score tempo map and bars, atomic writes, configs, progress tokens."""

from __future__ import annotations

import dataclasses
import json
import os
import threading

import pytest

from jukebox_gui.core import config as cfg
from jukebox_gui.core.errors import Cancelled, ExportError, JukeboxError
from jukebox_gui.core.fileio import atomic_write_bytes, atomic_write_json
from jukebox_gui.core.music.score import Note, Score, TempoChange, TimeSignature, Track
from jukebox_gui.core.progress import CancelToken


def _score() -> Score:
    notes = [Note(start=i * 1.0, duration=1.0, pitch=60 + i) for i in range(8)]
    return Score(tracks=[Track(program=0, notes=notes)],
                 tempos=[TempoChange(0.0, 120.0), TempoChange(4.0, 60.0)],
                 time_signatures=[TimeSignature(0.0, 4, 4), TimeSignature(4.0, 3, 4)])


def test_tempo_map_converts_beats_and_seconds_both_ways():
    score = _score()
    assert score.beat_to_seconds(4.0) == pytest.approx(2.0)  # 4 beats at 120 bpm
    assert score.beat_to_seconds(6.0) == pytest.approx(4.0)  # then 2 beats at 60 bpm
    assert score.duration_seconds == pytest.approx(2.0 + 4.0)
    for beat in (0.0, 1.5, 4.0, 7.25):
        assert score.seconds_to_beat(score.beat_to_seconds(beat)) == pytest.approx(beat)


def test_bar_starts_follow_time_signature_changes():
    assert _score().bar_starts() == [0.0, 4.0, 7.0]


def test_slice_shifts_notes_and_keeps_signatures():
    part = _score().slice_beats(4.0, 7.0)
    assert [n.start for n in part.tracks[0].notes] == [0.0, 1.0, 2.0]
    assert part.time_signatures[0].numerator == 3
    assert part.tempo_at(0.0) == 60.0


def test_atomic_write_keeps_previous_file_when_writing_fails(tmp_path):
    target = tmp_path / "take.mid"
    atomic_write_bytes(target, b"old")

    class Boom(Exception):
        pass

    from jukebox_gui.core.fileio import atomic_writer

    with pytest.raises(Boom):
        with atomic_writer(target) as handle:
            handle.write(b"half-written")
            raise Boom
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["take.mid"]  # no temp file left behind


def test_atomic_write_into_a_missing_parent_that_cannot_exist_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="could not write|does not exist|folder"):
        atomic_write_bytes(blocker / "sub" / "out.wav", b"data")


def test_atomic_json_writes_dataclasses_and_reads_back(tmp_path):
    @dataclasses.dataclass(frozen=True)
    class Conf:
        size: int = 3
        shape: tuple = (1, 2)

    path = tmp_path / "c.json"
    cfg.save_json(Conf(size=5), path)
    assert json.loads(path.read_text())["size"] == 5
    assert cfg.load_json(Conf, path) == Conf(size=5, shape=(1, 2))
    path.write_text(json.dumps({"size": 1, "bogus": 2}))
    with pytest.raises(JukeboxError, match="unknown settings bogus"):
        cfg.load_json(Conf, path)
    atomic_write_json(path, {"a": Conf()})
    assert json.loads(path.read_text()) == {"a": {"size": 3, "shape": [1, 2]}}


def test_cancel_token_cancels_and_wakes_a_paused_job():
    token = CancelToken()
    token.pause()
    assert token.paused
    woke = threading.Event()

    def job():
        token.wait_if_paused()
        woke.set()

    thread = threading.Thread(target=job)
    thread.start()
    assert not woke.wait(0.1)
    token.cancel()
    assert woke.wait(2)
    thread.join()
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()


def test_paths_honour_jukebox_home(tmp_path, monkeypatch):
    from jukebox_gui.core import paths

    monkeypatch.setenv("JUKEBOX_HOME", str(tmp_path))
    assert paths.data_dir() == tmp_path / "data"
    assert paths.cache_dir().is_dir() and paths.log_dir().is_dir()
    assert os.fspath(paths.models_dir()).startswith(str(tmp_path))


def test_atomic_write_respects_umask_and_keeps_existing_mode(tmp_path):
    from jukebox_gui.core import fileio

    old = os.umask(0o022)
    fileio._UMASK = 0o022
    try:
        fresh = tmp_path / "fresh.wav"
        atomic_write_bytes(fresh, b"x")
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.mid"
        kept.write_bytes(b"a")
        kept.chmod(0o640)
        atomic_write_bytes(kept, b"b")
        assert kept.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
