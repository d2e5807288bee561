"""A run's TrainConfig from a preset, an architecture and a person's overrides.

The Train page and ``jukebox train`` both build their config here, so a setting means the same
in the window and in the terminal. No TensorFlow here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import TrainingError
from .config import DEFAULT_ARCH, ModelConfig, TrainConfig, preset

_MODEL_FIELDS = frozenset(f.name for f in dataclasses.fields(ModelConfig)) - {"arch"}
_TRAIN_FIELDS = frozenset(f.name for f in dataclasses.fields(TrainConfig)) - {"model", "preset"}


def training_config(preset_name: str = "laptop", arch: str = DEFAULT_ARCH, **overrides: Any) -> TrainConfig:
    """The preset for ``arch`` with ``overrides`` applied; ``None`` keeps the preset's value.

    An override names a TrainConfig field (``epochs``, ``batch_size``, ``learning_rate``,
    ``seed``, ``patience``, ...) or a ModelConfig field (``seq_len``, ``window``, ``units``, ...).
    """
    unknown = sorted(set(overrides) - _MODEL_FIELDS - _TRAIN_FIELDS)
    if unknown:
        raise TrainingError(f"unknown training settings: {', '.join(unknown)}")
    given = {k: v for k, v in overrides.items() if v is not None}
    config = preset(preset_name, arch)
    model = dataclasses.replace(config.model, **{k: v for k, v in given.items() if k in _MODEL_FIELDS})
    return dataclasses.replace(config, model=model, **{k: v for k, v in given.items() if k in _TRAIN_FIELDS})
