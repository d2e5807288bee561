"""The tf.data input pipeline: shuffled windows over token sequences, padding as zero weights.

All sequences are packed into one flat int32 array. A *window* is ``(start, seq_start, seq_end)``:
the ``context + 1`` tokens from ``start``; positions outside its own sequence become ``pad_id``
with sample weight 0, so windows never cross from one tune into the next.

Window order is decided in NumPy from ``(seed, epoch)`` only, so a resumed run sees exactly the
batches the uninterrupted run would have seen.

Styles (a corpus of several folders, ``core.data.styles``): every piece opens with its style's
token, and ``make_dataset`` puts that token at the first input position of EVERY window cut from
the piece, so a window from the middle of a tune still knows its style. A training pass draws
each style's windows in proportion to (its windows) ** ``balance`` (0.5 by default: a style
with 1/10 of the windows gets about 1/4 of a pass; 0 would give every style the same share, 1
the corpus's own proportions), so a small style is not drowned; validation windows are not
rebalanced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import tensorflow as tf

from ..errors import TrainingError
from .config import TrainConfig


STYLE_BALANCE = 0.5


@dataclass(frozen=True)
class Packed:
    flat: np.ndarray      # int32, all sequences back to back
    bounds: np.ndarray    # int64 [n, 2]: (start, end) of each sequence in ``flat``
    fill_from: int = -1   # index of the first bar-infilling sample (core.data.fill_layout); -1: none
    styles: np.ndarray | None = None  # int64 [n]: each sequence's style index (-1: none); None: no styles
    balance: float = STYLE_BALANCE    # a pass draws a style's windows in proportion to (its count) ** balance

    @property
    def tokens(self) -> int:
        return int(self.flat.size)

    @property
    def fill_token_start(self) -> int | None:
        """Offset in ``flat`` where the fill samples begin (None without any)."""
        return int(self.bounds[self.fill_from, 0]) if 0 <= self.fill_from < len(self.bounds) else None


def pack(sequences: list[np.ndarray], fills: list[np.ndarray] | None = None, *,
         style_ids: Sequence[int] = (), balance: float = STYLE_BALANCE) -> Packed:
    """The pieces back to back, then the bar-infilling samples ``fills`` (if any). With the
    tokenizer's ``style_ids`` (in style order), a sequence opening with one of them is of that style."""
    seqs = [np.asarray(s, dtype=np.int32).ravel() for s in sequences if len(s) >= 2]
    if not seqs:
        raise TrainingError("no usable token sequences (every piece is shorter than 2 tokens)")
    extra = [np.asarray(s, dtype=np.int32).ravel() for s in (fills or []) if len(s) >= 2]
    lengths = np.array([len(s) for s in seqs + extra], dtype=np.int64)
    ends = np.cumsum(lengths)
    flat = np.concatenate(seqs + extra)
    bounds = np.stack([ends - lengths, ends], axis=1)
    styles = None
    if len(style_ids):
        order = {int(t): i for i, t in enumerate(style_ids)}
        styles = np.array([order.get(int(t), -1) for t in flat[bounds[:, 0]]], dtype=np.int64)
    return Packed(flat, bounds, len(seqs) if extra else -1, styles, float(balance))


def _style_of(packed: Packed, found: np.ndarray) -> np.ndarray:
    """Style index of each window (by the sequence it lies in)."""
    return packed.styles[np.searchsorted(packed.bounds[:, 0], found[:, 1])]


def style_shares(packed: Packed, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the corpus's own share, the share a training pass draws) of each style's windows."""
    counts = np.bincount(np.maximum(_style_of(packed, found), 0), minlength=int(packed.styles.max()) + 1)
    counts = counts.astype(np.float64)
    natural = counts / max(1.0, counts.sum())
    tempered = np.where(counts > 0, counts ** packed.balance, 0.0)
    return natural, tempered / max(tempered.sum(), 1e-12)


def _balanced(packed: Packed, found: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """As many windows as ``found``, each style's share tempered (see the module docstring): a
    style short of its share repeats windows, one over it gets a random subset."""
    _natural, shares = style_shares(packed, found)
    style = _style_of(packed, found)
    picked = []
    for s, share in enumerate(shares):
        mine = np.flatnonzero(style == s)
        want = int(round(share * len(found)))
        if not mine.size or not want:
            continue
        if want <= mine.size:
            picked.append(rng.choice(mine, size=want, replace=False))
        else:
            picked.append(np.concatenate([mine, rng.choice(mine, size=want - mine.size, replace=True)]))
    picked.append(np.flatnonzero(style < 0))
    return found[np.sort(np.concatenate(picked))]


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
        fill_start = packed.fill_token_start
        if fill_start is not None:  # fill samples (one window each) make up ``fill_share`` of a pass
            is_fill = found[:, 1] >= fill_start
            continuation, fills = found[~is_fill], found[is_fill]
            if packed.styles is not None and rng is not None:
                continuation = _balanced(packed, continuation, rng)
            share = min(0.9, max(0.0, float(config.fill_share)))
            want = int(round(len(continuation) * share / (1.0 - share)))
            pick = (rng.permutation(len(fills)) if rng is not None else np.arange(len(fills)))[:want]
            found = np.concatenate([continuation, fills[np.sort(pick) if rng is None else pick]])
        elif packed.styles is not None and rng is not None:
            found = _balanced(packed, found, rng)
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
        if config.transpose:  # a 4th column: the window's transposition in semitones
            shifts = rng.integers(-config.transpose, config.transpose + 1, size=len(found))
            found = np.concatenate([found[:, :3], shifts[:, None]], axis=1)
        per_epoch.append(found)
        counts.append(targets_in(found, config))
    steps = len(per_epoch[0]) // batch if per_epoch else 0
    width = max((w.shape[1] for w in per_epoch), default=3)
    flat = np.concatenate(per_epoch) if per_epoch else np.zeros((0, width), np.int64)
    return EpochPlan(flat, steps, (sum(counts) / max(1, steps * len(per_epoch))))


def make_dataset(packed: Packed, windows_: np.ndarray, config: TrainConfig, pad_id: int, *,
                 drop_remainder: bool = True, pitch_ids: tuple[int, int] | None = None) -> tf.data.Dataset:
    """(ids, targets, weights) batches for the windows, in the given order, prefetched.

    A 4th window column is a transposition in semitones: ``Pitch`` tokens (ids ``pitch_ids[0]`` to
    ``pitch_ids[1]``, contiguous and ascending, drums excluded) move by it, clipped to the range."""
    model = config.model
    length = (model.window if model.arch == "seed-bilstm" else model.seq_len) + 1
    flat = tf.constant(packed.flat, dtype=tf.int32)
    offsets = tf.range(length, dtype=tf.int64)
    seed_arch = model.arch == "seed-bilstm"
    transpose = windows_.shape[1] > 3 and pitch_ids is not None
    low, high = pitch_ids or (0, 0)
    styled = packed.styles is not None and not seed_arch

    def gather(batch):
        idx = batch[:, 0:1] + offsets[None, :]
        valid = (idx >= batch[:, 1:2]) & (idx < batch[:, 2:3])
        safe = tf.clip_by_value(idx, 0, tf.cast(tf.size(flat) - 1, tf.int64))
        tokens = tf.where(valid, tf.gather(flat, safe), tf.constant(pad_id, tf.int32))
        if transpose:
            shift = tf.cast(batch[:, 3:4], tf.int32)
            is_pitch = (tokens >= low) & (tokens <= high)
            tokens = tf.where(is_pitch, tf.clip_by_value(tokens + shift, low, high), tokens)
        weights = tf.cast(valid, tf.float32)
        if styled:  # every window's first input is its piece's style token (the piece's first token)
            style = tf.gather(flat, batch[:, 1:2])
            tokens = tf.concat([style, tokens[:, 1:]], axis=1)
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


def split_sequences(sequences: list[np.ndarray], paths: list[str], val_fraction: float, seed: int, *,
                    strata: Sequence[str] | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Train/validation split by source file (``core.data.split.split_by_file``): every piece of
    one file lands on one side. With ``strata`` (a style per piece, paths ``STYLE/name``) each style
    is split on its own by the names without the ``STYLE/`` prefix, so every style of two files or
    more has held-out files, the very ones its folder would hold out if trained alone."""
    from ..data.split import split_by_file

    if len(sequences) < 2:
        raise TrainingError("need at least 2 pieces to hold some out for validation")
    paths = list(paths) if paths and len(paths) == len(sequences) else [str(i) for i in range(len(sequences))]
    files = sorted(set(paths))
    if len(files) < 2:
        raise TrainingError("need at least 2 files to hold one out for validation")
    if strata is not None and len(strata) == len(paths):
        held = set()
        for stratum in sorted(set(strata)):
            mine = sorted({p for p, s in zip(paths, strata) if s == stratum})
            bare = [p[len(stratum) + 1:] if p.startswith(f"{stratum}/") else p for p in mine]
            held |= {mine[i] for i in split_by_file(bare, val_fraction, seed)[1]}
    else:
        held = {files[i] for i in split_by_file(files, val_fraction, seed)[1]}
    return ([s for s, p in zip(sequences, paths) if p not in held],
            [s for s, p in zip(sequences, paths) if p in held])
