"""The connection bar: port list polling, simulated modules, settings, module choice, detection."""

from __future__ import annotations

import asyncio
import os

import pytest
from PySide6.QtWidgets import QApplication

from tests.gui.wb_helpers import run, shot, until
from workbench.app.connection import ModuleConnection
from workbench.gui.context import WorkbenchContext
from workbench.gui.panels.connection import ConnectionBar, PortInfo
from workbench.plugin.loader import discover_plugins
from workbench.transport.hosting import PtyHost
from workbench.transport.serial_port import PortSettings


class FakePorts:
    """Adapters being plugged in and out."""

    def __init__(self) -> None:
        self.ports = [
            PortInfo("/dev/ttyUSB0", "FT232R USB UART"),
            PortInfo("/dev/ttyACM0", "u-blox"),
        ]
        self.calls = 0

    def __call__(self) -> list[PortInfo]:
        self.calls += 1
        return list(self.ports)


def test_port_list_follows_adapters_and_keeps_the_selection(
    wb_app: QApplication, qtbot: object
) -> None:
    ports = FakePorts()
    context = WorkbenchContext(discover_plugins())
    bar = ConnectionBar(context, port_lister=ports, poll_ms=20)
    qtbot.waitUntil(lambda: "/dev/ttyUSB0" in bar.ports(), timeout=3000)  # type: ignore[attr-defined]
    plugins = [p for p in context.plugins.plugins if p.simulator_factory is not None]
    assert all(f"sim://{p.id}" in bar.ports() for p in plugins)
    # Choose the second adapter.
    index = bar.port.findData("/dev/ttyACM0")
    bar.port.setCurrentIndex(index)
    bar.port.activated.emit(index)
    assert bar.url.text() == "/dev/ttyACM0"
    # Unplug the first one, plug a new one in: the list changes, the choice stays.
    ports.ports = [PortInfo("/dev/ttyACM0", "u-blox"), PortInfo("/dev/ttyUSB1", "CP2102")]
    qtbot.waitUntil(lambda: "/dev/ttyUSB1" in bar.ports(), timeout=3000)  # type: ignore[attr-defined]
    assert "/dev/ttyUSB0" not in bar.ports()
    assert bar.port.currentData() == "/dev/ttyACM0"
    bar.shutdown()


def test_simulated_module_choice_and_line_settings(wb_app: QApplication) -> None:
    context = WorkbenchContext(discover_plugins())
    context.server_url = "coap://127.0.0.1:5683"
    bar = ConnectionBar(context, port_lister=lambda: [])
    plugin = next(p for p in context.plugins.plugins if p.simulator_factory is not None)
    index = bar.port.findData(f"sim://{plugin.id}")
    bar.port.setCurrentIndex(index)
    bar.port.activated.emit(index)
    assert bar.url.text() == f"sim://{plugin.id}?server=coap://127.0.0.1:5683"
    assert context.plugin is plugin and bar.module.currentData() == plugin.id
    assert bar.variant.count() == len(plugin.variants)
    bar.baud.setCurrentText("921600")
    bar.data_bits.setCurrentText("7")
    bar.parity.setCurrentText("Even")
    bar.stop_bits.setCurrentText("2")
    bar.rtscts.setChecked(True)
    assert bar.port_settings() == PortSettings(921600, 7, "E", 2.0, True, False)
    assert bar.line_settings.text() == "7E2 RTS/CTS"
    # Choosing another variant reaches the context.
    if bar.variant.count() > 1:
        bar.variant.setCurrentIndex(1)
        assert context.variant == plugin.variants[1].id
    # Opening asks the window through the context, with the settings.
    asked: list[tuple[str, PortSettings]] = []
    context.open_requested.connect(lambda url, settings: asked.append((url, settings)))
    bar.open_or_close()
    assert asked and asked[0][0].startswith("sim://") and asked[0][1].baudrate == 921600
    bar.resize(1250, 40)
    shot(bar, "connection_bar")
    bar.shutdown()


def test_empty_url_explains(wb_app: QApplication) -> None:
    context = WorkbenchContext(discover_plugins())
    bar = ConnectionBar(context, port_lister=lambda: [])
    bar.url.setText("")
    messages: list[str] = []
    context.message.connect(lambda level, text: messages.append(text))
    bar.open_or_close()
    assert messages == ["Choose a port or type a URL first."]
    bar.shutdown()


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals need POSIX")
def test_auto_detect_preselects_the_plugin(wb_loop: asyncio.AbstractEventLoop) -> None:
    plugins = discover_plugins()
    plugin = plugins.get("quectel-bg95")
    context = WorkbenchContext(plugins)
    bar = ConnectionBar(context, port_lister=lambda: [])
    assert bar.auto_detect
    messages: list[str] = []
    context.message.connect(lambda level, text: messages.append(text))

    async def body() -> None:
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        conn = ModuleConnection(host.path)
        conn.subscribe_status(lambda status, reason: context.status_changed.emit(status, reason))
        context.set_connection(conn)
        try:
            conn.open()  # status "open" → the bar detects on its own
            await until(lambda: context.plugin is not None, what="detection")
        finally:
            await conn.close()
            await host.stop()

    run(wb_loop, body())
    assert context.plugin is not None and context.plugin.matches_identity("BG95-M3")
    assert bar.module.currentData() == context.plugin.id
    assert any("Detected" in m and context.plugin.name in m for m in messages)
    bar.shutdown()
