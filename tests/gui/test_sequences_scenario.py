"""The Sequences panel runs a scenario with LwM2M steps against the window's built-in server
and a simulated module, and shows each step's status (offscreen, with a screenshot)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.gui.wb_helpers import run, shot
from workbench.app.connection import ModuleConnection
from workbench.app.sequences import CommandSequence, Outcome
from workbench.gui.context import WorkbenchContext
from workbench.gui.panels.sequences import _COL_RESULT, _COL_STATUS, SequencePanel
from workbench.plugin.loader import discover_plugins
from workbench.server import LwM2MServer
from workbench.transport import register_url_handlers

SCENARIO = """\
# Quectel BG95: register, read, write and read back, observe and notify
AT+CGMM
connect timeout=30
state registration=registered timeout=10
read /3/0/0 == Quectel
write /1/0/1 90
read /1/0/1 == 90
observe /1/0/1
write /1/0/1 120
notify /1/0/1 == 120 timeout=10
cancel /1/0/1
read /3/0/0 == Nokia
"""


def test_panel_runs_lwm2m_steps_with_per_step_status(
    qtbot: Any, wb_loop: asyncio.AbstractEventLoop
) -> None:
    register_url_handlers()
    registry = discover_plugins()
    plugin = registry.get("quectel-bg95")
    context = WorkbenchContext(registry)
    context.set_plugin(plugin, None)
    panel = SequencePanel(context)
    qtbot.addWidget(panel)
    panel.resize(1100, 460)
    panel.show()
    panel.set_sequence(CommandSequence.parse(SCENARIO, source="quectel.atseq"))
    panel.stop_on_failure.setChecked(False)
    server = LwM2MServer("127.0.0.1", 0)
    connection = ModuleConnection("sim://quectel-bg95", plugin, context.variant)

    async def scenario() -> None:
        connection.open()
        context.set_connection(connection)
        assert panel.run_all() is None  # LwM2M steps and no server: refused, with a reason
        assert "start the built-in server" in panel.message.text()
        await server.start()
        context.set_server(server)
        task = panel.run_all()
        assert task is not None
        report = await task
        assert not report.ok
        await asyncio.sleep(0)

    try:
        run(wb_loop, scenario(), timeout=60)
        outcomes = [panel.outcome(i) for i in range(len(panel.steps))]
        assert outcomes[0] is Outcome.SKIPPED  # the comment
        assert outcomes[1:-1] == [Outcome.PASSED] * 10, [
            (panel.table.item(i, _COL_RESULT).text()) for i in range(len(panel.steps))
        ]
        assert outcomes[-1] is Outcome.FAILED
        last = len(panel.steps) - 1
        assert panel.table.item(last, _COL_STATUS).text() == "✗ failed"
        assert "expected 'Nokia', got 'Quectel'" in panel.table.item(last, _COL_RESULT).text()
        assert panel.table.item(2, _COL_STATUS).text() == "✓ passed"
        assert "registered as" in panel.table.item(2, _COL_RESULT).text()
        assert "GET /3/0/0" in panel.table.item(last, _COL_RESULT).toolTip()  # the evidence
        assert panel.summary.text() == "10 of 11 passed · 1 failed"
        shot(panel, "sequences_scenario_lwm2m")
    finally:
        panel.shutdown()
        run(wb_loop, connection.close())
        context.set_server(None)
        run(wb_loop, server.stop())
