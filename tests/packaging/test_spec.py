"""Guards for the PyInstaller spec and the icon writers (no build needed, no Qt)."""

from __future__ import annotations

import ast
import importlib.util
import struct
import zlib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "lwm2m-workbench.spec"


def excluded_qt_modules() -> set[str]:
    """The names in the spec's ``UNUSED_QT`` list (``QtNetwork``, ...)."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "UNUSED_QT" for t in node.targets
        ):
            return {
                c.value
                for c in ast.walk(node.value)
                if isinstance(c, ast.Constant) and str(c.value).startswith("Qt")
            }
    raise AssertionError("UNUSED_QT not found in the spec")


def imported_qt_modules(path: Path) -> set[str]:
    """Qt binding modules a source file imports (PySide6.QtX, or QtX via pyqtgraph.Qt)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] in ("PySide6", "pyqtgraph") and len(parts) > 1:
                found.update(p for p in parts[1:] if p.startswith("Qt") and p != "Qt")
    return found


def test_spec_excludes_no_qt_module_the_sources_import() -> None:
    excluded = excluded_qt_modules()
    assert "QtCore" not in excluded and "QtWidgets" not in excluded
    sources = [*(ROOT / "workbench").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]
    used = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources
        for name in imported_qt_modules(path) & excluded
    }
    assert not used, f"the spec excludes Qt modules the app imports: {sorted(used)}"


def load_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("packaging_icons", ROOT / "packaging/icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_png(size: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x00\xff\xff" * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_ico_directory_points_at_each_png() -> None:
    icons = load_icons()
    pngs = [tiny_png(16), tiny_png(256)]
    ico = icons.write_ico(pngs)
    assert struct.unpack("<HHH", ico[:6]) == (0, 1, 2)
    for index, png in enumerate(pngs):
        entry = struct.unpack("<BBBBHHII", ico[6 + 16 * index : 22 + 16 * index])
        width, _, _, _, _, bits, length, offset = entry
        assert width == (16 if index == 0 else 0)  # 0 means 256
        assert bits == 32
        assert ico[offset : offset + length] == png


def test_icns_chunks_are_typed_and_sized() -> None:
    icons = load_icons()
    icns = icons.write_icns({"icp4": tiny_png(16), "ic07": tiny_png(128)})
    assert icns[:4] == b"icns"
    assert struct.unpack(">I", icns[4:8])[0] == len(icns)
    kinds, at = [], 8
    while at < len(icns):
        kinds.append(icns[at : at + 4])
        at += struct.unpack(">I", icns[at + 4 : at + 8])[0]
    assert kinds == [b"icp4", b"ic07"] and at == len(icns)


def test_writers_refuse_what_is_not_a_png() -> None:
    icons = load_icons()
    with pytest.raises(ValueError):
        icons.write_ico([b"GIF89a"])
    with pytest.raises(ValueError):
        icons.write_ico([tiny_png(512)])
