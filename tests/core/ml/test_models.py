"""Architectures, presets and their checks (the decoders are tested in test_decoders.py)."""

from __future__ import annotations

import numpy as np
import pytest

from jukebox_gui.core.errors import TrainingError
from jukebox_gui.core.ml.config import ModelConfig, preset
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
