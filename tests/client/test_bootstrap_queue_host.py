"""Client-initiated bootstrap, queue mode and host-managed (callback) objects."""

from __future__ import annotations

import asyncio
import json

from aiocoap.numbers.codes import Code

from tests.client.helpers import Recorder, run
from tests.client.mini_server import MiniServer
from workbench.client import ClientConfig, HostRequest, LwM2MClient, OperationError
from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, Value


def test_bootstrap_then_register_with_written_server() -> None:
    async def scenario() -> None:
        async with MiniServer() as bs, MiniServer() as dm:
            client = LwM2MClient(
                "boot",
                None,
                config=ClientConfig(bootstrap_url=bs.url, lifetime=20, retry_initial=0.05),
            )
            rec = Recorder(client)
            started = asyncio.ensure_future(client.start(timeout=10))
            request = await bs.wait_for("bootstrap")
            assert request.query["ep"] == "boot"
            remote = request.remote
            await rec.wait("bootstrap", state="pending", past=True)
            # Bootstrap-Discover.
            r = await bs.request(remote, Code.GET, "/", accept=40)
            assert r.code == Code.CONTENT and r.payload.startswith(b'lwm2m="1.1"')
            assert b"</0/0>" in r.payload
            # Bootstrap-Delete / keeps the bootstrap account and the Device object.
            r = await bs.request(remote, Code.DELETE, "/")
            assert r.code == Code.DELETED
            assert client.store.instance_ids(0) == [0] and client.store.instance_ids(3) == [0]
            # Finish before a server account exists: 4.06.
            r = await bs.request(remote, Code.POST, "/bs")
            assert r.code == Code.NOT_ACCEPTABLE
            registry = client.registry
            security = {
                Path.of(0, 1, 0): dm.url,
                Path.of(0, 1, 1): False,
                Path.of(0, 1, 2): 3,
                Path.of(0, 1, 10): 7,
            }
            body = codec_for(11542).encode(Path.of(0, 1), security, registry)
            r = await bs.request(remote, Code.PUT, "/0/1", payload=body, content_format=11542)
            assert r.code == Code.CHANGED
            server = {
                Path.of(1, 3, 0): 7,
                Path.of(1, 3, 1): 30,
                Path.of(1, 3, 7): "U",
                Path.of(1, 3, 6): False,
            }
            body = codec_for(11542).encode(Path.of(1, 3), server, registry)
            r = await bs.request(remote, Code.PUT, "/1/3", payload=body, content_format=11542)
            assert r.code == Code.CHANGED
            # Bootstrap-Read of the Server object is allowed, of Device not.
            r = await bs.request(remote, Code.GET, "/1/3/1")
            assert (r.code, r.payload) == (Code.CONTENT, b"30")
            r = await bs.request(remote, Code.GET, "/3/0")
            assert r.code == Code.UNAUTHORIZED
            r = await bs.request(remote, Code.POST, "/bs")
            assert r.code == Code.CHANGED
            await started
            assert rec.of("bootstrap", state="finished")
            reg = dm.registrations["boot"]
            assert reg.query["lt"] == "30"
            assert client.account is not None and client.account.short_server_id == 7
            states = [e.fields["state"] for e in rec.of("client")]
            assert states[:4] == ["initialising", "bootstrapping", "registering", "ready"]
            await client.stop()

    run(scenario())


def test_bootstrap_timeout_retries() -> None:
    async def scenario() -> None:
        async with MiniServer() as bs:
            client = LwM2MClient(
                "boot2",
                None,
                config=ClientConfig(
                    bootstrap_url=bs.url, bootstrap_timeout=0.2, retry_initial=0.05
                ),
            )
            rec = Recorder(client)
            started = asyncio.ensure_future(client.start(timeout=10))
            await rec.wait("bootstrap", state="retrying", timeout=3)
            await bs.wait_for("bootstrap")
            await bs.wait_for("bootstrap")
            assert rec.of("bootstrap", state="failed")
            started.cancel()
            await asyncio.gather(started, return_exceptions=True)
            await client.stop()

    run(scenario())


def test_queue_mode_sleeps_drops_requests_and_wakes_with_update() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            client = LwM2MClient(
                "q", server.url, config=ClientConfig(binding="UQ", awake_time=0.3, lifetime=60)
            )
            rec = Recorder(client)
            await client.start(timeout=5)
            # LwM2M 1.1 (the default): queue mode is the Q parameter, not a binding letter.
            assert server.registrations["q"].query["b"] == "U"
            assert "Q" in server.registrations["q"].query
            obs = await server.observe("q", "/3/0/9")
            await rec.wait("queue", state="sleeping", timeout=3)
            assert client.asleep
            # Asleep: requests are lost (the server times out). NON, so that aiocoap's
            # retransmissions do not hold back the later requests (NSTART=1).
            try:
                await server.request("q", Code.GET, "/3/0/0", timeout=0.5, reliable=False)
                raise AssertionError("a sleeping client answered")
            except TimeoutError:
                pass
            # A change wakes the client: Update first, then the held-back notification.
            client.set_value("/3/0/9", 33)
            await server.wait_for("update")
            notification = await asyncio.wait_for(obs.notifications.get(), 3)
            assert notification.payload == b"33"
            assert rec.of("connection", state="resumed")
            r = await server.request("q", Code.GET, "/3/0/9", timeout=3)
            assert r.payload == b"33"
            await client.stop()

    run(scenario())


def test_queue_mode_explicit_wake() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            client = LwM2MClient("q2", server.url, config=ClientConfig(binding="UQ", awake_time=60))
            await client.start(timeout=5)
            client.sleep()
            assert client.asleep
            await client.wake()
            assert not client.asleep
            await server.wait_for("update")
            await client.stop()

    run(scenario())


def test_host_object_callback_read_write_execute_and_timeout() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            client = LwM2MClient("host", server.url)
            seen: list[HostRequest] = []
            values: dict[Path, Value] = {Path.of(3303, 0, 5700): 21.5}

            async def host(request: HostRequest) -> Content | Value:
                seen.append(request)
                if request.path == Path.of(3303, 0, 5701):
                    await asyncio.sleep(5)  # the host MCU never answers
                if request.path == Path.of(3303, 0, 5750):
                    raise OperationError(Code.SERVICE_UNAVAILABLE, "host busy")
                await asyncio.sleep(0.05)  # answers over AT take a while
                if request.op == "read":
                    return {p: v for p, v in values.items() if request.path.contains(p)}
                if request.op == "write":
                    values.update(request.content)
                return None

            client.store.set_host_object(3303, host, {0: [5700, 5701, 5750, 5605]}, timeout=0.3)
            rec = Recorder(client)
            await client.start(timeout=5)
            assert "</3303/0>" in server.registrations["host"].links
            r = await server.request("host", Code.GET, "/3303/0/5700")
            assert (r.code, r.payload) == (Code.CONTENT, b"21.5")
            r = await server.request("host", Code.GET, "/3303/0", accept=110)
            assert json.loads(r.payload)[0]["v"] == 21.5
            r = await server.request(
                "host", Code.PUT, "/3303/0/5750", payload=b"kitchen", content_format=0
            )
            assert r.code == Code.SERVICE_UNAVAILABLE
            r = await server.request("host", Code.POST, "/3303/0/5605", payload=b"5")
            assert r.code == Code.CHANGED
            assert seen[-1].op == "execute" and seen[-1].arguments == "5"
            r = await server.request("host", Code.GET, "/3303/0/5701")
            assert r.code == Code.INTERNAL_SERVER_ERROR  # host timeout
            assert rec.of("request", op="read", path="/3303/0/5701", code="5.00")
            r = await server.request("host", Code.GET, "/3303/0/9999")
            assert r.code == Code.NOT_FOUND  # structure is known locally
            await client.stop()

    run(scenario())


def test_send_information_reporting() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            client = LwM2MClient("snd", server.url)
            rec = Recorder(client)
            await client.start(timeout=5)
            await client.send(["/3/0/9", "/3/0/10"], content_format=110)
            record = await server.wait_for("send")
            assert record.content_format == 110
            names = {r["n"] for r in json.loads(record.payload)}
            assert names == {"/3/0/9", "/3/0/10"}
            assert rec.of("send", state="done")
            await client.stop()

    run(scenario())
