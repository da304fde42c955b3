"""The shared 3GPP decoder: timer bit fields, reject causes and signal indices as the standards
tabulate them, the vendor documents' own example lines, and every plugin inheriting it."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.app.pipeline import decode_log
from workbench.module.events import Event
from workbench.module.threegpp import (
    active_time,
    edrx_value,
    paging_time_window,
    periodic_tau,
    reject_text,
    rsrp_dbm,
    rsrq_db,
    rssi_dbm,
)
from workbench.plugin.loader import discover_plugins

PLUGINS = discover_plugins()


# -- TS 24.008 §10.5.7.4a GPRS Timer 3 (T3412 extended, <Periodic-TAU>) -----------------------
@pytest.mark.parametrize(
    ("bits", "seconds", "text"),
    [
        ("00000101", 5 * 600, "50 min"),  # unit 000: 10 minutes
        ("00100011", 3 * 3600, "3 h"),  # 001: 1 hour
        ("01000001", 36000, "10 h"),  # 010: 10 hours
        ("01100101", 10, "10 s"),  # 011: 2 seconds
        ("10000011", 90, "1 min 30 s"),  # 100: 30 seconds
        ("10100101", 300, "5 min"),  # 101: 1 minute
        ("11000010", 2 * 320 * 3600, "640 h"),  # 110: 320 hours
        ("00000000", 0, "0 s"),
    ],
)
def test_periodic_tau_units(bits: str, seconds: int, text: str) -> None:
    assert periodic_tau(bits) == {"bits": bits, "seconds": seconds, "text": text}


# -- TS 24.008 §10.5.7.4 GPRS Timer 2 (T3324, <Active-Time>) ---------------------------------
@pytest.mark.parametrize(
    ("bits", "seconds"),
    [
        ("00000101", 10),  # 000: 2 seconds
        ("00100011", 180),  # 001: 1 minute
        ("01000010", 720),  # 010: decihours
        ("01100001", 60),  # 011: "other values ... multiples of 1 minute"
        ("00011111", 62),
    ],
)
def test_active_time_units(bits: str, seconds: int) -> None:
    assert active_time(bits)["seconds"] == seconds


def test_unit_111_is_deactivated_for_both_timers() -> None:
    for decode in (periodic_tau, active_time):
        assert decode("11100000") == {
            "bits": "11100000",
            "deactivated": True,
            "text": "deactivated",
        }


@pytest.mark.parametrize("bad", ["0010001", "001000111", "0010002x", ""])
def test_a_malformed_timer_is_said_not_dropped(bad: str) -> None:
    decoded = periodic_tau(bad)
    assert "seconds" not in decoded and "8 binary digits" in decoded["error"]


# -- TS 24.008 §10.5.5.32 extended DRX parameters ------------------------------------------
@pytest.mark.parametrize(
    ("bits", "act_type", "seconds"),
    [
        ("0000", 4, 5.12),
        ("0101", 4, 81.92),
        ("1001", 4, 163.84),
        ("1111", 4, 10485.76),
        ("0010", 5, 20.48),
        ("0101", 5, 81.92),
        ("0000", 5, 20.48),  # NB-S1: undefined values are read as 0010
        ("1101", 5, 2621.44),
    ],
)
def test_edrx_cycle_per_access_technology(bits: str, act_type: int, seconds: float) -> None:
    assert edrx_value(bits, act_type)["seconds"] == seconds


def test_paging_time_window_steps() -> None:
    assert paging_time_window("0011", 4)["seconds"] == 5.12  # 1.28 s × 4
    assert paging_time_window("0011", 5)["seconds"] == 10.24  # 2.56 s × 4
    assert "error" in paging_time_window("0011", 2)
    assert "error" in edrx_value("01", 4)


# -- TS 27.007 §8.69 (+CESQ), §8.5 (+CSQ) ------------------------------------------------------
def test_signal_indices_to_dbm() -> None:
    assert [rsrp_dbm(v) for v in (0, 1, 58, 97, 255, None)] == [-141, -140, -83, -44, None, None]
    assert [rsrq_db(v) for v in (0, 1, 22, 34, 255)] == [-20.0, -19.5, -9.0, -3.0, None]
    assert [rssi_dbm(v) for v in (0, 20, 31, 99)] == [-113, -73, -51, None]


# -- TS 24.301 Annex A EMM causes ------------------------------------------------------------
@pytest.mark.parametrize(
    ("cause_type", "cause", "text"),
    [
        (0, 3, "Illegal UE"),
        (0, 11, "PLMN not allowed"),
        (0, 15, "No suitable cells in tracking area"),
        (0, 22, "Congestion"),
        (None, 7, "EPS services not allowed"),
        (0, 200, "EMM cause #200 (not in TS 24.301 Annex A)"),
        (1, 15, "manufacturer-specific cause 15"),
    ],
)
def test_reject_causes_in_words(cause_type: int | None, cause: int, text: str) -> None:
    assert reject_text(cause_type, cause) == text


# -- whole lines, through a plugin's decoder --------------------------------------------------
def decode(module: str, text: str) -> list[Event]:
    plugin = PLUGINS.get(module)
    assert plugin is not None
    decoded = decode_log(text.replace("\n", "\r\n").encode(), plugin)
    return [e for d in decoded for e in d.events if e.kind not in ("command", "result")]


def only(events: list[Event], kind: str) -> dict[str, Any]:
    matching = [e.to_dict() for e in events if e.kind == kind]
    assert len(matching) == 1, events
    return matching[0]


def test_cereg_n3_urc_gives_the_reject_cause_in_words() -> None:
    event = only(decode("quectel-bg95", '+CEREG: 3,"2B67","01A2D101",7,0,15\n'), "network")
    assert event["state"] == "denied"
    assert (event["reject_cause"], event["cause_type"]) == (15, 0)
    assert event["reject_text"] == "No suitable cells in tracking area"
    assert event["act_name"] == "LTE / LTE-M (E-UTRAN)"


def test_cereg_n4_read_gives_the_granted_psm_timers() -> None:
    log = 'AT+CEREG?\n+CEREG: 4,1,"2B67","01A2D101",7,,,"00000101","00100011"\nOK\n'
    event = only(decode("ublox-sara-r5", log), "network")
    assert event["mode"] == 4 and event["state"] == "registered_home"
    assert "reject_cause" not in event
    assert event["active_time"]["seconds"] == 10
    assert event["periodic_tau"]["seconds"] == 3 * 3600


def test_st87mxx_note_cereg_lines() -> None:
    """ST87MXX application note §6.3.3 and §6.6.3 print the same +CEREG twice, the second
    with one field fewer; both give Active-Time 2 s, the second marked inferred."""
    full = only(decode("st-st87mxx", '+CEREG: 5,"42C6","0063D26F",9,,,"00000001",""\n'), "network")
    assert full["state"] == "registered_roaming" and full["act"] == 9
    assert full["active_time"]["seconds"] == 2 and "inferred" not in full
    short = '+CEREG: 5, "42C6", "0063D26F", 9, "", "00000001", ""\n'
    event = only(decode("st-st87mxx", short), "network")
    assert event["active_time"]["seconds"] == 2 and event["inferred"] is True
    assert "reject_cause" not in event
    searching = only(decode("st-st87mxx", '+CEREG: 2,"","",,,,"",""\n'), "network")
    assert searching["state"] == "searching" and "active_time" not in searching


def test_sim7028_note_signal_and_address() -> None:
    """SIM7028 application note §4.1: +CESQ: 99,99,255,255,22,58 and +CGPADDR."""
    log = 'AT+CESQ\n+CESQ: 99,99,255,255,22,58\nOK\nAT+CGPADDR\n+CGPADDR: 0,"11.102.241.134"\nOK\n'
    events = decode("simcom-sim7028", log)
    signal = only(events, "signal")
    assert (signal["rsrp_dbm"], signal["rsrq_db"]) == (-83, -9.0)
    assert only(events, "address")["addresses"] == ["11.102.241.134"]


def test_psm_edrx_and_apn_answers() -> None:
    log = (
        'AT+CPSMS?\n+CPSMS: 1,,,"10100101","00100001"\nOK\n'
        'AT+CEDRXS?\n+CEDRXS: 4,"0101"\nOK\n'
        'AT+CEDRXRDP\n+CEDRXRDP: 4,"0101","0010","0011"\nOK\n'
        'AT+CGDCONT?\n+CGDCONT: 1,"IP","iot.example","10.0.0.2",0,0\nOK\n'
    )
    events = decode("simcom-sim7028", log)
    psm = only(events, "psm")
    assert psm["mode"] == 1
    assert psm["requested_tau"]["seconds"] == 300 and psm["requested_active"]["seconds"] == 60
    edrx = [e.to_dict() for e in events if e.kind == "edrx"]
    assert edrx[0]["requested"]["seconds"] == 81.92 and "granted" not in edrx[0]
    assert edrx[1]["granted"]["seconds"] == 20.48 and edrx[1]["ptw"]["seconds"] == 5.12
    pdp = only(events, "pdp_context")
    assert (pdp["cid"], pdp["apn"], pdp["pdp_type"]) == (1, "iot.example", "IP")


@pytest.mark.parametrize("module", sorted(PLUGINS.ids))
def test_every_plugin_inherits_the_3gpp_decoder(module: str) -> None:
    events = decode(module, '+CEREG: 3,"2B67","01A2D101",7,0,11\n+CEDRXP: 5,"0101","0101","0000"\n')
    assert only(events, "network")["reject_text"] == "PLMN not allowed"
    assert only(events, "edrx")["granted"]["seconds"] == 81.92
