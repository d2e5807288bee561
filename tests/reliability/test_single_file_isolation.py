"""`jukebox render`, `jukebox export` and primer loading parse a user's MIDI file in a worker process.

Each command runs as a real subprocess with a ``sitecustomize`` tripwire on its path:
- in the command's own process, parsing MIDI bytes aborts the interpreter (SIGABRT): a command
  that still parsed in-process dies, so these tests fail;
- in any process, a file named ``crash_me*`` really aborts the parser and one named ``hang_me*``
  blocks it forever (stand-ins for the symusic crashes and hangs seen on malformed files).
The command must survive, say which file and why in one line, and finish in under 10 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

TRIPWIRE = textwrap.dedent("""
    import os, time
    _parent = os.environ.setdefault("JUKEBOX_TRIPWIRE_PID", str(os.getpid())) == str(os.getpid())
    import jukebox_gui.core.music.midi_io as _midi_io
    _real = _midi_io.read_midi_bytes

    def _tripwire(data, *, title=""):
        if _parent:
            os.write(2, b"TRIPWIRE: MIDI parsed in the command's own process\\n")
            os.abort()
        if title.startswith("crash_me"):
            os.abort()
        if title.startswith("hang_me"):
            time.sleep(3600)
        return _real(data, title=title)

    _midi_io.read_midi_bytes = _tripwire
""")


@pytest.fixture
def env(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(TRIPWIRE)
    environ = {k: v for k, v in os.environ.items() if k != "JUKEBOX_TRIPWIRE_PID"}
    return {**environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}


def _run(env, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120)
    return proc, time.monotonic() - started


def _cli(env, *args: str):
    return _run(env, "-m", "jukebox_gui.cli", *args)


def test_the_tripwire_catches_an_in_process_parse(tmp_path, env, midi_bytes):
    source = tmp_path / "in.mid"
    source.write_bytes(midi_bytes())
    proc, _ = _run(env, "-c", f"from jukebox_gui.core.music.midi_io import read_midi; read_midi({str(source)!r})")
    assert proc.returncode != 0 and "TRIPWIRE" in proc.stderr


def test_export_and_render_parse_in_a_worker(tmp_path, env, midi_bytes):
    source = tmp_path / "in.mid"
    source.write_bytes(midi_bytes())
    proc, _ = _cli(env, "export", str(source), "--midi", str(tmp_path / "copy.mid"))
    assert proc.returncode == 0, proc.stderr
    assert "3 notes" in proc.stdout and (tmp_path / "copy.mid").stat().st_size > 0
    proc, _ = _cli(env, "render", str(source), "--out", str(tmp_path / "out.wav"), "--sample-rate", "22050")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.wav").stat().st_size > 44


@pytest.mark.parametrize("command", ["export", "render"])
def test_a_file_that_crashes_the_parser_gets_a_clear_message(tmp_path, env, midi_bytes, command):
    source = tmp_path / "crash_me.mid"
    source.write_bytes(midi_bytes())
    out = tmp_path / ("out.mid" if command == "export" else "out.wav")
    proc, seconds = _cli(env, command, str(source), "--midi" if command == "export" else "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert f"jukebox {command}: error: the MIDI parser crashed on crash_me.mid" in proc.stderr
    assert "Traceback" not in proc.stderr and "TRIPWIRE" not in proc.stderr
    assert not out.exists()
    assert seconds < 10


def test_a_file_that_hangs_the_parser_is_stopped_in_under_10_s(tmp_path, env, midi_bytes):
    source = tmp_path / "hang_me.mid"
    source.write_bytes(midi_bytes())
    proc, seconds = _cli(env, "export", str(source), "--midi", str(tmp_path / "out.mid"))
    assert proc.returncode == 2, proc.stderr
    assert "jukebox export: error: the MIDI parser took longer than 7 s on hang_me.mid" in proc.stderr
    assert seconds < 10, seconds


def test_a_named_pipe_is_refused_not_waited_on(tmp_path, env):
    pipe = tmp_path / "pipe.mid"
    os.mkfifo(pipe)  # reading it in-process would block forever: nobody writes to it
    proc, seconds = _cli(env, "export", str(pipe), "--midi", str(tmp_path / "out.mid"))
    assert proc.returncode == 2, proc.stderr
    assert "cannot read pipe.mid: not a regular file" in proc.stderr
    assert seconds < 10


def test_the_primer_is_parsed_in_a_worker(tmp_path, env, midi_bytes):
    good, bad = tmp_path / "primer.mid", tmp_path / "crash_me_primer.mid"
    good.write_bytes(midi_bytes())
    bad.write_bytes(midi_bytes())
    script = textwrap.dedent(f"""
        from jukebox_gui.core.data.tokenizer import Tokenizer
        from jukebox_gui.core.errors import GenerationError
        from jukebox_gui.core.ml.generation import GenerationConfig, load_primer
        tok = Tokenizer()
        ids, opening = load_primer(GenerationConfig(primer={str(good)!r}, primer_bars=1), tok)
        print("primer", len(ids), opening.note_count)
        try:
            load_primer(GenerationConfig(primer={str(bad)!r}, primer_bars=1), tok)
        except GenerationError as exc:
            print("refused:", exc)
    """)
    proc, _ = _run(env, "-c", script)
    assert proc.returncode == 0, proc.stderr
    assert "primer" in proc.stdout and " 3\n" in proc.stdout
    assert "refused: cannot use crash_me_primer.mid as a primer: the MIDI parser crashed on crash_me_primer.mid" \
        in proc.stdout
