"""`jukebox-gui`: start the window. ``--smoke`` opens it offscreen for a moment and exits 0.

Nothing heavy happens before the window shows: TensorFlow is imported only by workers (and,
after the window is up, warmed up in a background thread unless ``--no-warmup``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

HEADLESS_HELP = """\
jukebox-gui: no display found (DISPLAY and WAYLAND_DISPLAY are not set).
Ways to run without a screen:
  xvfb-run -a jukebox-gui                   # a virtual X server
  QT_QPA_PLATFORM=offscreen jukebox-gui     # Qt offscreen (nothing is visible)
  jukebox --help                            # the command-line twin: scan, train, generate, render, export
"""


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True  # the user chose a platform (offscreen, xcb, wayland, ...)
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="jukebox-gui", description="AI Jukebox desktop window")
    parser.add_argument("--smoke", action="store_true",
                        help="open the window offscreen, process events for a moment, exit 0")
    parser.add_argument("--smoke-ms", type=int, default=500, help=argparse.SUPPRESS)
    parser.add_argument("--no-warmup", action="store_true", help="do not preload TensorFlow in the background")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to the terminal")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="MIDI files to open as takes, or a folder to use as the corpus "
                             "(the desktop's 'Open With' passes files)")
    return parser.parse_args(argv)


def start_window(paths: list[str], scan: bool = True):
    """Show the main window and open what the command line gave: each MIDI file as a take on the
    Generate page (read in a worker), a folder as the corpus (``MainWindow.open_paths``)."""
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    if paths:
        window.open_paths(paths, scan=scan)
    return window


def corpus_folder(paths: list[str]) -> str | None:
    """The folder a corpus scan would use for ``paths``: a folder, or a MIDI file's folder.
    (The window opens MIDI files as takes now: see ``start_window``.)"""
    from pathlib import Path

    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            return str(path.resolve())
        if path.suffix.lower() in (".mid", ".midi") and path.is_file():
            return str(path.resolve().parent)
    return None


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    if args.smoke:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not has_display():
        print(HEADLESS_HELP, file=sys.stderr, end="")
        return 2

    from ..core.logs import setup_logging

    log_path = setup_logging(logging.DEBUG if args.verbose else logging.INFO, console=args.verbose)
    log = logging.getLogger("jukebox.app")

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from . import crash
    from .style import apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("AI Jukebox")
    app.setOrganizationName("AIJukebox")
    app.setDesktopFileName("io.github.aijukebox.AIJukebox")
    icon = _find_icon()
    if icon:
        app.setWindowIcon(QIcon(icon))
    apply_style(app)
    crash.install(log_path, dialogs=not args.smoke)

    window = start_window(args.paths, scan=not args.smoke)
    shown = time.perf_counter() - started
    log.info("window shown in %.2f s (platform %s)", shown, app.platformName())

    if args.smoke:
        def finish() -> None:
            print(f"jukebox-gui smoke: window shown in {shown:.2f} s, pages: {window.stack.count()}")
            window.close()
            app.quit()

        QTimer.singleShot(max(1, args.smoke_ms), finish)
        return int(app.exec())

    if not args.no_warmup:
        from .workers import warm_up_parsers, warm_up_tensorflow

        QTimer.singleShot(300, warm_up_parsers)  # a scan in the window never waits for it (~0.15 s)
        QTimer.singleShot(1500, warm_up_tensorflow)
    return int(app.exec())


def _find_icon() -> str | None:
    from ..core.paths import resources_dir

    for name in ("icons/hicolor/scalable/apps/io.github.aijukebox.AIJukebox.svg",
                 "icons/hicolor/256x256/apps/io.github.aijukebox.AIJukebox.png"):
        path = resources_dir() / name
        if path.is_file():
            return str(path)
    return None


if __name__ == "__main__":
    sys.exit(main())
