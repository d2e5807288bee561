"""`jukebox render`: real FluidSynth, real WAV out, exit 2 with advice when things are missing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from jukebox_gui.cli import main
from jukebox_gui.core.audio.wav import read_wav

REPO = Path(__file__).resolve().parents[2]


def test_render_writes_a_wav_and_reports_speed(tmp_path, midi_bytes, capsys):
    source = tmp_path / "in.mid"
    source.write_bytes(midi_bytes())  # three quarter notes at 120 bpm = 1.5 s
    out = tmp_path / "out.wav"
    assert main(["render", str(source), "--out", str(out), "--sample-rate", "22050", "--tail", "1"]) == 0
    audio, rate = read_wav(out)
    assert rate == 22050 and audio.shape[1] == 2
    assert abs(audio.shape[0] - 2.5 * 22050) <= 1
    printed = capsys.readouterr().out
    assert "2.5 s of audio" in printed and "x realtime" in printed


def test_bad_soundfont_exits_2_with_a_clear_message(tmp_path, midi_bytes, capsys):
    source = tmp_path / "in.mid"
    source.write_bytes(midi_bytes())
    bad = tmp_path / "bad.sf2"
    bad.write_text("nope")
    out = tmp_path / "out.wav"
    assert main(["render", str(source), "--out", str(out), "--soundfont", str(bad)]) == 2
    assert "is not a SoundFont" in capsys.readouterr().err
    assert not out.exists()


def test_remember_and_list_soundfonts(isolated_home, capsys):
    sf2 = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
    assert main(["render", "--soundfont", str(sf2), "--remember"]) == 0
    assert main(["render", "--list-soundfonts"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"remembered SoundFont {sf2}"
    assert lines[1].startswith("* user") and lines[1].endswith(str(sf2))  # remembered comes first


def test_missing_input_is_a_usage_error(capsys):
    try:
        main(["render"])
    except SystemExit as exc:
        assert exc.code == 2
    else:  # pragma: no cover
        raise AssertionError("argparse should exit")


def test_without_libfluidsynth_the_cli_says_what_to_install(tmp_path, midi_bytes):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent("""
        import ctypes.util
        _find = ctypes.util.find_library
        ctypes.util.find_library = lambda name: None if "fluidsynth" in name else _find(name)
    """))
    source = tmp_path / "in.mid"
    source.write_bytes(midi_bytes())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    proc = subprocess.run([sys.executable, "-m", "jukebox_gui.cli", "render", str(source), "--out",
                           str(tmp_path / "out.wav")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "jukebox render: error: FluidSynth is not available" in proc.stderr
    assert "apt install libfluidsynth3" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.wav").exists()
    # everything else still works without the library
    other = subprocess.run([sys.executable, "-m", "jukebox_gui.cli", "export", str(source), "--midi",
                            str(tmp_path / "copy.mid")], env=env, capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr
