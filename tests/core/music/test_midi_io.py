"""midi_io: MIDI bytes <-> Score, checked against mido and symusic on real files."""

from __future__ import annotations

import io

import mido
import pytest

from jukebox_gui.core.errors import CorpusError
from jukebox_gui.core.music.midi_io import (
    midi_bytes, read_midi, read_midi_bytes, score_from_symusic, score_to_symusic, write_midi,
)
from jukebox_gui.core.music.score import KeySignature, Note, Score, TempoChange, TimeSignature, Track


def _sample_score() -> Score:
    return Score(
        tracks=[
            Track(program=40, name="Violin", notes=[Note(0.0, 1.0, 67, 90), Note(1.5, 0.5, 69, 70)]),
            Track(program=0, is_drum=True, name="Drums", notes=[Note(0.0, 0.25, 36, 110), Note(1.0, 0.25, 38, 100)]),
        ],
        tempos=[TempoChange(0.0, 100.0), TempoChange(3.0, 140.0)],
        time_signatures=[TimeSignature(0.0, 3, 4)],
        key_signatures=[KeySignature(0.0, -2, True)],
    )


def test_read_simple_bytes_converts_ticks_to_beats(midi_bytes):
    score = read_midi_bytes(midi_bytes(((60, 0, 96), (64, 96, 96), (67, 192, 96)), tpb=96, program=24))
    notes = [n for n, _ in score.all_notes()]
    assert [(n.start, n.duration, n.pitch) for n in notes] == [(0.0, 1.0, 60), (1.0, 1.0, 64), (2.0, 1.0, 67)]
    assert score.tracks[0].program == 24
    assert score.tempos[0].bpm == pytest.approx(120.0)


def test_write_and_read_back_keeps_everything(tmp_path):
    score = _sample_score()
    path = write_midi(score, tmp_path / "out.mid")
    back = read_midi(path)
    assert back.title == "out"
    assert [(t.name, t.program, t.is_drum) for t in back.tracks] == [("Violin", 40, False), ("Drums", 0, True)]
    assert back.tracks[0].notes == score.tracks[0].notes
    assert back.tracks[1].notes == score.tracks[1].notes
    assert [(t.beat, round(t.bpm, 3)) for t in back.tempos] == [(0.0, 100.0), (3.0, 140.0)]
    assert back.time_signatures == [TimeSignature(0.0, 3, 4)]
    assert back.key_signatures == [KeySignature(0.0, -2, True)]


def test_written_bytes_are_readable_by_mido_with_drums_on_channel_9():
    mid = mido.MidiFile(file=io.BytesIO(midi_bytes(_sample_score())))
    msgs = [m for t in mid.tracks for m in t]
    names = [m.name for m in msgs if m.type == "track_name"]
    assert names == ["Violin", "Drums"]
    assert {m.channel for m in msgs if m.type == "note_on" and m.note in (36, 38)} == {9}
    assert any(m.type == "program_change" and m.program == 40 for m in msgs)
    assert any(m.type == "set_tempo" for m in msgs)
    assert any(m.type == "time_signature" and m.numerator == 3 for m in msgs)
    assert any(m.type == "key_signature" for m in msgs)


def test_symusic_round_trip_real_files(real_midi_files):
    import symusic

    for path in real_midi_files[:10]:
        sm = symusic.Score(str(path))
        score = score_from_symusic(sm)
        again = score_from_symusic(score_to_symusic(score, tpq=sm.ticks_per_quarter))
        assert again.note_count == score.note_count
        for a, b in zip(score.tracks, again.tracks):
            assert sorted(a.notes, key=lambda n: (n.start, n.pitch)) == sorted(b.notes, key=lambda n: (n.start, n.pitch))


@pytest.mark.parametrize("data", [b"", b"hello world, not midi", b"MThd\x00\x00\x00\x06\x00\x01"])
def test_bad_bytes_raise_corpus_error(data):
    with pytest.raises(CorpusError):
        read_midi_bytes(data)


def test_read_missing_file_raises_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="cannot read"):
        read_midi(tmp_path / "nope.mid")


def test_write_to_read_only_target_keeps_old_file(tmp_path):
    from jukebox_gui.core.errors import ExportError

    target = tmp_path / "missing-dir-is-a-file"
    target.write_text("x")
    with pytest.raises(ExportError):
        write_midi(_sample_score(), target / "sub.mid")
    assert target.read_text() == "x"
