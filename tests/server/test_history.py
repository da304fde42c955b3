"""The server's CoAP log and event history, kept with a bound: oldest dropped first, counted."""

from __future__ import annotations

import pytest

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.model import ObjectRegistry
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.server.history import BoundedHistory


def test_bound_drops_the_oldest_and_counts() -> None:
    history: BoundedHistory[int] = BoundedHistory(3)
    history.extend(range(1, 8))
    assert list(history) == [5, 6, 7] and history.dropped == 4
    assert history.describe("messages") == "3 messages · 4 older dropped (limit 3)"
    history.set_limit(2)
    assert list(history) == [6, 7] and history.dropped == 5 and history.limit == 2
    history.set_limit(10)
    history.append(8)
    assert list(history) == [6, 7, 8] and history.dropped == 5
    assert history.latest(2) == [7, 8] and history.latest(0) == []
    history.clear()
    assert len(history) == 0 and history.dropped == 0
    assert history.describe("events") == "0 events"
    with pytest.raises(ValueError):
        BoundedHistory(0)
    with pytest.raises(ValueError):
        history.set_limit(0)


def test_a_real_server_log_stays_within_the_bound(registry: ObjectRegistry) -> None:
    # Real datagrams over loopback: 40 reads make 80+ log entries; a bound of 25 keeps the
    # latest 25 and counts the rest, and the event history keeps its own bound.
    async def scenario() -> None:
        dev = FakeDevice(registry)
        log: BoundedHistory[CoapLogEntry] = BoundedHistory(25)
        events: BoundedHistory[ServerEvent] = BoundedHistory(2)
        async with serving(registry, dev) as server:
            everything: list[CoapLogEntry] = []
            server.coap_log.subscribe(everything.append)
            detach = log.attach(server.coap_log)
            events.attach(server.events)
            await dev.register(server.address)
            for _ in range(40):
                result = await server.read("dev-1", "/3/0/0")
                assert result.code == "2.05"
            detach()
            assert len(everything) >= 82
            assert len(log) == 25
            assert log.dropped == len(everything) - 25
            assert list(log) == everything[-25:]  # the newest, in order
            assert [e.kind for e in events][-1:] == ["registered"] or len(events) == 2

    run(scenario())
