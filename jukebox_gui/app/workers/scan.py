"""Scanning a corpus: a folder or ``demo:NAME`` -> a CorpusReport (core.data.scan)."""

from __future__ import annotations

from .threads import Worker


def scan_worker(source: str) -> Worker:
    def job(progress, cancel):
        from ...core.data.scan import scan

        return scan(source, progress=progress, cancel=cancel)

    return Worker("scan", job)
