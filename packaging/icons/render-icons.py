#!/usr/bin/env python3
"""Renders capkit.svg to the PNG sizes the desktop wants (48, 128, 256), with Qt's SVG renderer.

Usage: python packaging/icons/render-icons.py   (any Python with PySide6; runs headless)
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

HERE = Path(__file__).resolve().parent
SIZES = (48, 128, 256)


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841  (QImage/QPainter want an application)
    renderer = QSvgRenderer(str(HERE / "capkit.svg"))
    if not renderer.isValid():
        print("capkit.svg does not parse", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        out = HERE / f"capkit-{size}.png"
        image.save(str(out), "PNG")
        print(f"wrote {out.relative_to(HERE.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
