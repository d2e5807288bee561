"""Architectures and the step decoder (which must agree with the full model)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from jukebox_gui.core.errors import TrainingError
from jukebox_gui.core.ml.config import ModelConfig, preset
from jukebox_gui.core.ml.decoder import make_decoder
from jukebox_gui.core.ml.models import build_model


@pytest.mark.parametrize("arch", ["lstm", "transformer", "seed-bilstm"])
def test_shapes(arch):
    config = preset("tiny", arch).model
    model = build_model(config, 30)
    length = config.window if arch == "seed-bilstm" else 10
    out = model(np.zeros((2, length), np.int32))
    assert out.shape == ((2, 30) if arch == "seed-bilstm" else (2, length, 30))


def test_seed_bilstm_is_the_seeds_method():
    config = preset("laptop", "seed-bilstm")
    assert (config.model.units, config.model.ff_dim, config.model.dropout, config.model.window) == (512, 512, 0.5, 200)
    assert (config.optimizer, config.learning_rate) == ("rmsprop", 0.001)


@pytest.mark.parametrize("arch", ["lstm", "transformer"])
def test_step_decoder_matches_full_model(arch):
    config = preset("tiny", arch).model
    model = build_model(config, 30)
    seq = np.random.default_rng(0).integers(3, 30, size=20).astype(np.int32)
    full = model(seq[None, :], training=False).numpy()[0]
    decoder = make_decoder(model, config)
    decoder.reset(batch=2)
    steps = np.stack([decoder.step(np.array([t, t])) for t in seq])
    assert steps.shape == (20, 2, 30)
    np.testing.assert_allclose(steps[:, 0], full, atol=1e-4)
    decoder.reset(batch=1)
    np.testing.assert_allclose(decoder.feed(seq)[0], full[-1], atol=1e-4)


def test_seed_decoder_uses_a_left_padded_window():
    config = preset("tiny", "seed-bilstm").model
    model = build_model(config, 30)
    decoder = make_decoder(model, config, pad_id=0)
    decoder.reset()
    logits = decoder.feed([1, 5, 6])
    window = np.zeros((1, config.window), np.int32)
    window[0, -3:] = [1, 5, 6]
    np.testing.assert_allclose(logits, model(window).numpy(), atol=1e-5)


def test_laptop_lstm_decodes_2000_tokens_fast():
    config = preset("laptop").model
    decoder = make_decoder(build_model(config, 300), config)
    decoder.reset()
    decoder.step(np.array([1]))  # trace once
    start = time.perf_counter()
    for _ in range(2000):
        decoder.step(np.array([5]))
    assert time.perf_counter() - start < 6.0  # ~1.2 s measured on an idle-ish 2-core box


def test_config_validation():
    with pytest.raises(TrainingError, match="unknown architecture"):
        ModelConfig(arch="gru")
    with pytest.raises(TrainingError, match="divisible"):
        ModelConfig(arch="transformer", units=30, heads=4)
    with pytest.raises(TrainingError, match="unknown preset"):
        preset("huge")


def test_xla_is_used_where_it_pays():
    import dataclasses

    from jukebox_gui.core.ml.models import use_xla

    laptop = preset("laptop", "lstm")
    assert use_xla(laptop)  # this machine has no GPU: the causal LSTM is XLA-compiled
    assert not use_xla(preset("laptop", "transformer"))  # measured slower with XLA on CPU
    assert not use_xla(preset("laptop", "seed-bilstm"))  # kept as the seed ran it
    assert not use_xla(dataclasses.replace(laptop, deterministic=True))  # Keras refuses XLA + determinism
    assert not use_xla(dataclasses.replace(laptop, strategy="mirrored"))
    assert not use_xla(preset("tiny", "lstm"))  # compile time exceeds a tiny run
    assert use_xla(dataclasses.replace(preset("tiny", "lstm"), xla="on"))
    assert not use_xla(dataclasses.replace(laptop, xla="off"))
    with pytest.raises(TrainingError, match="XLA"):
        dataclasses.replace(laptop, xla="fast")
