"""Where user data, caches and logs live (platformdirs), overridable by JUKEBOX_HOME."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "ai-jukebox"
APP_AUTHOR = "AIJukebox"


def _root_override() -> Path | None:
    home = os.environ.get("JUKEBOX_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    """Models, demo corpora, user settings that are files."""
    root = _root_override()
    if root:
        path = root / "data"
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Scan caches, token shards: safe to delete."""
    root = _root_override()
    if root:
        path = root / "cache"
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    root = _root_override()
    if root:
        path = root / "logs"
    else:
        import platformdirs

        path = Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    """Models the user trained."""
    path = data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def repo_root() -> Path:
    """The source checkout (or the installed package's parent, or a PyInstaller app's data folder)."""
    if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):
        return Path(sys._MEIPASS)  # packaging/jukebox.spec puts resources/ and soundfonts/ here
    return Path(__file__).resolve().parents[2]


def resources_dir() -> Path:
    return repo_root() / "resources"


def soundfonts_dir() -> Path:
    return repo_root() / "soundfonts"
