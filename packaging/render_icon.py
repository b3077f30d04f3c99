"""Render packaging/icons/crvs-field.svg to the 256 px PNG that desktops without SVG support use.

    QT_QPA_PLATFORM=offscreen python packaging/render_icon.py

Uses Qt's SVG renderer (PySide6-Essentials ships QtSvg), so no extra dependency.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent / "icons"


def render(size: int = 256) -> Path:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt alive)
    renderer = QSvgRenderer(str(ICONS / "crvs-field.svg"))
    if not renderer.isValid():
        raise SystemExit("crvs-field.svg: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    target = ICONS / f"crvs-field-{size}.png"
    if not image.save(str(target), "PNG"):
        raise SystemExit(f"cannot write {target}")
    return target


if __name__ == "__main__":
    print(render())
