"""The sampling temperature a newly trained model suggests: the one its takes sound most like the
held-out files at.

A model's best temperature depends on how well it has learned: a 5-minute laptop model of the
Bach chorales writes voices that leap and lose their count at the app's default 0.9, and sounds
more like the chorales the lower it goes; the same preset on the Irish tunes is best at 0.9
(benchmarks/quality, 50-100 takes: quality_ratio 0.75 / 0.78 / 0.82 / 0.83 for bach at 0.9 / 0.8 /
0.7 / 0.6, irish 0.91 / 0.93 / 0.92 at 0.8 / 0.9 / 1.0). So training ends by writing a few short
takes at each of :data:`CANDIDATES` (default generation settings, the same seeds at every
temperature) and keeping the temperature whose takes' quality features overlap the held-out
files' most (mean overlapping area, the quality benchmark's measure, ``core.music.features``), if
it is clearly ahead of the app's default (:data:`MARGIN`). The choice goes into the bundle's
``sampling.json`` (``core.ml.model_defaults``); a temperature the user gives still wins.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import Cancelled, GenerationError
from ..progress import CancelToken
from .events import Stage
from .model_defaults import DEFAULT_TEMPERATURE

log = logging.getLogger(__name__)

CANDIDATES = (0.6, 0.7, 0.8, 0.9, 1.0)
BARS = 16  # as the quality benchmark's takes: 8-bar takes said too little (below)
MIN_HELD_OUT = 5  # fewer held-out pieces than this say too little to choose by
SEED = 7001
MAX_PIECES = 100  # held-out pieces compared against, evenly spaced in a big corpus
# Another temperature replaces the app's default only when its takes overlap the held-out files
# by this much more (mean OA). Laptop models (60 takes of 16 bars in benchmarks/quality: bach
# quality_ratio 0.86 / 0.84 / 0.79 at 0.6 / 0.7 / 0.9, irish 0.88 / 0.90 / 0.91 at 0.8 / 0.9 / 1.0):
# 16 takes of 16 bars per temperature, two seed ranges, put bach's 0.6 ahead of 0.9 by 0.06-0.08
# (chosen) and irish's best 0.8 or 0.9 within 0.02 of 0.9 (0.9 kept); 10 takes of 8 bars ranked
# bach's temperatures 0.8, 0.6, 0.9 (noise).
MARGIN = 0.02


def choose_temperature(bundle_dir, held_out: Sequence[Any], takes: int, *, emit=None,
                       cancel: CancelToken | None = None) -> dict[str, Any] | None:
    """``{"temperature", "why", "overlap"}`` for the bundle at ``bundle_dir`` against the held-out
    Scores, from ``takes`` takes of :data:`BARS` bars per candidate; None when it cannot say (no
    takes asked for, a model of several styles, too few held-out pieces with notes)."""
    from ..music.features import QUALITY_FEATURES, compare_sets, set_features
    from .bundle import load_bundle
    from .generation import GenerationConfig, generate

    held = [s for s in held_out if s.note_count]
    if takes <= 0 or len(held) < MIN_HELD_OUT:
        return None
    bundle = load_bundle(bundle_dir)
    if getattr(bundle.tokenizer, "style_ids", None):
        return None  # each style would want its own; the app's default stays
    reference = set_features(held)
    overlap: dict[str, float] = {}
    for n, t in enumerate(CANDIDATES):
        made = []
        for i in range(takes):
            if cancel is not None:
                cancel.raise_if_cancelled()
            if emit is not None:
                emit(Stage("calibrating", f"choosing the sampling temperature: takes at {t:g}",
                           n * takes + i, len(CANDIDATES) * takes))
            made.append(generate(bundle, GenerationConfig(bars=BARS, seed=SEED + i, temperature=t)).score)
        oa = compare_sets(set_features(made), reference, QUALITY_FEATURES)
        overlap[f"{t:g}"] = round(float(np.nanmean([oa[k] for k in QUALITY_FEATURES])), 4)
    best = max(CANDIDATES, key=lambda t: (overlap[f"{t:g}"], -abs(t - DEFAULT_TEMPERATURE)))
    if overlap[f"{best:g}"] < overlap[f"{DEFAULT_TEMPERATURE:g}"] + MARGIN:
        best = DEFAULT_TEMPERATURE  # not clearly better: a few short takes are a noisy measure
    listed = ", ".join(f"{k} {v:.3f}" for k, v in overlap.items())
    kept = " (none clearly ahead of the default)" if best == DEFAULT_TEMPERATURE else ""
    return {"temperature": best, "overlap": overlap,
            "why": f"after training, {takes} takes of {BARS} bars per temperature against {len(held)} held-out "
                   f"pieces: mean overlap of the quality features {listed}{kept}"}


def calibrate_bundle(out: Path, tokenizer: Any, config: Any, val_seqs, emit=None,
                     cancel: CancelToken | None = None) -> dict[str, Any] | None:
    """Training's last step: the temperature the bundle at ``out`` suggests, written as its
    ``sampling.json`` (None, and no file, when ``config.calibrate_takes`` is 0, for a model of
    several styles or the seed's BiLSTM, or on a cancel: the bundle is whole, the default stays)."""
    from ..fileio import atomic_write_json
    from .styles import is_styled

    if config.calibrate_takes <= 0 or is_styled(tokenizer) or config.model.arch == "seed-bilstm":
        return None
    if len(val_seqs) > MAX_PIECES:
        val_seqs = [val_seqs[i] for i in np.linspace(0, len(val_seqs) - 1, MAX_PIECES).astype(np.int64)]
    held = [tokenizer.decode([int(t) for t in seq]) for seq in val_seqs]
    try:
        sampling = choose_temperature(out, held, config.calibrate_takes, emit=emit, cancel=cancel)
    except Cancelled:
        return None
    except GenerationError as exc:
        log.warning("no sampling temperature chosen: %s", exc)
        return None
    if sampling is not None:
        atomic_write_json(Path(out) / "sampling.json", sampling)
    return sampling
