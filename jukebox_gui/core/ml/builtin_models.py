"""Built-in model bundles, trained by the project's own `jukebox train` from the demo corpora.

They live in ``resources/models/<name>/`` and are offered as ``builtin:<name>``. Retrain them
reproducibly with ``make demo-models`` (``jukebox models builtin --retrain``), which records the
command, seed, versions and wall time in each bundle's ``provenance.json``.

This module imports no TensorFlow: retraining runs ``jukebox train`` in a subprocess.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..fileio import atomic_write_json
from ..paths import resources_dir
from .config import DEFAULT_ARCH


@dataclass(frozen=True)
class BuiltinModel:
    name: str
    corpus: str
    description: str
    seed: int = 1
    preset: str = "laptop"
    arch: str = DEFAULT_ARCH
    # Trained once, offline: a fixed number of epochs (early stopping may end it sooner) and no
    # time budget, so a retrain is reproducible and not cut short by a slow machine. The laptop
    # preset's learning-rate schedule spans the epochs given here: 60 epochs are 2,880 steps of
    # 16 windows, several times what the 5-minute laptop run gets.
    epochs: int = 60
    # Windows twice the laptop preset's: with the slim token stream (no Program/Velocity tokens
    # for these one-instrument corpora, 3.4 tokens per note) 256 tokens hold about 75 notes, 8-9
    # bars of a reel, so a model sees the phrase a tune repeats (the laptop's 128 tokens held
    # 24 notes of the full stream, 3 bars: its takes repeated no bars, the corpus 23 %).
    seq_len: int = 256
    # Regularisation, measured on demo:irish (443 training tunes; early stopping at epoch 39 without
    # it): transposing each window by up to 3 semitones with dropout 0.15 trained on to epoch 60
    # and lowered the held-out pitch loss a little (1.67 -> 1.64 nats) but the takes left the
    # corpus's keys (B, F#, E major in 12 of 30 takes; the corpus is D, G, A major): not used.
    # Dropout 0.3 alone: 1.68.
    transpose: int = 0
    dropout: float | None = None
    # The sampling temperature the model suggests (its sampling.json, core.ml.model_defaults);
    # None: the app's default. Measured with benchmarks/quality after training.
    temperature: float | None = None

    def train_command(self, out: Path) -> list[str]:
        extra = (["--transpose", str(self.transpose)] if self.transpose else []) + (
            ["--dropout", f"{self.dropout:g}"] if self.dropout is not None else [])
        return ["jukebox", "train", self.corpus, "--out", str(out), "--arch", self.arch,
                "--preset", self.preset, "--seed", str(self.seed), "--epochs", str(self.epochs),
                "--seq-len", str(self.seq_len), *extra, "--time-budget", "0"]


BUILTIN_MODELS: dict[str, BuiltinModel] = {
    # at 0.9 the tunes move a little more stepwise than O'Neill's (100 takes, two seed ranges:
    # mean-interval OA 0.79 / 0.83 at 0.9, 0.85 / 0.87 at 1.0; quality_ratio 0.93 -> 0.95 / 0.96)
    "irish": BuiltinModel("irish", "demo:irish", "Irish dance tunes (O'Neill's 1850 collection)", seed=1,
                          temperature=1.0),
    # at 0.9 the voices leap more than Bach's (mean-interval OA 0.71; 0.77 at 0.8, quality the same).
    # 384-token windows and 80 epochs (2,051 s) stopped early at epoch 50: validation 0.823 (0.819
    # here), pitch 1.58 nats (1.55), gap loss with both sides vs left only 0.99x (1.00x): not used.
    "bach": BuiltinModel("bach", "demo:bach", "Four-part chorales of J. S. Bach", seed=2, temperature=0.8),
}


def models_root() -> Path:
    return resources_dir() / "models"


def builtin_dir(name: str) -> Path:
    return models_root() / name


def available_builtins() -> dict[str, Path]:
    """Built-in bundles present in this installation (name -> folder)."""
    return {name: builtin_dir(name) for name in BUILTIN_MODELS if (builtin_dir(name) / "config.json").is_file()}


def _versions() -> dict[str, str]:
    from ..versions import package_versions

    return package_versions(("jukebox_gui", "tensorflow", "keras", "miditok", "symusic", "music21", "numpy"),
                            missing="missing")


def retrain(name: str, *, out_root: Path | None = None, extra_args: list[str] | None = None) -> dict:
    """Train one built-in model with `jukebox train` and write its provenance record."""
    model = BUILTIN_MODELS[name]
    out = (out_root or models_root()) / name
    cmd = model.train_command(out) + list(extra_args or [])
    exe = [sys.executable, "-m", "jukebox_gui.cli"] + cmd[1:]
    start = time.perf_counter()
    subprocess.run(exe, check=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wall = time.perf_counter() - start
    # Checkpoints (with optimizer state) are for resuming a run; a shipped model needs none.
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    record = {
        "name": name,
        "description": model.description,
        "command": " ".join(cmd),
        "seed": model.seed,
        "wall_time_s": round(wall, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "versions": _versions(),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    atomic_write_json(out / "provenance.json", record)
    if model.temperature is not None:
        atomic_write_json(out / "sampling.json", {"temperature": model.temperature,
                                                  "why": "core.ml.builtin_models: measured with benchmarks/quality"})
    return record
