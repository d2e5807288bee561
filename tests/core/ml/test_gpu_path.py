"""The GPU path, covered on a CPU: cuDNN-ready LSTM layers, mixed float16 training, the device batch rule."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ml_toys import ToyTokenizer, make_corpus

from jukebox_gui.core.ml.config import ModelConfig, preset
from jukebox_gui.core.errors import TrainingError


@pytest.mark.parametrize("mixed", [False, True])
def test_lstm_layers_meet_the_cudnn_conditions(mixed):
    import keras

    from jukebox_gui.core.ml.models import build_model, cudnn_ready

    model = build_model(ModelConfig(arch="lstm", units=16, embedding_dim=8, layers=2, dropout=0.1), 30,
                        mixed_precision=mixed)
    lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    assert len(lstms) == 2 and cudnn_ready(model) == []
    for layer in lstms:
        conf = layer.get_config()
        assert conf["activation"] == "tanh" and conf["recurrent_activation"] == "sigmoid"
        assert conf["recurrent_dropout"] == 0 and conf["unroll"] is False and conf["use_bias"] is True
        assert layer.use_cudnn in ("auto", True)  # an attribute, not in get_config()
        # the very check Keras makes before it takes the cuDNN kernel (less "is a GPU present")
        from keras.src.backend.tensorflow.rnn import _do_lstm_arguments_support_cudnn

        assert _do_lstm_arguments_support_cudnn(layer.cell.activation, layer.cell.recurrent_activation,
                                                layer.unroll, layer.cell.use_bias)
    assert not model.get_layer("embedding").mask_zero  # no mask: padding is sample weights


def test_cudnn_ready_names_what_breaks_it():
    import keras

    from jukebox_gui.core.ml.models import cudnn_ready

    ids = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True, name="embedding")(ids)
    x = keras.layers.LSTM(4, return_sequences=True, recurrent_dropout=0.1, name="lstm_0")(x)
    problems = cudnn_ready(keras.Model(ids, x))
    assert any("mask_zero" in p for p in problems) and any("recurrent_dropout" in p for p in problems)


def test_mixed_precision_keeps_logits_in_float32():
    from jukebox_gui.core.ml.models import build_model, compile_model

    config = dataclasses.replace(preset("tiny", "lstm"), mixed_precision="on")
    for arch in ("lstm", "transformer"):
        model = build_model(dataclasses.replace(config.model, arch=arch), 30, mixed_precision=True)
        assert model.get_layer("embedding").compute_dtype == "float16"
        assert model.get_layer("logits").compute_dtype == "float32"
        assert all(w.dtype == "float32" for w in model.weights)  # float32 variables
        out = model(np.zeros((2, 8), np.int32))
        assert str(out.dtype) in ("float32", "<dtype: 'float32'>")
    compile_model(model, config, mixed_precision=True)
    assert type(model.optimizer).__name__ == "LossScaleOptimizer"


@pytest.mark.slow
def test_mixed_precision_training_on_cpu_has_no_nan(tmp_path):
    """The settings a GPU run gets (mixed float16, loss scaling), forced on the CPU: a few steps, finite
    and falling losses, a float32 bundle that loads."""
    import json

    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.training import train

    config = dataclasses.replace(preset("tiny", "lstm"), epochs=2, mixed_precision="on")
    result = train(make_corpus(), tmp_path / "b", config, tokenizer=ToyTokenizer())
    losses = result.history["loss"] + result.history["val_loss"]
    assert all(np.isfinite(losses)), losses
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]
    training = json.loads((tmp_path / "b" / "training.json").read_text())
    assert training["mixed_precision"] is True
    bundle = load_bundle(tmp_path / "b", tokenizer_cls=ToyTokenizer)
    assert all(w.dtype == "float32" for w in bundle.model.weights)
    # resuming a mixed-precision run restores the loss-scale optimizer's state too
    more = train(make_corpus(), tmp_path / "b", dataclasses.replace(config, epochs=3), tokenizer=ToyTokenizer(),
                 resume=True)
    assert more.epochs_completed == 3 and np.isfinite(more.history["loss"][-1])


def test_mixed_precision_auto_is_off_without_a_gpu():
    from jukebox_gui.core.ml.models import use_mixed_precision

    assert not use_mixed_precision(preset("tiny", "lstm"))  # no GPU here: auto is off
    assert use_mixed_precision(dataclasses.replace(preset("tiny", "lstm"), mixed_precision="on"))
    assert not use_mixed_precision(dataclasses.replace(preset("tiny", "seed-bilstm"), mixed_precision="on"))
    with pytest.raises(TrainingError, match="mixed-precision"):
        dataclasses.replace(preset("tiny", "lstm"), mixed_precision="fp8")


def test_device_batch_rule():
    from jukebox_gui.core.ml.strategy import device_batch_size

    laptop = dataclasses.replace(preset("laptop", "lstm"), device_batch=True)  # 64-token windows, batch 32
    assert device_batch_size(laptop, gpus=0) == 32  # a CPU keeps the preset's batch
    assert device_batch_size(laptop, gpus=1) == 512  # 32k tokens / 64
    assert device_batch_size(dataclasses.replace(laptop, device_batch=False), gpus=1) == 32
    large = dataclasses.replace(preset("large", "lstm"), device_batch=True)  # 512-token windows, batch 64
    assert device_batch_size(large, gpus=1) == 64
    tiny = dataclasses.replace(preset("tiny", "lstm"), device_batch=True)  # 32-token windows: capped
    assert device_batch_size(tiny, gpus=1) == 1024
