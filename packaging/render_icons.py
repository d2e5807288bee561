"""Render the application SVG icon to the hicolor PNG sizes with Qt's own SVG renderer.

Usage: ``.venv/bin/python packaging/render_icons.py`` (runs offscreen; no extra tools needed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_ID = "io.github.aijukebox.AIJukebox"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons" / "hicolor"
SVG = ICONS / "scalable" / "apps" / f"{APP_ID}.svg"


def png_path(size: int) -> Path:
    return ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render_image(size: int):
    """The SVG drawn at ``size`` x ``size`` pixels on a transparent background (a QImage)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:
        render_image.app = QGuiApplication(sys.argv[:1])  # kept alive for later calls
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot parse {SVG}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def render(sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Write every PNG size; return the paths written."""
    written = []
    for size in sizes:
        out = png_path(size)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not render_image(size).save(str(out), "PNG"):
            raise SystemExit(f"cannot write {out}")
        written.append(out)
    return written


if __name__ == "__main__":
    for path in render():
        print(path)
