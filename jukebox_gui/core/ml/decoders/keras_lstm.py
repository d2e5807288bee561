"""An ``lstm`` model's own Keras layers, one step at a time in a compiled ``tf.function``.

The trained model's ``embedding``, LSTM cells and ``logits`` layer are called on one token with
(h, c) per layer carried between calls: O(1) per token, but each step is a TensorFlow call
(~0.3-1 ms on 2 CPU cores). Generation uses :class:`.numpy_lstm.NumpyLstmDecoder` instead; this
one is the reference the NumPy decoder is checked against and a benchmark row
(``make_decoder(bundle, prefer="keras")``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from ..config import ModelConfig
from .ops import feed_by_steps, prefix_ids, step_ids


class KerasLstmDecoder:
    """The model's LSTM cells stepped by TensorFlow (see the module docstring)."""

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

    def step(self, ids: Any) -> np.ndarray:
        logits, *self.states = self._step(tf.constant(step_ids(ids, self.batch, np.int32)), *self.states)
        return logits.numpy()

    def feed(self, prefix: Any) -> np.ndarray:
        return feed_by_steps(self.step, prefix_ids(prefix, self.batch, np.int32))
