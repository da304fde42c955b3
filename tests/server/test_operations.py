"""Observe, queue mode, timeouts, duplicates, NAT rebinding, expiry, Send, composite, create."""

from __future__ import annotations

import asyncio

import pytest
from aiocoap.numbers.codes import Code

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server import (
    RequestFailedError,
    RequestState,
    RequestTimeoutError,
    ServerConfig,
    UnknownClientError,
)
from workbench.server.transport import TRANSPORTS


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_observe_notifications_and_cancels(registry: ObjectRegistry, transport: str) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev, transport=transport) as server:
            await dev.register(server.address)
            got: list[int | None] = []
            obs = await server.observe("dev-1", "/3/0/9", callback=lambda n: got.append(n.sequence))
            assert obs.initial.values == {Path.of(3, 0, 9): 87}
            dev.values[Path.of(3, 0, 9)] = 55
            assert dev.notify() == 1
            note = await obs.next(2)
            assert note.result.values == {Path.of(3, 0, 9): 55}
            assert got and got[-1] == note.sequence
            # Active cancel: GET Observe=1 with the observation's own token.
            answer = await server.cancel_observation("dev-1", "/3/0/9", active=True)
            assert answer is not None and answer.code == "2.05"
            assert dev.cancels == [obs.token]
            assert not obs.active and server.observations == []

            # Passive cancel: the token is forgotten; the next notification is rejected.
            obs2 = await server.observe("dev-1", "/3/0")
            await obs2.cancel(active=False)
            assert not obs2.active
            dev.notify()
            await asyncio.sleep(0.3)
            assert obs2.notifications == 0

    run(scenario())


def test_observe_composite_notifications_and_cancel(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev) as server:
            await dev.register(server.address)
            got: list[dict[Path, object]] = []
            obs = await server.observe_composite(
                "dev-1", ["/3/0/9", "/3/0/1"], callback=lambda n: got.append(n.result.values)
            )
            assert obs.initial.format == ContentFormat.SENML_JSON
            assert obs.initial.values == {Path.of(3, 0, 9): 87, Path.of(3, 0, 1): "Model 9"}
            [(paths, _pipe, fmt)] = dev.composite_observers.values()
            assert paths == [Path.of(3, 0, 9), Path.of(3, 0, 1)] and fmt == obs.initial.format
            assert server.find_observation("dev-1", "/3/0/9,/3/0/1") is obs

            dev.values[Path.of(3, 0, 9)] = 55
            assert dev.notify(Path.of(3, 0, 9)) == 1
            note = await obs.next(2)
            assert note.result.values == {Path.of(3, 0, 9): 55, Path.of(3, 0, 1): "Model 9"}
            assert got == [note.result.values]
            assert dev.notify(Path.of(3, 0, 2)) == 0  # a path outside the composite: no notify

            # Passive cancel (a composite has no GET to cancel with): the next one is refused.
            await obs.cancel(active=False)
            assert not obs.active and server.observations == []
            dev.notify()
            await asyncio.sleep(0.3)
            assert obs.notifications == 1
            assert got == [note.result.values]

    run(scenario())


def test_queue_request_times_out_when_client_sleeps(registry: ObjectRegistry) -> None:
    async def short_queue() -> None:
        dev = FakeDevice(registry, binding="UQ", lwm2m="1.0")
        config = ServerConfig(request_timeout=3, awake_window=0.1, queue_timeout=0.3)
        async with serving(registry, dev, config=config) as server:
            await dev.register(server.address)
            await asyncio.sleep(0.2)
            try:
                await server.read("dev-1", "/3/0/0")
            except RequestTimeoutError as exc:
                assert exc.request is not None and exc.request.state is RequestState.TIMEOUT
            else:  # pragma: no cover
                raise AssertionError("expected a timeout")

    run(short_queue())


def test_queue_mode_order(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, binding="UQ", lwm2m="1.0")
        config = ServerConfig(request_timeout=3, awake_window=0.2, expiry_grace=0)
        async with serving(registry, dev, config=config) as server:
            await dev.register(server.address)
            await asyncio.sleep(0.3)
            assert not server.clients["dev-1"].awake
            first = asyncio.ensure_future(server.read("dev-1", "/3/0/0"))
            second = asyncio.ensure_future(server.write("dev-1", "/1/0/1", 77))
            await asyncio.sleep(0.1)
            assert [r.state for r in server.requests] == [RequestState.QUEUED] * 2
            before = len(dev.received)
            assert (await dev.update()).code == Code.CHANGED
            assert (await first).values == {Path.of(3, 0, 0): "Acme"}
            assert (await second).code == "2.04"
            assert [m.code for m in dev.received[before:]] == [Code.GET, Code.PUT]

    run(scenario())


def test_vanished_client_times_out(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev, config=ServerConfig(request_timeout=0.5)) as server:
            await dev.register(server.address)
            dev.silent = True
            try:
                await server.read("dev-1", "/3/0")
            except RequestTimeoutError as exc:
                assert exc.request is not None and exc.request.state is RequestState.TIMEOUT
            else:  # pragma: no cover
                raise AssertionError("expected a timeout")
            try:
                await server.read("nobody", "/3/0")
            except UnknownClientError:
                pass

    run(scenario())


def test_duplicate_endpoint_newer_wins_and_nat_rebinding(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        old, new = FakeDevice(registry), FakeDevice(registry)
        async with serving(registry, old, new) as server:
            events = server.events.stream()
            await old.register(server.address)
            await server.observe("dev-1", "/3/0/9")
            await new.register(server.address)
            info = server.clients["dev-1"]
            assert info.address.endswith(f":{new.port}")
            while (ev := await events.get(1)).kind != "deregistered":
                pass
            assert ev.data["reason"] == "replaced by a newer registration"
            assert server.observations == []
            # The old registration is gone: its Update gets 4.04.
            assert (await old.update()).code == Code.NOT_FOUND
            # NAT rebinding: the new location updated from another socket moves the client.
            old.location = new.location
            assert (await old.update()).code == Code.CHANGED
            assert server.clients["dev-1"].address.endswith(f":{old.port}")
            result = await server.read("dev-1", "/3/0/0")
            assert result.values == {Path.of(3, 0, 0): "Acme"}
            assert old.received and old.received[-1].code == Code.GET

    run(scenario())


def test_lifetime_expiry(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev) as server:
            events = server.events.stream()
            await dev.register(server.address, lifetime=1)
            while (ev := await events.get(3)).kind != "expired":
                pass
            assert ev.endpoint == "dev-1" and "dev-1" not in server.clients
            try:
                await server.read("dev-1", "/3/0")
            except UnknownClientError:
                pass

    run(scenario())


def test_send_composite_create_delete_and_format_fallback(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, formats={ContentFormat.TEXT, ContentFormat.TLV})
        async with serving(registry, dev) as server:
            events = server.events.stream()
            await dev.register(server.address)
            # SenML JSON is the 1.1 default; the device answers 4.06, the server falls back.
            result = await server.read("dev-1", "/3/0")
            assert result.format == ContentFormat.TLV
            assert result.values[Path.of(3, 0, 1)] == "Model 9"
            dev.formats = None
            response = await dev.send({Path.of(3, 0, 9): 42})
            assert response.code == Code.CHANGED
            while (ev := await events.get(2)).kind != "send":
                pass
            assert ev.data["values"] == {"/3/0/9": 42}

            composite = await server.read_composite("dev-1", ["/3/0/0", "/1/0/1"])
            assert composite.values == {Path.of(3, 0, 0): "Acme", Path.of(1, 0, 1): 300}
            wrote = await server.write_composite("dev-1", {"/3/0/13": 5, "/1/0/1": 30})
            assert wrote.code == "2.04" and dev.values[Path.of(1, 0, 1)] == 30

            created = await server.create(
                "dev-1",
                "/1",
                {"/1/5/0": 7, "/1/5/1": 60, "/1/5/6": False, "/1/5/7": "U"},
                fmt=ContentFormat.TLV,
            )
            assert created.code == "2.01" and created.location == "/1/5"
            assert dev.values[Path.of(1, 5, 0)] == 7
            deleted = await server.delete("dev-1", "/1/5")
            assert deleted.code == "2.02" and Path.of(1, 5, 0) not in dev.values

            try:
                await server.write("dev-1", "/3/0/9", "not a number")
            except RequestFailedError as exc:
                assert "encode" in str(exc)

    run(scenario())
