"""Render resources/trayapp.svg into the icon files the packages install.

    .venv/bin/python packaging/make-icons.py        # rewrites resources/icons/

Writes ``trayapp-<N>.png`` for the hicolor theme sizes, ``trayapp.ico`` (Windows: PyInstaller's
``icon=`` and Inno Setup) and ``trayapp.icns`` (macOS: the .app's icon). The SVG is the one
source; Qt's SVG renderer (QtSvg is part of PySide6-Essentials) draws every size, and the ICO
and ICNS containers are written here from those PNGs, so no Pillow, iconutil or ImageMagick is
needed. The outputs are committed: packaging never needs a display or this script.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SVG = REPO / "resources" / "trayapp.svg"
OUT = REPO / "resources" / "icons"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)  # /usr/share/icons/hicolor/<N>x<N>
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 256)  # Windows shell sizes at 100-200 % scaling
# ICNS element types that hold PNG data, with their pixel sizes (@2x types are bigger images)
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic13", 256),
    (b"ic08", 256),
    (b"ic14", 512),
    (b"ic09", 512),
    (b"ic10", 1024),
)


def render(svg: Path, size: int) -> bytes:
    """The SVG drawn on a transparent ``size`` x ``size`` canvas, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file whose images are PNGs (allowed since Windows Vista); 256 is stored as 0."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    directory = b""
    offset = len(header) + 16 * len(pngs)
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    return header + directory + b"".join(png for _, png in sorted(pngs.items()))


def icns(elements: list[tuple[bytes, bytes]]) -> bytes:
    """An ICNS file: a big-endian header, then (type, length including the 8-byte head, data)."""
    body = b"".join(kind + struct.pack(">I", len(data) + 8) + data for kind, data in elements)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(["make-icons", "-platform", "offscreen"])
    OUT.mkdir(exist_ok=True)
    sizes = sorted({*HICOLOR_SIZES, *ICO_SIZES, *(n for _, n in ICNS_TYPES)})
    pngs = {size: render(SVG, size) for size in sizes}
    for size in HICOLOR_SIZES:
        (OUT / f"trayapp-{size}.png").write_bytes(pngs[size])
    (OUT / "trayapp.ico").write_bytes(ico({size: pngs[size] for size in ICO_SIZES}))
    (OUT / "trayapp.icns").write_bytes(icns([(kind, pngs[size]) for kind, size in ICNS_TYPES]))
    del app
    print(f"wrote {len(HICOLOR_SIZES)} PNGs, trayapp.ico and trayapp.icns to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
