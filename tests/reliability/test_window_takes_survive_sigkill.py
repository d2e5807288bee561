"""SIGKILL a window process (offscreen Qt, the real Generate page and takes store) 20 times while it
keeps takes: each restart's page lists every take finished before the kill, each with the notes it
was made with, says the last run did not close normally, and nothing half-written shows.

The takes are made by the page's own keep + finish path (what the generate worker runs), fed
from a Qt timer inside a real event loop, without TensorFlow: a round costs ~1 s, not ~6."""

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

WINDOW = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from jukebox_gui.app.pages.generate_page import GeneratePage
    from jukebox_gui.app.settings import Settings
    from jukebox_gui.app.workers import JobManager
    from jukebox_gui.core.ml.generation import Take
    from jukebox_gui.core.music.score import Note, Score, Track

    app = QApplication([])
    page = GeneratePage(JobManager(), Settings())
    page.show()
    for entry in page.takes:
        print("restored", entry.stored.id, entry.report["i"], ",".join(str(n.pitch) for n in entry.score.tracks[0].notes))
    print("message", page.restore_message.replace(" ", "_") or "-")
    i = int(sys.argv[1])

    def make():
        global i
        notes = [Note(k * 0.25, 0.25, 30 + (i * 11 + k) % 60, 90) for k in range(300)]
        take = Take(Score(tracks=[Track(program=0, notes=notes)]), [i], {"i": i})
        print("start", i, flush=True)
        page._keep(take, {"seed": i}, "kill-test")
        page._on_generated(take, {"seed": i}, "kill-test")
        if page.takes[-1].stored is None:
            print("unsaved", i, flush=True)
        else:
            print("done", page.takes[-1].stored.id, i, flush=True)
        i += 1

    timer = QTimer()
    timer.timeout.connect(make)
    timer.start(0)
    print("ready", flush=True)
    app.exec()
""")


def _pitches(i: int) -> str:
    return ",".join(str(30 + (i * 11 + k) % 60) for k in range(300))


def test_every_take_finished_before_a_kill_is_listed_after_restart(tmp_path):
    rng = random.Random(2022)
    env = {**os.environ, "PYTHONPATH": str(REPO), "JUKEBOX_HOME": str(tmp_path / "home"),
           "QT_QPA_PLATFORM": "offscreen"}
    finished: dict[str, int] = {}
    next_i, mid_write = 0, 0
    for round_ in range(KILLS + 1):  # the last start only checks what the 20th kill left
        proc = subprocess.Popen([sys.executable, "-c", WINDOW, str(next_i)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            head = []
            while True:
                line = proc.stdout.readline()
                assert line, proc.communicate(timeout=30)[1]
                if line.strip() == "ready":
                    break
                head.append(line.split())
            restored = {w[1]: (int(w[2]), w[3]) for w in head if w[0] == "restored"}
            message = next(w[1] for w in head if w[0] == "message").replace("_", " ")
            missing = set(finished) - set(restored)
            assert not missing, f"after kill {round_}: finished takes not listed: {sorted(missing)}"
            for take_id, (i, pitches) in restored.items():
                assert pitches == _pitches(i), take_id  # complete, with its own notes
                assert finished.get(take_id, i) == i
            if round_:
                assert message.startswith("AI Jukebox did not close normally last time"), message
            if round_ == KILLS:
                proc.kill()
                break
            out, err = kill_at_random(proc, rng, 0.1, 0.6)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err
        words = out.split()
        assert "unsaved" not in words, out[-500:]
        for k, w in enumerate(words):
            if w == "done":
                finished[words[k + 1]] = int(words[k + 2])
        lines = out.strip().splitlines()
        mid_write += bool(lines) and lines[-1].startswith("start")
        starts = [int(words[k + 1]) for k, w in enumerate(words) if w == "start"]
        next_i = max(starts) + 1 if starts else next_i
    assert len(finished) >= KILLS
    assert mid_write >= KILLS // 2, mid_write
