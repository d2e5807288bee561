"""Check a bundle's ``model.weights.h5`` when the bundle is loaded, without TensorFlow or Keras.

``check_weights(path, model_config, vocab_size)`` raises a :class:`BundleError` naming the file when

* the file is truncated: shorter than the end-of-file address its HDF5 superblock records (pure
  Python, works without h5py), or its data cannot be read back in full;
* a weight is NaN or infinite;
* the weight arrays do not have the shapes the model of ``config.json`` has (``expected_shapes``
  mirrors :mod:`.models`; ``tests/core/ml/test_weights_check.py`` checks them against the real
  Keras models, so the two cannot drift apart silently).

h5py (a Keras dependency) reads the datasets; without it only the superblock check runs. An
architecture this module does not know is not shape-checked (Keras then checks at first use).
"""

from __future__ import annotations

import struct
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import BundleError

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def check_weights(path: str | Path, model_config: Any, vocab_size: int) -> None:
    path = Path(path)
    _check_superblock(path)
    try:
        import h5py
        import numpy as np
    except ImportError:  # pragma: no cover - h5py comes with Keras
        return
    shapes: list[tuple[int, ...]] = []
    try:
        with h5py.File(path, "r") as handle:
            datasets: list[Any] = []
            handle.visititems(lambda _name, obj: datasets.append(obj) if isinstance(obj, h5py.Dataset) else None)
            for data in datasets:
                if data.dtype.kind != "f":  # seed-generator states and the like: not weights
                    continue
                if data.name.startswith("/optimizer") or data.shape == ():
                    continue  # a compiled model's file also holds its optimizer (a learning rate, slots)
                values = data[()]
                if not np.all(np.isfinite(values)):
                    raise BundleError(f"the model weights {path} are corrupt: {data.name} holds NaN or infinite "
                                      "values (training diverged?)")
                shapes.append(tuple(int(n) for n in data.shape))
    except BundleError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise BundleError(f"the model weights {path} are corrupt (unreadable HDF5: {exc})") from exc
    expected = expected_shapes(model_config, vocab_size)
    if expected is None:
        return
    got, want = Counter(shapes), Counter(expected)
    if got != want:
        missing = sorted((want - got).elements())
        extra = sorted((got - want).elements())
        detail = "; ".join(part for part in (
            f"missing {_shapes(missing)}" if missing else "",
            f"unexpected {_shapes(extra)}" if extra else "") if part)
        raise BundleError(f"the model weights {path} do not match config.json (a {model_config.arch} model, "
                          f"{model_config.layers} layers of {model_config.units} units, vocabulary {vocab_size}): "
                          f"{detail}")


def _shapes(shapes: list[tuple[int, ...]], at_most: int = 3) -> str:
    shown = ", ".join("x".join(map(str, s)) or "scalar" for s in shapes[:at_most])
    return shown + (f" and {len(shapes) - at_most} more" if len(shapes) > at_most else "")


def _check_superblock(path: Path) -> None:
    """Refuse a file shorter than the end-of-file address in its superblock (a truncated copy)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(96)
            handle.seek(0, 2)
            size = handle.tell()
    except OSError as exc:
        raise BundleError(f"cannot read the model weights {path}: {exc.strerror or exc}") from exc
    if head[:8] != HDF5_MAGIC:
        raise BundleError(f"the model weights {path} are corrupt (not an HDF5 file)")
    version = head[8] if len(head) > 8 else -1
    try:
        if version in (0, 1):
            offsets = head[13]
            first = 24 if version == 0 else 28
        elif version in (2, 3):
            offsets = head[9]
            first = 12
        else:
            raise BundleError(f"the model weights {path} are corrupt (unknown HDF5 superblock version {version})")
        fmt = {4: "<I", 8: "<Q"}.get(offsets)
        if fmt is None:
            raise BundleError(f"the model weights {path} are corrupt (HDF5 offsets of {offsets} bytes)")
        base = struct.unpack_from(fmt, head, first)[0]
        eof = struct.unpack_from(fmt, head, first + 2 * offsets)[0]
    except (IndexError, struct.error) as exc:
        raise BundleError(f"the model weights {path} are corrupt (truncated HDF5 superblock)") from exc
    if base + eof > size:
        raise BundleError(f"the model weights {path} are truncated: the file has {size:,} bytes, its HDF5 "
                          f"header says {base + eof:,} (an interrupted copy or download?)")


def expected_shapes(config: Any, vocab_size: int) -> list[tuple[int, ...]] | None:
    """The float weight shapes :func:`.models.build_model` gives ``config``; None for an unknown arch."""
    v, u, e, ff = int(vocab_size), int(config.units), int(config.embedding_dim), int(config.ff_dim)

    def lstm(inputs: int) -> list[tuple[int, ...]]:
        return [(inputs, 4 * u), (u, 4 * u), (4 * u,)]

    if config.arch == "lstm":
        shapes = [(v, e)]
        for i in range(int(config.layers)):
            shapes += lstm(e if i == 0 else u)
        return shapes + [(u, v), (v,)]
    if config.arch == "transformer":
        heads = int(config.heads)
        key = u // heads
        shapes = [(v, u), (int(config.seq_len), u)]
        for _ in range(int(config.layers)):
            shapes += [(u,), (u,)]  # ln1
            shapes += [(u, heads, key), (heads, key)] * 3  # query, key, value
            shapes += [(heads, key, u), (u,)]  # attention output
            shapes += [(u,), (u,)]  # ln2
            shapes += [(u, ff), (ff,), (ff, u), (u,)]
        return shapes + [(u,), (u,), (u, v), (v,)]
    if config.arch in ("seed-bilstm", "seed_bilstm"):
        return [(v, e)] + lstm(e) + lstm(e) + [(2 * u, ff), (ff,), (ff, v), (v,)]
    return None
