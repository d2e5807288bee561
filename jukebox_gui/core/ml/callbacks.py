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


class LearningRateSchedule(keras.callbacks.Callback):
    """Linear warm-up, then cosine decay from ``peak`` to ``peak * min_ratio``, set before each batch.

    Progress is the larger of the step fraction (``total_steps``) and the time fraction of
    ``time_budget_s`` (seconds of training, counted from ``elapsed_s`` at the start of this run),
    so a run cut by its time budget still ends on a low learning rate instead of mid-plateau.
    """

    def __init__(self, peak: float, *, warmup_steps: int, total_steps: int, min_ratio: float,
                 time_budget_s: float = 0.0, elapsed_s: float = 0.0) -> None:
        super().__init__()
        self.peak = float(peak)
        self.warmup_steps = int(warmup_steps)
        self.total_steps = max(1, int(total_steps))
        self.min_ratio = float(min_ratio)
        self.time_budget_s = float(time_budget_s)
        self._began = time.monotonic() - float(elapsed_s)

    def rate(self, step: int, seconds: float) -> float:
        if self.warmup_steps and step < self.warmup_steps:
            return self.peak * (step + 1) / self.warmup_steps
        span = max(1, self.total_steps - self.warmup_steps)
        progress = (step - self.warmup_steps) / span
        if self.time_budget_s:
            progress = max(progress, seconds / self.time_budget_s)
        progress = min(1.0, max(0.0, progress))
        import math

        return self.peak * (self.min_ratio + (1.0 - self.min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress)))

    def on_train_batch_begin(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        self.model.optimizer.learning_rate.assign(self.rate(step, time.monotonic() - self._began))
