"""Shared test fixtures. Qt runs offscreen; user folders point at a test home."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One persistent test home per checkout: demo corpora are built once and reused across runs.
os.environ.setdefault("JUKEBOX_HOME", str(REPO / ".test-home"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """A fresh JUKEBOX_HOME for tests that write settings, models or caches."""
    home = tmp_path / "home"
    monkeypatch.setenv("JUKEBOX_HOME", str(home))
    return home


def make_midi_bytes(notes=((60, 0, 480), (64, 480, 480), (67, 960, 480)), *, program=0, channel=0,
                    tpb=480, tempo=500000, end_of_track=True) -> bytes:
    """A small type-1 MIDI file built with mido: notes are (pitch, start_tick, length_ticks)."""
    import mido

    mid = mido.MidiFile(type=1, ticks_per_beat=tpb)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=tempo, time=0))
    meta.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    mid.tracks.append(meta)
    track = mido.MidiTrack()
    track.append(mido.Message("program_change", program=program, channel=channel, time=0))
    events = []
    for pitch, start, length in notes:
        events.append((start, 1, mido.Message("note_on", note=pitch, velocity=80, channel=channel)))
        events.append((start + length, 0, mido.Message("note_off", note=pitch, velocity=0, channel=channel)))
    events.sort(key=lambda e: (e[0], e[1]))
    now = 0
    for tick, _order, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    mid.tracks.append(track)
    if not end_of_track:
        for t in mid.tracks:
            pass
    buf = io.BytesIO()
    mid.save(file=buf)
    data = buf.getvalue()
    if not end_of_track:
        data = data.replace(b"\x00\xff\x2f\x00", b"")
    return data


@pytest.fixture
def midi_bytes():
    return make_midi_bytes


@pytest.fixture(scope="session")
def real_midi_files() -> list[Path]:
    """Real MIDI files shipped inside music21 (offline)."""
    import music21

    folder = Path(music21.__file__).parent / "midi" / "testPrimitive"
    return sorted(folder.glob("*.mid"))
