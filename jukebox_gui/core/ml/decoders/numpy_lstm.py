"""The ``lstm`` decoder generation uses: the trained Keras weights run in NumPy, state carried.

The weights of the layers ``embedding``, ``lstm_0``, ``lstm_1``, ... and ``logits`` (see
:func:`..models.build_model`) are read once as float32. Each new token costs one cell step per
layer (Keras gate order i, f, c, o) and one output matmul; the first layer's input projection of
every vocabulary entry is precomputed, so its step is a table look-up plus the recurrent matmul.

Why NumPy and not the model: a TensorFlow call costs ~0.3-1 ms however small the model, which
dominates a 2-layer LSTM-256 step on 2 CPU cores; with single-threaded BLAS
(:func:`.ops.single_thread_blas`) the same inputs also give the same logits on every run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import GenerationError
from .ops import feed_by_steps, matmul, prefix_ids, sigmoid, step_ids


class NumpyLstmDecoder:
    """Embedding -> stacked LSTM -> Dense, one token at a time (see the module docstring)."""

    def __init__(self, model: Any) -> None:
        try:
            self.embedding = np.asarray(model.get_layer("embedding").get_weights()[0], dtype=np.float32)
            self.layers = []
            i = 0
            while True:
                try:
                    layer = model.get_layer(f"lstm_{i}")
                except ValueError:
                    break
                kernel, recurrent, bias = (np.asarray(w, dtype=np.float32) for w in layer.get_weights())
                if i == 0:  # the first layer's input projection of every token, precomputed
                    self.input_table = self.embedding @ kernel + bias
                    self.layers.append((recurrent, np.zeros_like(bias)))
                else:
                    self.layers.append((np.vstack([kernel, recurrent]), bias))
                i += 1
            dense = model.get_layer("logits").get_weights()
            self.out_kernel = np.asarray(dense[0], dtype=np.float32)
            self.out_bias = np.asarray(dense[1], dtype=np.float32)
        except (ValueError, IndexError, AttributeError) as exc:
            raise GenerationError(f"the model does not have the lstm layout this decoder expects: {exc}") from exc
        if not self.layers:
            raise GenerationError("the model has no LSTM layers (lstm_0 ...)")
        self.vocab_size = self.out_kernel.shape[1]
        self.reset(1)

    def reset(self, batch: int = 1) -> None:
        self.batch = batch
        self.h = [np.zeros((batch, b.shape[0] // 4), dtype=np.float32) for _k, b in self.layers]
        self.c = [np.zeros_like(h) for h in self.h]

    def step(self, ids: Any) -> np.ndarray:
        ids = step_ids(ids, self.batch)
        x = None
        for n, (kernel, bias) in enumerate(self.layers):
            if n == 0:
                z = self.input_table[ids] + matmul(self.h[0], kernel)
            else:
                z = matmul(np.concatenate([x, self.h[n]], axis=1), kernel) + bias
            units = self.h[n].shape[1]
            i, f = sigmoid(z[:, :units]), sigmoid(z[:, units:2 * units])
            g, o = np.tanh(z[:, 2 * units:3 * units]), sigmoid(z[:, 3 * units:])
            self.c[n] = f * self.c[n] + i * g
            self.h[n] = o * np.tanh(self.c[n])
            x = self.h[n]
        return matmul(x, self.out_kernel) + self.out_bias

    def feed(self, prefix: Any) -> np.ndarray:
        return feed_by_steps(self.step, prefix_ids(prefix, self.batch))
