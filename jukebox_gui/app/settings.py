"""GUI preferences in QSettings (domain configs live in JSON, not here).

One small wrapper so pages never spell keys by hand. A ``settings/version`` key lets later
versions migrate old keys; under ``JUKEBOX_HOME`` (tests) the settings are an INI file there,
so tests never touch the user's real preferences.

Every getter survives garbage (a hand-edited or damaged settings file): a value of the wrong
type or out of range falls back to its default, and the getters that matter to the user say so
in ``problems`` (the window shows them), never raise. The session keys (``session/*``) hold what
the window reopens with: the last corpus (with the Corpus page's styles beside it and its own style
name), model, generation settings and selected take, and a ``running`` marker set while a window
is open, so a start that finds it set knows the last one crashed.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_VERSION = 2
MAX_RECENT = 8
MAX_STYLES = 64  # corpora beside the chosen one that a session keeps
PRUNE_CHOICES = (0, 7, 30, 90, 365)  # days an unstarred session is kept; 0: never prune

# generation setting: (type, lowest, highest, may be None); the Generate page's ranges
GENERATION_FIELDS: dict[str, tuple[type, float, float, bool]] = {
    "bars": (int, 1, 512, False),
    "temperature": (float, 0.05, 3.0, False),
    "top_p": (float, 0.0, 1.0, True),
    "top_k": (int, 0, 1000, True),
    "seed": (int, 0, 2**31 - 1, False),
    "primer": (str, 0, 4096, True),
    "primer_bars": (int, 1, 64, True),
    "tempo": (float, 0.0, 300.0, True),
    "program": (int, 0, 127, True),
    "instruments": (str, 0, 200, True),
    "style": (str, 0, 200, True),
    "form": (str, 0, 512, True),
    "section_bars": (int, 1, 64, True),
    "form_fill": (bool, 0, 1, False),
}


@dataclass
class SessionState:
    """What the window had open when it last saved: restored on the next start."""

    corpus: str = ""
    styles: list[str] = field(default_factory=list)  # NAME=SOURCE of the corpora beside it (Corpus page)
    style_name: str = ""  # the corpus's own style name ("": its folder's or demo's)
    model: str = ""
    generation: dict[str, Any] = field(default_factory=dict)  # only the fields that were valid
    take: str = ""  # a takes_store take id, "SESSION/NNNN"
    page: int = 0

    def is_empty(self) -> bool:
        return not (self.corpus or self.model or self.generation or self.take)  # styles go with a corpus

    def describe(self) -> str:
        parts = []
        if self.corpus:
            beside = f" with {len(self.styles)} more as styles" if self.styles else ""
            parts.append(f"corpus {self.corpus}{beside}")
        if self.model:
            parts.append(f"model {self.model.split('/')[-1]}")
        if self.generation:
            parts.append("generation settings")
        if self.take:
            parts.append("the selected take")
        return ", ".join(parts)


def _clean_generation_value(name: str, value: Any) -> tuple[bool, Any]:
    """(ok, value) for one saved generation setting, checked against GENERATION_FIELDS."""
    kind, low, high, nullable = GENERATION_FIELDS[name]
    if value is None:
        return nullable, None
    if kind is str:
        return (isinstance(value, str) and len(value) <= high), value
    if kind is bool:
        return isinstance(value, bool), value if isinstance(value, bool) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False, None
    if kind is int and (not float(value).is_integer()):
        return False, None
    if not math.isfinite(float(value)) or not low <= value <= high:
        return False, None
    return True, kind(value)


def _clean_style_spec(spec: Any) -> bool:
    """A saved style beside the corpus: ``NAME=SOURCE`` with a name core takes."""
    if not isinstance(spec, str) or len(spec) > 4096 or "\0" in spec or "=" not in spec:
        return False
    from ..core.data.styles import parse_source
    from ..core.errors import JukeboxError

    try:
        return parse_source(spec).spec() == spec
    except JukeboxError:
        return False


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
        self.problems: list[str] = []  # what could not be read (defaults used), for the window
        if self.q.status() != QSettings.Status.NoError:
            self.problems.append(f"The settings file {self.q.fileName()} could not be read; the defaults are used.")
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
        except (TypeError, ValueError, OverflowError):
            return default

    def _bool(self, key: str, default: bool) -> bool:
        value = self.q.value(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
            return value.lower() in ("true", "1")
        return default

    def _str(self, key: str, default: str = "", max_len: int = 4096) -> str:
        value = self.q.value(key, default)
        if not isinstance(value, str) or len(value) > max_len or "\0" in value:
            if value not in (None, ""):
                self.problems.append(f"The saved setting {key} could not be read; it was left empty.")
            return default
        return value

    def _list(self, key: str) -> list[str]:
        value = self.q.value(key, [])
        if value is None:
            return []
        if isinstance(value, str):
            return [value] if value else []
        if not isinstance(value, (list, tuple)):
            return []
        return [v for v in value if isinstance(v, str) and v]

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
        """The SoundFont the window renders with; "" = the default (the CLI's remembered choice,
        else the bundled one). Chosen in Settings > SoundFont… (``soundfont_dialog``)."""
        return self._str("audio/soundfont")

    def set_soundfont(self, path: str) -> None:
        self.q.setValue("audio/soundfont", path)

    # ---- export --------------------------------------------------------------------------
    def export_folder(self) -> str:
        return str(self.q.value("export/folder", "") or str(Path.home()))

    def set_export_folder(self, folder: str) -> None:
        self.q.setValue("export/folder", folder)

    # ---- the session the window reopens with ----------------------------------------------
    def begin_session(self) -> bool:
        """Mark a window as running. True when the previous one never ended cleanly (a crash,
        a kill or a power cut): its ``running`` marker is still set."""
        crashed = self._bool("session/running", False)
        self.q.setValue("session/running", True)
        self.q.sync()
        return crashed

    def end_session(self) -> None:
        """A clean end: the next start restores the session without asking."""
        self.q.setValue("session/running", False)
        self.q.sync()

    def session_state(self) -> SessionState:
        return SessionState(corpus=self._str("session/corpus"), styles=self.corpus_styles(),
                            style_name=self.corpus_style_name(), model=self._str("session/model"),
                            generation=self.generation_settings(), take=self._str("session/take", max_len=200),
                            page=self.last_page())

    def set_last_corpus(self, source: str) -> None:
        self.q.setValue("session/corpus", str(source or ""))

    def set_last_styles(self, specs: list[str], style_name: str = "") -> None:
        """The corpora beside the corpus (``NAME=SOURCE``) and the corpus's own style name."""
        self.q.setValue("session/styles", json.dumps([str(s) for s in specs]))
        self.q.setValue("session/style_name", str(style_name or ""))

    def _saved_json(self, key: str) -> tuple[bool, Any]:
        """(whether ``key`` holds anything, its JSON value or None when it is not JSON text)."""
        raw = self.q.value(key, "")
        if raw in (None, ""):
            return False, None
        try:
            return True, json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            return True, None

    def corpus_styles(self) -> list[str]:
        """The saved styles beside the corpus: only specs with a name core takes, each name once;
        anything else is said in ``problems`` and left out."""
        saved, data = self._saved_json("session/styles")
        if not saved:
            return []
        if not isinstance(data, list):
            self.problems.append("The saved styles beside the corpus could not be read; none were restored.")
            return []
        kept: list[str] = []
        names: set[str] = set()
        for spec in data[:MAX_STYLES]:
            name = spec.partition("=")[0] if _clean_style_spec(spec) else None
            if name is not None and name not in names:
                kept.append(spec)
                names.add(name)
        if len(kept) < len(data):
            self.problems.append(f"{len(data) - len(kept)} of the saved styles beside the corpus could not be read; "
                                 "they were left out.")
        return kept

    def corpus_style_name(self) -> str:
        """The corpus's own style name ("" = its folder's); one core would refuse is said and dropped."""
        from ..core.data.tokenizer import STYLE_NAME

        name = self._str("session/style_name", max_len=200)
        if name and not STYLE_NAME.fullmatch(name):
            self.problems.append("The saved setting session/style_name could not be read; it was left empty.")
            return ""
        return name

    def set_last_model(self, reference: str | None) -> None:
        self.q.setValue("session/model", str(reference or ""))

    def set_last_take(self, take_id: str | None) -> None:
        self.q.setValue("session/take", str(take_id or ""))

    def generation_settings(self) -> dict[str, Any]:
        """The last generation settings: only fields that are valid; anything else is said in
        ``problems`` and left to the page's default."""
        saved, data = self._saved_json("session/generation")
        if not saved:
            return {}
        if not isinstance(data, dict):
            self.problems.append("The saved generation settings could not be read; the defaults are used.")
            return {}
        clean, bad = {}, []
        for name, value in data.items():
            if name not in GENERATION_FIELDS:
                continue  # a setting of another version: ignored
            ok, value = _clean_generation_value(name, value)
            if ok:
                clean[name] = value
            else:
                bad.append(name)
        if bad:
            self.problems.append(f"Some saved generation settings were not valid ({', '.join(sorted(bad))}); "
                                 "their defaults are used.")
        return clean

    def set_generation_settings(self, settings: dict[str, Any]) -> None:
        kept = {k: v for k, v in settings.items() if k in GENERATION_FIELDS}
        self.q.setValue("session/generation", json.dumps(kept, sort_keys=True))

    # ---- kept takes ------------------------------------------------------------------------
    def prune_days(self) -> int:
        """Days an unstarred session of takes is kept (0: never pruned, the default)."""
        days = self._int("takes/prune_days", -1)
        if days not in PRUNE_CHOICES:
            if self.q.contains("takes/prune_days"):
                self.problems.append("The saved setting for deleting old takes was not valid; "
                                     "old takes are kept (never deleted).")
                self.q.remove("takes/prune_days")
            return 0
        return days

    def set_prune_days(self, days: int) -> None:
        if days not in PRUNE_CHOICES:
            raise ValueError(f"prune days must be one of {PRUNE_CHOICES}")
        self.q.setValue("takes/prune_days", int(days))
