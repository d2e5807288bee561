"""Packaging and desktop integration: icons, .desktop, metainfo, install scripts, PyInstaller spec."""

from __future__ import annotations

import ast
import configparser
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APP_ID = "io.github.aijukebox.AIJukebox"
RESOURCES = REPO / "resources"
PACKAGING = REPO / "packaging"
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
ICONS = RESOURCES / "icons" / "hicolor"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def _png_header(path: Path) -> tuple[int, int, int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


# --- .desktop and metainfo ---------------------------------------------------------------------


def test_desktop_file_validates():
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate not installed (apt-get install desktop-file-utils)")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_desktop_file_keys():
    entry = _desktop_entry(DESKTOP)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "AI Jukebox"
    assert entry["Exec"] == "jukebox-gui %F"
    assert entry["Icon"] == APP_ID
    assert entry["Categories"].split(";")[:4] == ["AudioVideo", "Audio", "Midi", "Music"]
    assert {"audio/midi", "audio/x-midi"} <= set(entry["MimeType"].split(";"))
    assert "MIDI" in entry["Keywords"].split(";")
    assert entry["Terminal"] == "false"


def test_metainfo_validates():
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli not installed (apt-get install appstream)")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # nothing worse than info/pedantic notes
    assert not [line for line in result.stdout.splitlines() if line[:2] in ("E:", "W:")], result.stdout


def test_metainfo_fields_match_the_desktop_file():
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "GPL-2.0-or-later"
    assert root.findtext("name") == _desktop_entry(DESKTOP)["Name"]
    assert root.findtext("summary")
    assert root.find("description/p") is not None
    launchable = root.find("launchable")
    assert launchable.get("type") == "desktop-id" and launchable.text == DESKTOP.name
    assert root.find("content_rating").get("type").startswith("oars-")
    assert root.find("url[@type='homepage']").text.startswith("https://")
    versions = [r.get("version") for r in root.findall("releases/release")]
    import jukebox_gui

    assert jukebox_gui.__version__ in versions


# --- icons -------------------------------------------------------------------------------------


def test_svg_icon_is_square_xml():
    svg = ICONS / "scalable" / "apps" / f"{APP_ID}.svg"
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert root.get("viewBox") == "0 0 512 512"


@pytest.mark.parametrize("size", SIZES)
def test_png_icon_has_its_size(size):
    png = ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    width, height, depth, colour = _png_header(png)
    assert (width, height) == (size, size)
    assert depth == 8 and colour == 6  # 8-bit RGBA: a transparent background


def test_png_icons_are_not_blank():
    from PySide6.QtGui import QImage

    image = QImage(str(ICONS / "48x48" / "apps" / f"{APP_ID}.png"))
    assert not image.isNull()
    corner = image.pixelColor(0, 0)
    middle = image.pixelColor(24, 24)
    assert corner.alpha() == 0  # transparent outside the cabinet
    assert middle.alpha() == 255


# --- install / uninstall scripts ---------------------------------------------------------------


def _run_script(name: str, home: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_DATA_HOME", "JUKEBOX_GUI_BIN")}
    env.update(HOME=str(home), **extra_env)
    return subprocess.run(
        ["bash", str(PACKAGING / name), *args], capture_output=True, text=True, env=env, timeout=60
    )


def _installed_files(home: Path) -> list[Path]:
    return sorted(p for p in home.rglob(f"{APP_ID}*") if p.is_file())


def test_install_desktop_then_uninstall(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = _run_script("install-desktop.sh", home)
    assert result.returncode == 0, result.stderr
    share = home / ".local" / "share"
    desktop = share / "applications" / f"{APP_ID}.desktop"
    entry = _desktop_entry(desktop)
    venv_bin = REPO / ".venv" / "bin" / "jukebox-gui"
    assert entry["Exec"] == f'"{venv_bin}" %F'
    assert entry["TryExec"] == str(venv_bin)
    assert entry["Icon"] == APP_ID
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").read_bytes() == METAINFO.read_bytes()
    for size in SIZES:
        icon = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert _png_header(icon)[:2] == (size, size)
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert len(_installed_files(home)) == len(SIZES) + 3
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout

    result = _run_script("uninstall-desktop.sh", home)
    assert result.returncode == 0, result.stderr
    assert _installed_files(home) == []


def test_install_desktop_honours_xdg_data_home_and_a_custom_binary(tmp_path):
    home, data = tmp_path / "home", tmp_path / "my data"
    home.mkdir()
    binary = tmp_path / "with space" / "jukebox-gui"
    result = _run_script("install-desktop.sh", home, XDG_DATA_HOME=str(data), JUKEBOX_GUI_BIN=str(binary))
    assert result.returncode == 0, result.stderr
    assert "not an executable yet" in result.stderr  # warns, still installs
    entry = _desktop_entry(data / "applications" / f"{APP_ID}.desktop")
    assert entry["Exec"] == f'"{binary}" %F'
    assert not (home / ".local").exists()
    assert _run_script("uninstall-desktop.sh", home, XDG_DATA_HOME=str(data)).returncode == 0
    assert _installed_files(data) == []


def test_install_desktop_rejects_unknown_options(tmp_path):
    result = _run_script("install-desktop.sh", tmp_path, "--bogus")
    assert result.returncode == 2
    assert "unknown option" in result.stderr
    assert not (tmp_path / ".local").exists()


# --- PyInstaller spec and frozen-app support ---------------------------------------------------


def test_spec_parses_and_builds_both_programs():
    spec = (PACKAGING / "jukebox.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec)
    calls = {
        node.func.id: node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= set(calls)
    names = {
        kw.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "EXE"
        for kw in node.keywords
        if kw.arg == "name"
    }
    assert names == {"jukebox-gui", "jukebox"}
    for needed in ("tensorflow", "keras", "soundfonts", "resources", "music21", "symusic", "miditok"):
        assert needed in spec


@pytest.mark.parametrize(
    "script, module, function",
    [("gui_main.py", "jukebox_gui.app.main", "main"), ("cli_main.py", "jukebox_gui.cli", "main")],
)
def test_entry_scripts_call_the_pip_entry_points(script, module, function):
    tree = ast.parse((PACKAGING / script).read_text(encoding="utf-8"))
    imports = [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    assert (module, function) in imports
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    entry_points = {**scripts["scripts"], **scripts["gui-scripts"]}
    assert f"{module}:{function}" in entry_points.values()


def test_cli_entry_script_runs_help():
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "cli_main.py"), "--help"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: jukebox" in result.stdout


def test_repo_root_is_meipass_when_frozen(tmp_path):
    code = (
        "import sys; sys.frozen = True; sys._MEIPASS = sys.argv[1];"
        "from jukebox_gui.core import paths;"
        "print(paths.repo_root()); print(paths.soundfonts_dir())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.split("\n")
    assert Path(out[0]) == tmp_path
    assert Path(out[1]) == tmp_path / "soundfonts"


def test_fluidsynth_runtime_hook_prefers_the_bundled_library(tmp_path):
    fake = tmp_path / "libfluidsynth.so.3"
    fake.write_bytes(b"")
    code = (
        "import sys, runpy; sys._MEIPASS = sys.argv[1];"
        f"runpy.run_path({str(PACKAGING / 'rthook_fluidsynth.py')!r});"
        "import ctypes.util;"
        "print(ctypes.util.find_library('fluidsynth'));"
        "print(ctypes.util.find_library('libfluidsynth-3'));"
        "print(ctypes.util.find_library('c'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == str(fake) and out[1] == str(fake)
    assert out[2].startswith("libc.so")  # other libraries still come from the system


# --- the launcher's Exec=jukebox-gui %F --------------------------------------------------------


def test_corpus_folder_for_open_with_paths(tmp_path):
    from jukebox_gui.app.main import corpus_folder

    song = tmp_path / "tunes" / "song.MID"
    song.parent.mkdir()
    song.write_bytes(b"MThd")
    assert corpus_folder([str(song)]) == str(song.parent)
    assert corpus_folder([str(tmp_path / "missing.mid"), str(song.parent)]) == str(song.parent)
    assert corpus_folder([str(tmp_path / "notes.txt")]) is None
    assert corpus_folder([]) is None


def test_window_accepts_a_file_from_the_desktop_launcher(tmp_path, midi_bytes):
    song = tmp_path / "song.mid"
    song.write_bytes(midi_bytes())
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "JUKEBOX_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-m", "jukebox_gui.app.main", "--smoke", "--smoke-ms", "50", str(song)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "smoke: window shown" in result.stdout


def test_png_icons_match_the_svg():
    """Edited the SVG? Run `.venv/bin/python packaging/render_icons.py` to refresh the PNGs."""
    import runpy

    from PySide6.QtGui import QImage

    render_image = runpy.run_path(str(PACKAGING / "render_icons.py"))["render_image"]
    for size in (32, 256):
        fresh = render_image(size).convertToFormat(QImage.Format.Format_ARGB32)
        stored = QImage(str(ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
        stored = stored.convertToFormat(QImage.Format.Format_ARGB32)
        worst = max(
            abs(a - b)
            for y in range(0, size, max(1, size // 32))
            for x in range(0, size, max(1, size // 32))
            for a, b in zip(fresh.pixelColor(x, y).getRgb(), stored.pixelColor(x, y).getRgb())
        )
        assert worst <= 2, f"{size}px PNG differs from the SVG by {worst}"
