"""Helpers for audio tests: read real MIDI into our Score (midi_io when it exists)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jukebox_gui.core.music.score import Note, Score, TempoChange, TimeSignature, Track


def _read_with_symusic(path: Path) -> Score:
    """Temporary private reader until core.music.midi_io lands."""
    import symusic

    raw = symusic.Score(str(path))
    tpq = float(raw.ticks_per_quarter)
    tracks = [
        Track(program=t.program, is_drum=t.is_drum, name=t.name,
              notes=[Note(n.time / tpq, max(n.duration, 1) / tpq, n.pitch, max(1, n.velocity)) for n in t.notes])
        for t in raw.tracks if len(t.notes)
    ]
    tempos = [TempoChange(t.time / tpq, t.qpm) for t in raw.tempos] or [TempoChange(0.0, 120.0)]
    sigs = [TimeSignature(t.time / tpq, t.numerator, t.denominator) for t in raw.time_signatures]
    return Score(tracks=tracks, tempos=tempos, time_signatures=sigs or [TimeSignature(0.0)])


def read_score(path: Path) -> Score:
    try:
        from jukebox_gui.core.music.midi_io import read_midi
    except ImportError:
        return _read_with_symusic(path)
    return read_midi(path)


@pytest.fixture(scope="session")
def read_midi_score():
    return read_score


@pytest.fixture(scope="session")
def demo_tune(real_midi_files) -> Path:
    """A real tune: a demo corpus file when that module exists, else music21's test02 (18 s)."""
    try:
        from jukebox_gui.core.demo import demo_corpus_dir

        files = sorted(Path(demo_corpus_dir("irish")).rglob("*.mid"))
        if files:
            return files[0]
    except ImportError:
        pass
    return next(p for p in real_midi_files if p.name == "test02.mid")
