"""No background task in ``workbench/`` is started and dropped.

A task whose result nobody keeps can be garbage-collected while it runs, and its exception
is lost; such work goes through :class:`workbench.lwm2m.tasks.TaskSet` (or the result is
kept). This reads every call of ``create_task``/``ensure_future`` and fails on one used as a
bare statement, naming the file and the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import workbench

PACKAGE_DIR = Path(workbench.__file__).resolve().parent
SPAWNERS = {"create_task", "ensure_future"}


def _dropped(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in SPAWNERS:
                lines.append(node.lineno)
    return lines


def test_the_check_finds_a_dropped_task() -> None:
    assert _dropped(
        "import asyncio\nasyncio.create_task(f())\nt = asyncio.ensure_future(g())\n"
    ) == [2]
    assert _dropped("loop.create_task(f())\n") == [1]


def test_no_create_task_result_is_dropped_in_workbench() -> None:
    found = [
        f"{path.relative_to(PACKAGE_DIR.parent)}:{line}"
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        for line in _dropped(path.read_text(encoding="utf-8"))
    ]
    assert not found, "spawn these through a TaskSet or keep the task: " + ", ".join(found)
