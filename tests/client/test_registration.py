"""Register / Update / De-register over real UDP against the mini server."""

from __future__ import annotations

import asyncio

import pytest
from aiocoap.numbers.codes import Code

from tests.client.helpers import Recorder, free_udp_port, run
from tests.client.mini_server import MiniServer
from workbench.client import ClientConfig, ExchangeError, LwM2MClient


def test_register_carries_parameters_and_objects() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            client = LwM2MClient(
                "dev-1",
                server.url,
                config=ClientConfig(lifetime=60, lwm2m_version="1.0", binding="U"),
            )
            await client.start(timeout=5)
            reg = server.registrations["dev-1"]
            assert reg.query == {"ep": "dev-1", "lt": "60", "lwm2m": "1.0", "b": "U"}
            assert server.records[0].content_format == 40
            links = reg.links.split(",")
            # LwM2M 1.0 §5.3.1: one ct (JSON); no ver for Device 1.2 / Server 1.2, whose
            # definitions belong to LwM2M 1.1 / 1.2 (not what a 1.0 client implements).
            assert links[0] == '</>;rt="oma.lwm2m";ct=11543'
            assert "</3/0>" in links and "</1/0>" in links
            assert not any(link.startswith("</0") for link in links)  # Security never listed
            assert not any(link.startswith(("</1>;ver", "</3>;ver")) for link in links)
            assert client.registered and client.location == ("rd", reg.location)
            assert client.local_address is not None and client.local_address[1] != 0
            await client.stop()
            assert server.ops() == ["register", "deregister"]
            assert "dev-1" not in server.registrations

    run(scenario())


def test_update_timer_and_events() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            client = LwM2MClient(
                "dev-2", server.url, config=ClientConfig(lifetime=2, update_ratio=0.25)
            )
            rec = Recorder(client)
            await client.start(timeout=5)
            await server.wait_for("register")
            await server.wait_for("update", timeout=3)
            await server.wait_for("update", timeout=3)
            assert server.registrations["dev-2"].updates >= 2
            timer = rec.of("update_timer")[0]
            assert timer.fields["seconds"] == pytest.approx(0.5)
            assert rec.of("registration", state="updated")
            await client.stop()
            states = [e.fields["state"] for e in rec.of("client")]
            assert states[:3] == ["initialising", "registering", "ready"]
            assert states[-1] == "stopped"
            kinds = [e.fields["state"] for e in rec.of("connection")]
            assert kinds == ["created", "closed"]

    run(scenario())


def test_update_carries_changed_lifetime_and_objects() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            client = LwM2MClient("dev-3", server.url, config=ClientConfig(lifetime=30))
            await client.start(timeout=5)
            await server.wait_for("register")
            # The server writes a new lifetime: the client tells it in an Update.
            response = await server.request(
                "dev-3", Code.PUT, "/1/0/1", payload=b"45", content_format=0
            )
            assert response.code == Code.CHANGED
            update = await server.wait_for("update")
            assert update.query == {"lt": "45"}
            assert update.payload == b""
            # A new object instance: the Update carries the object list.
            client.store.create_instance(3303 if 3303 in client.registry else 4, None, {})
            update = await server.wait_for("update")
            assert update.content_format == 40 and b"</" in update.payload
            await client.stop()

    run(scenario())


def test_reregister_when_update_answers_not_found() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            client = LwM2MClient(
                "dev-4", server.url, config=ClientConfig(lifetime=2, update_ratio=0.25)
            )
            rec = Recorder(client)
            await client.start(timeout=5)
            await server.wait_for("register")
            server.update_answer = Code.NOT_FOUND
            await server.wait_for("update")
            await server.wait_for("register", timeout=3)
            assert rec.of("registration", state="update_failed", code="4.04")
            await rec.wait("registration", state="registered")
            assert len(rec.of("registration", state="registered")) == 2
            await client.stop()

    run(scenario())


def test_unreachable_server_retries_with_backoff_then_registers() -> None:
    async def scenario() -> None:
        port = free_udp_port()
        client = LwM2MClient(
            "dev-5",
            f"coap://127.0.0.1:{port}",
            config=ClientConfig(
                retry_initial=0.1,
                retry_max=0.4,
                request_timeout=1.0,
                ack_timeout=0.2,
                max_retransmit=1,
            ),
        )
        rec = Recorder(client)
        start = asyncio.ensure_future(client.start(timeout=10))
        await rec.wait("registration", state="retrying", attempt=2, timeout=5)
        failed = rec.of("registration", state="failed")
        assert failed and failed[0].fields["code"] is None  # no answer, not an error code
        delays = [e.fields["delay"] for e in rec.of("registration", state="retrying")]
        assert delays[1] > delays[0]
        server = await MiniServer().start(port)
        try:
            await start
            assert "dev-5" in server.registrations
            await client.stop()
        finally:
            await server.stop()

    run(scenario())


def test_retry_attempts_exhausted_raises_and_leaves_no_task() -> None:
    async def scenario() -> None:
        port = free_udp_port()
        client = LwM2MClient(
            "dev-6",
            f"coap://127.0.0.1:{port}",
            config=ClientConfig(
                retry_initial=0.05,
                retry_attempts=2,
                request_timeout=0.5,
                ack_timeout=0.1,
                max_retransmit=0,
            ),
        )
        with pytest.raises(ExchangeError):
            await client.start(timeout=5)
        assert client.state == "stopped"
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == []

    run(scenario())


def test_register_error_code_is_reported() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            server.register_answer = Code.FORBIDDEN
            client = LwM2MClient(
                "dev-7", server.url, config=ClientConfig(retry_initial=0.05, retry_attempts=1)
            )
            rec = Recorder(client)
            with pytest.raises(ExchangeError):
                await client.start(timeout=5)
            assert rec.of("registration", state="failed", code="4.03")

    run(scenario())


def test_every_client_has_its_own_port() -> None:
    """aiocoap's udp6 sets SO_REUSEPORT; port 0 then hands out duplicates (see engine)."""

    async def scenario() -> None:
        async with MiniServer() as server:
            clients = [LwM2MClient(f"p{i}", server.url) for i in range(40)]
            await asyncio.gather(*(c.start(timeout=10) for c in clients))
            ports = {c.local_address[1] for c in clients if c.local_address}
            assert len(ports) == 40
            assert {r.remote.hostinfo for r in server.records} == {
                f"127.0.0.1:{port}" for port in ports
            }
            await asyncio.gather(*(c.stop(deregister=False) for c in clients))

    run(scenario())


def test_stop_leaves_no_tasks() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            clients = [LwM2MClient(f"d{i}", server.url) for i in range(5)]
            await asyncio.gather(*(c.start(timeout=5) for c in clients))
            assert len(server.registrations) == 5
            await asyncio.gather(*(c.stop() for c in clients))
            assert server.registrations == {}
        await asyncio.sleep(0)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == []

    run(scenario())
