"""Training progress events: plain frozen dataclasses, with no Keras import, so the window and the
CLI can name them without loading TensorFlow.

Events carry ``done``/``total``/``message`` like :class:`core.progress.Progress`, so any
progress sink (the CLI bar, the window's worker) can show them without knowing the type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


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
