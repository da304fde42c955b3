"""``--demo ID`` for every bundled plugin: the window shows the module registered.

One test per shipped plugin (tests.plugin_fixtures.BUNDLED_IDS); every one must load and have a
simulator and a documented connect sequence (tests/test_plugins_loader.py checks that too).
"""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.gui.wb_helpers import run, shot, until
from tests.plugin_fixtures import BUNDLED_IDS
from workbench.gui.mainwindow import MainWindow
from workbench.plugin.loader import discover_plugins


@pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")
@pytest.mark.parametrize("plugin_id", BUNDLED_IDS)
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
