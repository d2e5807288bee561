"""Training a model: a TrainRequest -> core.ml.training.train -> a TrainResult."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...core.ml.config import DEFAULT_ARCH
from .preload import load_tensorflow
from .threads import Worker

if TYPE_CHECKING:
    from ...core.data.scan import CorpusReport


@dataclass(frozen=True)
class TrainRequest:
    source: str | tuple[str, ...] | list[str]     # a folder or demo:NAME; or NAME=CORPUS specs, one per style
    out_dir: Path
    preset: str = "tiny"
    arch: str = DEFAULT_ARCH
    overrides: tuple[tuple[str, Any], ...] = ()   # core.ml.settings.training_config's overrides
    resume: bool = False                          # continue the run, with the config it was started with
    from_bundle: str | None = None
    report: CorpusReport | None = field(default=None, compare=False)  # the window's scan of source, reused


def train_worker(request: TrainRequest) -> Worker:
    def job(progress, cancel):
        load_tensorflow()
        from ...core.ml import checkpoints
        from ...core.ml.settings import training_config
        from ...core.ml.training import train

        saved = checkpoints.saved_config(request.out_dir) if request.resume else None
        config = saved or training_config(request.preset, request.arch, **dict(request.overrides))
        corpus = request.report if request.report is not None else request.source
        return train(corpus, request.out_dir, config, progress=progress, cancel=cancel, resume=request.resume,
                     from_bundle=request.from_bundle)

    return Worker("train", job)
