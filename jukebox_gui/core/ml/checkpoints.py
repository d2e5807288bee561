"""Per-epoch checkpoints with optimizer state, written atomically, so ``--resume`` is exact.

    BUNDLE/checkpoints/epoch-0003/  model.weights.h5, optimizer.npz, optimizer.json
    BUNDLE/checkpoints/last.json    {"dir": "epoch-0003", "epoch": 3, ...training state}
    BUNDLE/checkpoints/best.json    {"dir": "epoch-0002", "epoch": 2, "val_loss": ...}

A checkpoint folder is written under a temp name and renamed; then ``last.json`` is replaced
atomically. A crash at any moment leaves the previous ``last.json`` and its folder intact.
Optimizer variables are stored as plain NumPy arrays (``np.load(allow_pickle=False)``).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from dataclasses import dataclass

import numpy as np

from ..errors import TrainingError
from ..fileio import atomic_write_json
from .config import TrainConfig, train_config_from_dict

WEIGHTS = "model.weights.h5"


def folder(bundle_dir: str | os.PathLike) -> Path:
    return Path(bundle_dir) / "checkpoints"


def _optimizer_variables(model: Any) -> list:
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return list(optimizer.variables)


def save(bundle_dir: str | os.PathLike, model: Any, state: dict[str, Any], *, best: bool) -> Path:
    """Write the checkpoint of the epoch ``state['epoch']`` (completed epochs) and point last (and best) at it."""
    root = folder(bundle_dir)
    root.mkdir(parents=True, exist_ok=True)
    try:
        return _save(root, model, state, best=best)
    except OSError as exc:  # a full disk or a read-only folder: the previous checkpoint stays
        reason = {errno.ENOSPC: "the disk is full", errno.EROFS: "the folder is read-only",
                  errno.EACCES: "permission denied"}.get(exc.errno, str(exc.strerror or exc).splitlines()[0])
        raise TrainingError(f"could not write the checkpoint in {root}: {reason} "
                            "(the previous checkpoint is kept)") from exc


def _save(root: Path, model: Any, state: dict[str, Any], *, best: bool) -> Path:
    name = f"epoch-{int(state['epoch']):04d}"
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        model.save_weights(str(tmp / WEIGHTS))
        variables = _optimizer_variables(model)
        arrays = {f"v{i:04d}": np.asarray(v.numpy()) for i, v in enumerate(variables)}
        with open(tmp / "optimizer.npz", "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        atomic_write_json(tmp / "optimizer.json", {"paths": [v.path for v in variables]})
        final = root / name
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if best:
        atomic_write_json(root / "best.json", {"dir": name, "epoch": state["epoch"], "val_loss": state.get("best_val_loss")})
    atomic_write_json(root / "last.json", {**state, "dir": name})
    _prune(root)
    return final


def _prune(root: Path) -> None:
    keep = set()
    for pointer in ("last.json", "best.json"):
        info = _read(root / pointer)
        if info:
            keep.add(info.get("dir"))
    for path in root.iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise TrainingError(f"the checkpoint record {path} is corrupt: {exc}") from exc


def last_state(bundle_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The training state of the last completed epoch, or None when there is no checkpoint."""
    return _read(folder(bundle_dir) / "last.json")


def best_dir(bundle_dir: str | os.PathLike) -> Path | None:
    info = _read(folder(bundle_dir) / "best.json")
    return folder(bundle_dir) / info["dir"] if info else None


def saved_config(bundle_dir: str | os.PathLike) -> TrainConfig | None:
    """The TrainConfig the run's last checkpoint was made with (None without a checkpoint)."""
    state = last_state(bundle_dir)
    return train_config_from_dict(state["config"]) if state and state.get("config") else None


@dataclass(frozen=True)
class Checkpoint:
    name: str          # epoch-0003
    path: Path
    last: bool         # what --resume continues from
    best: bool         # the weights the bundle is written from

    @property
    def marks(self) -> tuple[str, ...]:
        return tuple(m for m, on in (("last", self.last), ("best", self.best)) if on)


def list_checkpoints(bundle_dir: str | os.PathLike) -> list[Checkpoint]:
    """The epoch checkpoints of a run, newest first (a corrupt pointer only loses its mark)."""
    root = folder(bundle_dir)
    if not root.is_dir():
        return []
    pointed: dict[str, Any] = {}
    for which in ("last", "best"):
        try:
            info = _read(root / f"{which}.json")
        except TrainingError:
            info = None
        pointed[which] = info.get("dir") if isinstance(info, dict) else None
    return [Checkpoint(p.name, p, p.name == pointed["last"], p.name == pointed["best"])
            for p in sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)]


def resumable_runs(models_root: str | os.PathLike) -> list[Path]:
    """Run folders under ``models_root`` with a checkpoint to resume from, newest first."""
    root = Path(models_root)
    runs = [p for p in root.iterdir() if (folder(p) / "last.json").is_file()] if root.is_dir() else []
    return sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True)


def restore(bundle_dir: str | os.PathLike, model: Any, state: dict[str, Any]) -> None:
    """Load the weights and optimizer state of the checkpoint ``state`` points at."""
    path = folder(bundle_dir) / state["dir"]
    try:
        variables = _optimizer_variables(model)  # built first, so the weights file's optimizer part loads too
        model.load_weights(str(path / WEIGHTS))
        with np.load(path / "optimizer.npz", allow_pickle=False) as data:
            arrays = [data[f"v{i:04d}"] for i in range(len(data.files))]
    except (OSError, ValueError, KeyError) as exc:
        raise TrainingError(f"cannot resume: the checkpoint in {path} is unreadable ({exc})") from exc
    if len(arrays) != len(variables) or any(tuple(a.shape) != tuple(v.shape) for a, v in zip(arrays, variables)):
        raise TrainingError(f"cannot resume: the checkpoint in {path} was made for a different model or optimizer")
    for variable, value in zip(variables, arrays):
        variable.assign(value)


def load_weights(path: Path, model: Any) -> None:
    model.load_weights(str(path / WEIGHTS))


def remove(bundle_dir: str | os.PathLike) -> None:
    shutil.rmtree(folder(bundle_dir), ignore_errors=True)
