"""Step-by-step decoders over a bundle's model: ``reset(batch)``, ``feed(prefix)``, ``step(ids)``.

* :class:`LstmStepDecoder` — incremental decoding for ``lstm`` bundles: the weights of the
  trained Keras layers (``embedding``, ``lstm_0``..., ``logits``) run in NumPy (float32) with the
  recurrent state carried, so each new token costs one cell step — no TensorFlow call per token,
  and the same inputs give the same logits on every run.
* ``transformer`` bundles use :class:`.transformer_decoding.TransformerStepDecoder` (NumPy with
  a per-layer key/value cache; one new position per token).
* Every other architecture uses the training package's ``decoder.make_decoder`` (a compiled
  ``tf.function`` step for LSTMs, a window re-run for the transformer and ``seed-bilstm``).

The NumPy path exists because a TensorFlow call costs ~0.3-1 ms however small the model, which
dominates a 2-layer LSTM-256 step on 2 CPU cores; single-threaded BLAS also gives the same bits
on every run.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Sequence

import numpy as np

from ..errors import GenerationError

log = logging.getLogger(__name__)

WINDOW = 200  # the seed's context window


def _matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(batch, n) @ (n, m). Inside :func:`single_thread_blas` this is one-thread BLAS; without
    threadpoolctl, einsum (no BLAS). For one row, OpenBLAS's thread pool costs milliseconds per
    call on a busy 2-core machine (measured ~3 ms vs ~0.1 ms single-threaded)."""
    if _BLAS_OK:
        return x @ w
    return np.einsum("bi,ij->bj", x, w)


try:
    from threadpoolctl import threadpool_limits as _threadpool_limits

    _BLAS_OK = True
except ImportError:  # pragma: no cover - threadpoolctl is a dependency; einsum keeps us working
    _threadpool_limits = None
    _BLAS_OK = False


def single_thread_blas():
    """A context in which NumPy's BLAS runs on one thread (restored afterwards)."""
    import contextlib

    if _threadpool_limits is None:
        return contextlib.nullcontext()
    return _threadpool_limits(limits=1, user_api="blas")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class LstmStepDecoder:
    """Embedding -> stacked LSTM (Keras gate order i, f, c, o) -> Dense, one token at a time."""

    incremental = True

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
        self.h = [np.zeros((batch, b.shape[0] // 4), dtype=np.float32) for _k, b in self.layers]
        self.c = [np.zeros_like(h) for h in self.h]

    def step(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        x = None
        for n, (kernel, bias) in enumerate(self.layers):
            if n == 0:
                z = self.input_table[ids] + _matmul(self.h[0], kernel)
            else:
                z = _matmul(np.concatenate([x, self.h[n]], axis=1), kernel) + bias
            units = self.h[n].shape[1]
            i, f = _sigmoid(z[:, :units]), _sigmoid(z[:, units:2 * units])
            g, o = np.tanh(z[:, 2 * units:3 * units]), _sigmoid(z[:, 3 * units:])
            self.c[n] = f * self.c[n] + i * g
            self.h[n] = o * np.tanh(self.c[n])
            x = self.h[n]
        return _matmul(x, self.out_kernel) + self.out_bias

    def feed(self, prefix: Sequence[int]) -> np.ndarray:
        """Consume ``prefix`` (batch 1); returns the logits after its last token."""
        logits = None
        for token in prefix:
            logits = self.step([int(token)])
        if logits is None:
            raise GenerationError("cannot start decoding from an empty prefix")
        return logits


def make_step_decoder(bundle: Any, *, prefer: str = "auto") -> Any:
    """A decoder for ``bundle``.

    ``prefer``: "auto" (NumPy steps for ``lstm`` and ``transformer``, else the training package's decoder), "keras"
    (the training package's ``make_decoder``), or "window" (the seed's method: the model re-run on
    the last ``window`` tokens for every new token; ``window`` defaults to the seed's 200).
    """
    from . import decoder as keras_decoders

    if prefer not in ("auto", "keras", "window"):
        raise GenerationError(f"unknown decoder preference {prefer!r}")
    model_config = bundle.config.model
    if prefer == "window":
        window = model_config.window if model_config.arch == "seed-bilstm" else WINDOW
        config = dataclasses.replace(model_config, seq_len=window)
        return keras_decoders.WindowDecoder(bundle.model, config, int(bundle.tokenizer.pad_id))
    if prefer == "auto" and model_config.arch == "lstm":
        return LstmStepDecoder(bundle.model)
    if prefer == "auto" and model_config.arch == "transformer":
        from .transformer_decoding import TransformerStepDecoder

        return TransformerStepDecoder(bundle.model)
    return keras_decoders.make_decoder(bundle)
