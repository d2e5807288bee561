"""Logging to a rotating file in the user log folder."""

from __future__ import annotations

import logging
import logging.handlers

_configured = False


def setup_logging(level: int = logging.INFO, console: bool = False) -> str:
    """Configure the root logger once; return the log file path."""
    global _configured
    from .paths import log_dir

    path = log_dir() / "jukebox.log"
    if _configured:
        return str(path)
    root = logging.getLogger()
    root.setLevel(level)
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:  # a read-only home must not stop the app
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if console:
        stream = logging.StreamHandler()
        stream.setLevel(logging.WARNING)
        stream.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(stream)
    _configured = True
    return str(path)
