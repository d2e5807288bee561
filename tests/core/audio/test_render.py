"""Offline FluidSynth rendering with the real library and a real SoundFont."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from jukebox_gui.core.audio.render import render_score
from jukebox_gui.core.errors import Cancelled, RenderError
from jukebox_gui.core.music.score import Note, Score, TempoChange, Track
from jukebox_gui.core.progress import CancelToken

REPO = Path(__file__).resolve().parents[3]
SR = 22050  # half rate keeps the tests quick; the maths is the same


def _scale(program: int, *, is_drum: bool = False) -> Score:
    notes = [Note(i * 0.5, 0.5, 60 + (0, 2, 4, 5, 7, 9, 11, 12)[i % 8], 90) for i in range(16)]
    return Score(tracks=[Track(program=program, is_drum=is_drum, notes=notes)])


def _spectrum(audio: np.ndarray) -> np.ndarray:
    mono = audio.mean(axis=1)
    frames = mono[: len(mono) // 4096 * 4096].reshape(-1, 4096) * np.hanning(4096)
    mag = np.abs(np.fft.rfft(frames, axis=1)).mean(axis=0)
    return mag / mag.sum()


def test_real_tune_length_matches_midi_plus_tail_and_is_not_silent(demo_tune, read_midi_score):
    score = read_midi_score(demo_tune)
    events = []
    audio = render_score(score, sample_rate=SR, tail_s=1.5, progress=events.append)
    assert audio.dtype == np.float32 and audio.ndim == 2 and audio.shape[1] == 2
    expected = (score.duration_seconds + 1.5) * SR
    assert abs(audio.shape[0] - expected) <= 1
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    assert rms > 0.02, rms
    peak = float(np.abs(audio).max())
    assert 0.85 <= peak <= 0.9001  # normalised, never clipping
    assert events and events[-1].done == events[-1].total == audio.shape[0]
    # the note-free tail decays: its last 100 ms is much quieter than the music
    assert float(np.abs(audio[-SR // 10:]).max()) < 0.5 * peak


def test_tempo_changes_shift_the_audio():
    score = _scale(0)
    slow = Score(tracks=score.tracks, tempos=[TempoChange(0.0, 120.0), TempoChange(4.0, 60.0)])
    fast = render_score(score, sample_rate=SR, tail_s=0.5, peak=None)
    slowed = render_score(slow, sample_rate=SR, tail_s=0.5, peak=None)
    # 8 beats: 4 s at 120 bpm; with 60 bpm from beat 4 the second half takes twice as long
    assert abs(fast.shape[0] - (4.0 + 0.5) * SR) <= 1
    assert abs(slowed.shape[0] - (2.0 + 4.0 + 0.5) * SR) <= 1
    # the first second (before the change) is identical, the rest is not
    assert np.array_equal(fast[:SR], slowed[:SR])
    assert not np.array_equal(fast[3 * SR: 4 * SR], slowed[3 * SR: 4 * SR])


def test_program_changes_the_spectrum_piano_vs_flute():
    piano = _spectrum(render_score(_scale(0), sample_rate=SR))
    piano_again = _spectrum(render_score(_scale(0), sample_rate=SR))
    flute = _spectrum(render_score(_scale(73), sample_rate=SR))
    assert np.abs(piano - piano_again).sum() == 0.0  # deterministic
    assert np.abs(piano - flute).sum() > 0.2


def test_drums_use_the_percussion_bank():
    drums = Score(tracks=[Track(is_drum=True, notes=[Note(i * 0.5, 0.25, 38) for i in range(8)])])
    snare = _spectrum(render_score(drums, sample_rate=SR))
    piano = _spectrum(render_score(Score(tracks=[Track(notes=[Note(i * 0.5, 0.25, 38) for i in range(8)])]),
                                   sample_rate=SR))
    assert np.abs(snare - piano).sum() > 0.2


def test_overlapping_same_pitch_keeps_the_later_note_sounding():
    # a long C under a short repeated C: the short one's note-off must not cut the long one
    score = Score(tracks=[Track(program=73, notes=[Note(0.0, 4.0, 72), Note(1.0, 0.5, 72)])])
    audio = render_score(score, sample_rate=SR, tail_s=0.0, peak=None)
    late = audio[int(1.6 * SR): int(1.9 * SR)]  # beat 3.2..3.8, after the short note ended
    assert float(np.sqrt(np.mean(late ** 2))) > 1e-3


def test_too_long_is_refused_before_rendering():
    score = Score(tracks=[Track(notes=[Note(1e6, 1.0, 60)])])
    with pytest.raises(RenderError, match="refusing to render"):
        render_score(score, sample_rate=SR)


def test_empty_score_is_a_clear_error():
    with pytest.raises(RenderError, match="no notes"):
        render_score(Score(), sample_rate=SR)


def test_cancel_stops_the_render():
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        render_score(_scale(0), sample_rate=SR, cancel=token)


def test_not_a_soundfont_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(b"this is not a soundfont" * 10)
    with pytest.raises(RenderError, match="not a SoundFont"):
        render_score(_scale(0), bad, sample_rate=SR)
    with pytest.raises(RenderError, match="not found"):
        render_score(_scale(0), tmp_path / "missing.sf2", sample_rate=SR)


def test_corrupt_soundfont_that_fluidsynth_rejects_is_a_clear_error(tmp_path):
    # right magic, garbage body: our header check passes, FluidSynth's sfload returns -1
    bad = tmp_path / "corrupt.sf2"
    bad.write_bytes(b"RIFF" + (1000).to_bytes(4, "little") + b"sfbk" + b"\x00" * 64)
    with pytest.raises(RenderError, match="could not load the SoundFont"):
        render_score(_scale(0), bad, sample_rate=SR)


HIDE_FLUIDSYNTH = textwrap.dedent("""
    # sitecustomize: make ctypes unable to find libfluidsynth, as on a machine without it
    import ctypes.util
    _find = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None if "fluidsynth" in name else _find(name)
""")


def hidden_library_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(HIDE_FLUIDSYNTH)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(REPO)])
    return env


def test_missing_libfluidsynth_gives_install_advice(tmp_path):
    code = textwrap.dedent("""
        from jukebox_gui.core.audio.render import fluidsynth_available, render_score
        from jukebox_gui.core.errors import RenderError
        from jukebox_gui.core.music.score import Note, Score, Track
        ok, why = fluidsynth_available()
        assert not ok, why
        print("AVAILABLE:", why)
        try:
            render_score(Score(tracks=[Track(notes=[Note(0, 1, 60)])]))
        except RenderError as exc:
            print("ERROR:", exc)
    """)
    proc = subprocess.run([sys.executable, "-c", code], env=hidden_library_env(tmp_path),
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "ERROR: FluidSynth is not available (Couldn't find the FluidSynth library.)" in proc.stdout
    assert "apt install libfluidsynth3" in proc.stdout
    assert "AVAILABLE: FluidSynth is not available" in proc.stdout


def test_render_midi_reads_the_file_and_the_library_is_reported_available(tmp_path, midi_bytes):
    from jukebox_gui.core.audio.render import fluidsynth_available, render_midi

    assert fluidsynth_available() == (True, "")
    path = tmp_path / "in.mid"
    path.write_bytes(midi_bytes(program=73))
    audio = render_midi(path, sample_rate=SR, tail_s=0.5)
    assert abs(audio.shape[0] - 2.0 * SR) <= 1  # 1.5 s of notes at 120 bpm + 0.5 s tail
    assert np.array_equal(audio, render_midi(path, sample_rate=SR, tail_s=0.5))
