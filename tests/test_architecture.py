"""The layering rules, checked by import-linter, and the lazy-TensorFlow promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def test_import_contracts_hold():
    result = subprocess.run([str(LINT), "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_contract_catches_qt_in_core(tmp_path):
    """The contract must fail if someone imports Qt in core (checked on a throwaway copy)."""
    import shutil

    copy = tmp_path / "repo"
    shutil.copytree(REPO / "jukebox_gui", copy / "jukebox_gui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    (copy / "jukebox_gui" / "core" / "sneaky.py").write_text("from PySide6 import QtCore\n")
    result = subprocess.run([str(LINT), "--no-cache"], cwd=copy, capture_output=True, text=True,
                            env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "core never imports Qt" in result.stdout


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=REPO,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    return set(out.stdout.split())


def test_cli_help_lists_commands_and_skips_tensorflow():
    """`jukebox --help` must not pay for TensorFlow (its speed is measured by benchmarks/startup.py)."""
    result = subprocess.run([sys.executable, "-m", "jukebox_gui.cli", "--help"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0
    for command in ("corpus", "scan", "train", "generate", "render", "export", "models"):
        assert command in result.stdout
    mods = _modules_after("import jukebox_gui.cli; jukebox_gui.cli.build_parser()")
    assert "tensorflow" not in mods and "keras" not in mods


def test_no_pickle_in_code_base():
    offenders = []
    for path in list((REPO / "jukebox_gui").rglob("*.py")) + list((REPO / "benchmarks").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("import pickle", "pickle.load", "pickle.dump", "jsonpickle", "safe_mode=False"):
            if needle in text:
                offenders.append(f"{path.relative_to(REPO)}: {needle}")
    assert not offenders, offenders


def test_opening_the_window_does_not_load_tensorflow():
    mods = _modules_after("import jukebox_gui.app.main, jukebox_gui.app.main_window")
    assert "tensorflow" not in mods and "keras" not in mods
