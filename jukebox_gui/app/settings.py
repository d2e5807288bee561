"""GUI preferences in QSettings (domain configs live in JSON, not here).

One small wrapper so pages never spell keys by hand. A ``settings/version`` key lets later
versions migrate old keys; under ``JUKEBOX_HOME`` (tests) the settings are an INI file there,
so tests never touch the user's real preferences.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_VERSION = 2
MAX_RECENT = 8


def _open_qsettings() -> QSettings:
    home = os.environ.get("JUKEBOX_HOME")
    if home:
        Path(home).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(home) / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings("AIJukebox", "ai-jukebox")


class Settings:
    """Typed access to the window's preferences."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings if qsettings is not None else _open_qsettings()
        self.migrate()

    # ---- migration -----------------------------------------------------------------------
    def migrate(self) -> None:
        version = self._int("settings/version", 0)
        if version < 1 and self.q.contains("recent"):
            # version 0 stored recent folders under a bare "recent" key
            self.set_recent_folders(self._list("recent"))
            self.q.remove("recent")
        if version < 2 and self.q.contains("window/geometry_v0"):
            self.q.remove("window/geometry_v0")
        if version != SETTINGS_VERSION:
            self.q.setValue("settings/version", SETTINGS_VERSION)

    # ---- helpers -------------------------------------------------------------------------
    def _int(self, key: str, default: int) -> int:
        try:
            return int(self.q.value(key, default))
        except (TypeError, ValueError):
            return default

    def _list(self, key: str) -> list[str]:
        value = self.q.value(key, [])
        if value is None:
            return []
        if isinstance(value, str):
            return [value] if value else []
        return [str(v) for v in value]

    def value(self, key: str, default: Any = None) -> Any:
        return self.q.value(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.q.setValue(key, value)

    def sync(self) -> None:
        self.q.sync()

    # ---- recent folders ------------------------------------------------------------------
    def recent_folders(self) -> list[str]:
        return self._list("corpus/recent")

    def add_recent_folder(self, folder: str) -> list[str]:
        folders = [folder] + [f for f in self.recent_folders() if f != folder]
        self.set_recent_folders(folders[:MAX_RECENT])
        return self.recent_folders()

    def set_recent_folders(self, folders: list[str]) -> None:
        self.q.setValue("corpus/recent", list(folders))

    # ---- window layout -------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self.q.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def state(self) -> QByteArray | None:
        value = self.q.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save_window(self, geometry: QByteArray, state: QByteArray, page: int) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)
        self.q.setValue("window/page", page)

    def last_page(self) -> int:
        return self._int("window/page", 0)

    # ---- audio ---------------------------------------------------------------------------
    def soundfont(self) -> str:
        return str(self.q.value("audio/soundfont", "") or "")

    def set_soundfont(self, path: str) -> None:
        self.q.setValue("audio/soundfont", path)

    # ---- export --------------------------------------------------------------------------
    def export_folder(self) -> str:
        return str(self.q.value("export/folder", "") or str(Path.home()))

    def set_export_folder(self, folder: str) -> None:
        self.q.setValue("export/folder", folder)
