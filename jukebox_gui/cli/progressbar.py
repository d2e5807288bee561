"""A small terminal progress bar fed by core progress events."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class ProgressBar:
    """Call with core ``Progress``-like events (``done``, ``total``, ``message``)."""

    def __init__(self, label: str = "", stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self._last = 0.0
        self._tty = self.stream.isatty()

    def __call__(self, event: Any) -> None:
        done = getattr(event, "done", None)
        total = getattr(event, "total", 0) or 0
        message = getattr(event, "message", "") or ""
        now = time.monotonic()
        final = bool(total) and done == total
        if not final and now - self._last < (0.1 if self._tty else 5.0):
            return
        self._last = now
        if total and done is not None:
            filled = int(self.width * min(1.0, done / total))
            bar = "#" * filled + "-" * (self.width - filled)
            line = f"{self.label} [{bar}] {done}/{total} {message}"
        else:
            line = f"{self.label} {message}"
        if self._tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if final:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()
