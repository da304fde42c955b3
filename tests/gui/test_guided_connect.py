"""The "Connect this module to the server" dialog in the real window: the server started from
the server panel, a simulated module opened through the window's own port handling, the
sequence sent visibly, and a verdict in words — registered, or why not."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

import pytest

from tests.gui.wb_helpers import run, shot, until
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.guided_connect import GuidedConnectDialog
from workbench.gui.panels.server import ServerPanel
from workbench.plugin.loader import discover_plugins
from workbench.transport.hosting import PtyHost

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the module is hosted on a pty")


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_guided(
    loop: asyncio.AbstractEventLoop, plugin_id: str, module_url: str | None, name: str
) -> tuple[Any, str, list[str]]:
    """Start the server from the panel, open a simulated module, run the dialog; returns the
    diagnosis, the dialog's verdict text and the commands the terminal shows as sent."""
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    window.resize(1280, 800)
    window.show()
    panel = window.panels["server"]
    assert isinstance(panel, ServerPanel)
    panel.port.setText("0")
    plugin = window.context.plugins.get(plugin_id)
    out: dict[str, Any] = {}

    async def body() -> None:
        host: PtyHost | None = None
        try:
            dialog = panel.open_guided()
            assert isinstance(dialog, GuidedConnectDialog)
            assert "not running" in dialog.header.text()
            assert not dialog.run_button.isEnabled()
            panel.toggle()
            await until(lambda: window.context.server is not None, what="server started")
            url = window.context.server_url
            host = PtyHost(plugin.make_simulator(None, module_url or url))
            await host.start()
            window.context.set_plugin(plugin)
            window.open_port(host.path)
            await until(lambda: window.context.connected, what="port open")
            dialog = panel.open_guided()
            plan = dialog.plan
            assert plan is not None and plan.server_url == url
            assert dialog.steps.rowCount() == len(plan.checks) + len(plan.commands)
            assert dialog.steps.item(len(plan.checks), 1).text() == plan.commands[0]
            dialog.resize(900, 600)
            task = dialog.start()
            assert task is not None and not dialog.run_button.isEnabled()
            await asyncio.wait_for(asyncio.shield(task), 40)
            await asyncio.sleep(0.1)
            assert dialog.guide is not None and dialog.guide.diagnosis is not None
            out["diagnosis"] = dialog.guide.diagnosis
            out["verdict"] = dialog.verdict.text()
            out["report"] = dialog.copy_report()
            window.pump()
            out["sent"] = [x.text for x in window.terminal.model.lines() if x.direction == "tx"]
            assert dialog.run_button.isEnabled() and dialog.run_button.text() == "Run again"
            shot(dialog, name)
            dialog.close()
        finally:
            await window.shutdown()
            if host is not None:
                await host.stop()

    run(loop, body(), timeout=60)
    window._closed_for_real = True
    window.close()
    return out["diagnosis"], out["verdict"], out["sent"]


def test_guided_connect_registers(wb_loop: asyncio.AbstractEventLoop) -> None:
    diagnosis, verdict, sent = _run_guided(wb_loop, "quectel-bg95", None, "guided_connect_ok")
    assert diagnosis.ok, diagnosis.text()
    assert "Registered as" in verdict and "reported the registration too" in verdict
    plugin = discover_plugins().get("quectel-bg95")
    assert plugin.connect_sequence is not None
    # The checks and the documented sequence went through the window's terminal.
    assert sent[:2] == ["AT+CEREG?", "AT+CGPADDR"]
    assert sent[2:] == [c for c in plugin.connect_sequence(sent[3].split('"')[3])]


def test_guided_connect_explains_an_unreachable_server(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    """SARA-R5's sequence carries no address: the module uses its preconfigured server, here
    a closed port. The module says failed and the server saw nothing."""
    bad = f"coap://127.0.0.1:{_closed_port()}"
    diagnosis, verdict, _sent = _run_guided(
        wb_loop, "ublox-sara-r5", bad, "guided_connect_wrong_address"
    )
    assert diagnosis.outcome == "wrong_address", diagnosis.text()
    assert "Wrong address or server unreachable" in verdict
    assert "saw nothing" in verdict
