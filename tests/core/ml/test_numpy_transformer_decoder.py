"""The NumPy key/value-cache transformer decoder against the full Keras model (teacher forcing)."""

from __future__ import annotations

import numpy as np
import pytest

VOCAB = 30
SEQ_LEN = 12
TOL = 1e-4


@pytest.fixture(scope="module")
def model():
    import keras

    from jukebox_gui.core.ml.config import ModelConfig
    from jukebox_gui.core.ml.models import build_model

    keras.utils.set_random_seed(3)
    config = ModelConfig(arch="transformer", units=16, layers=2, heads=2, ff_dim=32, dropout=0.1, seq_len=SEQ_LEN)
    built = build_model(config, VOCAB)
    # random weights everywhere (LayerNorm gammas/betas and biases too, not their 1/0 defaults)
    rng = np.random.default_rng(0)
    built.set_weights([w + rng.normal(0, 0.3, w.shape).astype(np.float32) for w in built.get_weights()])
    return built


@pytest.fixture
def decoder(model):
    from jukebox_gui.core.ml.decoders.numpy_transformer import NumpyTransformerDecoder

    return NumpyTransformerDecoder(model)


def full(model, ids) -> np.ndarray:
    return model(np.asarray(ids, np.int32), training=False).numpy()


def test_steps_match_teacher_forced_logits_at_every_position(model, decoder):
    tokens = np.random.default_rng(1).integers(0, VOCAB, (1, SEQ_LEN))
    expected = full(model, tokens)
    for _round in range(2):  # the second round runs after a reset on a used cache
        decoder.reset(1)
        for t in range(SEQ_LEN):
            logits = decoder.step([tokens[0, t]])
            assert logits.shape == (1, VOCAB)
            np.testing.assert_allclose(logits, expected[:, t], atol=TOL)


def test_feed_then_steps_match(model, decoder):
    tokens = np.random.default_rng(2).integers(0, VOCAB, SEQ_LEN)
    expected = full(model, tokens[None])
    decoder.reset(1)
    np.testing.assert_allclose(decoder.feed(tokens[:5]), expected[:, 4], atol=TOL)
    for t in range(5, SEQ_LEN):
        np.testing.assert_allclose(decoder.step([tokens[t]]), expected[:, t], atol=TOL)


def test_batch_rows_are_independent(model, decoder):
    tokens = np.random.default_rng(3).integers(0, VOCAB, (3, SEQ_LEN))
    expected = full(model, tokens)
    decoder.reset(3)
    np.testing.assert_allclose(decoder.feed(tokens[:, :4]), expected[:, 3], atol=TOL)
    for t in range(4, SEQ_LEN):
        logits = decoder.step(tokens[:, t])
        assert logits.shape == (3, VOCAB)
        np.testing.assert_allclose(logits, expected[:, t], atol=TOL)
    # a (T,) prefix is broadcast to every row
    decoder.reset(2)
    logits = decoder.feed(tokens[0, :6])
    np.testing.assert_allclose(logits, np.repeat(expected[:1, 5], 2, axis=0), atol=TOL)


@pytest.mark.filterwarnings("ignore:You are using a softmax")
def test_past_seq_len_reencodes_the_last_half(model, decoder):
    """Documented sliding: when the cache is full, the last seq_len//2 tokens are re-encoded at
    positions 0.. and the logits equal the full model on the tokens since that window start."""
    tokens = np.random.default_rng(4).integers(0, VOCAB, 3 * SEQ_LEN + 5)
    decoder.reset(1)
    starts = []
    for t, token in enumerate(tokens):
        logits = decoder.step([token])
        assert np.isfinite(logits).all()
        start = decoder.window_start
        starts.append(start)
        assert 0 < t + 1 - start <= SEQ_LEN
        np.testing.assert_allclose(logits, full(model, tokens[None, start:t + 1])[:, -1], atol=TOL)
    half = SEQ_LEN // 2
    # the first slide happens at token index SEQ_LEN, keeping tokens SEQ_LEN-half .. SEQ_LEN-1
    assert starts[SEQ_LEN - 1] == 0 and starts[SEQ_LEN] == SEQ_LEN - half
    # feeding the same long prefix at once slides at the same moments and gives the same logits
    decoder.reset(1)
    np.testing.assert_allclose(decoder.feed(tokens), logits, atol=TOL)
    assert decoder.window_start == starts[-1]


def test_bad_input_is_a_generation_error(decoder, model):
    from jukebox_gui.core.errors import GenerationError
    from jukebox_gui.core.ml.decoders.numpy_transformer import NumpyTransformerDecoder

    decoder.reset(2)
    with pytest.raises(GenerationError):
        decoder.step([1, 2, 3])
    with pytest.raises(GenerationError):
        decoder.feed([])
    with pytest.raises(GenerationError):
        decoder.step([VOCAB])
    import keras

    lstm_like = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(VOCAB, 4)])
    with pytest.raises(GenerationError):
        NumpyTransformerDecoder(lstm_like)


def test_make_decoder_picks_it_for_transformer_bundles(model):
    from types import SimpleNamespace

    from jukebox_gui.core.ml.config import ModelConfig
    from jukebox_gui.core.ml.decoders import make_decoder
    from jukebox_gui.core.ml.decoders.numpy_transformer import NumpyTransformerDecoder

    config = SimpleNamespace(model=ModelConfig(arch="transformer", units=16, heads=2, seq_len=SEQ_LEN))
    bundle = SimpleNamespace(model=model, config=config)
    assert isinstance(make_decoder(bundle), NumpyTransformerDecoder)
