"""End to end: a simulated BG95 on a pty, configured only with the document's commands (§4.2.2),
registers with the built-in server; the server reads, writes, observes and executes, and the
decoded transcript shows the whole lifecycle in order.
"""

from __future__ import annotations

import time

import pytest

from tests.plugins.harness import ModuleBench


@pytest.mark.parametrize("plugin_id", ["quectel-bg95"])
def test_lifecycle_against_the_builtin_server(plugin_id: str) -> None:
    with ModuleBench(plugin_id, ack_timeout=0.5, request_timeout=3.0) as bench:
        url = bench.server_url
        assert bench.at(f'AT+QLWCFG="security",0,100,"{url}",0,3')[-1] == "OK"
        assert bench.at('AT+QLWCFG="server",0,60,0,50,60,1,"UQS"')[-1] == "OK"
        assert bench.at('AT+QLWSVC="reg"')[-1] == "OK"
        bench.wait_line(r"^\+QLWREG: 0$")
        bench.wait_line(r'^\+QLWURC: "event",100,2,"REG_READY"$')
        endpoint = bench.wait_registered()
        assert endpoint == "urn:imei:864475040090705"

        device = bench.run(lambda s: s.read(endpoint, "/3/0"))
        assert device.code == "2.05"
        assert "Quectel" in device.values.values()

        written = bench.run(lambda s: s.write(endpoint, "/3/0/14", "+01:00"))
        assert written.code == "2.04"
        bench.wait_line(r'^\+QLWURC: "recv","/3/0/14",4,6,$')
        bench.wait_line(r"^\+01:00$")

        observation = bench.run(lambda s: s.observe(endpoint, "/3/0/14"))
        bench.wait_line(r'^\+QLWURC: "observe",100,"/3/0/14",\d+,\d+,0$')
        assert bench.at('AT+QLWSVC="uldata",100,"/3/0/14",6,"+02:00"')[-1] == "OK"
        bench.wait_line(r'^\+QLWURC: "uldata",100,"/3/0/14",\d+,\d+,0$')
        deadline = time.monotonic() + 10
        while observation.notifications < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert observation.notifications >= 1
        assert observation.last is not None
        assert list(observation.last.result.values.values()) == ["+02:00"]

        assert bench.at('AT+QLWSVC="state"')[1].endswith(",0,2")

        executed = bench.run(lambda s: s.execute(endpoint, "/3/0/4"))
        assert executed.code == "2.04"
        bench.wait_line(r"^RDY$")
        bench.wait_line(r"^APP RDY$")
        assert bench.at("AT")[-1] == "OK"

        events = bench.events()
        assert not [e for e in events if e.kind == "unknown"]
        lifecycle = [
            (e.kind, e.get("state") or e.get("active") or e.get("path"))
            for e in events
            if e.kind in ("client", "registration", "observe", "notify", "downlink", "boot")
        ]
        assert lifecycle == [
            ("client", "registering"),  # +QLWREG: 0
            ("client", "initialising"),  # "event",100,0,"INITIAL"
            ("registration", "registered"),  # "event",100,2,"REG_READY"
            ("downlink", "/3/0/14"),  # "recv" after the server's write
            ("observe", True),  # "observe" after the server's observe
            ("notify", "/3/0/14"),  # "uldata" delivered
            ("registration", "registered"),  # AT+QLWSVC="state"
            ("boot", None),  # RDY after the server executed /3/0/4
            ("boot", None),  # APP RDY
        ]
