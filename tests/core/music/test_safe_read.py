"""read_midi_isolated: a user's MIDI file is parsed in a worker process with a time limit."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from jukebox_gui.core.errors import CorpusError
from jukebox_gui.core.music.midi_io import read_midi
from jukebox_gui.core.music.safe_read import read_midi_isolated

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from scan_hostile_files import build_hostile_folder  # noqa: E402


def _crash_or_hang(path: str, limits):  # runs in the parser process
    from jukebox_gui.core.music.safe_read import parse_job

    if "crash" in os.path.basename(path):
        os.abort()  # a real native crash (SIGABRT), as symusic's have been
    if "hang" in os.path.basename(path):
        time.sleep(120)
    return parse_job(path, limits)


def test_reads_a_real_file_like_read_midi(real_midi_files):
    for path in real_midi_files[:3]:
        isolated, direct = read_midi_isolated(path), read_midi(path)
        assert isolated.title == direct.title == path.stem
        assert [(t.program, [(n.pitch, n.start, n.duration) for n in t.notes]) for t in isolated.tracks] == \
               [(t.program, [(n.pitch, n.start, n.duration) for n in t.notes]) for t in direct.tracks]
        assert isolated.note_count > 0


def test_a_parser_crash_is_a_clear_error_and_this_process_lives(tmp_path, real_midi_files):
    victim = tmp_path / "crash_me.mid"
    victim.write_bytes(real_midi_files[0].read_bytes())
    started = time.monotonic()
    with pytest.raises(CorpusError, match=r"the MIDI parser crashed on crash_me\.mid.*: the file is damaged"):
        read_midi_isolated(victim, job=_crash_or_hang, method="spawn")
    assert time.monotonic() - started < 10
    # still alive and able to read the next file
    good = tmp_path / "good.mid"
    good.write_bytes(real_midi_files[1].read_bytes())
    assert read_midi_isolated(good).note_count == read_midi(good).note_count


def test_a_hanging_parse_is_stopped_at_the_time_limit(tmp_path, real_midi_files):
    victim = tmp_path / "hang.mid"
    victim.write_bytes(real_midi_files[0].read_bytes())
    started = time.monotonic()
    with pytest.raises(CorpusError, match=r"took longer than 1\.5 s on hang\.mid"):
        read_midi_isolated(victim, timeout_s=1.5, job=_crash_or_hang, method="spawn")
    assert time.monotonic() - started < 10


def test_a_named_pipe_is_refused_instead_of_blocking(tmp_path):
    # read_midi (in-process) would block forever reading it; nobody ever writes to this pipe
    pipe = tmp_path / "pipe.mid"
    os.mkfifo(pipe)
    with pytest.raises(CorpusError, match=r"cannot read pipe\.mid: not a regular file"):
        read_midi_isolated(pipe)


def test_missing_and_garbage_files_name_the_file(tmp_path):
    with pytest.raises(CorpusError, match=r"cannot read nope\.mid: cannot read: the file disappeared"):
        read_midi_isolated(tmp_path / "nope.mid")
    garbage = tmp_path / "garbage.mid"
    garbage.write_text("not midi at all")
    with pytest.raises(CorpusError, match=r"garbage\.mid.*no MThd header"):
        read_midi_isolated(garbage)


def test_hostile_files_give_a_score_or_a_corpus_error(tmp_path, real_midi_files):
    root = tmp_path / "hostile"
    expect = build_hostile_folder(root, real_midi_files)
    names = ["truncated.mid", "huge_delta.mid", "tempo_absurd.mid", "million_notes.mid", "archive.mid",
             "empty.mid", "tpb_zero.mid", "wrapped.rmi", "type2.mid", "no_end_of_track.mid", "loop.mid", "x.mid"]
    outcomes = {}
    for name in names:
        try:
            outcomes[name] = read_midi_isolated(root / name).note_count
        except CorpusError as exc:
            assert name in str(exc)
            outcomes[name] = str(exc)
    assert all(isinstance(outcomes[n], int) and outcomes[n] > 0 for n in ("wrapped.rmi", "type2.mid", "no_end_of_track.mid"))
    for name in ("archive.mid", "empty.mid", "tpb_zero.mid", "loop.mid", "x.mid"):
        assert expect[name] == "skipped" and isinstance(outcomes[name], str), (name, outcomes[name])
