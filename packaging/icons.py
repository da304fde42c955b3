"""Application icons for the installers, rendered from the one SVG in ``resources/icons/``.

Qt (already a dependency) renders the SVG to PNGs, so the build needs no image tools. The two
container formats are simple enough to write here:

* ``.ico`` (Windows): an ICONDIR header and one 16-byte entry per image; since Windows Vista an
  entry may hold a whole PNG file.
* ``.icns`` (macOS): ``icns`` + total length, then one (type, length, PNG bytes) chunk per
  size; PNG payloads are accepted for every type used here since macOS 10.7.

``write_ico``/``write_icns`` are pure (bytes in, bytes out); only :func:`render_pngs` needs Qt.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path

#: PNG sizes installed into the hicolor theme on Linux.
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
#: Sizes inside the .ico (Explorer, Start menu, task bar, installer).
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: .icns chunk type → pixel size (``ic11``.. are the @2x retina variants).
ICNS_TYPES = (
    ("icp4", 16),
    ("icp5", 32),
    ("ic11", 32),
    ("ic12", 64),
    ("ic07", 128),
    ("ic13", 256),
    ("ic08", 256),
    ("ic14", 512),
    ("ic09", 512),
    ("ic10", 1024),
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def write_ico(pngs: Sequence[bytes]) -> bytes:
    """An .ico file holding the given square PNG images (at most 256 px each)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries = b""
    for png in pngs:
        width, height = png_size(png)
        if width > 256 or height > 256:
            raise ValueError(f"an .ico image is at most 256 px, got {width}x{height}")
        # 0 in the width/height bytes means 256; 32 bits per pixel, no palette.
        entries += struct.pack(
            "<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(png), offset
        )
        offset += len(png)
    return header + entries + b"".join(pngs)


def write_icns(pngs_by_type: Mapping[str, bytes]) -> bytes:
    """An .icns file from ``{chunk type: PNG bytes}``."""
    chunks = b""
    for kind, png in pngs_by_type.items():
        if len(kind) != 4:
            raise ValueError(f"icns chunk types have four characters, got {kind!r}")
        png_size(png)  # raises for anything that is not a PNG
        chunks += kind.encode("ascii") + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(chunks)) + chunks


def render_pngs(svg: Path, sizes: Sequence[int]) -> dict[int, bytes]:
    """Render ``svg`` at each size with Qt (offscreen; no display needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])  # QPainter needs one
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG for Qt")
    out: dict[int, bytes] = {}
    for size in sorted(set(sizes)):
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
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
        out[size] = bytes(data.data())
    return out


def make_icons(svg: Path, out_dir: Path, name: str) -> dict[str, Path]:
    """``name.png`` (256), ``hicolor/<n>x<n>/apps/name.png``, ``name.ico`` and ``name.icns``."""
    sizes = {*HICOLOR_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)}
    pngs = render_pngs(svg, sorted(sizes))
    out_dir.mkdir(parents=True, exist_ok=True)
    for size in HICOLOR_SIZES:
        target = out_dir / "hicolor" / f"{size}x{size}" / "apps" / f"{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size])
    paths = {
        "png": out_dir / f"{name}.png",
        "ico": out_dir / f"{name}.ico",
        "icns": out_dir / f"{name}.icns",
        "hicolor": out_dir / "hicolor",
    }
    paths["png"].write_bytes(pngs[256])
    paths["ico"].write_bytes(write_ico([pngs[s] for s in ICO_SIZES]))
    paths["icns"].write_bytes(write_icns({kind: pngs[size] for kind, size in ICNS_TYPES}))
    return paths
