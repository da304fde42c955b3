"""Observe with pmin/pmax/gt/lt/st, and both ways of cancelling."""

from __future__ import annotations

import asyncio
import time

from aiocoap import Message
from aiocoap.numbers.codes import EMPTY, Code
from aiocoap.numbers.types import CON, RST

from tests.client.helpers import RawPeer, Recorder, run
from tests.client.mini_server import MiniServer
from workbench.client import ClientConfig, LwM2MClient


async def _started(**kwargs: object) -> tuple[MiniServer, LwM2MClient, Recorder]:
    server = await MiniServer().start()
    client = LwM2MClient("obs", server.url, config=ClientConfig(**kwargs))  # type: ignore[arg-type]
    rec = Recorder(client)
    await client.start(timeout=5)
    return server, client, rec


async def _next(obs: object, timeout: float = 2.0) -> bytes:
    notification = await asyncio.wait_for(obs.notifications.get(), timeout)  # type: ignore[attr-defined]
    return bytes(notification.payload)


def test_change_notifies_and_pmin_delays() -> None:
    async def scenario() -> None:
        server, client, rec = await _started()
        try:
            r = await server.request("obs", Code.PUT, "/3/0/9", query=("pmin=1",))
            assert r.code == Code.CHANGED
            obs = await server.observe("obs", "/3/0/9")
            assert obs.first.code == Code.CONTENT and obs.first.opt.observe == 0
            assert obs.first.payload == b"87"
            assert rec.of("observe", path="/3/0/9", active=True)
            started = time.monotonic()
            client.set_value("/3/0/9", 80)
            client.set_value("/3/0/9", 70)  # inside pmin: only the latest value goes out
            assert await _next(obs) == b"70"
            assert time.monotonic() - started >= 0.9
            assert obs.notifications.empty()
            assert rec.of("notify", path="/3/0/9")
            client.set_value("/3/0/9", 70)  # unchanged: no notification
            await asyncio.sleep(0.2)
            assert obs.notifications.empty()
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def test_pmax_notifies_without_change() -> None:
    async def scenario() -> None:
        server, client, _rec = await _started()
        try:
            await server.request("obs", Code.PUT, "/3/0/10", query=("pmax=1",))
            obs = await server.observe("obs", "/3/0/10")
            started = time.monotonic()
            assert await _next(obs, 3) == b"512"
            assert 0.8 <= time.monotonic() - started <= 2.0
            assert await _next(obs, 3) == b"512"
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def test_server_default_pmax_applies() -> None:
    async def scenario() -> None:
        server, client, _rec = await _started(default_pmax=1)
        try:
            obs = await server.observe("obs", "/3/0")
            assert obs.first.opt.content_format == 11542
            await _next(obs, 3)
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def test_gt_lt_st_conditions() -> None:
    async def scenario() -> None:
        server, client, _rec = await _started()
        try:
            r = await server.request("obs", Code.PUT, "/3/0/9", query=("gt=50", "lt=20"))
            assert r.code == Code.CHANGED
            obs = await server.observe("obs", "/3/0/9")  # value 87
            client.set_value("/3/0/9", 60)  # still above gt: silent
            await asyncio.sleep(0.15)
            assert obs.notifications.empty()
            client.set_value("/3/0/9", 40)  # crossed gt downwards
            assert await _next(obs) == b"40"
            client.set_value("/3/0/9", 10)  # crossed lt
            assert await _next(obs) == b"10"
            r = await server.request("obs", Code.PUT, "/3/0/9", query=("gt", "lt", "st=5"))
            assert r.code == Code.CHANGED
            client.set_value("/3/0/9", 13)  # moved 3 < st
            await asyncio.sleep(0.15)
            assert obs.notifications.empty()
            client.set_value("/3/0/9", 16)  # moved 6 since the last notification
            assert await _next(obs) == b"16"
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def test_instance_observation_in_senml() -> None:
    async def scenario() -> None:
        server, client, _rec = await _started()
        try:
            obs = await server.observe("obs", "/3/0", accept=110)
            client.set_value("/3/0/9", 42)
            payload = await _next(obs)
            assert b'"v":42' in payload
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def _observe_request(token: bytes, observe: int) -> Message:
    message = Message(code=Code.GET)
    message.token = token
    message.mtype = CON
    message.opt.uri_path = ("3", "0", "9")
    message.opt.observe = observe
    return message


def test_reactive_cancel_by_rst_and_proactive_cancel_by_observe_1() -> None:
    async def scenario() -> None:
        server, client, rec = await _started()
        peer = RawPeer()
        try:
            assert client.local_address is not None
            address = client.local_address
            # Reactive: the peer answers the next notification with RST.
            peer.send(_observe_request(b"\x01\x02", 0), address)
            first = await peer.receive()
            assert first.code == Code.CONTENT and first.opt.observe == 0
            client.set_value("/3/0/9", 11)
            notification = await peer.receive()
            assert notification.mtype == CON and notification.payload == b"11"
            reset = Message(code=EMPTY)
            reset.mtype, reset.mid = RST, notification.mid
            peer.send(reset, address)
            await rec.wait("observe", active=False, token="0102", past=True)
            # Proactive: a GET with Observe=1 on the same token ends the observation.
            peer.send(_observe_request(b"\x03\x04", 0), address)
            first = await peer.receive()
            assert first.opt.observe == 0
            peer.send(_observe_request(b"\x03\x04", 1), address)
            answer = await peer.receive()
            assert answer.code == Code.CONTENT and answer.opt.observe is None
            await rec.wait("observe", active=False, token="0304", past=True)
            assert rec.of("request", op="cancel_observe", path="/3/0/9")
            client.set_value("/3/0/9", 12)
            await asyncio.sleep(0.1)
            assert client.observations.observations == []
        finally:
            peer.close()
            await client.stop()
            await server.stop()

    run(scenario())


def test_observe_missing_path_is_404_without_observation() -> None:
    async def scenario() -> None:
        server, client, _rec = await _started()
        try:
            obs = await server.observe("obs", "/3/0/99")
            assert obs.first.code == Code.NOT_FOUND and obs.first.opt.observe is None
            assert client.observations.observations == []
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def test_deleted_instance_ends_observation() -> None:
    async def scenario() -> None:
        server, client, rec = await _started()
        try:
            client.store.create_instance(3303, 0, {5700: 20.0})
            obs = await server.observe("obs", "/3303/0/5700")
            assert obs.first.code == Code.CONTENT
            r = await server.request("obs", Code.DELETE, "/3303/0")
            assert r.code == Code.DELETED
            await rec.wait("observe", path="/3303/0/5700", active=False, past=True)
            assert rec.of("notify", path="/3303/0/5700", code="4.04")
        finally:
            await client.stop()
            await server.stop()

    run(scenario())
