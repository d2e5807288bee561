"""Write PNGs of every page of the window in a realistic state, for people to look at.

    python tools/screenshots.py OUT_DIR [--corpus demo:irish] [--epochs 3] [--dark] [--model BUNDLE]

Runs offscreen unless a display is set. It really does the work: scans the corpus (and then
with a second demo corpus beside it, each a style: ``1-corpus-styles``), trains a tiny model (the
Train page is captured mid-training, after the first epoch) and lists it on the Models page; then
builtin:irish (the tiny model's 32-token window cannot rewrite a bar) generates a take and renders
it, and regenerates bars 5-6 of it in three variants (the Regenerate selection strip, v2 shown). ``--model`` skips the corpus, training and models
pages and generates with that bundle instead. Models go to a throwaway home folder; the demo
corpora are borrowed from the normal data folder so they are not rebuilt.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def wait_until(app, condition, timeout_s: float, what: str) -> None:
    """Run the event loop until ``condition()`` holds (checked every 50 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: loop.quit() if condition() or time.monotonic() > deadline else None)
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()
    if not condition():
        raise SystemExit(f"screenshots: timed out waiting for {what}")


def settle(app, ms: int = 300) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("--corpus", default="demo:irish")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--bars", type=int, default=16)
    parser.add_argument("--size", default="1360x860", help="window size WxH")
    parser.add_argument("--dark", action="store_true", help="use the dark colour scheme")
    parser.add_argument("--model", help="generate with this bundle: no corpus scan or training (pages 4-5 only)")
    args = parser.parse_args(argv)

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from jukebox_gui.core.paths import data_dir

    shared_demo = data_dir() / "demo"
    home = Path(tempfile.mkdtemp(prefix="jukebox-shots-"))
    os.environ["JUKEBOX_HOME"] = str(home)
    if shared_demo.is_dir():
        (home / "data").mkdir(parents=True)
        (home / "data" / "demo").symlink_to(shared_demo, target_is_directory=True)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication(sys.argv[:1])
    if args.dark:
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
    from jukebox_gui.app.main_window import MainWindow
    from jukebox_gui.app.style import apply_style

    apply_style(app)
    errors: list[str] = []
    QMessageBox.warning = lambda *a, **k: errors.append(f"{a[1]}: {a[2]}")  # report, don't block
    window = MainWindow()
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-dark" if args.dark else ""

    def shoot(name: str) -> None:
        settle(app)
        if errors:
            raise SystemExit(f"screenshots: an error dialog would show: {errors[0]}")
        path = args.out / f"{name}{suffix}.png"
        window.grab().save(str(path))
        print(f"wrote {path}")

    corpus, train, models, gen = window.corpus_page, window.train_page, window.models_page, window.generate_page
    trained: list = [args.model] if args.model else []
    if not args.model:
        scanned: list = []
        corpus.scanned.connect(lambda *a: scanned.append(a))
        corpus.set_source(args.corpus)
        wait_until(app, lambda: scanned or errors, 900, "the corpus scan")
        corpus.table.selectRow(2)
        shoot("1-corpus")

        # two styles: a second demo corpus beside the chosen one, reported per style; then back to one
        from jukebox_gui.core.demo import DEMO_CORPORA

        other = next(f"demo:{n}" for n in DEMO_CORPORA if f"demo:{n}" != args.corpus)
        corpus.styles.add(other)
        wait_until(app, lambda: corpus.styled is not None or errors, 900, "the two-style scan")
        corpus.table.selectRow(2)
        shoot("1-corpus-styles")
        corpus.styles.list.table.selectRow(0)
        corpus.styles.list.remove_selected()
        wait_until(app, lambda: (corpus.report is not None and corpus.styled is None) or errors, 900, "the rescan")
        corpus.styles.toggle.setChecked(False)

        window.show_page(1)
        train.preset_combo.setCurrentIndex(train.preset_combo.findData("tiny"))
        train.advanced_toggle.setChecked(True)
        train.epochs_spin.setValue(max(2, args.epochs))
        train.trained.connect(trained.append)
        train.start_button.click()
        wait_until(app, lambda: train.plot.epoch_points >= 1 or errors or trained,
                   900, "the first epoch")
        train.plot.flush()
        shoot("2-train-mid")
        wait_until(app, lambda: trained or errors, 900, "the end of training")
        shoot("2-train-done")

        window.show_page(2)
        wait_until(app, lambda: models.table.rowCount() > 0 or errors, 60, "the models list")
        models.table.selectRow(models.table.rowCount() - 1)
        shoot("3-models")

    window.show_page(3)
    gen.select_model(args.model or "builtin:irish")
    gen.bars_spin.setValue(args.bars)
    gen.seed_spin.setValue(2024)
    gen.temp_spin.setValue(0.9)
    done: list = []
    gen.generated.connect(done.append)
    gen.generate_button.click()
    wait_until(app, lambda: done or errors, 300, "the take")
    rendered: list = []
    gen.rendered.connect(rendered.append)
    gen.render_button.click()
    wait_until(app, lambda: rendered or errors, 300, "the audio")
    if gen.transport is not None and hasattr(gen.transport, "seek"):
        gen.transport.seek(4.0)
    gen.piano_roll.set_playhead(4.0)
    shoot("4-generate")

    # regenerate bars 5-6 in three variants and audition the second
    gen.piano_roll.set_selection(4, 6)
    gen.variants_spin.setValue(3)
    wait_until(app, lambda: gen.regenerate_button.isEnabled() or errors, 120,
               f"Regenerate selection to be enabled ({gen.regenerate_button.toolTip()})")
    gen.regenerate_button.click()
    take = gen.listed_take()
    wait_until(app, lambda: bool(take.variants) or errors, 300, "the variants")
    gen.regen.choose(2)
    shoot("5-regenerate")

    window.close()
    print(f"screenshots in {args.out} (models in the throwaway home {home})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
