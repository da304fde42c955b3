"""The server package has no import cycles, not even type-only ones.

``server.py`` ↔ ``bootstrap.py`` ↔ ``dtls.py`` used to import each other under
``TYPE_CHECKING``; bootstrap and DTLS now take small Protocols or plain arguments, and the
server's parts (registrar, exchange, operations, observer) reach the server through
:class:`~workbench.server.host.ServerHost`. This reads every import (module level, in
functions and under ``TYPE_CHECKING``) of ``workbench/server/*.py`` and fails naming a cycle.

``fota.py`` still names ``LwM2MServer`` for types (it drives a whole update through the
server's public operations); it is left out here until it gets a Protocol of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import workbench.server

SERVER_DIR = Path(workbench.server.__file__).resolve().parent
PREFIX = "workbench.server."
NOT_YET = {"fota"}


def _graph(sources: dict[str, str]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in sources}
    for name, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module]
                if node.module == "workbench.server":  # from workbench.server import dtls
                    targets += [PREFIX + alias.name for alias in node.names]
            for target in targets:
                short = target.removeprefix(PREFIX)
                if target.startswith(PREFIX) and short in graph and short != name:
                    graph[name].add(short)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of module names, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_check_finds_a_type_only_cycle() -> None:
    sources = {
        "server": "from workbench.server.bootstrap import BootstrapSession\n",
        "bootstrap": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from workbench.server.server import LwM2MServer\n"
        ),
        "dtls": "def f():\n    import workbench.server.server\n",
    }
    assert _cycle(_graph(sources)) == ["bootstrap", "server", "bootstrap"]
    del sources["bootstrap"]
    sources["server"] = "from workbench.server import dtls\n"
    assert _cycle(_graph(sources)) == ["dtls", "server", "dtls"]


def test_server_bootstrap_dtls_and_the_parts_have_no_import_cycle() -> None:
    sources = {
        path.stem: path.read_text(encoding="utf-8")
        for path in SERVER_DIR.glob("*.py")
        if path.stem not in NOT_YET and path.stem != "__init__"
    }
    assert {"server", "bootstrap", "dtls", "registrar", "exchange"} <= set(sources)
    cycle = _cycle(_graph(sources))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
