"""(d) End to end: a simulated module on a pty, configured only with the note's AT commands,
registers with the built-in server, which reads, writes, observes and executes on it.
"""

from __future__ import annotations

import re
from typing import Any

from tests.plugins.harness import ModuleBench

WRITE_TIME = (
    'AT+ULWM2MWRITE="{\\"bn\\":\\"/3/0/\\",\\"e\\":[{\\"n\\":\\"13\\",\\"v\\":1700000000}]}"'
)


def _kinds(events: list[Any]) -> list[tuple[str, Any]]:
    wanted = {"client", "registration", "update_timer", "notify", "connection"}
    return [(e.kind, e.get("state") or e.get("path")) for e in events if e.kind in wanted]


def test_sara_r5_full_lifecycle() -> None:
    with ModuleBench("ublox-sara-r5", "01B", lifetime=60) as bench:
        # §3.7 "Enable uFOTA on all other MNO profiles" + Appendix C's URC setting.
        assert bench.at("AT+CMEE=2")[-1] == "OK"
        assert bench.at("AT+ULWM2M?")[-2] == "+ULWM2M: 1"  # §3.2: disabled on profile 90
        assert bench.at("AT+ULWM2MSTAT=1,7")[-1] == "OK"
        assert bench.at("AT+ULWM2M=0")[-1] == "OK"
        assert bench.at("AT+CFUN=16")[-1] == "OK"
        bench.wait_line(r"^\+ULWM2MSTAT: 5,1$")
        bench.wait_line(r"^\+ULWM2MSTAT: 5,2$")
        bench.wait_line(r'^\+ULWM2MSTAT: 6,721,0,"coap://127\.0\.0\.1:\d+"$')
        bench.wait_line(r"^\+ULWM2MSTAT: 1,721,3$")  # SARA-R5: 3 = registered (§5.1.5)
        bench.wait_line(r"^\+ULWM2MSTAT: 2,721,\d+$")
        endpoint = bench.wait_registered()
        assert endpoint == "urn:imei:352753095787618"
        reg = bench.at("AT+ULWM2MREG?")
        # SARA-R5 answers with its own numbering (3 = registered, audit M1).
        assert re.fullmatch(r"\+ULWM2MREG: 721,3,\d+", reg[-2]) and reg[-1] == "OK"

        read = bench.run(lambda s: s.read(endpoint, "/3/0"))
        assert read.code == "2.05"
        assert any(str(p) == "/3/0/0" and v == "u-blox" for p, v in read.values.items())

        write = bench.run(lambda s: s.write(endpoint, "/3/0/14", "+01:00"))
        assert write.code == "2.04"
        lines = bench.at('AT+ULWM2MREAD="/3/0/14"')
        assert lines[-2] == '+ULWM2MREAD: {"bn":"/3/0/14/","e":[{"n":"14","sv":"+01:00"}]}'

        notes: list[Any] = []
        observation = bench.run(lambda s: s.observe(endpoint, "/3/0/13", callback=notes.append))
        assert observation is not None
        assert bench.at(WRITE_TIME)[-1] == "OK"  # the host updates the value (§4.5)
        bench.wait_line(r"^\+ULWM2MSTAT: 3,721,/3/0/13$")
        deadline_lines = 0
        while not notes and deadline_lines < 50:
            bench.run(lambda s: _sleep(0.1))
            deadline_lines += 1
        assert notes, "the server received the notification"

        result = bench.run(lambda s: s.execute(endpoint, "/3/0/4"))
        assert result.code == "2.04"
        bench.wait_line(r"^\+ULWM2MSTAT: 5,1$", timeout=10)  # §5.6: the module resets
        bench.wait_line(r"^\+ULWM2MSTAT: 1,721,3$", timeout=15)

        kinds = _kinds(bench.events())
        expected = [
            ("client", "initialising"),
            ("client", None),  # 5,2 "initialization finished": no state (audit M5)
            ("connection", "created"),
            ("registration", "registered"),
            ("update_timer", None),
            ("notify", "/3/0/13"),
            ("client", "initialising"),
            ("client", None),  # 5,2 "initialization finished": no state (audit M5)
            ("connection", "created"),
            ("registration", "registered"),
        ]
        it = iter(kinds)
        for item in expected:
            kind, value = item
            assert any(k == kind and (value is None or v == value) for k, v in it), (item, kinds)
        codes = [e.get("code") for e in bench.events() if e.kind == "registration"]
        assert 3 in codes


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def test_sara_r410m_63b_reports_registered_as_2() -> None:
    """§4.3.2/§5.1.5: the 63B/73B/83B firmware prints status 2, URCs on by default."""
    with ModuleBench("ublox-sara-r4", "63B", lifetime=60) as bench:
        bench.wait_line(r"^\+ULWM2MSTAT: 1,721,2$", timeout=15)
        events = [e for e in bench.events() if e.kind == "registration"]
        assert events and events[-1].get("state") == "registered" and events[-1].get("code") == 2
        assert bench.at("AT+ULWM2MDEREG=0", timeout=10)[-1] == "OK"  # §4.3.3
        bench.wait_line(r"^\+ULWM2MSTAT: 1,721,0$", since_start=True)
        assert bench.at("AT+ULWM2MREG=721")[-1].startswith("ERROR")  # until a reset


def test_unreachable_server_reports_failure() -> None:
    with ModuleBench(
        "ublox-lexi-r4", None, lwm2m_enabled=True, ack_timeout=0.2, max_retransmit=0,
        retry_attempts=1,
    ) as bench:  # fmt: skip
        bench.run(lambda s: s.stop())
        bench.at("AT+ULWM2MSTAT=1,7")
        bench.at("AT+CFUN=16")
        bench.wait_line(r"^\+ULWM2MSTAT: 1,721,4$", timeout=15)  # failed (code inferred)


def test_a_host_lifetime_write_reaches_the_server_in_the_update() -> None:
    """§4.4 "The lifetime is modified with following sequence": AT+ULWM2MWRITE on the server
    instance's resource 1, then "the client will perform a registration update to the listed
    servers, to notify the change" — so the Update carries the new lifetime (lt=)."""
    with ModuleBench("ublox-sara-r5", "01B", lifetime=60) as bench:
        assert bench.at("AT+ULWM2MSTAT=1,7")[-1] == "OK"
        assert bench.at("AT+ULWM2M=0")[-1] == "OK"
        assert bench.at("AT+CFUN=16")[-1] == "OK"
        endpoint = bench.wait_registered()

        async def lifetime(server: Any) -> int:
            return int(server.clients[endpoint].lifetime)

        assert bench.run(lifetime) == 60
        read = bench.at('AT+ULWM2MREAD="/1"')
        # {"bn":"/1/","e":[{"n":"<i>/0","v":721},...]}: the instance that serves 721.
        instance = re.search(r'"n":"(\d+)/0","v":721\}', read[-2])
        assert instance, read
        write = (
            f'AT+ULWM2MWRITE="{{\\"bn\\":\\"/1/{instance.group(1)}/\\",'
            '\\"e\\":[{\\"n\\":\\"1\\",\\"v\\":180}]}"'
        )
        assert bench.at(write)[-1] == "OK"
        for _ in range(50):
            if bench.run(lifetime) == 180:
                break
            bench.run(lambda s: _sleep(0.1))
        assert bench.run(lifetime) == 180, "the Update did not carry the new lifetime"
        lines = bench.at(f'AT+ULWM2MREAD="/1/{instance.group(1)}/1"')
        assert '"v":180' in lines[-2], lines
