"""Find SoundFonts: the bundled one, the system's, and the one the user chose (remembered).

Resolution order for a render: an explicit path > the remembered choice (if it still exists)
> the bundled ``soundfonts/TimGM6mb.sf2`` > the best system SoundFont. The choice lives in a tiny
JSON file under ``paths.data_dir()`` so the CLI and the window share it (the window may mirror it
in QSettings).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..errors import RenderError
from ..fileio import atomic_write_json

BUNDLED_NAME = "TimGM6mb.sf2"
SETTINGS_FILE = "audio-settings.json"
SUFFIXES = (".sf2", ".sf3")

# Folders Debian/Ubuntu/Fedora/Arch packages install SoundFonts into, plus the user's own.
SYSTEM_DIRS = (
    Path("/usr/share/sounds/sf2"),
    Path("/usr/share/sounds/sf3"),
    Path("/usr/share/soundfonts"),
    Path("/usr/local/share/soundfonts"),
    Path("/usr/share/sounds/sf2/fluid"),
)

# Preferred system SoundFonts, best first (file-name stems, case-insensitive).
PREFERRED = ("fluidr3_gm", "musescore_general", "timgm6mb", "generaluser", "default-gm")

INSTALL_ADVICE = (
    "install one (apt install timgm6mb-soundfont or fluid-soundfont-gm) "
    "or choose a .sf2/.sf3 file"
)


@dataclass(frozen=True)
class SoundFontInfo:
    path: Path
    source: str  # "user", "bundled" or "system"

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def size_bytes(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


def user_dirs() -> list[Path]:
    home = Path.home()
    return [home / ".local" / "share" / "soundfonts", home / ".soundfonts"]


def bundled_soundfont() -> Path | None:
    path = paths.soundfonts_dir() / BUNDLED_NAME
    return path if path.is_file() else None


def _rank(path: Path) -> int:
    stem = path.stem.lower()
    for i, name in enumerate(PREFERRED):
        if stem.startswith(name):
            return i
    return len(PREFERRED)


def system_soundfonts(search_dirs: list[Path] | tuple[Path, ...] | None = None) -> list[Path]:
    """SoundFont files in the system (and user) folders, best first, symlink duplicates removed."""
    dirs = list(SYSTEM_DIRS) + user_dirs() if search_dirs is None else list(search_dirs)
    found: dict[Path, Path] = {}
    for folder in dirs:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.suffix.lower() not in SUFFIXES or not entry.is_file():
                continue
            real = entry.resolve()
            # keep the most descriptive name for a file reached through several links
            if real not in found or found[real].name.lower().startswith("default"):
                found[real] = entry
    return sorted(found.values(), key=lambda p: (_rank(p), p.name.lower()))


def discover_soundfonts(search_dirs: list[Path] | None = None) -> list[SoundFontInfo]:
    """Every usable SoundFont: the remembered choice, the bundled one, then the system's."""
    result: list[SoundFontInfo] = []
    seen: set[Path] = set()

    def add(path: Path | None, source: str) -> None:
        if path is None or not path.is_file():
            return
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            result.append(SoundFontInfo(path, source))

    add(load_soundfont_choice(), "user")
    add(bundled_soundfont(), "bundled")
    for path in system_soundfonts(search_dirs):
        add(path, "system")
    return result


def check_soundfont(path: str | os.PathLike) -> Path:
    """Return ``path`` if it looks like a SoundFont (RIFF 'sfbk'), else raise RenderError."""
    sf = Path(path).expanduser()
    if not sf.is_file():
        raise RenderError(f"SoundFont not found: {sf}")
    try:
        with open(sf, "rb") as handle:
            head = handle.read(12)
    except OSError as exc:
        raise RenderError(f"cannot read SoundFont {sf}: {exc.strerror or exc}") from exc
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise RenderError(f"{sf} is not a SoundFont (.sf2/.sf3 files start with RIFF....sfbk)")
    return sf


def resolve_soundfont(explicit: str | os.PathLike | None = None) -> Path:
    """The SoundFont a render should use; RenderError with install advice when there is none."""
    if explicit:
        return check_soundfont(explicit)
    for info in discover_soundfonts():
        return info.path
    raise RenderError(f"no SoundFont found: {INSTALL_ADVICE}")


# ---- the remembered choice -------------------------------------------------------------------
def settings_path() -> Path:
    return paths.data_dir() / SETTINGS_FILE


def _read_settings() -> dict:
    try:
        data = json.loads(settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_soundfont_choice() -> Path | None:
    """The SoundFont the user chose last, or None (unset, or the file has gone)."""
    value = _read_settings().get("soundfont")
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    return path if path.is_file() else None


def save_soundfont_choice(path: str | os.PathLike | None) -> None:
    """Remember ``path`` (checked to be a SoundFont) as the user's choice; None forgets it."""
    data = _read_settings()
    if path is None:
        data.pop("soundfont", None)
    else:
        data["soundfont"] = str(check_soundfont(path).resolve())
    atomic_write_json(settings_path(), data)
