"""Where user data, caches and logs live (platformdirs), overridable by JUKEBOX_HOME."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "ai-jukebox"
APP_AUTHOR = "AIJukebox"


def _user_dir(sub: str, platform_fn: str) -> Path:
    """``$JUKEBOX_HOME/<sub>`` when set, else the platformdirs folder; created on demand."""
    home = os.environ.get("JUKEBOX_HOME")
    if home:
        path = Path(home) / sub
    else:
        import platformdirs

        path = Path(getattr(platformdirs, platform_fn)(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Models, demo corpora, user settings that are files."""
    return _user_dir("data", "user_data_dir")


def cache_dir() -> Path:
    """Scan caches, token shards: safe to delete."""
    return _user_dir("cache", "user_cache_dir")


def log_dir() -> Path:
    return _user_dir("logs", "user_log_dir")


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
