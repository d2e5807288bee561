"""Model and training configs (frozen dataclasses, JSON via core.config) and the presets.

No TensorFlow here: the window and the CLI may import this module freely.

A preset is a named starting point (``tiny`` for tests, ``laptop`` by default, ``large`` for a
GPU); every field can be overridden afterwards with :func:`jukebox_gui.core.config.replace`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..config import from_dict, to_dict
from ..errors import TrainingError

ARCHITECTURES = ("transformer", "lstm", "seed-bilstm")  # the first is the window's default
# The default: of the three, the one that learns melody in the minutes a user waits. On demo:irish
# with 240 optimizer steps the transformer's held-out pitch loss is 1.97 nats (2.86 with the earlier
# pitches shuffled: it listens to the tune); the laptop LSTM stays at the pitch histogram (2.87
# with or without the real context). See core.ml.evaluation and benchmarks/quality.py.
DEFAULT_ARCH = "transformer"
PRESETS = ("tiny", "laptop", "large")
STRATEGIES = ("default", "mirrored", "multiworker")
XLA_MODES = ("auto", "on", "off")
MIXED_PRECISION_MODES = ("auto", "on", "off")
LR_SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class ModelConfig:
    """The architecture and its sizes. Saved in a bundle's ``config.json``."""

    arch: str = "lstm"
    embedding_dim: int = 128
    units: int = 256            # LSTM units (lstm, seed-bilstm) or model width (transformer)
    layers: int = 2             # LSTM layers or transformer blocks
    heads: int = 4              # transformer only
    ff_dim: int = 512           # transformer feed-forward width; seed-bilstm Dense width
    dropout: float = 0.2
    seq_len: int = 256          # training window (tokens); transformer: max context
    window: int = 200           # seed-bilstm: context window -> one next token

    def __post_init__(self) -> None:
        if self.arch not in ARCHITECTURES:
            raise TrainingError(f"unknown architecture {self.arch!r}; choose one of {', '.join(ARCHITECTURES)}")
        for name in ("embedding_dim", "units", "layers", "heads", "ff_dim", "seq_len", "window"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise TrainingError(f"model setting {name} must be a positive whole number, got {value!r}")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise TrainingError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.arch == "transformer" and self.units % self.heads:
            raise TrainingError(f"transformer width {self.units} must be divisible by heads {self.heads}")

    @property
    def context(self) -> int:
        """Tokens one training example looks at."""
        return self.window if self.arch == "seed-bilstm" else self.seq_len


@dataclass(frozen=True)
class TrainConfig:
    """Everything about one training run. Saved in a bundle's ``config.json``."""

    model: ModelConfig = field(default_factory=ModelConfig)
    preset: str = "laptop"
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 0.003
    optimizer: str = "adam"         # adam | rmsprop
    clipnorm: float = 1.0
    val_fraction: float = 0.1
    window_stride: int = 0          # 0 = seq_len // 2 (lstm/transformer) or 1 (seed-bilstm)
    max_windows_per_epoch: int = 0  # 0 = all windows; else a random sample each epoch
    patience: int = 4               # early stopping on validation loss; 0 = off
    min_delta: float = 0.001        # a validation loss must beat the best by this much to count
    time_budget_s: float = 0.0      # 0 = none; stop after the epoch that would overrun it
    seed: int = 1234
    deterministic: bool = False     # TensorFlow op determinism: bit-identical reruns, a bit slower
    strategy: str = "default"
    threads: int = 0                # 0 = all cores
    xla: str = "auto"               # XLA-compile the train step: auto (see models.use_xla) | on | off
    transpose: int = 0              # augmentation: each window shifted by a random -N..N semitones (0 = off)
    lr_schedule: str = "constant"   # constant | cosine (linear warm-up, then cosine decay to min_lr_ratio)
    warmup_steps: int = 0
    min_lr_ratio: float = 0.1
    # Leave out tokens that carry nothing for this corpus (one instrument: no Program per note;
    # one velocity: no Velocity): see core.data.slim_tokens.slim_config. Only for a new model.
    slim_tokens: bool = True
    # Share of training windows that are bar-infilling samples (core.data.fill_layout): the model
    # learns to fill a gap from the music on both sides as well as to continue. 0 = continuation only.
    fill_share: float = 0.2
    # mixed_float16 training: auto = on a CUDA GPU (compute capability >= 7.0) | on | off (models.use_mixed_precision)
    mixed_precision: str = "auto"
    # Size the batch for the device (strategy.device_batch_size): on a GPU, enough windows for about
    # 32k tokens per GPU; on a CPU the batch stays batch_size. `jukebox train --batch-size auto`.
    device_batch: bool = False
    # After training, this many 16-bar takes per candidate temperature choose the temperature the
    # model suggests (core.ml.calibrate, the bundle's sampling.json). 0 = off (the app's default);
    # the laptop and large presets of the transformer and the LSTM choose with CALIBRATE_TAKES.
    calibrate_takes: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.model, dict):  # from JSON
            object.__setattr__(self, "model", from_dict(ModelConfig, self.model))
        if self.preset not in PRESETS and self.preset != "custom":
            raise TrainingError(f"unknown preset {self.preset!r}; choose one of {', '.join(PRESETS)}")
        if self.strategy not in STRATEGIES:
            raise TrainingError(f"unknown strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}")
        if self.xla not in XLA_MODES:
            raise TrainingError(f"unknown XLA mode {self.xla!r}; choose one of {', '.join(XLA_MODES)}")
        if self.mixed_precision not in MIXED_PRECISION_MODES:
            raise TrainingError(f"unknown mixed-precision mode {self.mixed_precision!r}; choose one of "
                                f"{', '.join(MIXED_PRECISION_MODES)}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise TrainingError(f"unknown learning-rate schedule {self.lr_schedule!r}; choose one of {', '.join(LR_SCHEDULES)}")
        if not 0.0 <= float(self.fill_share) <= 0.5:
            raise TrainingError(f"fill share must be 0..0.5, got {self.fill_share!r}")
        if not 0 <= int(self.transpose) <= 12:
            raise TrainingError(f"transposition must be 0..12 semitones, got {self.transpose!r}")
        if self.warmup_steps < 0 or not 0.0 <= float(self.min_lr_ratio) <= 1.0:
            raise TrainingError("warm-up steps must not be negative and the minimum lr ratio must be in [0, 1]")
        if self.optimizer not in ("adam", "rmsprop"):
            raise TrainingError(f"unknown optimizer {self.optimizer!r}; choose adam or rmsprop")
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise TrainingError(f"{name} must be a positive whole number, got {value!r}")
        if not float(self.learning_rate) > 0:
            raise TrainingError(f"learning rate must be positive, got {self.learning_rate!r}")
        if not 0.0 < float(self.val_fraction) < 0.9:
            raise TrainingError(f"validation fraction must be in (0, 0.9), got {self.val_fraction!r}")
        if self.patience < 0 or self.window_stride < 0 or self.max_windows_per_epoch < 0:
            raise TrainingError("patience, window stride and max windows must not be negative")

    @property
    def stride(self) -> int:
        if self.window_stride:
            return self.window_stride
        return 1 if self.model.arch == "seed-bilstm" else max(1, self.model.seq_len // 2)


CALIBRATE_TAKES = 16  # per candidate temperature, after a laptop or large run (core.ml.calibrate)


def preset(name: str = "laptop", arch: str = DEFAULT_ARCH) -> TrainConfig:
    """The named preset for an architecture."""
    if name not in PRESETS:
        raise TrainingError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    if arch not in ARCHITECTURES:
        raise TrainingError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    if arch == "seed-bilstm":
        # The seed's method, sizes fixed by definition; presets only change the run length.
        model = ModelConfig(arch=arch, embedding_dim=64, units=512, layers=1, ff_dim=512, dropout=0.5, window=200)
        if name == "tiny":
            model = dataclasses.replace(model, units=16, ff_dim=16, embedding_dim=8, window=16)
        epochs = {"tiny": 2, "laptop": 30, "large": 100}[name]
        return TrainConfig(model=model, preset=name, epochs=epochs, batch_size=64 if name != "tiny" else 8,
                           learning_rate=0.001, optimizer="rmsprop", clipnorm=0.0,
                           max_windows_per_epoch={"tiny": 64, "laptop": 20000, "large": 0}[name],
                           patience=4 if name != "tiny" else 0,
                           time_budget_s=300.0 if name == "laptop" else 0.0)
    if name == "tiny":
        model = ModelConfig(arch=arch, embedding_dim=16, units=32, layers=1, heads=2, ff_dim=32,
                            dropout=0.0, seq_len=32)
        # XLA off: a tiny run lasts seconds, less than XLA's one-off compile (about 2 s per model).
        return TrainConfig(model=model, preset=name, epochs=2, batch_size=8, learning_rate=0.01,
                           patience=0, max_windows_per_epoch=800, xla="off")
    if name == "laptop":
        if arch == "transformer":
            # Measured on demo:irish at equal token counts (one core, held-out pitch loss, n-gram
            # 1.80 nats): 256-token windows x 32, constant lr 0.003, 240 steps -> 1.97; the same
            # with transposition +-5 and a cosine schedule -> 2.26 (transposition slows a short
            # run); 128 x 32, lr 0.005, warm-up + cosine, 480 steps -> 1.80. More, smaller steps
            # win, as for the LSTM: 128 x 16 leads again early on (val loss 0.73 vs 0.93 at epoch 4).
            model = ModelConfig(arch=arch, embedding_dim=128, units=128, layers=2, heads=4, ff_dim=256,
                                dropout=0.1, seq_len=128)
            # Epochs enough for the time budget to end the run (the cosine schedule follows whichever
            # of epochs and seconds is further along): on 2 cores 40 epochs took 215 s of the 260 on
            # demo:bach; with 60 the budget stops it at epoch 49, held-out pitch 1.65 -> 1.61 nats,
            # val loss 0.894 -> 0.877, quality_ratio at 0.7 0.82 -> 0.85. demo:irish stops early either way.
            return TrainConfig(model=model, preset=name, epochs=60, batch_size=16, learning_rate=0.004,
                               lr_schedule="cosine", warmup_steps=40, min_lr_ratio=0.05,
                               window_stride=model.seq_len, max_windows_per_epoch=768, patience=6,
                               time_budget_s=260.0, calibrate_takes=CALIBRATE_TAKES)
        # Many small steps: an LSTM sits on the "bigram plateau" (output independent of context,
        # units saturated) for its first ~400-800 Adam steps, so within a 5-minute CPU budget the
        # number of optimizer steps matters more than the window length. Measured on demo:irish,
        # 7 min on one core: 256-token windows x 32 -> 336 steps, val loss 1.42 (a bigram model);
        # 128 x 16 -> 1,056 steps, 1.14; 64 x 16 -> 1,776 steps, 0.80 (perplexity 2.2).
        # With XLA on (models.use_xla) batch 32 runs 1.6x the targets/s of batch 16, which buys
        # back the steps. Measured on demo:irish, 2 cores, 260 s budget, XLA on: batch 16 x 768
        # windows/epoch, lr 0.003 -> 28 epochs, val perplexity 3.17; 32 x 768 -> 3.22;
        # 32 x 1,536 -> 2.99; 32 x 1,536, lr 0.005 -> 23 epochs, 2.85 (the preset).
        # An epoch is 1,536 non-overlapping windows, a fresh random sample each epoch.
        model = ModelConfig(arch=arch, embedding_dim=128, units=256, layers=2, dropout=0.2, seq_len=64)
        return TrainConfig(model=model, preset=name, epochs=200, batch_size=32, learning_rate=0.005,
                           window_stride=model.seq_len, max_windows_per_epoch=1536, patience=6,
                           time_budget_s=260.0, calibrate_takes=CALIBRATE_TAKES)
    # large: for a GPU
    if arch == "transformer":
        model = ModelConfig(arch=arch, embedding_dim=512, units=512, layers=6, heads=8, ff_dim=2048,
                            dropout=0.1, seq_len=1024)
    else:
        model = ModelConfig(arch=arch, embedding_dim=256, units=768, layers=3, dropout=0.3, seq_len=512)
    return TrainConfig(model=model, preset=name, epochs=100, batch_size=64, learning_rate=0.001, patience=8,
                       calibrate_takes=CALIBRATE_TAKES)


def train_config_to_dict(config: TrainConfig) -> dict[str, Any]:
    return to_dict(config)


def train_config_from_dict(data: dict[str, Any]) -> TrainConfig:
    data = dict(data)
    model = data.pop("model", {})
    return from_dict(TrainConfig, {**data, "model": from_dict(ModelConfig, model)}, strict=True)
