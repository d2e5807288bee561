"""Train/validation split by FILE (never by window), so validation measures generalisation."""

from __future__ import annotations

import hashlib
import os
import random
from typing import Sequence

from ..errors import CorpusError


def split_by_file(paths: Sequence[str], val_fraction: float = 0.1, seed: int = 0) -> tuple[list[int], list[int]]:
    """Deterministic (train_indices, val_indices) over ``paths``.

    The order of ``paths`` does not matter: files are shuffled by a seeded key derived from the
    path itself. With two or more files each side gets at least one; with one file, validation
    is empty.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise CorpusError(f"validation fraction must be in [0, 1), got {val_fraction}")
    n = len(paths)
    if n == 0:
        return [], []
    if n == 1:
        return [0], []
    key = lambda i: hashlib.sha256(f"{seed}\0{paths[i]}".encode("utf-8", "surrogateescape")).hexdigest()  # noqa: E731
    order = sorted(range(n), key=lambda i: (key(i), i))
    random.Random(seed).shuffle(order)  # extra mixing, still deterministic
    n_val = min(n - 1, max(1, round(n * val_fraction)))
    val = sorted(order[:n_val])
    train = sorted(order[n_val:])
    return train, val


def relative_name(path: str, folder: str | None) -> str:
    """``path`` relative to the corpus ``folder`` (its base name when outside it or on another
    drive): what a split and a bundle record, so neither depends on where the corpus lies."""
    if not folder:
        return str(path)
    try:
        rel = os.path.relpath(path, folder)
    except ValueError:  # another drive (Windows)
        return os.path.basename(path)
    return os.path.basename(path) if rel.startswith("..") else rel
