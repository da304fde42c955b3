"""Caps on clients, objects and lifetime: the answers, the events, and a bounded flood."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

from aiocoap.numbers.codes import Code

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from tests.server.flood import run_flood
from workbench.lwm2m.model import ObjectRegistry
from workbench.server import ServerConfig
from workbench.server.limits import LimitGuard, Limits, Refusal
from workbench.server.transport import RecentMessages

SMALL = Limits(max_clients=200, max_objects=8, max_total_objects=1_000, max_lifetime=3600)


def test_guard_answers_and_rate_limits_its_events() -> None:
    guard = LimitGuard(SMALL)
    assert guard.lifetime(3600) is None and guard.lifetime(None) is None
    over = guard.lifetime(3601)
    assert over is not None and over.code == "4.00" and "3600" in over.text
    assert guard.objects(8, 0) is None
    too_many = guard.objects(9, 0)
    assert too_many is not None and (too_many.limit, too_many.code) == ("objects", "4.00")
    budget = guard.objects(8, 995)
    assert budget is not None and (budget.limit, budget.code) == ("total_objects", "5.03")
    assert guard.clients(199, False) is None and guard.clients(200, True) is None
    full = guard.clients(200, False)
    assert full is not None and full.code == "5.03"
    refusal = Refusal("clients", "5.03", "full", 201, 200)
    assert guard.should_report(refusal, now=10.0) == 0
    assert guard.should_report(refusal, now=10.5) is None
    assert guard.should_report(refusal, now=10.9) is None
    assert guard.should_report(refusal, now=11.1) == 2  # two left out since the last event
    assert guard.hits["clients"] == 4
    unlimited = LimitGuard(Limits(None, None, None, None))
    assert unlimited.clients(10**9, False) is None and unlimited.lifetime(2**32 - 1) is None


def test_lifetime_and_object_caps_answer_4_00_with_an_event(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, endpoint="capped")
        config = ServerConfig(request_timeout=3, expiry_grace=0, limits=SMALL)
        async with serving(registry, dev, config=config) as server:
            events: list[dict[str, Any]] = []
            # Only the limit events are kept: every other event (a conformance finding for each
            # flooded Register among them) would be this test's memory, not the server's.
            server.events.subscribe(
                lambda ev: events.append(ev.to_dict()) if ev.kind == "limit" else None
            )
            response = await dev.register(server.address, lifetime=2**32 - 1)
            assert response.code == Code.BAD_REQUEST and b"maximum lifetime" in response.payload
            many = ",".join(f"</3/{i}>" for i in range(8)).encode()  # 9 links
            response = await dev.register(server.address, payload=many)
            assert response.code == Code.BAD_REQUEST and b"at most 8" in response.payload
            assert "capped" not in server.clients
            response = await dev.register(server.address, payload=b"</1/0>,</3/0>")
            assert response.code == Code.CREATED
            update = await dev.update("lt=7200")
            assert update.code == Code.BAD_REQUEST
            assert server.clients["capped"].lifetime == 60
            limits = [(e["limit"], e["answer"]) for e in events if e["kind"] == "limit"]
            # One event per cap a second (the second lifetime hit is counted, not shown).
            assert limits == [("lifetime", "4.00"), ("objects", "4.00")]
            assert server.limit_guard.hits == {"lifetime": 2, "objects": 1}

    run(scenario())


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_a_registration_flood_stays_within_the_caps(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        config = ServerConfig(request_timeout=3, expiry_grace=0, limits=SMALL)
        async with serving(registry, config=config) as server:
            events: list[dict[str, Any]] = []
            # Only the limit events are kept: every other event (a conformance finding for each
            # flooded Register among them) would be this test's memory, not the server's.
            server.events.subscribe(
                lambda ev: events.append(ev.to_dict()) if ev.kind == "limit" else None
            )
            # aiocoap's duplicate cache keeps a request and its answer per datagram; its cap
            # (10,000) is lowered so that a short flood reaches the steady state.
            assert server._built is not None
            recent = server._built.token_manager.token_interface._recent_messages
            assert isinstance(recent, RecentMessages)
            recent.max_entries = 300
            # Likewise the conformance monitor's retransmission memory (1,024 message ids).
            server.conformance_monitor._remember = 300
            payload = b"</1/0>,</3/0>"  # 4 links each: 200 clients fit the 1,000 budget
            tracemalloc.start(1)
            try:
                first = await run_flood(server.address, "a-", 300, payload)
                assert None not in first
                codes = [answer[0] for answer in first if answer is not None]
                assert codes.count(0x41) == 200 and codes.count(0xA3) == 100  # 2.01 / 5.03
                assert [0xA3, 60] in first  # 5.03 with Max-Age: retry in 60 s
                assert len(server.clients) == 200
                await run_flood(server.address, "b-", 600, payload)
                steady = _traced()
                third = await run_flood(server.address, "c-", 600, payload)
                third_codes = {answer[0] if answer else None for answer in third}
                del third  # the answers are this test's memory, not the server's
                grown = _traced() - steady
            finally:
                tracemalloc.stop()
            assert third_codes == {0xA3}
            assert len(server.clients) == 200 and len(recent) <= 300
            # Conformance findings are kept for registered clients only, not refused names.
            assert len(server.conformance_monitor._findings) <= len(server.clients)
            # 600 accepted registrations hold about 4 MB, and an unbounded duplicate cache
            # about 1.6 MB for 600 refused ones: a bounded server holds no more than before.
            assert grown < 48 * 1024, grown
            # A client that is already registered may still re-register at the cap.
            again = await run_flood(server.address, "a-", 1, payload)
            assert again[0] is not None and again[0][0] == 0x41
            limit_events = [e for e in events if e["kind"] == "limit"]
            assert 1 <= len(limit_events) < 60  # rate-limited: one a second per cap
            assert server.limit_guard.hits["clients"] == 1300
            assert limit_events[0]["cap"] == 200 and limit_events[0]["answer"] == "5.03"
            assert server.errors == 0

    run(scenario(), timeout=180)
