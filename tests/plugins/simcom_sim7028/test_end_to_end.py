"""End to end: a simulated SIM7028 on a pty, configured only with the note's AT commands.

The module registers with the built-in server over UDP; the server reads /3/0, writes and
observes /3/0/14 (a notification arrives), reads and writes the host-managed object the test
added with AT+LWADDOBJ (answering +LWREAD/+LWWRITE as a host MCU would), and finally executes
/3/0/4, which resets the module. The transcript, decoded by the plugin, shows it all in order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.plugins.harness import ModuleBench
from workbench.server import LwM2MServer

EP = "simcom"


def start(bench: ModuleBench, action: Any) -> Any:
    """Start a server request on the bench loop without waiting for it (the host must answer)."""

    async def spawn(server: LwM2MServer) -> asyncio.Task[Any]:
        return asyncio.ensure_future(action(server))

    return bench.run(spawn)


def finish(bench: ModuleBench, task: asyncio.Task[Any]) -> Any:
    async def wait(server: LwM2MServer) -> Any:
        return await task

    return bench.run(wait)


def test_sim7028_lifecycle_against_the_builtin_server() -> None:
    with ModuleBench("simcom-sim7028", host_timeout=5.0) as bench:
        port = bench.server.address[1]
        assert bench.at("AT+CEREG?")[-1] == "OK"
        assert bench.at("AT+LWSTART")[-1] == "OK"
        for command in (
            'AT+LWCNF="server","127.0.0.1"',
            f'AT+LWCNF="serverport","{port}"',
            f'AT+LWCNF="endpointname","{EP}"',
            'AT+LWCNF="lifetime",800',
        ):
            assert bench.at(command)[-1] == "OK", command
        assert bench.at("AT+LWOPEN", timeout=10)[-1] == "OK"
        bench.wait_line(r"^\+LMOPEN: 0$")
        assert bench.wait_registered() == EP
        assert bench.at("AT+LWADDOBJ=0,3303,0,4,5700,5701,5750,5605")[-1] == "OK"

        device = bench.run(lambda s: s.read(EP, "/3/0"))
        assert device.code == "2.05"
        assert "SIM7028" in {str(v) for v in device.values.values()}

        written = bench.run(lambda s: s.write(EP, "/3/0/14", "+02:00"))
        assert written.code == "2.04"
        observation = bench.run(lambda s: s.observe(EP, "/3/0/14"))
        assert observation.initial.code == "2.05"
        pending = start(bench, lambda s: observation.next(timeout=5))
        bench.run(lambda s: s.write(EP, "/3/0/14", "+03:00"))
        notification = finish(bench, pending)
        assert list(notification.result.values.values()) == ["+03:00"]

        read = start(bench, lambda s: s.read(EP, "/3303/0/5700"))
        bench.wait_line(r"^\+LWREAD: 0,3303,0,1,5700$")
        assert bench.at('AT+LWREADRSP=0,3303,0,1,5700,"F",4,"21.5"')[-1] == "OK"
        result = finish(bench, read)
        assert result.code == "2.05" and list(result.values.values()) == [21.5]

        write = start(bench, lambda s: s.write(EP, "/3303/0/5750", "kitchen"))
        bench.wait_line(r'^\+LWWRITE: 0,3303,0,1,5750,S,7,"kitchen"$')
        assert bench.at("AT+LWWRITERSP=0,68")[-1] == "OK"
        assert finish(bench, write).code == "2.04"

        reboot = bench.run(lambda s: s.execute(EP, "/3/0/4"))
        assert reboot.code == "2.04"
        bench.wait_line("^RDY$")

        events = bench.events()
        assert not [e for e in events if e.kind == "unknown"]
        story = [
            (e.kind, e.get("state") or e.get("op") or e.get("text"))
            for e in events
            if e.kind in ("client", "registration", "host_request", "host_response", "boot")
        ]
        assert story == [
            ("client", "ready"),
            ("registration", "registered"),
            ("host_request", "read"),
            ("host_response", "read"),
            ("host_request", "write"),
            ("host_response", "write"),
            ("boot", "RDY"),
        ]
        request = next(e for e in events if e.kind == "host_request" and e["op"] == "write")
        assert request["path"] == "/3303/0/5750" and request["value"] == "kitchen"
