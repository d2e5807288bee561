"""`jukebox scan`: summary table, skipped files with reasons, exit codes, JSON report."""

from __future__ import annotations

import json
import subprocess
import sys

from jukebox_gui.cli import main


def test_scan_prints_summary_and_skips(tmp_path, real_midi_files, isolated_home, capsys):
    for p in real_midi_files[:3]:
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "junk.mid").write_text("not midi")
    report_path = tmp_path / "out" / "report.json"
    code = main(["scan", str(tmp_path), "--json", str(report_path), "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "usable" in out and "3" in out
    assert "junk.mid: a text file, not a MIDI file" in out
    data = json.loads(report_path.read_text())
    assert data["stats"]["ok"] == 3 and len(data["files"]) == 4


def test_scan_exit_2_when_nothing_usable(tmp_path, isolated_home, capsys):
    (tmp_path / "a.mid").write_bytes(b"")
    assert main(["scan", str(tmp_path)]) == 2
    assert "no usable MIDI files" in capsys.readouterr().err


def test_scan_missing_folder_exit_2(tmp_path, isolated_home, capsys):
    assert main(["scan", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_scan_subprocess_non_utf8_names(tmp_path, real_midi_files, isolated_home):
    import os

    name = os.fsdecode(b"caf\xe9.mid")
    (tmp_path / name).write_bytes(real_midi_files[0].read_bytes())
    (tmp_path / os.fsdecode(b"bad\xff.mid")).write_bytes(b"PK\x03\x04zip")
    proc = subprocess.run([sys.executable, "-m", "jukebox_gui.cli", "scan", str(tmp_path)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "zip archive" in proc.stdout


def test_scan_names_the_instruments(tmp_path, midi_bytes, isolated_home, capsys):
    (tmp_path / "a.mid").write_bytes(midi_bytes(program=40))
    (tmp_path / "b.mid").write_bytes(midi_bytes(((62, 0, 480),), program=40))  # not a duplicate of a.mid
    (tmp_path / "c.mid").write_bytes(midi_bytes(program=0))
    assert main(["scan", str(tmp_path), "--workers", "1"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("instruments"))
    assert line.split(None, 1)[1] == "Violin ×2, Acoustic Grand Piano ×1"
