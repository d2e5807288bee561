"""`jukebox train` on the Irish demo corpus (tiny preset), and `jukebox models list|delete`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jukebox_gui import cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """``jukebox train demo:irish --preset tiny --epochs 2`` in a subprocess: (process, seconds, bundle)."""
    out = tmp_path_factory.mktemp("train-cli") / "B"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "jukebox_gui.cli", "train", "demo:irish", "--preset", "tiny",
                           "--epochs", "2", "--seed", "3", "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    return proc, time.monotonic() - start, out


@pytest.mark.slow
def test_train_tiny_on_demo_irish(tiny_run):
    proc, _elapsed, out = tiny_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "validation loss" in proc.stdout and "epoch 2/2" in proc.stderr
    training = json.loads((out / "training.json").read_text())
    assert training["history"]["val_loss"][1] < training["history"]["val_loss"][0]
    assert training["seed"] == 3 and training["corpus"]["pieces"] > 100

    from jukebox_gui.core.data.tokenizer import Tokenizer
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.music.score import Note, Score, Track

    bundle = load_bundle(out)
    # demo:irish is one fiddle at one velocity: the stream leaves out Program and Velocity tokens
    assert "token stream: leaves out Program and Velocity tokens" in proc.stdout
    slim = bundle.tokenizer.config
    assert not slim.use_programs and not slim.use_velocities and slim.program == 40
    assert bundle.tokenizer.vocab_size < Tokenizer().vocab_size
    assert {"corpus_metrics", "originality"} <= set(bundle.extras)
    score = Score(tracks=[Track(notes=[Note(pitch=62, start=0.0, duration=1.0, velocity=80),
                                       Note(pitch=66, start=1.0, duration=0.5, velocity=80)])])
    back = bundle.tokenizer.decode(bundle.tokenizer.encode(score))
    assert [(n.pitch, n.start, n.duration) for t in back.tracks for n in t.notes] == [(62, 0.0, 1.0), (66, 1.0, 0.5)]
    assert bundle.model(__import__("numpy").array([[bundle.tokenizer.bos_id]])).shape[-1] == bundle.vocab_size


@pytest.mark.slow
@pytest.mark.timing
def test_tiny_training_takes_under_two_minutes(tiny_run):
    proc, elapsed, _out = tiny_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert elapsed < 120, f"tiny training took {elapsed:.0f} s"  # ~12 s when the machine is quiet


def test_models_list_and_delete(isolated_home, capsys):
    assert cli.main(["models", "list"]) == 0
    assert "no models" in capsys.readouterr().out
    from jukebox_gui.core.paths import models_dir

    (models_dir() / "half" / "checkpoints").mkdir(parents=True)
    assert cli.main(["models", "list"]) == 0
    assert "half" in capsys.readouterr().out
    assert cli.main(["models", "delete", "half"]) == 0
    assert not (models_dir() / "half").exists()
    assert cli.main(["models", "delete", "half"]) == 2
    assert "no model named" in capsys.readouterr().err


def test_bad_options_are_one_line_errors(tmp_path, capsys):
    assert cli.main(["train", str(tmp_path / "nowhere"), "--out", str(tmp_path / "b"), "--epochs", "0"]) == 2
    assert "epochs must be a positive" in capsys.readouterr().err


def test_flags_build_the_same_config_as_the_window():
    from jukebox_gui.cli.train import build_config
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.settings import training_config

    args = cli.build_parser().parse_args(["train", "demo:irish", "--out", "x", "--preset", "tiny", "--epochs", "5",
                                          "--seq-len", "24", "--lr", "0.02"])
    config = build_config(args)
    assert config == training_config("tiny", epochs=5, seq_len=24, learning_rate=0.02)
    assert config.model.arch == "transformer"  # the default: the architecture that learns melody
    assert config.batch_size == preset("tiny").batch_size and not config.deterministic
    seeded = build_config(cli.build_parser().parse_args(["train", "c", "--out", "x", "--seed", "9"]))
    assert seeded.seed == 9 and seeded.deterministic  # --seed also makes TensorFlow ops deterministic
