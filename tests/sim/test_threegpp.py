"""The simulated module's 3GPP answers the network card asks for: +CPSMS, +CEDRXS/+CEDRXRDP,
+CGDCONT, +CCID, +CEREG n=3/4 (reject cause, granted timers), and a radio that drifts slowly."""

from __future__ import annotations

import itertools

from tests.sim.test_base import Sim, lines_of, quiet
from workbench.module.threegpp import active_time, periodic_tau


def test_psm_requested_then_granted_in_cereg_4() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b'AT+CPSMS=1,,,"00100001","00000101"\r') == ["OK"]
    assert lines_of(sim, b"AT+CPSMS?\r") == ['+CPSMS: 1,,,"00100001","00000101"', "OK"]
    lines_of(sim, b"AT+CEREG=4\r")
    (answer, ok) = lines_of(sim, b"AT+CEREG?\r")
    assert ok == "OK"
    fields = answer.split(",")
    assert fields[:2] == ["+CEREG: 4", "1"]
    # Granted: the TAU asked for, Active-Time raised to the network's 30 s minimum.
    assert periodic_tau(fields[-1].strip('"'))["seconds"] == 3600
    assert active_time(fields[-2].strip('"'))["seconds"] == 30


def test_psm_off_is_granted_as_deactivated_and_bad_timers_refused() -> None:
    sim = Sim()
    quiet(sim, b"AT+CMEE=1\rAT+CEREG=4\r")
    assert lines_of(sim, b"AT+CEREG?\r")[0].endswith(',"11100000","11100000"')
    assert lines_of(sim, b'AT+CPSMS=1,,,"0010001","00000101"\r') == ["+CME ERROR: 50"]


def test_reject_cause_in_cereg_3_urc() -> None:
    sim = Sim()
    quiet(sim, b"AT+CEREG=3\r")
    sim.network.reject_cause = 15
    out = bytearray()
    sim.set_output(out.extend)
    sim.set_registration(3)
    assert out.decode().strip() == "+CEREG: 3,,,,0,15"


def test_edrx_requested_and_granted() -> None:
    sim = Sim()
    quiet(sim)
    assert lines_of(sim, b"AT+CEDRXS?\r") == ["OK"]  # none requested: no line
    assert lines_of(sim, b"AT+CEDRXRDP\r") == ["+CEDRXRDP: 0", "OK"]
    assert lines_of(sim, b'AT+CEDRXS=2,4,"1001"\r') == ["OK"]
    assert lines_of(sim, b"AT+CEDRXS?\r") == ['+CEDRXS: 4,"1001"', "OK"]
    assert lines_of(sim, b"AT+CEDRXRDP\r") == ['+CEDRXRDP: 4,"1001","1001","0011"', "OK"]


def test_apn_and_iccid() -> None:
    sim = Sim()
    quiet(sim, b"AT+CMEE=1\r")
    assert lines_of(sim, b"AT+CGDCONT?\r") == ['+CGDCONT: 1,"IP","internet","10.0.0.2",0,0', "OK"]
    assert lines_of(sim, b'AT+CGDCONT=1,"IPV4V6","iot.example"\r') == ["OK"]
    assert lines_of(sim, b"AT+CGDCONT?\r")[0] == '+CGDCONT: 1,"IPV4V6","iot.example","10.0.0.2",0,0'
    assert lines_of(sim, b'AT+CGDCONT=2,"IP","x"\r') == ["+CME ERROR: 3"]
    assert lines_of(sim, b"AT+CCID\r") == [f"+CCID: {sim.identity.iccid}", "OK"]


def test_signal_drifts_slowly_and_stays_in_range() -> None:
    sim = Sim()
    quiet(sim)
    values = []
    for _ in range(200):
        answer = lines_of(sim, b"AT+CESQ\r")[0]
        rsrq, rsrp = (int(v) for v in answer.split(",")[-2:])
        values.append((rsrq, rsrp))
    assert values[0] == (20, 45)  # the configured value first
    assert len({v[1] for v in values}) > 3  # it moves
    steps = [abs(a[1] - b[1]) for a, b in itertools.pairwise(values)]
    assert max(steps) <= 1  # slowly: at most 1 dB per query
    assert all(39 <= v[1] <= 51 and 16 <= v[0] <= 24 for v in values)


def test_what_the_host_configured_survives_a_reboot() -> None:
    sim = Sim()
    quiet(sim)
    lines_of(sim, b'AT+CPSMS=1,,,"00000110","00000011"\r', b'AT+CEDRXS=1,4,"0010"\r')
    lines_of(sim, b'AT+CGDCONT=1,"IP","iot.example"\r', b"AT+CFUN=16\r")
    assert sim.boot_count == 1
    quiet(sim)
    assert lines_of(sim, b"AT+CPSMS?\r")[0] == '+CPSMS: 1,,,"00000110","00000011"'
    assert lines_of(sim, b"AT+CEDRXS?\r")[0] == '+CEDRXS: 4,"0010"'
    assert '"iot.example"' in lines_of(sim, b"AT+CGDCONT?\r")[0]
