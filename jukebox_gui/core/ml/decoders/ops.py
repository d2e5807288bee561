"""NumPy pieces shared by the NumPy decoders: BLAS matmul, activations, layer norm, the batch rule.

Everything here is float32 NumPy with no TensorFlow. :func:`single_thread_blas` is the context
generation samples in: for one row, OpenBLAS's thread pool costs milliseconds per call on a busy
2-core machine (measured ~3 ms vs ~0.1 ms single-threaded), and one thread gives the same bits on
every run.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Callable

import numpy as np

from ...errors import GenerationError

try:
    from threadpoolctl import threadpool_limits as _threadpool_limits
except ImportError:  # pragma: no cover - threadpoolctl is a dependency; einsum keeps us working
    _threadpool_limits = None


def single_thread_blas() -> contextlib.AbstractContextManager:
    """A context in which NumPy's BLAS runs on one thread (restored afterwards)."""
    if _threadpool_limits is None:
        return contextlib.nullcontext()
    return _threadpool_limits(limits=1, user_api="blas")


def matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(batch, n) @ (n, m): BLAS (one thread inside :func:`single_thread_blas`); without
    threadpoolctl, einsum (no BLAS, so no thread pool to pay for)."""
    if _threadpool_limits is not None:
        return x @ w
    return np.einsum("bi,ij->bj", x, w)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (max-subtracted)."""
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    scores /= scores.sum(axis=-1, keepdims=True)
    return scores


_SQRT_HALF = np.float32(1.0 / math.sqrt(2.0))
# Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32 resolution of gelu's output here)
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf(x: np.ndarray) -> np.ndarray:
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + _ERF_P * a)
    a1, a2, a3, a4, a5 = _ERF_A
    poly = ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, ``0.5 x (1 + erf(x / sqrt 2))`` (Keras's ``"gelu"``: approximate=False)."""
    return (0.5 * x * (1.0 + erf(x * _SQRT_HALF))).astype(np.float32)


def normalise(x: np.ndarray, epsilon: float) -> np.ndarray:
    """LayerNormalization without its gamma/beta (callers fold those into the next matmul)."""
    inv = np.float32(1.0 / x.shape[-1])
    centred = x - np.add.reduce(x, axis=-1, keepdims=True) * inv
    variance = np.add.reduce(centred * centred, axis=-1, keepdims=True) * inv
    return centred / np.sqrt(variance + np.float32(epsilon))


# ---- the batch rule (see the package docstring) -------------------------------------------------
def step_ids(ids: Any, batch: int, dtype: Any = np.int64) -> np.ndarray:
    """``step``'s input as shape (batch,): one id per row, or one id (scalar or (1,)) for every row."""
    arr = np.asarray(ids, dtype=dtype).reshape(-1)
    if arr.shape[0] == 1 and batch > 1:
        arr = np.repeat(arr, batch)
    if arr.shape[0] != batch:
        raise GenerationError(f"got {arr.shape[0]} token ids for a batch of {batch}")
    return arr


def prefix_ids(prefix: Any, batch: int, dtype: Any = np.int64) -> np.ndarray:
    """``feed``'s input as shape (batch, T): (T,) is the same primer for every row."""
    arr = np.asarray(prefix, dtype=dtype)
    if arr.ndim == 1:
        arr = np.broadcast_to(arr[None, :], (batch, arr.shape[0]))
    if arr.ndim != 2 or arr.shape[0] != batch:
        raise GenerationError(f"a primer for a batch of {batch} must have shape (T,) or ({batch}, T)")
    if arr.shape[1] == 0:
        raise GenerationError("cannot start decoding from an empty primer")
    return arr


def feed_by_steps(step: Callable[[np.ndarray], np.ndarray], prefix: np.ndarray) -> np.ndarray:
    """Run ``step`` on each column of a (batch, T) primer; the logits after the last one."""
    logits = None
    for t in range(prefix.shape[1]):
        logits = step(prefix[:, t])
    return logits
