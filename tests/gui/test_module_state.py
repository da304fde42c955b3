"""The module state panel: decoded values, links to their lines, live countdown."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication

from tests.gui.wb_helpers import shot
from workbench.connection import ModuleConnection
from workbench.events import Event
from workbench.gui.context import WorkbenchContext
from workbench.gui.panels.module_state import ModuleStatePanel, countdown_text
from workbench.plugins_loader import discover_plugins


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
    error = panel.item_for("Error")
    assert error is not None and error.text(1) == "Incorrect parameters (code 50) after AT+X"
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
