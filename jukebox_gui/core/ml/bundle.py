"""Model bundles: one versioned, readable folder per trained model. No pickle, no code.

    config.json          format + version, architecture, preset, hyperparameters, vocab, versions
    model.weights.h5     the weights only; the model is rebuilt from config.json (runs no code)
    tokenizer.json       the tokenizer that made the training tokens (core.data.tokenizer)
    training.json        history, corpus fingerprint and summary, seed, wall time
    *.json               extras, e.g. corpus_metrics.json, originality.json
    checkpoints/         (while / after training) what ``--resume`` continues from

``save_bundle`` writes a temp folder and renames it into place. ``load_bundle`` checks the
format version, the files and the tokenizer, and raises ``BundleError`` with a readable reason.
TensorFlow is imported only when ``Bundle.model`` is first used.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BundleError, JukeboxError
from ..fileio import atomic_write_json
from ..versions import package_versions
from .config import TrainConfig, train_config_from_dict, train_config_to_dict

FORMAT = "jukebox-model-bundle"
FORMAT_VERSION = 1
WEIGHTS = "model.weights.h5"
REQUIRED = ("config.json", WEIGHTS, "tokenizer.json", "training.json")
KEEP_ON_REPLACE = ("checkpoints",)
COMPACT_EXTRAS = frozenset({"originality"})  # machine data, megabytes for a big corpus: written without indentation
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def versions() -> dict[str, str]:
    """What a bundle's config.json records: this program, Python, Keras and TensorFlow."""
    from ... import __version__

    return {"jukebox": __version__, **package_versions(("keras", "tensorflow"))}


def _extra_name(name: str) -> str:
    base = name if name.endswith(".json") else f"{name}.json"
    if "/" in base or "\\" in base or base.startswith(".") or base in REQUIRED:
        raise BundleError(f"invalid bundle extra name {name!r}")
    return base


def save_bundle(path: str | os.PathLike, *, model: Any, config: TrainConfig, tokenizer: Any,
                training: dict[str, Any], extras: dict[str, object] | None = None) -> Path:
    """Write a bundle folder atomically (temp folder + rename). Returns its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a bundle is an ordinary folder
        model.save_weights(str(tmp / WEIGHTS))
        tokenizer.save(tmp / "tokenizer.json")
        fingerprint = tokenizer.fingerprint() if hasattr(tokenizer, "fingerprint") else ""
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "arch": config.model.arch,
            "preset": config.preset,
            "train": train_config_to_dict(config),
            "vocab_size": int(tokenizer.vocab_size),
            "pad_id": int(getattr(tokenizer, "pad_id", 0)),
            "tokenizer_fingerprint": fingerprint,
            "versions": versions(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        for name, obj in (extras or {}).items():
            file = tmp / _extra_name(name)
            atomic_write_json(file, obj, compact=file.stem in COMPACT_EXTRAS)
        atomic_write_json(tmp / "training.json", training)
        atomic_write_json(tmp / "config.json", meta)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            for keep in KEEP_ON_REPLACE:
                if (old / keep).exists():
                    os.replace(old / keep, target / keep)
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise BundleError(f"could not write the model bundle {target}: {exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def resolve_bundle(name_or_path: str | os.PathLike) -> Path:
    """A bundle folder from a path, a name in the user's models folder, or ``builtin:NAME``."""
    text = str(name_or_path)
    if text.startswith("builtin:"):
        from .builtin_models import BUILTIN_MODELS, available_builtins

        name = text.split(":", 1)[1]
        present = available_builtins()
        if name in present:
            return present[name]
        if name in BUILTIN_MODELS:
            raise BundleError(f"the built-in model {name!r} is not installed here; build it with `make demo-models`")
        known = ", ".join(f"builtin:{n}" for n in sorted(BUILTIN_MODELS))
        raise BundleError(f"unknown built-in model {name!r} (built-in models: {known})")
    path = Path(text).expanduser()
    if path.exists():
        return path
    if os.sep not in text and "/" not in text:
        from ..paths import models_dir

        candidate = models_dir() / text
        if candidate.exists():
            return candidate
        raise BundleError(f"no model bundle {text!r} (not a folder, nor a model in {models_dir()})")
    raise BundleError(f"no model bundle at {path}")


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"the model bundle has no {what} ({path.name} is missing)") from None
    except (OSError, ValueError) as exc:
        raise BundleError(f"the model bundle's {path.name} is corrupt: {exc}") from exc


@dataclass
class Bundle:
    path: Path
    config: TrainConfig
    meta: dict[str, Any]
    tokenizer: Any
    training: dict[str, Any]
    extras: dict[str, Any] = field(default_factory=dict)
    _model: Any = None

    @property
    def vocab_size(self) -> int:
        return int(self.meta["vocab_size"])

    @property
    def model(self) -> Any:
        """The Keras model, rebuilt from config.json with the saved weights (loaded once)."""
        if self._model is None:
            self._model = load_model_weights(self.path / WEIGHTS, self.config, self.vocab_size)
        return self._model


def load_model_weights(weights: Path, config: TrainConfig, vocab_size: int) -> Any:
    from .models import build_model

    model = build_model(config.model, vocab_size)
    try:
        model.load_weights(str(weights))
    except (OSError, ValueError, KeyError) as exc:
        raise BundleError(f"the model weights in {weights} are corrupt or do not match config.json: {exc}") from exc
    return model


def load_bundle(name_or_path: str | os.PathLike, *, tokenizer_cls: Any = None) -> Bundle:
    """Open a bundle; raises ``BundleError`` when it is missing, corrupt, newer or mismatched."""
    path = resolve_bundle(name_or_path)
    if not path.is_dir():
        raise BundleError(f"{path} is not a model bundle folder")
    if not (path / "config.json").exists() and (path / "checkpoints").exists():
        raise BundleError(f"{path} holds an unfinished training run; finish it with `jukebox train ... --resume`")
    meta = _read_json(path / "config.json", "config")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BundleError(f"{path} is not an AI Jukebox model bundle (config.json has no bundle format)")
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise BundleError(f"the model bundle's config.json has no valid format_version: {version!r}")
    if version > FORMAT_VERSION:
        raise BundleError(f"this model bundle was made by a newer version of AI Jukebox (bundle format {version}, "
                          f"this version reads up to {FORMAT_VERSION}); please update AI Jukebox")
    for name in REQUIRED:
        if not (path / name).is_file():
            raise BundleError(f"the model bundle {path} is incomplete: {name} is missing")
    with open(path / WEIGHTS, "rb") as handle:
        if handle.read(8) != _HDF5_MAGIC:
            raise BundleError(f"the model weights {path / WEIGHTS} are corrupt (not an HDF5 file)")
    try:
        config = train_config_from_dict(meta.get("train", {}))
    except JukeboxError as exc:
        raise BundleError(f"the model bundle's config.json is invalid: {exc}") from exc
    if not isinstance(meta.get("vocab_size"), int) or meta["vocab_size"] < 1:
        raise BundleError("the model bundle's config.json has no valid vocab_size")
    from .weights_check import check_weights

    check_weights(path / WEIGHTS, config.model, meta["vocab_size"])  # refused now, not at first use
    training = _read_json(path / "training.json", "training record")
    tokenizer = _load_tokenizer(path / "tokenizer.json", tokenizer_cls)
    _check_tokenizer(tokenizer, meta)
    extras = {}
    for file in sorted(path.glob("*.json")):
        if file.name not in REQUIRED:
            extras[file.stem] = _read_json(file, file.stem)
    return Bundle(path, config, meta, tokenizer, training, extras)


def _load_tokenizer(file: Path, tokenizer_cls: Any) -> Any:
    if tokenizer_cls is None:
        from ..data.tokenizer import Tokenizer as tokenizer_cls
    try:
        return tokenizer_cls.load(file)
    except JukeboxError as exc:
        raise BundleError(f"the model bundle's tokenizer is unusable: {exc}") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BundleError(f"the model bundle's tokenizer.json is corrupt: {exc}") from exc


def _check_tokenizer(tokenizer: Any, meta: dict[str, Any]) -> None:
    if int(tokenizer.vocab_size) != meta["vocab_size"]:
        raise BundleError(f"the model bundle's tokenizer has {tokenizer.vocab_size} tokens but the model was "
                          f"trained on {meta['vocab_size']}: the bundle is mismatched")
    expected = meta.get("tokenizer_fingerprint")
    if expected and hasattr(tokenizer, "fingerprint") and tokenizer.fingerprint() != expected:
        raise BundleError("the model bundle's tokenizer.json does not match the tokenizer the model was trained "
                          "with (fingerprint differs): the bundle is mismatched")


@dataclass(frozen=True)
class BundleInfo:
    """One model folder as a list shows it: what it is, whether it loads, how well it trained."""

    name: str
    path: Path
    arch: str
    preset: str
    created: str
    size_bytes: int
    ok: bool
    problem: str = ""
    unfinished: bool = False           # a training run without a bundle yet (resume it)
    reference: str = ""                # what load_bundle takes: the path, or builtin:NAME
    builtin: bool = False
    val_loss: float | None = None      # from training.json
    val_perplexity: float | None = None
    corpus_source: str | None = None   # the folder or demo:NAME it was trained on
    corpus_pieces: int | None = None
    melody: dict | None = None         # training.json's held-out melody figures (core.ml.evaluation)

    @property
    def melody_label(self) -> str:
        """"learned melody" / "still learning melody" / "melody not measured"."""
        from .evaluation import melody_state

        return melody_state(self.melody)


def bundle_info(path: str | os.PathLike, *, reference: str | None = None, builtin: bool = False) -> BundleInfo:
    """What ``path`` holds, read from its small JSON files; a broken bundle is flagged, never raised."""
    path = Path(path)
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    common = {"name": path.name, "path": path, "size_bytes": size, "reference": reference or str(path),
              "builtin": builtin}
    try:
        meta = _read_json(path / "config.json", "config")
    except BundleError as exc:
        unfinished = (path / "checkpoints").exists()
        return BundleInfo(arch="?", preset="?", created="", ok=False, unfinished=unfinished,
                          problem="unfinished training (resume it)" if unfinished else str(exc), **common)
    missing = [n for n in REQUIRED if not (path / n).is_file()]
    problem = f"missing {', '.join(missing)}" if missing else ""
    try:
        training = json.loads((path / "training.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        training = {}
    training = training if isinstance(training, dict) else {}
    corpus = training.get("corpus") if isinstance(training.get("corpus"), dict) else {}
    return BundleInfo(arch=str(meta.get("arch", "?")), preset=str(meta.get("preset", "?")),
                      created=str(meta.get("created", "")), ok=not problem, problem=problem,
                      val_loss=training.get("best_val_loss"), val_perplexity=training.get("val_perplexity"),
                      corpus_source=corpus.get("source"), corpus_pieces=corpus.get("pieces"),
                      melody=training.get("melody") if isinstance(training.get("melody"), dict) else None, **common)


def list_bundles(folder: str | os.PathLike | None = None) -> list[BundleInfo]:
    """Bundles in the user's models folder (or ``folder``), broken ones flagged, never raised."""
    from ..paths import models_dir

    root = Path(folder) if folder else models_dir()
    return [bundle_info(path) for path in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))]


def list_models() -> list[BundleInfo]:
    """Every model one can generate with: the built-in ones installed here, then the user's."""
    from .builtin_models import available_builtins

    builtins = [bundle_info(folder, reference=f"builtin:{name}", builtin=True)
                for name, folder in sorted(available_builtins().items())]
    return builtins + list_bundles()


def delete_bundle(name: str, folder: str | os.PathLike | None = None) -> Path:
    """Delete one model folder from the user's models folder (by name, never an outside path)."""
    from ..paths import models_dir

    root = (Path(folder) if folder else models_dir()).resolve()
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise BundleError(f"invalid model name {name!r}")
    path = root / name
    if not path.is_dir():
        raise BundleError(f"no model named {name!r} in {root}")
    shutil.rmtree(path)
    return path
