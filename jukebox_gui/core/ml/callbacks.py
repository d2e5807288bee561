"""The Keras callbacks that emit training progress events (:mod:`.events`) and honour cancel/pause."""

from __future__ import annotations

import time
from typing import Any, Callable

import keras

from ..progress import CancelToken
from .events import BatchEnd, EpochEnd, Stage, perplexity

__all__ = ["BatchCallback", "BatchEnd", "EpochEnd", "Stage", "perplexity"]


class BatchCallback(keras.callbacks.Callback):
    """Per-batch events; honours cancel (stops within one batch) and pause (blocks between batches)."""

    def __init__(self, sink: Callable[[Any], None] | None, cancel: CancelToken | None, *, steps: int,
                 targets_per_step: float, batch_every_s: float = 0.2) -> None:
        super().__init__()
        self.sink = sink
        self.cancel = cancel
        self.steps = steps
        self.targets_per_step = targets_per_step
        self.batch_every_s = batch_every_s
        self.cancelled = False
        self.batches_done = 0
        self._epoch = 0
        self._epoch_start = time.monotonic()
        self._last_event = 0.0
        self._paused_s = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start = time.monotonic()
        self._paused_s = 0.0
        self._last_event = 0.0  # the first batch of every epoch is always reported
        self.batches_done = 0

    @property
    def train_seconds(self) -> float:
        """Seconds spent in this epoch's batches, pauses excluded."""
        return max(1e-6, time.monotonic() - self._epoch_start - self._paused_s)

    def on_train_batch_end(self, batch, logs=None):
        self.batches_done = batch + 1
        now = time.monotonic()
        if self.sink is not None and (now - self._last_event >= self.batch_every_s or batch + 1 == self.steps):
            self._last_event = now
            loss = float((logs or {}).get("loss", float("nan")))
            self.sink(BatchEnd(self._epoch + 1, batch + 1, self.steps, loss,
                               (batch + 1) * self.targets_per_step / self.train_seconds))
        if self.cancel is not None:
            if self.cancel.paused and not self.cancel.cancelled:
                paused_at = time.monotonic()
                while self.cancel.paused and not self.cancel.cancelled:
                    self.cancel.wait_if_paused(0.2)
                self._paused_s += time.monotonic() - paused_at
            if self.cancel.cancelled:
                self.cancelled = True
                self.model.stop_training = True
