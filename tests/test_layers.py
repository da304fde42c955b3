"""The package's layers, checked: no module imports from a layer above its own.

The order is written once, in :data:`workbench.LAYERS`; this test reads every ``import`` in
``workbench/`` (including imports inside functions and under ``TYPE_CHECKING``, since a
type-only cycle is still a cycle a reader has to untangle) and fails naming the file, the line
and the two layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench
from workbench import LAYERS

PACKAGE_DIR = Path(workbench.__file__).resolve().parent
QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph", "qasync")


def _rank() -> dict[str, int]:
    return {name: index for index, group in enumerate(LAYERS) for name in group}


def _layer_of(path: Path) -> str:
    """``workbench/server/x.py`` → ``server``; ``workbench/resources.py`` → ``resources``."""
    parts = path.relative_to(PACKAGE_DIR).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            if node.module == "workbench":  # ``from workbench import server``
                for alias in node.names:
                    yield node.lineno, f"workbench.{alias.name}"


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_package_and_top_level_module_has_a_layer() -> None:
    rank = _rank()
    unplaced = sorted(
        {_layer_of(p) for p in _sources()} - set(rank) - {"__init__"},
    )
    assert not unplaced, f"add these to workbench.LAYERS: {unplaced}"


def test_no_module_imports_from_a_layer_above_or_beside_it() -> None:
    rank = _rank()
    wrong: list[str] = []
    for path in _sources():
        own = _layer_of(path)
        if own == "__init__":
            continue
        for line, module in _imports(path):
            parts = module.split(".")
            if parts[0] != "workbench" or len(parts) < 2:
                continue
            target = parts[1]
            if target == own or target == "__version__" or target == "LAYERS":
                continue
            if target not in rank:
                continue  # a name imported from the package root, not a layer
            if rank[target] >= rank[own]:
                where = "above" if rank[target] > rank[own] else "beside"
                rel = path.relative_to(PACKAGE_DIR.parent)
                wrong.append(f"{rel}:{line}: {own} imports {module} ({target} is {where} it)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("qt_module", QT_MODULES)
def test_only_the_gui_imports_qt(qt_module: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE_DIR.parent)}:{line}"
        for path in _sources()
        if _layer_of(path) != "gui"
        for line, module in _imports(path)
        if module.split(".")[0] == qt_module
    ]
    assert not offenders, f"{qt_module} imported outside workbench.gui: {offenders}"


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: an upward import in a scratch file is found."""
    scratch = tmp_path / "probe.py"
    scratch.write_text("def f():\n    from workbench.gui.app import main\n", encoding="utf-8")
    assert list(_imports(scratch)) == [(2, "workbench.gui.app")]
    assert _rank()["gui"] > _rank()["lwm2m"]
