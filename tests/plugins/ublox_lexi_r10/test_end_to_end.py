"""End to end: a simulated LEXI-R10401D on a pty, driven only with the document's commands.

The factory server 721 is the built-in server (``server_url``). ``AT+ULWM2M=0`` and the reboot
the document asks for (``AT+CFUN=16``) start the client; the server reads /3/0, writes and
observes /3/0/14 (the module prints the notification URC), then executes /3/0/4 (a reset: the
volatile URC setting is back to 0). The decoded transcript shows the lifecycle in order.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.plugins.harness import ModuleBench
from workbench.server import LwM2MServer


def test_lexi_r10_lifecycle_against_the_builtin_server() -> None:
    with ModuleBench("ublox-lexi-r10", lifetime=60, start_delay=0.5) as bench:
        assert bench.at("AT+ULWM2M?")[-2] == "+ULWM2M: 1"  # factory: disabled
        assert bench.at("AT+ULWM2M=0")[-1] == "OK"
        assert bench.at("AT+CFUN=16")[-1] == "OK"
        time.sleep(0.2)
        assert bench.at("AT+ULWM2MSTAT=1,7")[-1] == "OK"
        bench.wait_line(r"^\+ULWM2MSTAT: 1,721,3$")
        bench.wait_line(r"^\+ULWM2MSTAT: 2,721,\d+$")
        endpoint = bench.wait_registered()
        assert bench.at("AT+ULWM2MREG?")[-3].startswith("+ULWM2MREG: 721,3,")

        device = bench.run(lambda s: s.read(endpoint, "/3/0"))
        assert device.code == "2.05" and "LEXI-R10401D" in device.values.values()
        assert bench.run(lambda s: s.write(endpoint, "/3/0/14", "+01:00")).code == "2.04"
        observation = bench.run(lambda s: s.observe(endpoint, "/3/0/14"))

        async def next_notification(server: LwM2MServer) -> asyncio.Task[Any]:
            return asyncio.ensure_future(observation.next(timeout=5))

        pending = bench.run(next_notification)
        bench.run(lambda s: s.write(endpoint, "/3/0/14", "+02:00"))

        async def wait(server: LwM2MServer) -> Any:
            return await pending

        assert list(bench.run(wait).result.values.values()) == ["+02:00"]
        bench.wait_line(r'^\+ULWM2MSTAT: 3,721,"/3/0/14"$')
        assert bench.run(lambda s: s.execute(endpoint, "/3/0/4")).code == "2.04"
        deadline = time.monotonic() + 5
        while "+ULWM2MSTAT: 0,1" not in bench.at("AT+ULWM2MSTAT?"):  # reset: URCs off again
            assert time.monotonic() < deadline, "the module did not reset"
            time.sleep(0.1)

        events = bench.events()
        assert not [e for e in events if e.kind == "unknown"]
        story = [
            (e.kind, e.get("state"))
            for e in events
            if e.kind in ("client", "registration", "connection", "update_timer", "notify")
        ]
        start = story.index(("client", "initialising"))
        assert story[start : start + 6] == [
            ("client", "initialising"),
            ("client", None),  # 5,2 "initialization finished" (audit M5)
            ("connection", "created"),
            ("registration", "pending"),
            ("registration", "registered"),
            ("update_timer", None),
        ]
        assert ("notify", None) in story[start + 6 :]
