"""Real tiny Keras trainings on a learnable synthetic corpus: learning, cancel, pause, early stop."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pytest

from jukebox_gui.core.errors import Cancelled, TrainingError
from jukebox_gui.core.ml import checkpoints
from jukebox_gui.core.ml.callbacks import BatchEnd, EpochEnd, Stage
from jukebox_gui.core.ml.config import preset
from jukebox_gui.core.progress import CancelToken

from ml_toys import ToyTokenizer, make_corpus


def _train(tmp_path, corpus=None, **overrides):
    from jukebox_gui.core.ml.training import train

    config = dataclasses.replace(preset("tiny", "lstm"), **overrides)
    events = []
    cancel = overrides.pop("_cancel", None)
    result = train(corpus or make_corpus(), tmp_path / "bundle", config, tokenizer=ToyTokenizer(),
                   progress=events.append, cancel=cancel)
    return result, events


def test_two_epochs_learn_and_report(tmp_path):
    result, events = _train(tmp_path)
    assert result.epochs_completed == 2
    assert result.history["val_loss"][1] < result.history["val_loss"][0]
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == [1, 2]
    assert epochs[1].val_perplexity == pytest.approx(np.exp(epochs[1].val_loss), rel=1e-5)
    assert epochs[0].eta_s > 0 and epochs[1].eta_s == 0
    batches = [e for e in events if isinstance(e, BatchEnd)]
    assert batches and all(e.tokens_per_s > 0 and 1 <= e.batch <= e.batches for e in batches)
    assert any(isinstance(e, Stage) and e.stage == "saving" for e in events)
    assert (tmp_path / "bundle" / "config.json").exists()
    state = checkpoints.last_state(tmp_path / "bundle")
    assert state["epoch"] == 2 and state["optimizer_iterations"] == result.optimizer_iterations


def test_cancel_stops_within_one_batch_and_keeps_checkpoint(tmp_path):
    from jukebox_gui.core.ml.training import train

    cancel = CancelToken()
    seen = []

    def sink(event):
        seen.append(event)
        if isinstance(event, BatchEnd) and event.epoch == 2 and event.batch == 1:
            cancel.cancel()

    config = dataclasses.replace(preset("tiny", "lstm"), epochs=3)
    with pytest.raises(Cancelled, match=r"epoch 2 at batch 1 of (\d+)") as info:
        train(make_corpus(), tmp_path / "b", config, tokenizer=ToyTokenizer(), progress=sink, cancel=cancel)
    assert "of 1;" not in str(info.value)  # the epoch had more batches to go
    assert not [e for e in seen if isinstance(e, EpochEnd) and e.epoch == 2]
    state = checkpoints.last_state(tmp_path / "b")
    assert state["epoch"] == 1  # the epoch-1 checkpoint is intact
    assert not (tmp_path / "b" / "config.json").exists()


@pytest.mark.slow
def test_pause_blocks_between_batches(tmp_path):
    from jukebox_gui.core.ml.training import train

    cancel = CancelToken()
    paused_at = []

    def sink(event):
        if isinstance(event, BatchEnd) and not paused_at:
            paused_at.append(time.monotonic())
            cancel.pause()
            threading.Timer(1.0, cancel.resume).start()

    config = dataclasses.replace(preset("tiny", "lstm"), epochs=1)
    train(make_corpus(), tmp_path / "b", config, tokenizer=ToyTokenizer(), progress=sink, cancel=cancel)
    assert time.monotonic() - paused_at[0] >= 1.0


@pytest.mark.slow
def test_early_stopping(tmp_path):
    result, events = _train(tmp_path, epochs=10, patience=2, learning_rate=1e-9, min_delta=0.01)
    assert result.stopped == "early_stopping"
    assert result.epochs_completed == 3
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [1, 2, 3]


def test_bad_source_and_too_small_corpus(tmp_path):
    from jukebox_gui.core.ml.training import train

    with pytest.raises(TrainingError, match="tokenized corpus"):
        train(object(), tmp_path / "b", preset("tiny", "lstm"), tokenizer=ToyTokenizer())
    with pytest.raises(TrainingError, match="at least 2 pieces"):
        train(make_corpus(pieces=1), tmp_path / "b", preset("tiny", "lstm"), tokenizer=ToyTokenizer())


@pytest.mark.slow
def test_fine_tune_needs_a_compatible_tokenizer(tmp_path):
    from jukebox_gui.core.ml.training import train

    _train(tmp_path, epochs=1)
    with pytest.raises(TrainingError, match="tokenizer differs"):
        train(make_corpus(vocab=30), tmp_path / "ft", preset("tiny", "lstm"), tokenizer=ToyTokenizer(30),
              from_bundle=tmp_path / "bundle")
    result = train(make_corpus(seed=5), tmp_path / "ft", dataclasses.replace(preset("tiny", "lstm"), epochs=1),
                   tokenizer=ToyTokenizer(), from_bundle=tmp_path / "bundle")
    assert result.epochs_completed == 1


@pytest.mark.slow
def test_other_architectures_train(tmp_path):
    for arch in ("transformer", "seed-bilstm"):
        from jukebox_gui.core.ml.training import train

        config = dataclasses.replace(preset("tiny", arch), epochs=1)
        result = train(make_corpus(), tmp_path / arch, config, tokenizer=ToyTokenizer())
        assert np.isfinite(result.best_val_loss)


@pytest.mark.slow
def test_xla_training_learns_and_its_bundle_reloads(tmp_path):
    from jukebox_gui.core.ml.bundle import load_bundle

    seeded, _ = _train(tmp_path / "seeded", deterministic=True, epochs=1)  # process-wide op determinism
    assert not seeded.xla
    result, _ = _train(tmp_path, xla="on", epochs=3)
    assert result.xla  # the seeded run before it did not leave determinism on (Keras would refuse XLA)
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]
    bundle = load_bundle(result.bundle_path, tokenizer_cls=ToyTokenizer)
    assert bundle.config.xla == "on"
    # rebuilt from config.json without XLA: the same weights load and run
    seq = np.arange(3, 20, dtype=np.int32)[None, :]
    assert np.isfinite(bundle.model(seq, training=False).numpy()).all()
