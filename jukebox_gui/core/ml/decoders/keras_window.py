"""The model re-run on a window of recent tokens for every new token (a compiled ``tf.function``).

* ``seed-bilstm`` (the reference project's method, and what generation uses for that
  architecture): a fixed window of ``config.window`` tokens, left-padded with ``pad_id``; the model
  predicts the token after the window.
* any other architecture: the last ``config.seq_len`` tokens (growing from the first one), and the
  logits at the last position. For ``transformer`` models this is the Keras reference that
  :class:`.numpy_transformer.NumpyTransformerDecoder` replaces in generation; ``make_decoder(...,
  prefer="window")`` builds one over the reference project's 200 tokens for the benchmarks.

Each step costs a full forward pass over the window.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from ..config import ModelConfig
from .ops import feed_by_steps, prefix_ids, step_ids


class KerasWindowDecoder:
    """Re-runs the Keras model on the recent-token window (see the module docstring)."""

    def __init__(self, model: Any, config: ModelConfig, pad_id: int) -> None:
        self.model = model
        self.fixed = config.arch == "seed-bilstm"
        self.length = config.window if self.fixed else config.seq_len
        self.pad_id = pad_id
        self.vocab_size = int(model.get_layer("logits").units)
        self._run = tf.function(self._graph, input_signature=[tf.TensorSpec([None, None], tf.int32)])
        self.anchor: np.ndarray | None = None  # per row, the window's first token (a style model's style)
        self.reset(1)

    def _graph(self, ids):
        logits = self.model(ids, training=False)
        return logits if self.fixed else logits[:, -1, :]

    def reset(self, batch: int = 1) -> None:
        self.batch = batch
        self.history = np.full((batch, self.length if self.fixed else 0), self.pad_id, np.int32)

    def step(self, ids: Any) -> np.ndarray:
        ids = step_ids(ids, self.batch, np.int32)
        self.history = np.concatenate([self.history, ids[:, None]], axis=1)[:, -self.length:]
        window = self.history
        if self.anchor is not None and not self.fixed:
            window = window.copy()
            window[:, 0] = self.anchor
        return self._run(tf.constant(window)).numpy()

    def feed(self, prefix: Any) -> np.ndarray:
        return feed_by_steps(self.step, prefix_ids(prefix, self.batch, np.int32))
