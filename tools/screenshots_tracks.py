"""PNGs of the Generate page with a multi-track take and its tracks panel (issue 18), for people
to look at.

    python tools/screenshots_tracks.py OUT_DIR [--midi FILE.mid] [--seconds 40] [--dark] [--size 1360x860]

Offscreen unless a display is set; a throwaway home folder. It really does the work: the take is
a real multi-track MIDI file (Debian's planetblupi music003, its first ``--seconds``; else a
generated piano / bass / strings / drums score), rendered to stems by the page's Render button.
Writes tracks-1-all (every track heard) and tracks-2-mute-solo (one track muted, one soloed: the
others dimmed in the piano roll).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.screenshots import settle, wait_until  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("--midi", help="a multi-track MIDI file (default: planetblupi music003, else generated)")
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--size", default="1360x860", help="window size WxH")
    parser.add_argument("--dark", action="store_true", help="use the dark colour scheme")
    args = parser.parse_args(argv)

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["JUKEBOX_HOME"] = tempfile.mkdtemp(prefix="jukebox-shots-tracks-")

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication(sys.argv[:1])
    if args.dark:
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
    from benchmarks.stems import _song
    from jukebox_gui.app.main_window import MainWindow
    from jukebox_gui.app.pages.generate_page import TakeEntry
    from jukebox_gui.app.style import apply_style
    from jukebox_gui.core.ml.generation import Take

    apply_style(app)
    errors: list[str] = []
    QMessageBox.warning = lambda *a, **k: errors.append(f"{a[1]}: {a[2]}")  # report, don't block
    window = MainWindow()
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    window.show_page(3)
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-dark" if args.dark else ""

    def shoot(name: str) -> None:
        settle(app)
        if errors:
            raise SystemExit(f"screenshots: an error dialog would show: {errors[0]}")
        path = args.out / f"{name}{suffix}.png"
        window.grab().save(str(path))
        print(f"wrote {path}")

    gen = window.generate_page
    name, score = _song(args.midi, args.seconds)
    gen.add_take(TakeEntry(1, Take(score, [], {}), {"seed": 0}, name))
    rendered: list = []
    gen.rendered.connect(rendered.append)
    gen.render_button.click()
    wait_until(app, lambda: rendered or errors, 300, "the stems")
    gen.transport.seek(args.seconds * 0.6)
    gen.piano_roll.set_playhead(args.seconds * 0.6)
    shoot("tracks-1-all")
    panel = gen.tracks_panel
    panel.set_mute(min(2, len(panel.rows) - 1))
    panel.set_solo(0)
    panel.set_solo(len(panel.rows) - 1)
    panel.set_volume(0, 0.7)
    shoot("tracks-2-mute-solo")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
