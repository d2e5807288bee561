"""`jukebox corpus`: demo corpora written as .mid files; the second call is served from the cache."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import mido
import pytest

from jukebox_gui.cli import main

REPO = Path(__file__).resolve().parents[2]


def _jukebox(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    env = dict(os.environ, JUKEBOX_HOME=os.environ["JUKEBOX_HOME"])
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "jukebox_gui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=600)
    return proc, time.perf_counter() - started


@pytest.mark.parametrize("name", ["irish", "bach"])
def test_demo_writes_300_files_and_second_call_is_cached(name, tmp_path):
    first, _ = _jukebox("corpus", "demo", name, "--out", str(tmp_path / "a"))  # builds if needed
    assert first.returncode == 0, first.stderr
    second, seconds = _jukebox("corpus", "demo", name, "--out", str(tmp_path / "b"))
    assert second.returncode == 0, second.stderr
    assert seconds < 2.0, f"cached call took {seconds:.2f} s"
    match = re.search(r"wrote (\d+) files to (.+) \((\d+) skipped\)", second.stdout)
    assert match, second.stdout
    written = int(match.group(1))
    assert written >= 300
    assert Path(match.group(2)) == tmp_path / "b"
    files = sorted((tmp_path / "b").glob("*.mid"))
    assert len(files) == written
    for path in files[::25]:
        assert any(m.type == "note_on" for track in mido.MidiFile(path).tracks for m in track)


def test_bad_name_exits_2_with_the_names(tmp_path, capsys):
    assert main(["corpus", "demo", "jazz", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown demo corpus 'jazz'" in err and "irish" in err and "bach" in err
    assert not list(tmp_path.iterdir())


def test_out_must_be_a_folder(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["corpus", "demo", "irish", "--out", str(target)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_list_names_every_demo_corpus(capsys):
    assert main(["corpus", "list"]) == 0
    out = capsys.readouterr().out
    assert "demo:irish" in out and "demo:bach" in out
