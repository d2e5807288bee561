"""Shared test fixtures. Qt runs offscreen; user folders point at a fresh home for each session.

Every test session gets its own empty ``JUKEBOX_HOME`` (a temp folder, removed at the end), so no
test runs or skips because of what an earlier run left behind (models, settings, scan caches).
The one exception is the demo corpora: building both from music21 takes about 2 minutes on 2
cores, so built ones are kept in ``DEMO_CACHE`` (``.test-home/data/demo``, git-ignored) and copied
into the session home at the start; ``demo_corpus_dir`` still checks their manifest (builder
version, music21 version, every file present) and rebuilds a stale one, and a corpus a session
built is saved back to the cache when it ends.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_CACHE = REPO / ".test-home" / "data" / "demo"
DEMO_NAMES = ("irish", "bach")
SESSION_HOME = Path(tempfile.mkdtemp(prefix="jukebox-test-home-"))
os.environ["JUKEBOX_HOME"] = str(SESSION_HOME)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _session_demo(name: str) -> Path:
    return SESSION_HOME / "data" / "demo" / name


def _copy_demo_cache_in() -> None:
    for name in DEMO_NAMES:
        cached = DEMO_CACHE / name
        if (cached / "manifest.json").is_file():
            try:
                shutil.copytree(cached, _session_demo(name))
            except (OSError, shutil.Error):  # another session replacing it: this one rebuilds
                shutil.rmtree(_session_demo(name), ignore_errors=True)


def _save_demo_cache() -> None:
    """Keep the corpora this session built (best effort: concurrent sessions may race; the loser's
    copy is dropped, and a damaged cache is only a rebuild later)."""
    for name in DEMO_NAMES:
        built, cached = _session_demo(name), DEMO_CACHE / name
        try:
            manifest = (built / "manifest.json").read_bytes()
        except OSError:
            continue
        try:
            if (cached / "manifest.json").read_bytes() == manifest:
                continue
        except OSError:
            pass
        tag = f"{os.getpid()}-{name}"
        incoming, outgoing = DEMO_CACHE / f".incoming-{tag}", DEMO_CACHE / f".outgoing-{tag}"
        try:
            shutil.copytree(built, incoming)
            if cached.exists():
                os.rename(cached, outgoing)
            os.rename(incoming, cached)
        except OSError:
            pass
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
            shutil.rmtree(outgoing, ignore_errors=True)


_copy_demo_cache_in()


def pytest_sessionfinish(session, exitstatus):
    _save_demo_cache()
    shutil.rmtree(SESSION_HOME, ignore_errors=True)


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """A fresh, empty JUKEBOX_HOME for one test (no demo corpora: see ``demo_corpus``)."""
    home = tmp_path / "home"
    monkeypatch.setenv("JUKEBOX_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def demo_corpus():
    """``demo_corpus("irish")``: the session home's demo corpus folder, built on first use, also
    from a test whose JUKEBOX_HOME is an isolated one."""
    from jukebox_gui.core.demo import demo_corpus_dir

    def get(name: str) -> Path:
        current = os.environ["JUKEBOX_HOME"]
        os.environ["JUKEBOX_HOME"] = str(SESSION_HOME)
        try:
            return demo_corpus_dir(name)
        finally:
            os.environ["JUKEBOX_HOME"] = current

    return get


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
