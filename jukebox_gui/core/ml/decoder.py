"""Incremental decoding: one token in, next-token logits out, for every architecture.

    decoder = make_decoder(bundle)          # or make_decoder(model, config)
    decoder.reset(batch=1)
    logits = decoder.feed(primer_ids)       # (batch, vocab) after the last primer token
    logits = decoder.step(np.array([tok]))  # (batch, vocab)

* ``lstm``: the trained model's own Embedding, LSTM cells and Dense layer, called one step at a
  time in a compiled ``tf.function`` with (h, c) per layer carried between calls: O(1) per token.
* ``transformer``: here, a re-run of the model on the last ``seq_len`` tokens per step (a Keras
  reference path). Generation uses ``transformer_decoding.TransformerStepDecoder`` instead: a
  NumPy key/value cache, one step per token (``decoding.make_step_decoder`` picks it).
* ``seed-bilstm``: the seed's method, a sliding window of ``window`` tokens (left-padded).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from ..errors import GenerationError
from .config import ModelConfig, TrainConfig


def _as_batch(ids: Any, batch: int) -> np.ndarray:
    arr = np.asarray(ids, dtype=np.int32)
    if arr.ndim == 0:
        arr = np.full((batch,), int(arr), np.int32)
    arr = arr.reshape(arr.shape[0], -1)[:, -1] if arr.ndim == 2 else arr
    if arr.shape[0] != batch:
        if arr.shape[0] == 1:
            arr = np.repeat(arr, batch)
        else:
            raise GenerationError(f"got {arr.shape[0]} token ids for a batch of {batch}")
    return arr


class Decoder:
    """Common interface; subclasses implement ``reset`` and ``step``."""

    vocab_size: int
    batch: int = 1

    def reset(self, batch: int = 1) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, token_ids: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def feed(self, prefix_ids: Any) -> np.ndarray:
        """Run a primer (shape (T,) for every row or (batch, T)); return the logits after it."""
        prefix = np.asarray(prefix_ids, dtype=np.int32)
        if prefix.ndim == 1:
            prefix = np.broadcast_to(prefix[None, :], (self.batch, prefix.shape[0]))
        if prefix.shape[1] == 0:
            raise GenerationError("the primer is empty")
        logits = None
        for t in range(prefix.shape[1]):
            logits = self.step(prefix[:, t])
        return logits


class LSTMDecoder(Decoder):
    def __init__(self, model: Any, config: ModelConfig) -> None:
        self.embedding = model.get_layer("embedding")
        self.cells = [model.get_layer(f"lstm_{i}").cell for i in range(config.layers)]
        self.dense = model.get_layer("logits")
        self.units = config.units
        self.vocab_size = int(self.dense.units)
        spec = [tf.TensorSpec([None], tf.int32)] + [tf.TensorSpec([None, config.units], tf.float32)] * (2 * config.layers)
        self._step = tf.function(self._step_graph, input_signature=spec)
        self.reset(1)

    def _step_graph(self, ids, *states):
        x = self.embedding(ids)
        out = []
        for i, cell in enumerate(self.cells):
            x, (h, c) = cell(x, [states[2 * i], states[2 * i + 1]], training=False)
            out += [h, c]
        return (self.dense(x), *out)

    def reset(self, batch: int = 1) -> None:
        self.batch = batch
        zeros = tf.zeros((batch, self.units), tf.float32)
        self.states = [zeros] * (2 * len(self.cells))

    def step(self, token_ids: Any) -> np.ndarray:
        ids = tf.constant(_as_batch(token_ids, self.batch))
        logits, *self.states = self._step(ids, *self.states)
        return logits.numpy()


class WindowDecoder(Decoder):
    """Re-runs the model on a window of recent tokens (transformer fallback, seed-bilstm)."""

    def __init__(self, model: Any, config: ModelConfig, pad_id: int) -> None:
        self.model = model
        self.fixed = config.arch == "seed-bilstm"
        self.length = config.window if self.fixed else config.seq_len
        self.pad_id = pad_id
        self.vocab_size = int(model.get_layer("logits").units)
        self._run = tf.function(self._graph, input_signature=[tf.TensorSpec([None, None], tf.int32)])
        self.reset(1)

    def _graph(self, ids):
        logits = self.model(ids, training=False)
        return logits if self.fixed else logits[:, -1, :]

    def reset(self, batch: int = 1) -> None:
        self.batch = batch
        self.history = np.full((batch, self.length if self.fixed else 0), self.pad_id, np.int32)

    def step(self, token_ids: Any) -> np.ndarray:
        ids = _as_batch(token_ids, self.batch)
        self.history = np.concatenate([self.history, ids[:, None]], axis=1)[:, -self.length:]
        return self._run(tf.constant(self.history)).numpy()


def make_decoder(bundle_or_model: Any, config: ModelConfig | TrainConfig | None = None, *, pad_id: int | None = None
                 ) -> Decoder:
    """A step decoder for a loaded ``Bundle`` or for a Keras model plus its config."""
    if hasattr(bundle_or_model, "model") and hasattr(bundle_or_model, "meta"):  # a Bundle
        model, config = bundle_or_model.model, config or bundle_or_model.config
        pad_id = bundle_or_model.meta.get("pad_id", 0) if pad_id is None else pad_id
    else:
        model = bundle_or_model
    if config is None:
        raise GenerationError("make_decoder needs the model's config")
    model_config = config.model if isinstance(config, TrainConfig) else config
    if model_config.arch == "lstm":
        return LSTMDecoder(model, model_config)
    return WindowDecoder(model, model_config, int(pad_id or 0))
