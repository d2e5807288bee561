"""Step decoders: a bundle's model one token at a time, as generation drives it.

    decoder = make_decoder(bundle)        # what generation uses
    decoder.reset(batch=1)
    logits = decoder.feed(primer_ids)     # (batch, vocab) after the last primer token
    logits = decoder.step([token])        # (batch, vocab)

**Batch rule** (every decoder here): ``feed`` takes shape (T,), the same primer for every row,
or (batch, T); ``step`` takes shape (batch,), one id per row, or one id (a scalar or shape (1,))
for every row. Both return float32 logits of shape (batch, vocab) for the position after the
last token. An empty primer or a wrong row count is a :class:`~jukebox_gui.core.errors.GenerationError`.

Which one runs, by ``make_decoder(bundle, prefer=...)``:

* ``lstm``: ``"auto"`` (generation) :class:`.numpy_lstm.NumpyLstmDecoder`;
  ``"keras"`` :class:`.keras_lstm.KerasLstmDecoder` (the reference it is checked against).
* ``transformer``: ``"auto"`` :class:`.numpy_transformer.NumpyTransformerDecoder` (key/value
  cache); ``"keras"`` :class:`.keras_window.KerasWindowDecoder` over the last ``seq_len`` tokens.
* ``seed-bilstm``: :class:`.keras_window.KerasWindowDecoder` over ``config.window`` tokens,
  left-padded, for ``"auto"`` and ``"keras"`` alike.

``"window"`` is the reference project's method for any architecture: the model re-run on the last
:data:`REFERENCE_WINDOW` tokens (``config.window``, left-padded, for ``seed-bilstm``) for every
new token; the benchmarks measure it. The NumPy decoders import no TensorFlow; the Keras ones are
imported only when chosen. Shared NumPy pieces (BLAS matmul, :func:`single_thread_blas`,
activations) are in :mod:`.ops`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import numpy as np

from ...errors import GenerationError
from .ops import single_thread_blas

__all__ = ["REFERENCE_WINDOW", "StepDecoder", "make_decoder", "single_thread_blas"]

REFERENCE_WINDOW = 200  # the reference (seed) project's context window, in tokens


class StepDecoder(Protocol):
    """What generation needs of a decoder (shapes: the batch rule in the package docstring)."""

    batch: int
    vocab_size: int

    def reset(self, batch: int = 1) -> None:
        """Forget all context; the next ``feed``/``step`` starts ``batch`` fresh rows."""

    def feed(self, ids: Any) -> np.ndarray:
        """Consume a primer, (T,) or (batch, T); the (batch, vocab) logits after its last token."""

    def step(self, ids: Any) -> np.ndarray:
        """Consume one token per row, (batch,) or one id; the (batch, vocab) logits after it."""


def make_decoder(bundle: Any, *, prefer: str = "auto") -> StepDecoder:
    """The decoder for a loaded bundle (``model``, ``config``, ``tokenizer``); see the table above.

    ``prefer``: ``"auto"`` (what generation uses), ``"keras"`` or ``"window"``."""
    if prefer not in ("auto", "keras", "window"):
        raise GenerationError(f"unknown decoder preference {prefer!r}")
    model_config = bundle.config.model
    arch = model_config.arch
    if prefer == "auto" and arch == "lstm":
        from .numpy_lstm import NumpyLstmDecoder

        return NumpyLstmDecoder(bundle.model)
    if prefer == "auto" and arch == "transformer":
        from .numpy_transformer import NumpyTransformerDecoder

        return NumpyTransformerDecoder(bundle.model)
    pad_id = int(bundle.tokenizer.pad_id)
    if prefer == "window":
        from .keras_window import KerasWindowDecoder

        window = model_config.window if arch == "seed-bilstm" else REFERENCE_WINDOW
        if arch == "transformer":  # its learned positions stop at seq_len
            window = min(window, model_config.seq_len)
        return KerasWindowDecoder(bundle.model, dataclasses.replace(model_config, seq_len=window), pad_id)
    if arch == "lstm":
        from .keras_lstm import KerasLstmDecoder

        return KerasLstmDecoder(bundle.model, model_config)
    from .keras_window import KerasWindowDecoder

    return KerasWindowDecoder(bundle.model, model_config, pad_id)
