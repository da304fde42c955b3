"""End to end, per plugin: the network card and the signal trends against the simulated module.

The demo (built-in server + simulated module on a pty) runs; "Refresh network info" on the card
sends the shared template; the card shows the registration, RSRP/RSRQ, PSM requested vs
granted, eDRX, APN and IP from the answers; every refresh adds a point to the RSRP and RSRQ
lines on the timeline. Then the simulated network rejects the module (EMM cause #15) and the
card says so in words.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.gui.test_e2e_tree import _panels, _params
from tests.gui.wb_helpers import run, shot, until
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.network import NetworkCardPanel
from workbench.gui.panels.timeline import TimelinePanel
from workbench.plugin.loader import discover_plugins


@pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")
@pytest.mark.parametrize("plugin_id", _params())
def test_network_card_end_to_end(wb_loop: asyncio.AbstractEventLoop, plugin_id: str) -> None:
    window = MainWindow(
        discover_plugins(), record_sessions=False, port_lister=lambda: [], panels=_panels()
    )
    window.resize(1400, 900)
    window.show()
    window.show_dock(window.docks["network"])
    card = window.panels["network"]
    assert isinstance(card, NetworkCardPanel)
    timeline = window.panels["timeline"]
    assert isinstance(timeline, TimelinePanel)
    messages: list[tuple[str, str]] = []
    window.context.message.connect(lambda level, text: messages.append((level, text)))

    async def refresh() -> None:
        result = await card.refresh_from_module()
        assert result is not None and result.ok, result

    async def body() -> None:
        try:
            window.start_demo(plugin_id)
            await until(lambda: window.context.connected, 8, f"{plugin_id} port open")
            assert card.value_text("registration") == "—"
            assert card.refresh_button.isEnabled()
            sim = window.demo._host.simulator  # type: ignore[union-attr]
            for command in ('AT+CPSMS=1,,,"00100001","00000101"', 'AT+CEDRXS=2,4,"0101"'):
                assert (await window.context.send(command)).ok, command
            await refresh()
            await until(lambda: card.value_text("rsrp_dbm").endswith("dBm"), 3, "RSRP on card")
            assert card.value_text("registration").startswith("registered")
            assert card.value_text("rsrq_db").endswith(" dB")
            assert card.value_text("psm_requested") == "TAU 1 h, active 10 s"
            assert card.value_text("psm_granted") == "TAU 1 h, active 30 s"
            assert card.value_text("edrx_granted").startswith("81.92 s")
            assert card.value_text("apn").startswith("internet (IP, context ")
            assert sim.network.address in card.value_text("ip")
            assert card.value_text("reject") == "none reported"
            assert (await window.context.send("AT+CIMI")).ok
            await until(lambda: card.value_text("imsi") == sim.identity.imsi, 3, "IMSI on card")
            for _ in range(3):
                await refresh()
            trend = timeline.trends.trend
            if plugin_id.startswith("quectel-"):  # its own +QCSQ has the SINR 27.007 lacks
                assert (await window.context.send("AT+QCSQ")).ok
                await until(lambda: card.value_text("snr_db").endswith(" dB"), 3, "SNR")
                assert len(trend.series("snr_db")[0]) == 1
            await until(lambda: len(trend.series("rsrp_dbm")[0]) >= 4, 3, "four RSRP points")
            assert all(-140 <= v <= -44 for v in trend.series("rsrp_dbm")[1])
            # The lane redraws coalesced and only while shown: showing it draws what came.
            window.show_dock(window.docks["timeline"])
            curve = timeline.trends.curves["rsrq_db"]
            drawn = lambda: curve.xData is not None and len(curve.xData) >= 4  # noqa: E731
            await until(drawn, 3, "four RSRQ points drawn")

            # The network rejects the module: the card says why, in words.
            sim.network.reject_cause = 15
            sim.set_registration(3)
            await refresh()
            await until(lambda: "rejected" in card.headline.text(), 3, "reject on the card")
            assert card.value_text("reject") == "#15 No suitable cells in tracking area"
            assert card.value_text("registration").startswith("registration denied")
            await asyncio.sleep(0.2)
            shot(card, f"network_card_{plugin_id}")
            timeline.fit_all()
            shot(timeline, f"timeline_trends_{plugin_id}")
            assert not [m for m in messages if m[0] == "error"], messages
        finally:
            await window.shutdown()

    run(wb_loop, body(), timeout=40)
    window._closed_for_real = True
    window.close()
