"""Logging to a rotating file in the user log folder."""

from __future__ import annotations

import logging
import logging.handlers

_file_handler: logging.Handler | None = None
_file_path: str | None = None
_console: logging.Handler | None = None


def setup_logging(level: int = logging.INFO, console: bool = False) -> str:
    """Send log records to ``<log dir>/jukebox.log`` (rotating); return that path.

    Calling it again is cheap; it re-targets the file if the log folder changed
    (JUKEBOX_HOME differs) and adds a terminal handler when ``console`` is asked for.
    """
    global _file_handler, _file_path, _console
    from .paths import log_dir

    path = str(log_dir() / "jukebox.log")
    root = logging.getLogger()
    root.setLevel(level)
    if path != _file_path:
        if _file_handler is not None:
            root.removeHandler(_file_handler)
            _file_handler.close()
        try:
            handler: logging.Handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
            )
        except OSError:  # a read-only home must not stop the app
            handler = logging.NullHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        _file_handler, _file_path = handler, path
    if console and _console is None:
        _console = logging.StreamHandler()
        _console.setLevel(logging.WARNING)
        _console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(_console)
    return path
