"""The module state panel: decoded values, links to their lines, live countdown."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable

import pytest
from PySide6.QtWidgets import QApplication

from tests.gui.wb_helpers import run, shot, until
from workbench.app.connection import ModuleConnection
from workbench.app.demo import DemoSession
from workbench.app.pipeline import decode_log, events_of
from workbench.gui.context import WorkbenchContext
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.module_state import ModuleStatePanel, countdown_text
from workbench.module.events import Event
from workbench.module.state import ModuleState, clock_text
from workbench.plugin.loader import discover_plugins
from workbench.server.coaplog import ServerEvent


def _connection_with_state() -> ModuleConnection:
    conn = ModuleConnection("loop://")
    now = time.monotonic()
    events = [
        Event("client", 3, "+ULWM2MSTAT: 4", {"state": "ready"}, timestamp=now),
        Event(
            "registration",
            5,
            "+ULWM2MSTAT: 1,1,3",
            {"server": 1, "state": "registered", "code": 3},
            timestamp=now,
        ),
        Event(
            "update_timer", 6, "+ULWM2MSTAT: 2,1,300", {"server": 1, "seconds": 300}, timestamp=now
        ),
        Event(
            "observe",
            7,
            '+QLWURC: "observe"',
            {"server": 1, "path": "/3303/0/5700", "active": True},
            timestamp=now,
        ),
        Event(
            "notify",
            8,
            "+ULWM2MSTAT: 3,1,/3303/0/5700",
            {"server": 1, "path": "/3303/0/5700"},
            timestamp=now,
        ),
        Event(
            "connection",
            9,
            "+ULWM2MSTAT: 6,..",
            {
                "server": 1,
                "state": "created",
                "address": "10.0.0.1:5683",
                "sent": 12,
                "received": 9,
            },
            timestamp=now,
        ),
        Event(
            "host_request",
            10,
            "#LWNTYRDOBJ: 3,0,0",
            {"op": "read", "path": "/3/0/0"},
            timestamp=now,
        ),
        Event(
            "error",
            11,
            "+CME ERROR: 50",
            {"text": "Incorrect parameters", "code": 50, "command": "AT+X"},
            timestamp=now,
        ),
        Event(
            "registration",
            12,
            "+ULWM2MSTAT: 1,2,0",
            {"server": 2, "state": "failed", "code": 0},
            timestamp=now,
        ),
    ]
    for event in events:
        conn._changed |= conn.state.apply(event)
    return conn


def test_panel_shows_state_and_links_to_lines(wb_app: QApplication) -> None:
    context = WorkbenchContext(discover_plugins())
    panel = ModuleStatePanel(context)
    assert panel.summary.text() == "No module connected"
    conn = _connection_with_state()
    context.set_connection(conn)
    assert panel.summary.text().startswith("Registered (server 1)")
    reg = panel.item_for("Registration")
    assert reg is not None and reg.text(1) == "registered  (code 3)" and reg.text(2) == "line 5"
    nxt = panel.item_for("Next update")
    assert (nxt is not None and nxt.text(1).startswith("in 4 min 5")) or nxt.text(1).startswith(
        "in 5 min"
    )
    assert panel.item_for("/3303/0/5700") is not None
    assert "read /3/0/0" in panel.item_for("Request").text(1)
    # The last error is the newest thing that failed (server 2's registration, line 12); the
    # older AT error still stands below it (issue 12: an error belongs to what failed).
    error = panel.item_for("Error")
    assert error is not None and error.text(1) == "registration with server 2 failed (code 0)"
    assert error.text(2) == "line 12"
    older = panel.item_for("Also standing")
    assert older is not None and older.text(1) == "Incorrect parameters (code 50) after AT+X"
    traffic = panel.item_for("Traffic")
    assert traffic is not None and traffic.text(1) == "sent 12 · received 9"
    # Clicking a value asks the terminal for its line.
    asked: list[int] = []
    context.line_requested.connect(asked.append)
    panel.tree.itemClicked.emit(reg, 1)
    assert asked == [5]
    # Sections without a line do nothing.
    panel.tree.itemClicked.emit(panel.item_for("Client"), 0)
    assert asked == [5]
    panel.resize(520, 560)
    shot(panel, "module_state")


def test_countdown_ticks_and_state_changes_refresh(wb_app: QApplication, qtbot: object) -> None:
    context = WorkbenchContext(discover_plugins())
    panel = ModuleStatePanel(context)
    conn = _connection_with_state()
    context.set_connection(conn)
    item = panel.item_for("Next update")
    assert item is not None
    first = item.text(1)
    panel._countdowns[0] = (item, time.monotonic() + 12.4)
    panel._update_countdowns()
    assert item.text(1) == "in 12 s" != first
    conn.state.apply(Event("registration", 20, "+X", {"server": 1, "state": "deregistered"}))
    context.state_changed.emit({"servers"})
    qtbot.waitUntil(lambda: panel.summary.text().startswith("Not registered"), timeout=2000)  # type: ignore[attr-defined]


def test_countdown_text() -> None:
    assert countdown_text(5) == "5 s"
    assert countdown_text(125) == "2 min 05 s"
    assert countdown_text(3 * 3600 + 120) == "3 h 02 min"
    assert countdown_text(-4) == "overdue 4 s"


# -- issue 12: the four window situations, with the real demo (server + simulated module) ---------


def _demo_window(
    loop: asyncio.AbstractEventLoop,
    plugin_id: str,
    then: Callable[[MainWindow, DemoSession, str], Awaitable[None]],
) -> None:
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    window.resize(1280, 780)
    window.show()
    panel = window.panels["module_state"]
    assert isinstance(panel, ModuleStatePanel)

    async def body() -> None:
        try:
            window.start_demo(plugin_id)
            await until(lambda: window.demo is not None and bool(window.demo.report.endpoint), 30)
            demo = window.demo
            assert demo is not None
            await until(lambda: panel.summary.text().startswith("Registered"), 30, "registered")
            await then(window, demo, demo.report.endpoint)
        finally:
            await window.shutdown()

    run(loop, body(), timeout=90)
    window._closed_for_real = True
    window.close()


def _panel(window: MainWindow) -> ModuleStatePanel:
    panel = window.panels["module_state"]
    assert isinstance(panel, ModuleStatePanel)
    return panel


async def _settled(panel: ModuleStatePanel) -> None:
    """Let the coalescing timer draw the latest state before a screenshot."""
    await asyncio.sleep(0.4)
    panel.refresh()


@pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")
def test_window_bg95_session_headline_is_ready_not_initialising(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    async def then(window: MainWindow, demo: DemoSession, endpoint: str) -> None:
        panel = _panel(window)
        await _settled(panel)
        assert panel.summary.text() == "Registered (server 100) · client ready"
        assert panel.server_line.isVisible()
        assert panel.server_line.text().startswith(f"Server: {endpoint} registered since ")
        assert not panel.disagreement.isVisible()
        reported = panel.item_for("Reported")  # INITIAL is kept, as the module said it
        assert reported is not None and reported.text(1) == "initialising"
        assert window.status_client.text() == "Client: ready"
        assert window.status_server.text().endswith(f" · {endpoint} registered")
        shot(window, "state_bg95_session")

    _demo_window(wb_loop, "quectel-bg95", then)


@pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")
def test_window_st87mxx_reboot_from_the_server_shows_both_sides(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    async def then(window: MainWindow, demo: DemoSession, endpoint: str) -> None:
        panel = _panel(window)
        assert (await demo.server.execute(endpoint, "/3/0/4")).code == "2.04"
        await until(lambda: panel.disagreement.isVisible(), 10, "the disagreement line")
        await _settled(panel)
        assert panel.summary.text().startswith("Not registered · module rebooted (line ")
        assert panel.disagreement.text().startswith("Server has a registration since ")
        assert "and has not registered again" in panel.disagreement.text()
        assert panel.item_for("Last reboot") is not None
        assert window.status_server.text().startswith("⚠ Server: coap://127.0.0.1:")
        assert window.status_server.toolTip() == panel.disagreement.text()
        shot(panel, "state_st87mxx_reboot_panel")
        shot(window, "state_st87mxx_reboot")

    _demo_window(wb_loop, "st-st87mxx", then)


@pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")
def test_window_failed_reregistration_has_no_stale_timer_and_its_own_error(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    async def then(window: MainWindow, demo: DemoSession, endpoint: str) -> None:
        panel = _panel(window)
        await until(lambda: panel.item_for("Next update") is not None, 10, "the timer row")
        assert not (await demo.send('AT+ULWM2MREAD="/99/0"')).ok  # an unrelated AT error
        assert (await demo.server.write(endpoint, "/1/10/1", -5)).code == "2.04"
        await until(lambda: panel.summary.text().startswith("Not registered"), 10, "failure")
        await _settled(panel)
        assert panel.summary.text() == "Not registered · client failed"
        assert panel.item_for("Next update") is None  # died with the registration
        error = panel.item_for("Error")
        assert error is not None and error.text(1) == "registration with server 721 failed (code 4)"
        older = panel.item_for("Also standing")
        assert older is not None and "after AT+ULWM2MREAD" in older.text(1)
        assert panel.disagreement.text().endswith("; module says failed")
        shot(panel, "state_sara_r5_failed_reregistration_panel")
        shot(window, "state_sara_r5_failed_reregistration")

    _demo_window(wb_loop, "ublox-sara-r5", then)


def test_window_sara_r5_start_up_moment_shows_the_server_side(wb_app: QApplication) -> None:
    """The server's 2.01 arrived, the module's URC not yet: both sides, no false dispute."""
    plugin = discover_plugins().get("ublox-sara-r5")
    log = b"AT+CFUN=16\r\nOK\r\n+ULWM2MSTAT: 5,1\r\n+ULWM2MSTAT: 5,2\r\n"
    clock = [1000.0]
    conn = ModuleConnection("loop://")
    conn.state = ModuleState(clock=lambda: clock[0])
    for event in events_of(decode_log(log, plugin, "01B")):
        conn.state.apply(event)
    server_event = ServerEvent("registered", "urn:imei:352753095787618", {"lifetime": 86400})
    server_event.time = clock[0]
    conn.state.apply_server_event(server_event)
    context = WorkbenchContext(discover_plugins())
    panel = ModuleStatePanel(context)
    context.set_connection(conn)
    assert panel.summary.text() == "Not registered · client initialising"
    assert panel.server_line.text() == (
        f"Server: urn:imei:352753095787618 registered since {clock_text(clock[0])}"
    )
    assert not panel.disagreement.isVisible() and conn.state.disagreement() is None
    panel.resize(520, 420)
    shot(panel, "state_sara_r5_start_up_moment")
    # The URC arrives: both sides agree.
    for event in events_of(decode_log(b"+ULWM2MSTAT: 1,721,3\r\n", plugin, "01B")):
        conn.state.apply(event)
    panel.refresh()
    assert panel.summary.text() == "Registered (server 721) · client ready"
    # A later failure of the module while the server still holds the registration: said.
    failed = {"server": 721, "state": "failed"}
    conn.state.apply(Event("registration", 9, "+ULWM2MSTAT: 1,721,4", failed))
    clock[0] += 1
    panel.refresh()
    assert panel.disagreement.text() == (
        f"Server has a registration since {clock_text(1000.0)}; module says failed"
    )
