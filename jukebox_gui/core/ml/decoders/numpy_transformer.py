"""The ``transformer`` decoder generation uses: NumPy with a per-layer key/value cache.

The weights of the trained Keras layers (``embedding``, ``positions``, ``block_{i}_ln1`` /
``_attention`` / ``_ln2`` / ``_ff1`` / ``_ff2``, ``final_ln``, ``logits``; see
:func:`..models._build_transformer`) are read once. Each block keeps the keys and values of every
position seen so far, so a new token costs its own projections plus one attention row over the
cache; ``feed`` encodes a whole primer in one batched pass. Dropout is inactive at inference, and
the Dense ``gelu`` is the exact (erf) one Keras uses.

Context longer than ``seq_len`` (the learned position table's size, the longest window the model
saw in training): the model has no position past ``seq_len - 1``, and a cached key cannot simply be
dropped because every key of layer 2 and up was computed from the tokens before it at their
positions. So when the cache is full and another token arrives, the decoder **re-encodes the last
``seq_len // 2`` tokens once**, at positions ``0 .. seq_len//2 - 1`` (as a training window starts),
then carries on one step per token until the cache is full again. The logits at every step are
therefore exactly the full model's last-position logits on the tokens since the most recent
re-encode (:attr:`NumpyTransformerDecoder.window_start` tells where that is); the context the model
sees is between ``seq_len // 2`` and ``seq_len`` tokens, and the re-encode costs ``seq_len // 2``
positions every ``seq_len - seq_len // 2`` tokens (amortised ~1 extra position per token).
(:class:`.keras_window.KerasWindowDecoder` instead re-runs the model on the last ``seq_len`` tokens
at every step.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import GenerationError
from .ops import gelu, matmul, normalise, prefix_ids, softmax, step_ids


def _fold(norm: tuple[np.ndarray, np.ndarray, float], kernel: np.ndarray, bias: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """(n * gamma + beta) @ W + b == n @ (gamma[:, None] * W) + (beta @ W + b)."""
    gamma, beta, _epsilon = norm
    return (gamma[:, None] * kernel).astype(np.float32), (beta @ kernel + bias).astype(np.float32)


def _f32(weight: Any) -> np.ndarray:
    return np.asarray(weight, dtype=np.float32)


@dataclass
class _Block:
    ln1_epsilon: float
    qkv_kernel: np.ndarray   # (units, 3 * heads * key_dim): ln1's gamma/beta folded in, the query
    qkv_bias: np.ndarray     # part pre-scaled by 1/sqrt(key_dim) as Keras scales the projected query
    out_kernel: np.ndarray   # (heads * key_dim, units)
    out_bias: np.ndarray
    ln2_epsilon: float
    ff1: tuple               # ln2's gamma/beta folded in
    ff2: tuple


def _norm(layer: Any) -> tuple:
    gamma, beta = (_f32(w) for w in layer.get_weights())
    return gamma, beta, float(layer.epsilon)


def _dense(layer: Any) -> tuple:
    kernel, bias = (_f32(w) for w in layer.get_weights())
    return kernel, bias


def _attention(layer: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Fused Q/K/V projection, output projection, heads and key_dim of a Keras MultiHeadAttention."""
    dense = [layer.query_dense, layer.key_dense, layer.value_dense]
    kernels = [_f32(d.kernel) for d in dense]          # (units, heads, key_dim) each
    biases = [_f32(d.bias) for d in dense]              # (heads, key_dim) each
    units, heads, key_dim = kernels[0].shape
    if kernels[2].shape[2] != key_dim:
        raise GenerationError("the attention layers use a value size different from the key size")
    scale = np.float32(1.0 / math.sqrt(float(key_dim)))  # Keras scales the projected (biased) query
    kernels[0], biases[0] = kernels[0] * scale, biases[0] * scale
    qkv_kernel = np.concatenate([k.reshape(units, heads * key_dim) for k in kernels], axis=1)
    qkv_bias = np.concatenate([b.reshape(heads * key_dim) for b in biases])
    out_kernel = _f32(layer.output_dense.kernel).reshape(heads * key_dim, -1)  # (heads, key_dim, units)
    out_bias = _f32(layer.output_dense.bias)
    return qkv_kernel, qkv_bias, out_kernel, out_bias, heads, key_dim


class NumpyTransformerDecoder:
    """The transformer one token at a time with a key/value cache (see the module docstring)."""

    def __init__(self, model: Any) -> None:
        try:
            self.embedding = _f32(model.get_layer("embedding").get_weights()[0])
            self.positions = _f32(model.get_layer("positions").get_weights()[0])
            self.blocks: list[_Block] = []
            i = 0
            while True:
                try:
                    attention = model.get_layer(f"block_{i}_attention")
                except ValueError:
                    break
                qkv_kernel, qkv_bias, out_kernel, out_bias, heads, key_dim = _attention(attention)
                ln1, ln2 = _norm(model.get_layer(f"block_{i}_ln1")), _norm(model.get_layer(f"block_{i}_ln2"))
                self.blocks.append(_Block(
                    ln1[2], *_fold(ln1, qkv_kernel, qkv_bias), out_kernel, out_bias,
                    ln2[2], _fold(ln2, *_dense(model.get_layer(f"block_{i}_ff1"))),
                    _dense(model.get_layer(f"block_{i}_ff2"))))
                self.heads, self.key_dim = heads, key_dim
                i += 1
            final_ln = _norm(model.get_layer("final_ln"))
            self.final_epsilon = final_ln[2]
            self.out_kernel, self.out_bias = _fold(final_ln, *_dense(model.get_layer("logits")))
        except (ValueError, IndexError, AttributeError) as exc:
            raise GenerationError(f"the model does not have the transformer layout this decoder expects: {exc}") from exc
        if not self.blocks:
            raise GenerationError("the model has no transformer blocks (block_0_attention ...)")
        self.seq_len = int(self.positions.shape[0])
        self.keep = max(1, self.seq_len // 2)
        self.vocab_size = int(self.out_kernel.shape[1])
        # per row, the token put at position 0 when the window slides: a style model's style token
        # (core.ml.style_decoder), as every training window of that style began with it; None: keep
        self.anchor: np.ndarray | None = None
        self.reset(1)

    # -- state ---------------------------------------------------------------------------------
    def reset(self, batch: int = 1) -> None:
        if batch < 1:
            raise GenerationError(f"batch must be at least 1, got {batch}")
        self.batch = batch
        shape = (batch, self.heads, self.seq_len, self.key_dim)
        self.keys = [np.zeros(shape, np.float32) for _ in self.blocks]
        self.values = [np.zeros(shape, np.float32) for _ in self.blocks]
        self.length = 0                                          # cached positions
        self.tokens = np.zeros((batch, self.seq_len), np.int64)  # the tokens at those positions
        self.seen = 0                                            # tokens consumed since reset
        self.window_start = 0                                    # index (in ``seen``) of position 0

    # -- public steps --------------------------------------------------------------------------
    def step(self, ids: Any) -> np.ndarray:
        """One new position per row (see the package's batch rule); returns (batch, vocab)."""
        return self._consume(step_ids(ids, self.batch)[:, None])

    def feed(self, prefix: Any) -> np.ndarray:
        """Consume a primer (see the package's batch rule); returns the logits after it.

        Encodes in batched chunks; the result (and the cache) equal stepping token by token."""
        return self._consume(prefix_ids(prefix, self.batch))

    # -- internals -----------------------------------------------------------------------------
    def _consume(self, ids: np.ndarray) -> np.ndarray:
        if ids.size and (ids.min() < 0 or ids.max() >= self.embedding.shape[0]):
            raise GenerationError(f"token id out of range for a vocabulary of {self.embedding.shape[0]}")
        logits, done = None, 0
        while done < ids.shape[1]:
            if self.length == self.seq_len:
                self._slide()
            take = min(ids.shape[1] - done, self.seq_len - self.length)
            logits = self._encode(ids[:, done:done + take])
            done += take
        return logits

    def _slide(self) -> None:
        """Cache full: re-encode the last ``keep`` tokens at positions 0..keep-1."""
        recent = self.tokens[:, self.seq_len - self.keep:].copy()
        if self.anchor is not None:
            recent[:, 0] = self.anchor
        self.length = 0
        self.seen -= self.keep
        self.window_start = self.seen
        self._encode(recent)

    def _encode(self, ids: np.ndarray) -> np.ndarray:
        """Run ``ids`` (batch, T) at positions length..length+T-1 over the cache; last-position logits."""
        batch, count = ids.shape
        start, end = self.length, self.length + count
        heads, key_dim = self.heads, self.key_dim
        width = heads * key_dim
        x = self.embedding[ids] + self.positions[start:end]          # (batch, T, units)
        x = x.reshape(batch * count, -1)
        if count > 1:  # causal mask within the chunk; earlier cache positions are all visible
            allowed = np.arange(end)[None, :] <= np.arange(start, end)[:, None]
            bias = np.where(allowed, np.float32(0.0), np.float32(-1e9)).astype(np.float32)
        for n, block in enumerate(self.blocks):
            h = normalise(x, block.ln1_epsilon)
            qkv = matmul(h, block.qkv_kernel) + block.qkv_bias       # (batch*T, 3*width)
            qkv = qkv.reshape(batch, count, 3, heads, key_dim).transpose(2, 0, 3, 1, 4)
            query, key, value = qkv[0], qkv[1], qkv[2]                 # (batch, heads, T, key_dim)
            self.keys[n][:, :, start:end] = key
            self.values[n][:, :, start:end] = value
            scores = np.matmul(query, self.keys[n][:, :, :end].transpose(0, 1, 3, 2))  # (b, h, T, end)
            if count > 1:
                scores = scores + bias
            scores = softmax(scores)
            attended = np.matmul(scores, self.values[n][:, :, :end])  # (batch, heads, T, key_dim)
            attended = attended.transpose(0, 2, 1, 3).reshape(batch * count, width)
            x = x + matmul(attended, block.out_kernel) + block.out_bias
            h = normalise(x, block.ln2_epsilon)
            h = gelu(matmul(h, block.ff1[0]) + block.ff1[1])
            x = x + matmul(h, block.ff2[0]) + block.ff2[1]
        self.tokens[:, start:end] = ids
        self.length = end
        self.seen += count
        last = x.reshape(batch, count, -1)[:, -1]
        return matmul(normalise(last, self.final_epsilon), self.out_kernel) + self.out_bias
