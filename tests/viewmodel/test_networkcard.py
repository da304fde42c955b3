"""The network card's rows and the signal trend, from decoded 3GPP answers (no Qt)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.app.pipeline import decode_log
from workbench.module.events import Event
from workbench.module.state import ModuleState
from workbench.plugin.loader import discover_plugins
from workbench.viewmodel.networkcard import card_rows
from workbench.viewmodel.trends import SignalTrend

PLUGIN = discover_plugins().get("quectel-bg95")

REFRESH = """AT+CEREG=4;+CEREG?;+CESQ;+CSQ;+COPS?;+CPSMS?;+CEDRXS?;+CEDRXRDP;+CGDCONT?;+CGPADDR
+CEREG: 4,1,"2B67","01A2D101",7,,,"00001111","00100001"
+CESQ: 99,99,255,255,20,45
+CSQ: 20,99
+COPS: 0,0,"Simulated",7
+CPSMS: 1,,,"00100001","00000101"
+CEDRXS: 4,"0101"
+CEDRXRDP: 4,"0101","0010","0011"
+CGDCONT: 1,"IP","internet","10.0.0.2",0,0
+CGPADDR: 1,"10.0.0.2"
OK
"""


def events(text: str) -> list[Event]:
    decoded = decode_log(text.replace("\n", "\r\n").encode(), PLUGIN)
    return [e for d in decoded for e in d.events]


def card(text: str, state: ModuleState | None = None) -> dict[str, tuple[str, bool, int | None]]:
    state = state or ModuleState()
    state.apply_all(events(text))
    return {r.key: (r.text, r.warning, r.line) for r in card_rows(state)}


def test_a_refresh_fills_every_radio_row_with_its_line() -> None:
    rows = card(REFRESH)
    assert rows["registration"] == (
        "registered (home network) · LTE / LTE-M (E-UTRAN) · TAC 2B67, cell 01A2D101",
        False,
        2,
    )
    assert rows["reject"][0] == "none reported"
    assert rows["rsrp_dbm"][:2] == ("-96 dBm", False)
    assert rows["rsrq_db"][0] == "-10 dB"
    assert rows["snr_db"][0] == "—"
    assert rows["psm_requested"][0] == "TAU 1 h, active 10 s"
    assert rows["psm_granted"][0] == "TAU 1 h, active 30 s"
    assert rows["edrx_requested"][0] == "81.92 s (LTE-M (WB-S1))"
    assert rows["edrx_granted"][0] == "20.48 s (LTE-M (WB-S1)), paging window 5.12 s"
    assert rows["operator"][0] == "Simulated"
    assert rows["apn"][0] == "internet (IP, context 1)"
    assert rows["ip"][0] == "10.0.0.2 (context 1)"
    assert rows["imsi"][0] == "—"


def test_reject_is_a_warning_until_registered_again() -> None:
    state = ModuleState()
    card(REFRESH, state)
    rows = card('+CEREG: 3,"","",,0,11\n', state)
    assert rows["psm_granted"][0] == "—"  # nothing is granted to a module not registered
    assert rows["registration"][:2] == ("registration denied", True)
    assert rows["reject"][:2] == ("#11 PLMN not allowed", True)
    rows = card('+CEREG: 1,"2B67","01A2D101",7\n', state)
    assert rows["reject"][0] == "none reported"
    assert rows["registration"][1] is False


def test_psm_requested_but_not_granted_is_flagged() -> None:
    rows = card(
        'AT+CPSMS?\n+CPSMS: 1,,,"00100001","00000101"\nOK\n'
        '+CEREG: 1,"2B67","01A2D101",7,,,"11100000","11100000"\n'
    )
    assert rows["psm_granted"] == (
        "TAU deactivated, active deactivated (PSM not granted)",
        True,
        4,
    )


def test_a_reboot_forgets_what_the_network_granted_not_what_was_asked() -> None:
    state = ModuleState()
    card(REFRESH, state)
    rows = card("RDY\n", state)
    assert rows["registration"][0] == "—" and rows["ip"][0] == "—"
    assert rows["psm_requested"][0] == "TAU 1 h, active 10 s"
    assert rows["apn"][0].startswith("internet")


@dataclass
class _Line:
    seq: int
    host_time: float
    events: tuple[Event, ...]


def test_trend_points_per_signal_answer_with_gaps_for_unknown() -> None:
    trend = SignalTrend()
    answers = ["+CESQ: 99,99,255,255,20,45", "+CESQ: 99,99,255,255,255,255", "+CSQ: 20,99"]
    lines = [_Line(i, 100.0 + i, tuple(events(text + "\n"))) for i, text in enumerate(answers)]
    assert trend.add_lines(lines)
    times, values = trend.series("rsrp_dbm")
    assert times.tolist() == [100.0, 101.0] and values[0] == -96 and math.isnan(values[1])
    assert trend.latest("rsrp_dbm") == -96
    assert [len(a) for a in trend.series("snr_db")] == [0, 0]
    version = trend.version
    assert not trend.add_lines([_Line(9, 109.0, tuple(events("OK\n")))])
    assert trend.version == version


def test_trend_keeps_the_newest_points_in_order_past_its_limit() -> None:
    """The arrays grow, slide and drop the oldest beyond the limit; what is kept is always
    the newest ``limit`` points, oldest first, whatever the buffer did in between."""
    trend = SignalTrend(limit=100)
    kept: list[float] = []
    for i in range(1000):
        decoded = tuple(events(f"+CESQ: 99,99,255,255,20,{1 + i % 90}\n"))
        assert trend.add_lines([_Line(i, float(i), decoded)])
        kept = [*kept, float(i)][-100:]
        times, values = trend.series("rsrp_dbm")
        assert times.tolist() == kept
        rsrp = next(e.fields["rsrp_dbm"] for e in decoded if "rsrp_dbm" in e.fields)
        assert values[-1] == rsrp == trend.latest("rsrp_dbm")
    assert len(trend) == 200  # RSRP and RSRQ, 100 each
    trend.clear()
    assert len(trend) == 0 and trend.latest("rsrp_dbm") is None
