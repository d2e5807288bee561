"""Start-up speed: `jukebox --help` and the window appearing (TensorFlow must not be on that path).

Targets (issue 2 / issue 7): `jukebox --help` under 1 s, the window shown under 2 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _time(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[1:])} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return time.perf_counter() - start, result.stdout


def main(argv: list[str]) -> dict:
    runs = int(argv[0]) if argv else 5
    home = tempfile.mkdtemp(prefix="jukebox-startup-")
    env = {**os.environ, "JUKEBOX_HOME": home, "QT_QPA_PLATFORM": "offscreen"}
    help_s, shown_s, tf_import_s = [], [], []
    for _ in range(runs):
        help_s.append(_time([sys.executable, "-m", "jukebox_gui.cli", "--help"], env)[0])
        _, out = _time([sys.executable, "-m", "jukebox_gui.app.main", "--smoke", "--smoke-ms", "100"], env)
        shown_s.append(float(out.split("window shown in ")[1].split(" s")[0]))
    for _ in range(2):
        tf_import_s.append(_time([sys.executable, "-c", "import tensorflow"], env)[0])
    return {
        "cli_help_s": round(statistics.median(help_s), 3),
        "window_shown_s": round(statistics.median(shown_s), 3),
        "tensorflow_import_s": round(statistics.median(tf_import_s), 3),
        "startup_speedup": round(statistics.median(tf_import_s) / statistics.median(shown_s), 2),
        "targets": {"cli_help_s": 1.0, "window_shown_s": 2.0},
        "runs": runs,
        "load_average": os.getloadavg()[0],
    }
