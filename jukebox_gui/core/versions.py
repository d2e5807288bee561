"""Installed versions, for the records a model keeps (bundle config, built-in provenance).

From package metadata only: nothing here imports the packages it names (TensorFlow stays unloaded).
"""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Iterable


def package_versions(distributions: Iterable[str], *, missing: str | None = None) -> dict[str, str]:
    """``{"python": ..., distribution: version}``, in the order given. A distribution that is not
    installed is left out, or recorded as ``missing`` when that is given."""
    found = {"python": platform.python_version()}
    for dist in distributions:
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            if missing is not None:
                found[dist] = missing
    return found
