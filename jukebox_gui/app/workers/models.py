"""Listing the models: built-in and trained bundles with their figures (core.ml.bundle.list_models)."""

from __future__ import annotations

from .threads import Worker


def list_models_worker() -> Worker:
    def job(progress, cancel):
        from ...core.ml.bundle import list_models

        return list_models()

    return Worker("models", job)
