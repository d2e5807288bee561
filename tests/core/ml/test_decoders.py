"""``make_decoder``: which decoder runs per architecture, and the batch rule they all follow.

Every decoder must agree with the full Keras model (teacher forcing); the NumPy transformer's
key/value cache has its own tests in test_numpy_transformer_decoder.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from jukebox_gui.core.errors import GenerationError
from jukebox_gui.core.ml.config import preset
from jukebox_gui.core.ml.decoders import make_decoder
from jukebox_gui.core.ml.decoders.keras_lstm import KerasLstmDecoder
from jukebox_gui.core.ml.decoders.keras_window import KerasWindowDecoder
from jukebox_gui.core.ml.decoders.numpy_lstm import NumpyLstmDecoder
from jukebox_gui.core.ml.decoders.numpy_transformer import NumpyTransformerDecoder
from jukebox_gui.core.ml.models import build_model

VOCAB = 30
CHOICES = [("lstm", "auto", NumpyLstmDecoder), ("lstm", "keras", KerasLstmDecoder),
           ("transformer", "auto", NumpyTransformerDecoder), ("transformer", "keras", KerasWindowDecoder),
           ("seed-bilstm", "auto", KerasWindowDecoder), ("seed-bilstm", "keras", KerasWindowDecoder),
           ("lstm", "window", KerasWindowDecoder)]


def tiny_bundle(arch: str, vocab: int = VOCAB) -> SimpleNamespace:
    config = preset("tiny", arch)
    return SimpleNamespace(model=build_model(config.model, vocab), config=config,
                           tokenizer=SimpleNamespace(pad_id=0))


@pytest.fixture(scope="module")
def bundles():
    return {arch: tiny_bundle(arch) for arch in ("lstm", "transformer", "seed-bilstm")}


@pytest.mark.parametrize("arch,prefer,kind", CHOICES)
def test_make_decoder_picks_per_architecture(bundles, arch, prefer, kind):
    assert type(make_decoder(bundles[arch], prefer=prefer)) is kind


def test_unknown_preference_is_a_generation_error(bundles):
    with pytest.raises(GenerationError, match="unknown decoder preference"):
        make_decoder(bundles["lstm"], prefer="fast")


@pytest.mark.parametrize("arch,prefer", [("lstm", "auto"), ("lstm", "keras"), ("transformer", "auto"),
                                         ("transformer", "keras")])
def test_step_decoder_matches_full_model(bundles, arch, prefer):
    model = bundles[arch].model
    seq = np.random.default_rng(0).integers(3, VOCAB, size=20).astype(np.int32)
    full = model(seq[None, :], training=False).numpy()[0]
    decoder = make_decoder(bundles[arch], prefer=prefer)
    decoder.reset(batch=2)
    steps = np.stack([decoder.step(np.array([t, t])) for t in seq])
    assert steps.shape == (20, 2, VOCAB)
    np.testing.assert_allclose(steps[:, 0], full, atol=1e-4)
    decoder.reset(batch=1)
    np.testing.assert_allclose(decoder.feed(seq)[0], full[-1], atol=1e-4)


@pytest.mark.parametrize("arch,prefer,kind", CHOICES[:6])
def test_every_decoder_follows_the_batch_rule(bundles, arch, prefer, kind):
    decoder = make_decoder(bundles[arch], prefer=prefer)
    rows = np.array([[3, 4, 5], [6, 7, 8]])
    decoder.reset(2)
    fed = decoder.feed(rows)                      # (batch, T)
    stepped = decoder.step([9, 10])               # (batch,)
    assert fed.shape == stepped.shape == (2, VOCAB) and fed.dtype == np.float32
    decoder.reset(2)
    shared = decoder.feed([3, 4, 5])              # (T,): the same primer for every row
    np.testing.assert_allclose(shared[0], shared[1], atol=1e-6)
    np.testing.assert_allclose(shared[0], fed[0], atol=1e-5)
    one = decoder.step(9)                         # one id for every row
    np.testing.assert_allclose(one[0], stepped[0], atol=1e-5)
    assert decoder.step([9]).shape == (2, VOCAB)
    with pytest.raises(GenerationError):
        decoder.step([1, 2, 3])
    with pytest.raises(GenerationError):
        decoder.feed([])
    with pytest.raises(GenerationError):
        decoder.feed(np.zeros((3, 2), np.int32))


def test_seed_decoder_uses_a_left_padded_window():
    config = preset("tiny", "seed-bilstm").model
    model = build_model(config, VOCAB)
    decoder = KerasWindowDecoder(model, config, pad_id=0)
    decoder.reset()
    logits = decoder.feed([1, 5, 6])
    window = np.zeros((1, config.window), np.int32)
    window[0, -3:] = [1, 5, 6]
    np.testing.assert_allclose(logits, model(window).numpy(), atol=1e-5)
