"""A model's own sampling suggestion: the temperature its takes sound most like their corpus at.

A bundle may carry ``sampling.json`` (loaded, as every extra, into ``bundle.extras["sampling"]``)::

    {"temperature": 0.8, "why": "benchmarks/quality, 50 takes: ..."}

A ``GenerationConfig`` whose ``temperature`` is None (the default: nobody chose one) takes the
model's suggestion, else :data:`DEFAULT_TEMPERATURE`; a temperature given by the user always wins.
builtin:bach suggests 0.8: at 0.9 its chorale voices leap more than Bach's (mean-interval overlap
0.71 against the held-out chorales, 0.77 at 0.8, quality_ratio unchanged); builtin:irish suggests
1.0: at 0.9 its tunes move a little more stepwise than O'Neill's (overlap 0.79-0.83, 0.85-0.87 at
1.0, quality_ratio 0.93 -> 0.95-0.96; see core.ml.builtin_models).
"""

from __future__ import annotations

import dataclasses
from typing import Any

DEFAULT_TEMPERATURE = 0.9
TEMPERATURE_RANGE = (0.05, 3.0)  # what a suggestion may say (the window's temperature box)


def suggested_temperature(bundle: Any) -> float | None:
    """The bundle's suggested temperature, or None (no suggestion, or not a usable number)."""
    sampling = (getattr(bundle, "extras", None) or {}).get("sampling")
    value = sampling.get("temperature") if isinstance(sampling, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    low, high = TEMPERATURE_RANGE
    return float(value) if low <= float(value) <= high else None


def with_model_defaults(config: Any, bundle: Any) -> Any:
    """``config`` with a temperature: the user's, else the model's suggestion, else the default."""
    if getattr(config, "temperature", None) is not None:
        return config
    return dataclasses.replace(config, temperature=suggested_temperature(bundle) or DEFAULT_TEMPERATURE)
