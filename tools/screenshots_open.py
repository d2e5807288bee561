"""PNGs of opening a MIDI file as a take and of the SoundFont dialog (issue 18), for people to look at.

    python tools/screenshots_open.py OUT_DIR [--midi FILE.mid] [--dark] [--size 1360x860]

Offscreen unless a display is set; a throwaway home folder, so no real takes or settings change.
It really does the work: opens the file through ``MainWindow.open_paths`` (a parser process),
renders it with FluidSynth, then opens a damaged file (the message bar), and shows Settings >
SoundFont… after a test load, and again after a refused file. Default MIDI: music21's 4-track
``testPrimitive/test02.mid``. Writes open-1-take, open-2-refused, open-3-soundfont and
open-4-soundfont-refused.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.screenshots import settle, wait_until  # noqa: E402


def default_midi() -> Path:
    import music21

    return Path(music21.__file__).parent / "midi" / "testPrimitive" / "test02.mid"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("--midi", type=Path, help="the MIDI file to open (default: music21's test02.mid)")
    parser.add_argument("--size", default="1360x860", help="window size WxH")
    parser.add_argument("--dark", action="store_true", help="use the dark colour scheme")
    args = parser.parse_args(argv)

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="jukebox-shots-open-"))
    os.environ["JUKEBOX_HOME"] = str(home)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication(sys.argv[:1])
    if args.dark:
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
    from jukebox_gui.app.main_window import MainWindow
    from jukebox_gui.app.style import apply_style
    from jukebox_gui.core.audio.soundfonts import bundled_soundfont

    apply_style(app)
    errors: list[str] = []
    QMessageBox.warning = lambda *a, **k: errors.append(f"{a[1]}: {a[2]}")  # report, don't block
    window = MainWindow()
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-dark" if args.dark else ""

    def shoot(name: str, widget=None) -> None:
        settle(app)
        if errors:
            raise SystemExit(f"screenshots: an error dialog would show: {errors[0]}")
        path = args.out / f"{name}{suffix}.png"
        (widget or window).grab().save(str(path))
        print(f"wrote {path}")

    gen = window.generate_page
    midi = args.midi or default_midi()
    opened: list = []
    window.opener.opened.connect(opened.extend)
    window.open_paths([str(midi)])
    wait_until(app, lambda: opened or errors or window.notice.isVisible(), 120, f"{midi.name} to open")
    if not opened:
        raise SystemExit(f"screenshots: {midi} did not open: {window.notice.text()}")
    rendered: list = []
    gen.rendered.connect(rendered.append)
    gen.render_button.click()
    wait_until(app, lambda: rendered or errors, 300, "the audio")
    gen.transport.seek(4.0)
    gen.piano_roll.set_playhead(4.0)
    shoot("open-1-take")

    damaged = home / "damaged.mid"
    damaged.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\xff\xff\xff\xff" + bytes(range(256)) * 4)
    problems: list = []
    window.opener.problems.connect(problems.extend)
    window.open_paths([str(damaged)])
    wait_until(app, lambda: problems or errors, 120, "the damaged file's message")
    shoot("open-2-refused")
    window.notice.dismiss()

    dialog = window.show_soundfont_dialog()
    wait_until(app, lambda: dialog.ok_button.isEnabled() or errors, 120, "the SoundFont test load")
    if bundled_soundfont() is not None:  # a second entry, as a user's own file would show
        mine = home / "MyOrchestra.sf2"
        mine.write_bytes(bundled_soundfont().read_bytes())
        tested: list = []
        dialog.tested.connect(tested.append)
        dialog.try_file(str(mine))
        wait_until(app, lambda: tested or errors, 120, "the second test load")
        dialog.list.setCurrentRow(0)
        wait_until(app, lambda: dialog.ok_button.isEnabled(), 60, "the bundled one selected")
    shoot("open-3-soundfont", dialog)
    renamed = home / "Renamed-text.sf2"
    renamed.write_text("not a SoundFont\n" * 40)
    tested = []
    dialog.tested.connect(tested.append)
    dialog.try_file(str(renamed))
    wait_until(app, lambda: tested or errors, 120, "the refused test load")
    shoot("open-4-soundfont-refused", dialog)
    dialog.reject()

    window.close()
    print(f"screenshots in {args.out} (throwaway home {home})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
