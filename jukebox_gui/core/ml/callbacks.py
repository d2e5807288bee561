"""Training progress events (plain frozen dataclasses) and the Keras callbacks that emit them.

Events carry ``done``/``total``/``message`` like :class:`core.progress.Progress`, so any
progress sink (the CLI bar, the window's worker) can show them without knowing the type.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import keras

from ..progress import CancelToken


@dataclass(frozen=True)
class BatchEnd:
    epoch: int           # 1-based
    batch: int           # 1-based within the epoch
    batches: int
    loss: float
    tokens_per_s: float

    @property
    def done(self) -> int:
        return self.batch

    @property
    def total(self) -> int:
        return self.batches

    @property
    def message(self) -> str:
        return f"epoch {self.epoch} loss {self.loss:.3f} {self.tokens_per_s:,.0f} tok/s"


@dataclass(frozen=True)
class EpochEnd:
    epoch: int           # 1-based
    epochs: int
    train_loss: float
    val_loss: float
    val_perplexity: float
    accuracy: float
    val_accuracy: float
    elapsed_s: float
    eta_s: float
    best: bool = False

    @property
    def done(self) -> int:
        return self.epoch

    @property
    def total(self) -> int:
        return self.epochs

    @property
    def message(self) -> str:
        star = " *" if self.best else ""
        return (f"epoch {self.epoch}/{self.epochs} loss {self.train_loss:.3f} val {self.val_loss:.3f} "
                f"ppl {self.val_perplexity:.2f} acc {self.val_accuracy:.2f}{star}")


@dataclass(frozen=True)
class Stage:
    """A step before or after the epochs: scanning, tokenizing, building, saving ..."""

    stage: str
    message: str = ""
    done: int = 0
    total: int = 0


def perplexity(loss: float) -> float:
    return math.exp(min(loss, 50.0)) if math.isfinite(loss) else float("inf")


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
