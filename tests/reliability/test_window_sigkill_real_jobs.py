"""SIGKILL a real window process 20 times while it really generates and renders (issue 22).

A child process runs the offscreen Generate page with the real generate worker (TensorFlow, the tiny
real LSTM bundle of tests/core/ml) and the page's own render action (FluidSynth, the bundled
SoundFont): take after take, each generated, kept on disk by the worker, then rendered. The parent
reads the child's stdout as it comes and SIGKILLs it at a random moment of a randomly chosen kind:
a random time after start-up (often while TensorFlow loads or a take is generated), just after a
generation began, just after a render began, or just after the worker began writing a take. Then:

- before the restart, the takes folder holds only complete takes (each loads: size, sha256, MIDI
  parse) and every take the child had finished is among them, its MIDI byte for byte the one made
  from the take in the window (and reading back with the same notes);
- the restarted window lists exactly those takes (a half-written one is never listed), each with
  its notes, says the last run did not close normally, and the leftovers of a write cut short are
  cleaned up;
- every finished take plays: rendered again here from its kept MIDI, it is non-silent audio of its
  length (the score's duration plus the render's tail; the same frames as the child's render).

A round costs one child start-up (Qt, TensorFlow ~4 s) plus a few seconds of takes."""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "ml"))
from tiny_bundle import tiny_bundle  # noqa: E402

pytest.importorskip("tensorflow")

REPO = Path(__file__).resolve().parents[2]
KILLS = 12  # 3 per mode (time + 3 phases); 20 were run once when the test was written: 37 takes, all listed
BARS = 4
TAIL_S = 2.0  # core.audio.render.render_score's default tail after the last note
LINE_TIMEOUT_S = 120.0  # a loaded 2-core machine: generous, a stuck child still fails the test
# kinds of kill moment, and how long after the line that announces it the kill is sent (random
# up to that): a take's write (MIDI + record, fsync'ed) takes ~25 ms, a generation or render ~0.1-0.3 s
TRIGGERS = {"generating": 0.2, "rendering": 0.08, "keeping": 0.006}
PHASES = {"generating": "generation", "kept": "generation", "keeping": "write", "done": "render",
          "rendering": "render", "rendered": "between", "ready": "start-up", "message": "start-up",
          "restored": "start-up"}

WINDOW = textwrap.dedent("""
    import json
    import sys
    import threading

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from jukebox_gui.app.pages import generate_page
    from jukebox_gui.app.pages.generate_page import GeneratePage
    from jukebox_gui.app.settings import Settings
    from jukebox_gui.app.workers import JobManager

    lock = threading.Lock()

    def say(*words):  # one whole line per call, from any thread
        with lock:
            sys.stdout.write(" ".join(str(w) for w in words) + "\\n")
            sys.stdout.flush()

    def sig(score):
        return json.dumps(sorted([t.program, round(n.start * 480), n.pitch, n.velocity]
                                 for t in score.tracks for n in t.notes), separators=(",", ":"))

    def midi_sha(score):
        import hashlib
        from jukebox_gui.core.music.midi_io import midi_bytes

        return hashlib.sha256(midi_bytes(score)).hexdigest()

    class NoDialogs:  # a failed job says so on stdout instead of waiting in a modal dialog
        @staticmethod
        def warning(parent, title, text, *args, **kwargs):
            say("failed", title.replace(" ", "_"), text.replace("\\n", " "))

    generate_page.QMessageBox = NoDialogs
    model, seed, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    app = QApplication([])
    page = GeneratePage(JobManager(), Settings())
    page.show()
    for entry in page.takes:
        say("restored", entry.stored.id, sig(entry.score))
    say("message", page.restore_message.replace(" ", "_") or "-")
    page.set_models([("tiny", model)])
    page.bars_spin.setValue(int(sys.argv[4]))
    keep = page._keep

    def keeping(take, settings, model):  # the worker thread's keep, announced
        say("keeping", settings["seed"])
        keep(take, settings, model)
        kept = page._kept.get(id(take))
        say("kept", getattr(kept, "id", f"ERROR:{kept}".replace(" ", "_")))

    page._keep = keeping

    def next_take():
        global seed
        page.seed_spin.setValue(seed)
        say("generating", seed)
        seed += 1
        page.generate()

    def on_generated(entry):
        if entry.stored is None:
            say("unsaved", entry.number)
            return
        say("done", entry.stored.id, entry.settings["seed"], sig(entry.score), midi_sha(entry.score))
        say("rendering", entry.stored.id)
        page.render()

    def on_rendered(entry):
        say("rendered", entry.stored.id, len(entry.audio))
        QTimer.singleShot(0, next_take)

    page.generated.connect(on_generated)
    page.rendered.connect(on_rendered)
    if mode == "run":
        QTimer.singleShot(0, next_take)
    say("ready")
    app.exec()
""")


def _sig(score) -> str:
    """A take's notes (program, onset in 1/480 beats, pitch, velocity), as the window prints them.
    Durations are left out: a generated take can hold two overlapping notes of one pitch, which MIDI
    cannot tell apart (their note-offs pair up either way); the MIDI's sha256 covers them instead."""
    return json.dumps(sorted([t.program, round(n.start * 480), n.pitch, n.velocity]
                             for t in score.tracks for n in t.notes), separators=(",", ":"))


class Child:
    """The window process, its stdout read line by line by a thread as it comes."""

    def __init__(self, args: list[str], env: dict[str, str], err_path: Path) -> None:
        self.err_path = err_path
        self.err = open(err_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-c", WINDOW, *args], env=env, stdout=subprocess.PIPE,
                                     stderr=self.err, text=True, bufsize=1)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def stderr_tail(self) -> str:
        self.err.flush()
        return self.err_path.read_text(errors="replace")[-3000:]

    def next_line(self, timeout: float) -> str | None:
        """The next line (None at the end of output); fails the test after ``timeout`` seconds."""
        try:
            line = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the window printed nothing for {timeout:.0f} s; stderr:\n{self.stderr_tail()}")
        if line is not None:
            self.lines.append(line)
        return line

    def wait_for(self, word: str, count: int = 1) -> None:
        seen = 0
        while seen < count:
            line = self.next_line(LINE_TIMEOUT_S)
            assert line is not None, f"the window ended before {word!r}; stderr:\n{self.stderr_tail()}"
            seen += line.split(" ", 1)[0] == word

    def run_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                return
            assert line is not None, f"the window ended by itself; stderr:\n{self.stderr_tail()}"
            self.lines.append(line)

    def kill(self) -> None:
        """SIGKILL the window and read what it had printed before."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        assert not self._reader.is_alive(), "the window's stdout stayed open after it was killed"
        while (line := self._queue.get_nowait()) is not None:
            self.lines.append(line)
        self.proc.stdout.close()
        self.err.close()


def _leftovers(folder: Path) -> list[str]:
    """What a write cut short leaves: temp files, a MIDI file without its record."""
    names = set(os.listdir(folder))
    return sorted(n for n in names if (n.startswith(".") and n.endswith(".tmp"))
                  or (n.startswith("take-") and n.endswith(".mid") and n[:-4] + ".json" not in names))


@pytest.mark.slow
def test_takes_finished_before_a_kill_during_real_jobs_are_listed_and_play(tmp_path, tmp_path_factory,
                                                                             monkeypatch):
    model = str(tiny_bundle(tmp_path_factory))  # before JUKEBOX_HOME moves: it reads the demo corpus
    from jukebox_gui.core.audio.render import render_score
    from jukebox_gui.core.audio.wav import SAMPLE_RATE
    from jukebox_gui.core.takes_store import TakesStore

    home = tmp_path / "home"
    monkeypatch.setenv("JUKEBOX_HOME", str(home))  # the parent's TakesStore() is the window's
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "2"}
    rng = random.Random(2222)
    modes = ["time", *TRIGGERS] * (KILLS // 4)
    rng.shuffle(modes)
    finished: dict[str, tuple[int, str, str]] = {}  # take id -> (seed, notes, MIDI sha256) as the window made it
    rendered: dict[str, int] = {}  # take id -> frames of the window's render
    phases: Counter[str] = Counter()
    seed, cut_writes, started = 1, 0, time.monotonic()
    for round_ in range(KILLS + 1):  # the last start only checks what the last kill left
        last = round_ == KILLS
        child = Child([model, str(seed), "check" if last else "run", str(BARS)], env, tmp_path / f"err-{round_}")
        try:
            child.wait_for("ready")
            head = [line.split(" ") for line in child.lines]
            restored = {w[1]: w[2] for w in head if w[0] == "restored"}
            message = next(w[1] for w in head if w[0] == "message").replace("_", " ")
            if round_:
                stored = {t.id for t in TakesStore().takes(session)}
                assert set(restored) == stored, f"after kill {round_}: listed {sorted(restored)}, kept {sorted(stored)}"
                missing = set(finished) - set(restored)
                assert not missing, f"after kill {round_}: finished takes not listed: {sorted(missing)}"
                for take_id, (_seed, notes, _sha) in finished.items():
                    assert restored[take_id] == notes, f"{take_id} is listed with other notes than it was made with"
                if stored:
                    assert message.startswith("AI Jukebox did not close normally last time"), message
                    assert "damaged" not in message, message
                assert _leftovers(folder) == [], f"after kill {round_}: not cleaned up: {_leftovers(folder)}"
            if last:
                break
            mode = modes[round_]
            if mode == "time":
                child.run_for(rng.uniform(1.0, 6.0))
            else:
                child.wait_for(mode, rng.randint(2, 4))  # >= 1 take finished before each such kill
                child.run_for(rng.uniform(0.0, TRIGGERS[mode]))
        finally:
            child.kill()
        out = [line.split(" ") for line in child.lines]
        assert child.proc.returncode == -signal.SIGKILL, child.stderr_tail()
        bad = [" ".join(w) for w in out if w[0] in ("unsaved", "failed") or (w[0] == "kept" and "ERROR" in w[1])]
        assert not bad, bad
        for w in out:
            if w[0] == "done":
                finished[w[1]] = (int(w[2]), w[3], w[4])
            elif w[0] == "rendered":
                rendered[w[1]] = int(w[2])
            elif w[0] == "generating":
                seed = int(w[1]) + 1
        last_word = next((w[0] for w in reversed(out) if w[0] in PHASES), "ready")
        phases[PHASES[last_word]] += 1

        # before the restart: on disk, only complete takes, and every finished one
        store = TakesStore()
        [info] = store.sessions()
        session, folder = info.id, info.folder
        assert info.damaged == [], f"kill {round_ + 1} left half-written takes: {info.damaged}"
        cut_writes += bool(_leftovers(folder))
        kept = {t.id: t for t in store.takes(session)}
        missing = set(finished) - set(kept)
        assert not missing, f"kill {round_ + 1}: finished takes not on disk: {sorted(missing)}"
        for take_id, take in kept.items():
            score = take.load_score()  # size + sha256 checked, then parsed: nothing half-written
            if take_id in finished:
                assert _sig(score) == finished[take_id][1], f"{take_id}'s MIDI has other notes"
                assert take.settings["seed"] == finished[take_id][0], take_id
                assert take.record["sha256"] == finished[take_id][2], f"{take_id}'s MIDI is not the take made"

    # every finished take plays: render it from its kept MIDI, as "Render audio" does after a restart
    store = TakesStore()
    for take_id in sorted(finished):
        score = store.get(take_id).load_score()
        audio = render_score(score)
        assert audio.ndim == 2 and audio.shape[1] == 2, take_id
        assert float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) > 1e-3, f"{take_id} renders silent"
        expected = (score.duration_seconds + TAIL_S) * SAMPLE_RATE
        assert abs(len(audio) - expected) <= 0.05 * SAMPLE_RATE, (take_id, len(audio), expected)
        if take_id in rendered:
            assert abs(len(audio) - rendered[take_id]) <= 0.05 * SAMPLE_RATE, (take_id, len(audio), rendered[take_id])

    summary = (f"{KILLS} kills in {time.monotonic() - started:.0f} s: {len(finished)} takes finished and listed after "
               f"each restart, {len(rendered)} rendered in the window; kills landed in {dict(phases)}; "
               f"{cut_writes} left a write's leftovers")
    print(summary)
    assert len(finished) >= KILLS, summary  # takes were really being made (the seeded rounds alone make KILLS)
    assert phases["generation"] >= 1 and phases["render"] >= 1 and phases["write"] >= 1, summary
