"""SIGKILL a real training process mid-epoch, resume, and continue exactly where it stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from jukebox_gui.core.ml import checkpoints

HERE = Path(__file__).parent
REPO = HERE.parents[2]

CHILD = """
import dataclasses, json, sys, time
sys.path.insert(0, {here!r})
from ml_toys import ToyTokenizer, make_corpus
from jukebox_gui.core.ml.callbacks import BatchEnd
from jukebox_gui.core.ml.config import preset
from jukebox_gui.core.ml.training import train

out, marker, kill_epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
def sink(event):
    if isinstance(event, BatchEnd) and event.epoch == kill_epoch and event.batch < event.batches:
        open(marker, "w").write("in epoch")
        time.sleep(120)  # the parent kills us here, mid-epoch
config = dataclasses.replace(preset("tiny", "lstm"), epochs=4, seed=7, deterministic=True)
result = train(make_corpus(), out, config, tokenizer=ToyTokenizer(), progress=sink, resume="--resume" in sys.argv)
print(json.dumps(result.history))
"""


def _child(tmp_path, out, kill_epoch, *extra):
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(here=str(HERE)))
    marker = tmp_path / f"marker-{kill_epoch}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, str(script), str(out), str(marker), str(kill_epoch), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO), marker


@pytest.mark.slow
def test_resume_after_sigkill_continues_exactly(tmp_path):
    out = tmp_path / "bundle"
    proc, marker = _child(tmp_path, out, 3)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read()[-2000:]
        assert time.monotonic() < deadline, "the child never reached epoch 3"
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    state = checkpoints.last_state(out)
    assert state["epoch"] == 2, "the last completed epoch's checkpoint must survive the kill"
    steps = state["optimizer_iterations"] // 2
    assert steps >= 2 and state["optimizer_iterations"] == 2 * steps
    assert not (out / "config.json").exists()

    resumed, _ = _child(tmp_path, out, 0, "--resume")  # kill_epoch 0: never pauses
    stdout, stderr = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, stderr[-2000:]
    history = json.loads(stdout.strip().splitlines()[-1])
    assert len(history["loss"]) == 4
    assert history["loss"][:2] == state["history"]["loss"]  # epochs 1-2 came from the checkpoint
    final = json.loads((out / "training.json").read_text())
    assert final["optimizer_iterations"] == 4 * steps

    # An uninterrupted run with the same seed reaches (nearly) the same losses.
    straight, _ = _child(tmp_path, tmp_path / "straight", 0)
    stdout, stderr = straight.communicate(timeout=180)
    assert straight.returncode == 0, stderr[-2000:]
    reference = json.loads(stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(history["val_loss"], reference["val_loss"], rtol=1e-5)


@pytest.mark.slow
def test_resume_without_checkpoint_starts_fresh(tmp_path):
    import dataclasses

    from ml_toys import ToyTokenizer, make_corpus
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.training import train

    result = train(make_corpus(), tmp_path / "b", dataclasses.replace(preset("tiny", "lstm"), epochs=1),
                   tokenizer=ToyTokenizer(), resume=True)
    assert result.epochs_completed == 1
    # resuming a finished run with more epochs continues it
    more = train(make_corpus(), tmp_path / "b", dataclasses.replace(preset("tiny", "lstm"), epochs=2),
                 tokenizer=ToyTokenizer(), resume=True)
    assert more.epochs_completed == 2 and more.history["loss"][0] == result.history["loss"][0]
    assert more.optimizer_iterations == 2 * result.optimizer_iterations
