"""WAV writing: round trip, atomic replacement, clear errors on failed writes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from jukebox_gui.core.audio.wav import read_wav, wav_bytes, write_wav
from jukebox_gui.core.errors import ExportError

REPO = Path(__file__).resolve().parents[3]


def _tone(seconds: float = 0.5, sr: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    return np.stack([left, -left], axis=1).astype(np.float32)


def test_round_trip_16bit_stereo(tmp_path):
    audio = _tone()
    path = tmp_path / "tone.wav"
    write_wav(path, audio, 8000)
    back, rate = read_wav(path)
    assert rate == 8000 and back.shape == audio.shape
    assert np.abs(back - audio).max() < 1.0 / 32767 + 1e-6
    assert path.read_bytes() == wav_bytes(audio, 8000)
    assert [p.name for p in tmp_path.iterdir()] == ["tone.wav"]  # no temp files left


def test_mono_and_clipping(tmp_path):
    write_wav(tmp_path / "m.wav", np.array([0.0, 2.0, -2.0], dtype=np.float32), 8000)
    back, _ = read_wav(tmp_path / "m.wav")
    assert back.shape == (3, 1)
    assert back[:, 0].tolist() == pytest.approx([0.0, 1.0, -1.0])


@pytest.mark.parametrize("bad", [np.zeros((0, 2)), np.zeros((4, 3)), np.array([[np.nan, 0.0]])])
def test_bad_audio_is_refused_before_writing(tmp_path, bad):
    with pytest.raises(ExportError):
        write_wav(tmp_path / "x.wav", bad)
    assert not (tmp_path / "x.wav").exists()


def test_folder_that_cannot_exist_gives_clear_error(tmp_path):
    # a "folder" that is really a regular file: mkdir fails even as root (where chmod would not)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="could not write|does not exist|permission"):
        write_wav(blocker / "out.wav", _tone())


def test_failed_write_keeps_the_previous_file_file_size_limit(tmp_path):
    """A write that fails midway (RLIMIT_FSIZE, like a full disk) leaves the old file intact."""
    target = tmp_path / "take.wav"
    write_wav(target, _tone(0.1))
    before = target.read_bytes()
    code = textwrap.dedent(f"""
        import resource, signal, sys
        import numpy as np
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        from jukebox_gui.core.audio.wav import write_wav
        from jukebox_gui.core.errors import ExportError
        try:
            write_wav({str(target)!r}, np.zeros((100000, 2), dtype=np.float32), 8000)
        except ExportError as exc:
            print("ERROR:", exc)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert "ERROR: could not write" in proc.stdout and "take.wav" in proc.stdout
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["take.wav"]


def test_full_disk_keeps_the_previous_file_tmpfs(tmp_path):
    """A real full file system (a 64 KiB tmpfs); skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        target = mount / "take.wav"
        write_wav(target, _tone(0.1))
        before = target.read_bytes()
        with pytest.raises(ExportError, match="disk is full"):
            write_wav(target, np.zeros((200000, 2), dtype=np.float32), 8000)
        assert target.read_bytes() == before
        assert [p.name for p in mount.iterdir()] == ["take.wav"]
    finally:
        subprocess.run(["umount", str(mount)], check=False)
