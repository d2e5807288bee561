"""`jukebox render IN.mid --stems DIR`: real FluidSynth, real files, one WAV per track."""

from __future__ import annotations

import numpy as np

from jukebox_gui.cli import main
from jukebox_gui.core.audio.wav import read_wav
from jukebox_gui.core.music.midi_io import write_midi
from jukebox_gui.core.music.score import Note, Score, Track

SR = 22050
NAMES = ["01 Acoustic Grand Piano.wav", "02 Fingered Bass.wav", "03 Drums.wav"]


def _band(path):
    piano = [Note(b, 1.0, p, 70) for b in range(4) for p in (60, 64, 67)]
    bass = [Note(b, 1.0, 36, 100) for b in range(4)]
    drums = [Note(b / 2, 0.25, 36 if b % 2 == 0 else 42, 100) for b in range(8)]
    return write_midi(Score(tracks=[Track(0, notes=piano), Track(33, notes=bass),
                                    Track(0, is_drum=True, notes=drums)]), path)  # 2 s at 120 bpm


def test_stems_and_mix_are_written_and_add_up(tmp_path, capsys):
    source = _band(tmp_path / "band.mid")
    folder, out = tmp_path / "stems", tmp_path / "mix.wav"
    assert main(["render", str(source), "--stems", str(folder), "--out", str(out),
                 "--sample-rate", str(SR), "--tail", "1"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == NAMES
    stems = []
    for name in NAMES:
        audio, rate = read_wav(folder / name)
        assert rate == SR and audio.shape == (3 * SR, 2)  # 2 s of notes + 1 s tail
        assert float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) > 1e-3, name
        stems.append(audio.astype(np.float64))
    mix, _rate = read_wav(out)
    assert float(np.max(np.abs(sum(stems) - mix))) <= 2 / 32767  # each 16-bit file rounds on its own
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [f"wrote {folder / NAMES[0]} (Acoustic Grand Piano, program 0)",
                         f"wrote {folder / NAMES[1]} (Fingered Bass, program 33)",
                         f"wrote {folder / NAMES[2]} (Drums, drums)"]
    assert lines[3] == f"wrote {out}: the mix of the stems"
    assert lines[4].startswith(f"wrote 3 stems to {folder}: 3.0 s of audio each in ") and "x realtime" in lines[4]


def test_stems_without_out_and_a_progress_bar(tmp_path, capsys):
    source = _band(tmp_path / "band.mid")
    folder = tmp_path / "stems"
    assert main(["render", str(source), "--stems", str(folder), "--sample-rate", str(SR)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == NAMES
    captured = capsys.readouterr()
    assert "render stems [" in captured.err and f"{3 * 4 * SR}/{3 * 4 * SR}" in captured.err
    assert not (tmp_path / "mix.wav").exists()


def test_a_failed_write_exits_2_and_leaves_no_partial_file(tmp_path, capsys):
    source = _band(tmp_path / "band.mid")
    folder = tmp_path / "stems"
    (folder / NAMES[1]).mkdir(parents=True)  # something the second file cannot replace
    assert main(["render", str(source), "--stems", str(folder), "--sample-rate", str(SR)]) == 2
    assert "could not write" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == NAMES[:2]  # no temp file, no third file
    audio, _rate = read_wav(folder / NAMES[0])
    assert audio.shape == (4 * SR, 2)  # the file that was written is whole


def test_neither_out_nor_stems_is_a_usage_error(tmp_path, capsys):
    source = _band(tmp_path / "band.mid")
    try:
        main(["render", str(source)])
    except SystemExit as exc:
        assert exc.code == 2
    else:  # pragma: no cover
        raise AssertionError("argparse should exit")
    assert "--stems DIR" in capsys.readouterr().err
