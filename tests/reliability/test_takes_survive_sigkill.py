"""SIGKILL a process while it keeps takes, 20 times: after each kill a fresh TakesStore lists every
take the process had finished, each one loads (size, sha256 and MIDI parse) with the content it
was written with, and nothing half-written is listed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sigkill import kill_at_random

REPO = Path(__file__).resolve().parents[2]
KILLS = 20

WRITER = textwrap.dedent("""
    import sys
    from jukebox_gui.core.music.score import Note, Score, TempoChange, Track
    from jukebox_gui.core.takes_store import TakesStore

    def score(i):
        notes = [Note(k * 0.25, 0.25, 40 + (i * 7 + k) % 48, 60 + k % 60) for k in range(600)]
        return Score(tracks=[Track(program=i % 128, notes=notes)], tempos=[TempoChange(0.0, 90.0 + i % 50)])

    store = TakesStore(sys.argv[1])
    session = store.resume_or_new(max_idle_hours=1e6)
    store.clean(session)  # what the window does at start-up
    i = int(sys.argv[2])
    print("ready", flush=True)
    while True:
        print(f"start {i}", flush=True)
        take = store.add_take(session, score=score(i), report={"i": i}, tokens=list(range(i % 50)),
                              settings={"seed": i}, model="kill-test")
        print(f"done {take.id} {i}", flush=True)
        i += 1
""")


def _expected_pitches(i: int) -> list[int]:
    return [40 + (i * 7 + k) % 48 for k in range(600)]


def test_every_finished_take_survives_sigkill(tmp_path):
    from jukebox_gui.core.takes_store import TakesStore

    rng = random.Random(22)
    root = tmp_path / "takes"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    finished: dict[str, int] = {}
    mid_write = 0
    next_i = 0
    for _round in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(root), str(next_i)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
            out, err = kill_at_random(proc, rng, 0.05, 0.4)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == -signal.SIGKILL, err
        lines = out.split()
        for k, word in enumerate(lines):
            if word == "done":
                finished[lines[k + 1]] = int(lines[k + 2])
        last = out.strip().splitlines()[-1] if out.strip() else ""
        mid_write += last.startswith("start")
        starts = [int(lines[k + 1]) for k, w in enumerate(lines) if w == "start"]
        next_i = (max(starts) + 1) if starts else next_i

        store = TakesStore(root)  # a restart
        [session] = [s.id for s in store.sessions()]
        listed = {t.id: t for t in store.takes(session)}
        missing = set(finished) - set(listed)
        assert not missing, f"finished takes not listed after kill {_round + 1}: {sorted(missing)}"
        for take_id, take in listed.items():
            i = take.report["i"]
            if take_id in finished:
                assert finished[take_id] == i
            score = take.load_score()  # size + sha256 checked, then parsed
            assert [n.pitch for n in score.tracks[0].notes] == _expected_pitches(i), take_id
            assert take.tokens == list(range(i % 50)) and take.settings == {"seed": i}
    assert len(finished) >= KILLS  # takes were really being made
    assert mid_write >= KILLS // 2, mid_write  # and the kills really landed while writing them
