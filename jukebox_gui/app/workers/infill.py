"""Regenerate a selection (issue 17): whether a model can fill bars, and filling them.

``fill_check_worker(model)`` opens the bundle (its small JSON files and tokenizer; the Keras
model is built only when first used) and asks ``core.ml.infill.can_fill``; it returns a
:class:`FillCheck` that the page keeps and hands back to ``infill_worker``, so a model is opened
once, off the GUI thread. ``infill_worker`` returns ``core.ml.infill.infill``'s list of takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .preload import load_tensorflow
from .threads import Worker

SAMPLING_KEYS = ("temperature", "top_p", "top_k", "seed")  # the page's settings a fill uses


@dataclass(frozen=True)
class FillCheck:
    model: str  # what load_bundle took
    ok: bool
    why: str  # why not, when not ok
    bundle: Any = None  # core.ml.bundle.Bundle, None when it could not be opened


def fill_check_worker(model: str) -> Worker:
    def job(progress, cancel):
        from ...core.errors import JukeboxError
        from ...core.ml.bundle import load_bundle
        from ...core.ml.infill import can_fill

        try:
            bundle = load_bundle(model)
        except JukeboxError as exc:
            return FillCheck(model, False, f"the model cannot be opened: {exc}")
        ok, why = can_fill(bundle)
        return FillCheck(model, ok, why, bundle)

    return Worker("fill-check", job)


def infill_worker(check: FillCheck, score: Any, first: int, last: int, settings: dict[str, Any],
                  variants: int) -> Worker:
    """Bars ``first..last-1`` (0-based) of ``score`` anew, ``variants`` times, with the checked
    model; ``settings``: the page's generation settings (only the sampling ones are used)."""
    config_values = {k: settings[k] for k in SAMPLING_KEYS if settings.get(k) is not None}

    def job(progress, cancel):
        load_tensorflow()
        from ...core.ml.bundle import load_bundle
        from ...core.ml.generation import GenerationConfig
        from ...core.ml.infill import infill

        bundle = check.bundle if check.bundle is not None else load_bundle(check.model)
        return infill(bundle, score, first, last, GenerationConfig(**config_values), variants=variants,
                      progress=progress, cancel=cancel)

    return Worker("infill", job)


def track_fill_worker(check: FillCheck, score: Any, tracks: list[int], settings: dict[str, Any], variants: int,
                      bars: tuple[int, int] | None = None) -> Worker:
    """The tracks ``tracks`` (indices) of ``score`` anew under the others, ``variants`` times, in
    ``bars`` (0-based, end excluded; None: the whole piece), with the checked model."""
    config_values = {k: settings[k] for k in SAMPLING_KEYS if settings.get(k) is not None}

    def job(progress, cancel):
        load_tensorflow()
        from ...core.ml.bundle import load_bundle
        from ...core.ml.generation import GenerationConfig
        from ...core.ml.track_fill import track_fill

        bundle = check.bundle if check.bundle is not None else load_bundle(check.model)
        return track_fill(bundle, score, tracks, GenerationConfig(**config_values), bars=bars, variants=variants,
                          progress=progress, cancel=cancel)

    return Worker("track-fill", job)
