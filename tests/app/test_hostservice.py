"""The connection's host-answer service, over a real pty and real UDP (SIM7028 simulator).

The demo session provides the parts (built-in server, simulated module on a pty, the
connection); the service is what the CLI, the demo and the window share.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.async_helpers import until
from workbench.app.connection import ModuleConnection
from workbench.app.demo import DemoSession
from workbench.app.hostservice import HostAnswerReport
from workbench.plugin.loader import discover_plugins

ADD_OBJECT = "AT+LWADDOBJ=0,3303,0,4,5700,5701,5750,5605"


def _run(body: Any) -> None:
    asyncio.run(asyncio.wait_for(body(), 60))


def test_by_hand_waits_then_answers_from_the_value_store() -> None:
    async def body() -> None:
        session = DemoSession(
            discover_plugins(user=False, entry_points=False).get("simcom-sim7028")
        )
        try:
            await session.start()
            report = await session.connect(20)
            assert report.registered, report.error
            conn = session.connection
            assert conn is not None
            service = conn.host_answers
            assert service.supported
            seen: list[HostAnswerReport] = []
            service.subscribe(seen.append)
            assert (await session.send(ADD_OBJECT)).ok
            service.by_hand = True
            service.set_value("/3303/0/5700", 19.25)
            read = asyncio.ensure_future(session.server.read(report.endpoint, "/3303/0/5700"))
            await until(lambda: bool(service.pending()), 5, "a pending request")
            await asyncio.sleep(0.2)
            (group,) = service.pending()
            assert [r.path for r in group] == ["/3303/0/5700"] and not seen and not read.done()
            service.by_hand = False
            (answered,) = service.check()
            assert answered.answer is not None
            assert answered.answer.commands == ['AT+LWREADRSP=0,3303,0,1,5700,"F",5,"19.25"']
            result = await asyncio.wait_for(read, 10)
            assert result.code == "2.05" and list(result.values.values()) == [19.25]
            await until(lambda: any(r.sent for r in seen), 5, "the module's OK")
            assert service.pending() == []
            # The server writes: the store holds what it wrote, typed.
            write = await session.server.write(report.endpoint, "/3303/0/5750", "den")
            assert write.code == "2.04"
            assert service.values["/3303/0/5750"] == "den"
            # A whole-instance read with nothing stored under it cannot be answered: reported.
            service.values.clear()
            pending = asyncio.ensure_future(session.server.read(report.endpoint, "/3303/0"))
            await until(lambda: any(r.answer is None for r in seen), 5, "an error report")
            failed = next(r for r in seen if r.answer is None)
            assert "no values of /3303/0" in failed.error and failed.raw.startswith("+LWREAD:")
            assert service.pending() == []  # not retried on every line
            pending.cancel()
        finally:
            await session.stop()

    _run(body)


def test_a_replayed_session_shows_requests_but_answers_none() -> None:
    plugin = discover_plugins(user=False, entry_points=False).get("simcom-sim7028")
    conn = ModuleConnection("replay", plugin)
    conn.replay([("rx", 1.0, b"\r\n+LWREAD: 0,3303,0,1,5700\r\n")])
    assert conn.status == "closed"
    (group,) = conn.host_answers.pending()
    assert group[0].path == "/3303/0/5700"
    assert conn.host_answers.check() == [] and not conn.host_answers.reports


def test_a_plugin_without_host_objects_answers_nothing() -> None:
    plugin = discover_plugins(user=False, entry_points=False).get("quectel-bg95")
    conn = ModuleConnection("replay", plugin)
    assert not conn.host_answers.supported and conn.host_answers.pending() == []
    conn.set_plugin(discover_plugins(user=False, entry_points=False).get("st-st87mxx"))
    assert conn.host_answers.supported  # follows the connection's plugin
