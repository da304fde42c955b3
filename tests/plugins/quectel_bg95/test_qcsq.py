"""+QCSQ (BG96 AT manual, inferred for BG95): the SINR the network card's SNR row shows."""

from __future__ import annotations

import asyncio

from plugins.quectel_bg95 import PLUGINS
from tests.plugins.quectel_bg95.simbench import sim_bench
from workbench.app.pipeline import decode_log, events_of
from workbench.module.state import ModuleState
from workbench.viewmodel.networkcard import card_rows


def signal(text: str) -> dict[str, object]:
    (event,) = [e for e in events_of(decode_log(text.encode(), PLUGINS[0])) if e.kind == "signal"]
    return event.to_dict()


def test_sinr_in_fifths_of_a_db_from_minus_20() -> None:
    event = signal('AT+QCSQ\r\n+QCSQ: "CAT-M1",-91,-129,67,-20\r\nOK\r\n')
    assert (event["rssi_dbm"], event["rsrp_dbm"], event["rsrq_db"]) == (-91, -129, -20)
    assert event["snr_db"] == -6.6 and event["inferred"] is True
    assert signal('+QCSQ: "CAT-NB1",-70,-95,250,-9\r\n')["snr_db"] == 30.0
    assert signal('+QCSQ: "CAT-M1",-70,-95,255,-9\r\n')["snr_db"] is None  # out of range
    assert signal('+QCSQ: "NOSERVICE"\r\n') == {
        "kind": "signal", "line": 1, "raw": '+QCSQ: "NOSERVICE"', "sysmode": "NOSERVICE"
    }  # fmt: skip


def test_the_simulator_answers_and_the_card_shows_snr() -> None:
    async def scenario() -> str:
        async with sim_bench() as bench:
            lines = await bench.cmd("AT+QCSQ")
        return "\r\n".join(lines) + "\r\n"  # the echo first

    text = asyncio.run(scenario())
    state = ModuleState()
    state.apply_all(events_of(decode_log(text.encode(), PLUGINS[0])))
    rows = {r.key: r.text for r in card_rows(state)}
    assert rows["snr_db"] == "10 dB" and rows["rsrp_dbm"] == "-96 dBm"
