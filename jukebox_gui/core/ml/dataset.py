"""The tf.data input pipeline: shuffled windows over token sequences, padding as zero weights.

All sequences are packed into one flat int32 array. A *window* is ``(start, seq_start, seq_end)``:
the ``context + 1`` tokens from ``start``; positions outside its own sequence become ``pad_id``
with sample weight 0, so windows never cross from one tune into the next.

Window order is decided in NumPy from ``(seed, epoch)`` only, so a resumed run sees exactly the
batches the uninterrupted run would have seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from ..errors import TrainingError
from .config import TrainConfig


@dataclass(frozen=True)
class Packed:
    flat: np.ndarray      # int32, all sequences back to back
    bounds: np.ndarray    # int64 [n, 2]: (start, end) of each sequence in ``flat``

    @property
    def tokens(self) -> int:
        return int(self.flat.size)


def pack(sequences: list[np.ndarray]) -> Packed:
    seqs = [np.asarray(s, dtype=np.int32).ravel() for s in sequences if len(s) >= 2]
    if not seqs:
        raise TrainingError("no usable token sequences (every piece is shorter than 2 tokens)")
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    ends = np.cumsum(lengths)
    return Packed(np.concatenate(seqs), np.stack([ends - lengths, ends], axis=1))


def _causal_windows(bounds: np.ndarray, length: int, stride: int, rng: np.random.Generator | None) -> np.ndarray:
    out = []
    for seq_start, seq_end in bounds:
        last = max(seq_start, seq_end - length)
        starts = np.arange(seq_start, last + 1, stride, dtype=np.int64)
        if rng is not None and stride > 1 and last > seq_start:
            starts = np.minimum(starts + rng.integers(0, stride, size=starts.size), last)
        elif starts[-1] != last and rng is None:
            starts = np.append(starts, last)
        out.append(np.stack([starts, np.full_like(starts, seq_start), np.full_like(starts, seq_end)], 1))
    return np.concatenate(out)


def _seed_windows(bounds: np.ndarray, window: int, stride: int, rng: np.random.Generator | None) -> np.ndarray:
    out = []
    for seq_start, seq_end in bounds:
        targets = np.arange(seq_start + 1, seq_end, stride, dtype=np.int64)
        if rng is not None and stride > 1:
            targets = np.minimum(targets + rng.integers(0, stride, size=targets.size), seq_end - 1)
        out.append(np.stack([targets - window, np.full_like(targets, seq_start), np.full_like(targets, seq_end)], 1))
    return np.concatenate(out)


def windows(packed: Packed, config: TrainConfig, rng: np.random.Generator | None, *, stride: int | None = None,
            limit: int = 0) -> np.ndarray:
    """Windows for one pass; shuffled (and jittered) when ``rng`` is given, capped at ``limit``."""
    model = config.model
    stride = stride or config.stride
    if model.arch == "seed-bilstm":
        found = _seed_windows(packed.bounds, model.window, stride, rng)
    else:
        found = _causal_windows(packed.bounds, model.seq_len + 1, stride, rng)
    if rng is not None:
        found = found[rng.permutation(len(found))]
    if limit and len(found) > limit:
        found = found[:limit] if rng is not None else found[np.linspace(0, len(found) - 1, limit).astype(np.int64)]
    return found


def targets_in(windows_: np.ndarray, config: TrainConfig) -> int:
    """How many real (weighted) targets these windows hold."""
    if config.model.arch == "seed-bilstm":
        return int(len(windows_))
    length = config.model.seq_len + 1
    first = np.maximum(windows_[:, 0] + 1, windows_[:, 1])
    last = np.minimum(windows_[:, 0] + length, windows_[:, 2])
    return int(np.maximum(last - first, 0).sum())


@dataclass(frozen=True)
class EpochPlan:
    """Every training window of epochs ``first..last-1`` in order, ``steps`` batches per epoch."""

    windows: np.ndarray
    steps: int
    targets_per_step: float


def plan_epochs(packed: Packed, config: TrainConfig, first: int, last: int) -> EpochPlan:
    batch = config.batch_size
    per_epoch, counts = [], []
    for epoch in range(first, last):
        rng = np.random.default_rng([config.seed, epoch])
        found = windows(packed, config, rng, limit=config.max_windows_per_epoch)
        if len(found) < batch:  # a tiny corpus: repeat windows to fill one batch
            found = found[rng.integers(0, len(found), size=batch)]
        found = found[: (len(found) // batch) * batch]
        per_epoch.append(found)
        counts.append(targets_in(found, config))
    steps = len(per_epoch[0]) // batch if per_epoch else 0
    flat = np.concatenate(per_epoch) if per_epoch else np.zeros((0, 3), np.int64)
    return EpochPlan(flat, steps, (sum(counts) / max(1, steps * len(per_epoch))))


def make_dataset(packed: Packed, windows_: np.ndarray, config: TrainConfig, pad_id: int, *,
                 drop_remainder: bool = True) -> tf.data.Dataset:
    """(ids, targets, weights) batches for the windows, in the given order, prefetched."""
    model = config.model
    length = (model.window if model.arch == "seed-bilstm" else model.seq_len) + 1
    flat = tf.constant(packed.flat, dtype=tf.int32)
    offsets = tf.range(length, dtype=tf.int64)
    seed_arch = model.arch == "seed-bilstm"

    def gather(batch):
        idx = batch[:, 0:1] + offsets[None, :]
        valid = (idx >= batch[:, 1:2]) & (idx < batch[:, 2:3])
        safe = tf.clip_by_value(idx, 0, tf.cast(tf.size(flat) - 1, tf.int64))
        tokens = tf.where(valid, tf.gather(flat, safe), tf.constant(pad_id, tf.int32))
        weights = tf.cast(valid, tf.float32)
        if seed_arch:
            return tokens[:, :-1], tokens[:, -1], weights[:, -1]
        return tokens[:, :-1], tokens[:, 1:], weights[:, 1:]

    ds = tf.data.Dataset.from_tensor_slices(windows_.astype(np.int64))
    ds = ds.batch(config.batch_size, drop_remainder=drop_remainder)
    ds = ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def validation_windows(packed: Packed, config: TrainConfig, limit: int = 2048) -> np.ndarray:
    """Fixed, non-overlapping validation windows (seed-bilstm: evenly sampled targets)."""
    stride = max(1, config.model.window // 4) if config.model.arch == "seed-bilstm" else config.model.seq_len
    return windows(packed, config, None, stride=stride, limit=limit)


def split_sequences(sequences: list[np.ndarray], paths: list[str], val_fraction: float, seed: int
                    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Train/validation split by source file (every piece of one file lands on one side)."""
    if len(sequences) < 2:
        raise TrainingError("need at least 2 pieces to hold some out for validation")
    paths = list(paths) if paths and len(paths) == len(sequences) else [str(i) for i in range(len(sequences))]
    try:
        from ..data.split import split_by_file
    except ImportError:
        split_by_file = _split_by_file
    train_idx, val_idx = split_by_file(paths, val_fraction, seed)
    train_idx, val_idx = list(train_idx), list(val_idx)
    if not train_idx or not val_idx:
        train_idx, val_idx = _split_by_file(paths, val_fraction, seed)
    return [sequences[i] for i in train_idx], [sequences[i] for i in val_idx]


def _split_by_file(paths: list[str], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    files = sorted(set(paths))
    rng = np.random.default_rng(seed)
    order = [files[i] for i in rng.permutation(len(files))]
    n_val = min(len(files) - 1, max(1, round(len(files) * val_fraction)))
    held = set(order[:n_val])
    if not held:  # one file only: hold out its last pieces instead
        cut = max(1, round(len(paths) * val_fraction))
        return list(range(len(paths) - cut)), list(range(len(paths) - cut, len(paths)))
    train = [i for i, p in enumerate(paths) if p not in held]
    val = [i for i, p in enumerate(paths) if p in held]
    return train, val
