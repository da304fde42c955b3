"""``--demo ID`` for every bundled plugin: the window shows the module registered.

One test per plugin found by discover_plugins(); plugins without a documented connect sequence
(or without a simulator) are skipped with the reason, so the list shows what is missing.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.gui.wb_helpers import run, shot, until
from workbench.gui.mainwindow import MainWindow
from workbench.plugins_loader import discover_plugins

_ENTRIES = discover_plugins().entries


def _params() -> list[object]:
    out: list[object] = []
    for entry in _ENTRIES:
        plugin = entry.plugin
        reason = ""
        if not entry.available or plugin is None:
            reason = f"plugin unavailable: {entry.error}"
        elif plugin.simulator_factory is None:
            reason = f"{plugin.id} has no simulator yet"
        elif plugin.connect_sequence is None:
            reason = f"{plugin.id} has no connect_sequence yet"
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        out.append(pytest.param(entry.id, marks=marks, id=entry.id))
    return out or [pytest.param("none", marks=pytest.mark.skip(reason="no bundled plugins"))]


@pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")
@pytest.mark.parametrize("plugin_id", _params())
def test_demo_registers_in_the_window(wb_loop: asyncio.AbstractEventLoop, plugin_id: str) -> None:
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    window.resize(1280, 780)
    window.show()
    state_panel = window.panels["module_state"]

    async def body() -> None:
        try:
            window.start_demo(plugin_id)
            await until(
                lambda: state_panel.summary.text().startswith("Registered"),  # type: ignore[attr-defined]
                timeout=30,
                what=f"{plugin_id} registered in the module state panel",
            )
            # The documented sequence was sent visibly, and the server is shown.
            sent = [x.text for x in window.terminal.model.lines() if x.direction == "tx"]
            plugin = window.context.plugins.get(plugin_id)
            assert plugin.connect_sequence is not None
            expected = list(plugin.connect_sequence(window.context.server_url))
            await until(
                lambda: (
                    len([x for x in window.terminal.model.lines() if x.direction == "tx"])
                    >= len(expected)
                )
            )
            sent = [x.text for x in window.terminal.model.lines() if x.direction == "tx"]
            assert sent[: len(expected)] == expected
            assert window.status_server.text().startswith("Server: coap://127.0.0.1:")
            await asyncio.sleep(0.3)  # let the tree's coalescing timer show the latest state
            shot(window, f"demo_{plugin_id}")
        finally:
            await window.shutdown()

    run(wb_loop, body(), timeout=60)
    window._closed_for_real = True
    window.close()
