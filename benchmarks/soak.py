"""A long window session: ``--cycles`` (200) generate → render → export cycles in ONE offscreen
window, through the page's own buttons' code paths (worker threads, takes kept on disk, the
player loaded, the export worker), with a built-in model.

Reports the resident memory (RSS) and open file descriptors after a warm-up (``--warmup`` cycles:
TensorFlow, the model and FluidSynth loaded) and at the end; the growth between the two is what a
long session leaks. Targets (issue 22): RSS growth < 100 MB over 200 cycles, no growth in open
files. Exports rotate MIDI, MusicXML and WAV into one temporary folder (each overwrites its last).

    python -m benchmarks soak [--cycles 200] [--bars 4] [--model builtin:irish] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

EXPORT_KINDS = ("midi", "musicxml", "wav")


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; ru_maxrss elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def open_fds() -> int:
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder)) - 1  # minus the listing's own descriptor
        except OSError:
            continue
    return -1


def _wait(app, worker, timeout_s: float, what: str):
    """Run the event loop until ``worker`` finishes; returns its result or raises with its error."""
    from PySide6.QtCore import QEventLoop, QTimer

    outcome: dict = {}
    loop = QEventLoop()
    worker.finished.connect(lambda result: (outcome.setdefault("result", result), loop.quit()))
    worker.failed.connect(lambda message: (outcome.setdefault("error", message), loop.quit()))
    worker.cancelled.connect(lambda: (outcome.setdefault("error", "cancelled"), loop.quit()))
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    if not worker.is_running() and not outcome:
        app.processEvents()  # finished before we connected: its queued signals are delivered here
    if not outcome:
        loop.exec()
    app.processEvents()  # let the page's own slots for the same signals run
    if "error" in outcome:
        raise RuntimeError(f"soak: {what} failed: {outcome['error']}")
    if "result" not in outcome:
        raise RuntimeError(f"soak: {what} did not finish within {timeout_s:.0f} s")
    return outcome["result"]


def _measure() -> tuple[float, int]:
    gc.collect()
    return rss_mb(), open_fds()


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=200, help="generate-render-export cycles (default 200)")
    parser.add_argument("--warmup", type=int, default=3, help="cycles before the first measurement")
    parser.add_argument("--bars", type=int, default=4, help="length of each take")
    parser.add_argument("--model", default="builtin:irish")
    parser.add_argument("--quick", action="store_true", help="10 cycles, 2 warm-up: a check that it runs")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one step may take")
    args = parser.parse_args(argv)
    if args.quick:
        args.cycles, args.warmup = 10, 2
    if args.cycles < 1 or not 0 <= args.warmup < args.cycles:
        parser.error("need --cycles >= 1 and 0 <= --warmup < --cycles")

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="jukebox-soak-")
    os.environ["JUKEBOX_HOME"] = home  # takes and settings go to a throwaway folder
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    errors: list[str] = []
    QMessageBox.warning = staticmethod(lambda _parent, title, text, *a, **k: errors.append(f"{title}: {text}"))

    from jukebox_gui.app.main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 820)
    window.show()
    window.show_page(3)
    page = window.generate_page
    page.select_model(args.model)
    page.bars_spin.setValue(args.bars)
    out = Path(home) / "exports"
    out.mkdir()

    started = time.perf_counter()
    samples = []  # (cycle, rss_mb, open_fds) after each measured cycle
    first = None
    step_s = {"generate": 0.0, "render": 0.0, "export": 0.0}
    for cycle in range(args.cycles):
        page.seed_spin.setValue(1000 + cycle)
        t0 = time.perf_counter()
        page.generate()
        if page.worker is None:
            raise RuntimeError(f"soak: the Generate button did nothing (model {args.model!r})")
        _wait(app, page.worker, args.timeout, f"generation {cycle + 1}")
        t1 = time.perf_counter()
        page.render()
        _wait(app, page.render_job, args.timeout, f"render {cycle + 1}")
        t2 = time.perf_counter()
        kind = EXPORT_KINDS[cycle % len(EXPORT_KINDS)]
        suffix = {"midi": ".mid", "musicxml": ".musicxml", "wav": ".wav"}[kind]
        exporter = page.export(kind, str(out / f"soak{suffix}"))
        _wait(app, exporter, args.timeout, f"export {kind} {cycle + 1}")
        t3 = time.perf_counter()
        if errors:
            raise RuntimeError(f"soak: the window reported an error in cycle {cycle + 1}: {errors[0]}")
        if cycle + 1 >= args.warmup:
            for key, seconds in zip(step_s, (t1 - t0, t2 - t1, t3 - t2)):
                step_s[key] += seconds
            rss, fds = _measure()
            if first is None:
                first = (cycle + 1, rss, fds)
            samples.append((cycle + 1, rss, fds))

    wall = time.perf_counter() - started
    kept = len(page.takes_panel.store.takes(page.session)) if page.takes_panel.store else 0
    listed = len(page.takes)
    window.close()
    app.processEvents()
    last = samples[-1]
    measured = max(1, len(samples) - 1)
    peak_rss = max(s[1] for s in samples)
    return {
        "cycles": args.cycles,
        "warmup_cycles": args.warmup,
        "bars": args.bars,
        "model": args.model,
        "rss_start_mb": round(first[1], 1),
        "rss_end_mb": round(last[1], 1),
        "rss_peak_mb": round(peak_rss, 1),
        "rss_growth_mb": round(last[1] - first[1], 1),
        "open_fds_start": first[2],
        "open_fds_end": last[2],
        "open_fds_growth": last[2] - first[2],
        "takes_listed": listed,
        "takes_kept_on_disk": kept,
        "seconds": round(wall, 1),
        "mean_step_s": {k: round(v / measured, 3) for k, v in step_s.items()},
        "targets": {"rss_growth_mb": 100, "open_fds_growth": 0},
        "load_average": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(main(sys.argv[1:])))
