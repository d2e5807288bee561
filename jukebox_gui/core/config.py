"""Helpers for domain configs: frozen dataclasses that round-trip through JSON.

Each area keeps its own config next to its code (tokenizer, model, training, generation,
render); they all use these helpers so unknown keys are rejected with a clear message.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, TypeVar

from .errors import JukeboxError

T = TypeVar("T")


def to_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)


def from_dict(cls: type[T], data: dict[str, Any], *, strict: bool = True) -> T:
    """Build ``cls`` from ``data``; tuples are restored from JSON lists."""
    if not isinstance(data, dict):
        raise JukeboxError(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
    names = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(names))
    if unknown and strict:
        raise JukeboxError(f"{cls.__name__}: unknown settings {', '.join(unknown)}")
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            continue
        if isinstance(value, list):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise JukeboxError(f"{cls.__name__}: {exc}") from exc


def replace(config: T, **overrides: Any) -> T:
    """Override fields, ignoring ``None`` values (handy for CLI flags)."""
    return dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})  # type: ignore[type-var]


def save_json(config: Any, path: str | Path) -> None:
    from .fileio import atomic_write_json

    atomic_write_json(path, to_dict(config))


def load_json(cls: type[T], path: str | Path) -> T:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise JukeboxError(f"cannot read {path}: {exc}") from exc
    return from_dict(cls, data)
