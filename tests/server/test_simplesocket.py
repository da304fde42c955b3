"""The server on aiocoap's ``simplesocketserver`` transport (Windows/macOS), forced on Linux.

The client engine talks through ``simple6``, as it does on Windows, so both ends run the
transports a Windows user gets; only the event loop differs (selector here, Proactor there).
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
from typing import Any

import pytest

from tests.server.conftest import run
from workbench.client import ClientConfig, LwM2MClient
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server import LwM2MServer, ServerConfig
from workbench.server.coapwire import MessageType, parse_datagram
from workbench.server.transport import RECEIVE_BUFFER, default_transport

SIMPLE = "simplesocketserver"


def _server(registry: ObjectRegistry, port: int = 0, **kw: Any) -> LwM2MServer:
    config = ServerConfig(request_timeout=3, expiry_grace=0, transport=SIMPLE)
    return LwM2MServer("127.0.0.1", port, registry, config=config, **kw)


def _client(server: LwM2MServer, endpoint: str = "simple-ep") -> LwM2MClient:
    host, port = server.address
    return LwM2MClient(
        endpoint,
        f"coap://{host}:{port}",
        config=ClientConfig(
            lifetime=60, transports=["simple6"], request_timeout=5, retry_attempts=2
        ),
    )


async def _wait_for(predicate: Any, seconds: float = 3.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def test_transport_choice_and_validation(registry: ObjectRegistry) -> None:
    expected = "udp6" if os.uname().sysname == "Linux" else SIMPLE
    assert default_transport() == expected
    assert LwM2MServer("127.0.0.1", 0, registry).transport == expected
    assert LwM2MServer("127.0.0.1", 0, registry, transport=SIMPLE).transport == SIMPLE
    assert _server(registry).transport == SIMPLE
    # The constructor argument wins over the config.
    assert (
        LwM2MServer(
            "127.0.0.1", 0, registry, config=ServerConfig(transport=SIMPLE), transport="udp6"
        ).transport
        == "udp6"
    )
    with pytest.raises(ValueError, match="unknown transport"):
        LwM2MServer("127.0.0.1", 0, registry, transport="tcp")
    with pytest.raises(ValueError, match="concrete address"):
        LwM2MServer(port=0, registry=registry, all_interfaces=True, transport=SIMPLE)


def test_register_read_write_observe_with_simple6_client(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        server = _server(registry)
        log: list[dict[str, object]] = []
        started: list[dict[str, Any]] = []
        server.events.subscribe(
            lambda ev: started.append(ev.data) if ev.kind == "server_started" else None
        )
        await server.start()
        server.coap_log.subscribe(lambda entry: log.append(entry.to_dict()))
        client = _client(server)
        try:
            assert started and started[0]["transport"] == SIMPLE
            assert started[0]["receive_buffer"] > 0
            await client.start(timeout=5)
            assert await _wait_for(lambda: "simple-ep" in server.clients)
            info = server.clients["simple-ep"]
            # simple6 opens its socket per peer, so the client does not know its port upfront.
            assert info.address.startswith("127.0.0.1:")
            assert int(info.address.rsplit(":", 1)[1]) != server.address[1]

            result = await server.read("simple-ep", "/3/0/0", timeout=5)
            assert result.code == "2.05"
            assert result.values == {Path.of(3, 0, 0): "LwM2M Workbench"}
            result = await server.read("simple-ep", "/3/0", timeout=5)
            assert result.success and len(result.values) > 10

            written = await server.write("simple-ep", "/3/0/14", "+02:00")
            assert written.code == "2.04" and client.get_value("/3/0/14") == "+02:00"

            notes: list[Any] = []
            obs = await server.observe("simple-ep", "/3/0/9", callback=notes.append)
            client.set_value("/3/0/9", 42)
            note = await obs.next(5)
            assert note.result.values == {Path.of(3, 0, 9): 42}
            assert notes
            # The active cancel reuses the observation's token (forced-token manager).
            answer = await server.cancel_observation("simple-ep", "/3/0/9", active=True)
            assert answer is not None and answer.code == "2.05"
            assert not obs.active and server.observations == []

            peer = info.address
            ins = [e for e in log if e["direction"] == "in"]
            outs = [e for e in log if e["direction"] == "out"]
            assert ins and outs
            assert all(e["peer"] == peer for e in ins + outs)
            assert any(e.get("method") == "POST" and e.get("path") == "/rd" for e in ins)
            assert any(e.get("code") == "2.01" for e in outs)
            assert any(e.get("method") == "GET" and e.get("path") == "/3/0/0" for e in outs)
            assert any(e.get("code") == "2.05" and e.get("path") == "/3/0/0" for e in ins)
            assert any(e.get("method") == "PUT" and e.get("path") == "/3/0/14" for e in outs)

            await client.stop()
            assert await _wait_for(lambda: "simple-ep" not in server.clients)
            assert server.errors == 0
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def test_gate_answers_malformed_datagram_then_client_registers(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        server = _server(registry)
        await server.start()
        log: list[dict[str, object]] = []
        server.coap_log.subscribe(lambda entry: log.append(entry.to_dict()))
        client = _client(server, "after-garbage")
        loop = asyncio.get_running_loop()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
                raw.bind(("127.0.0.1", 0))
                raw.setblocking(False)
                # CON with token length 9 (reserved): the gate answers RST, aiocoap never sees it.
                await loop.sock_sendto(raw, b"\x49\x01\x00\x07" + b"\x00" * 9, server.address)
                reply = await asyncio.wait_for(loop.sock_recv(raw, 2048), 3)
                rst = parse_datagram(reply)
                assert rst.mtype is MessageType.RST and rst.mid == 7
                # Truncated header: silently dropped (nothing to answer to).
                await loop.sock_sendto(raw, b"\x40", server.address)
                await asyncio.sleep(0.2)
            assert server._tap.rejected == 2
            bad = [e for e in log if e["direction"] == "in"]
            assert [e.get("action") for e in bad] == ["RST", "dropped"]
            assert any(e["direction"] == "out" for e in log)

            await client.start(timeout=5)
            assert await _wait_for(lambda: "after-garbage" in server.clients)
            result = await server.read("after-garbage", "/3/0/0", timeout=5)
            assert result.code == "2.05"
            assert server.errors == 0
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0


def test_stop_start_leaves_no_sockets(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        server = _server(registry)
        baseline_tasks = len(asyncio.all_tasks())
        baseline_fds = _open_fds()
        port = 0
        for round_ in range(3):
            # Rounds after the first rebind the same port: the socket is really gone (and,
            # unlike aiocoap's own simplesocketserver, it is bound without SO_REUSEPORT).
            server.port = port
            await server.start()
            assert server._built is not None
            sock = server._built.interface._pool._transport.get_extra_info("socket")
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) > 0
            if round_ == 0:
                port = server.address[1]
            assert server.address == ("127.0.0.1", port)
            endpoint = f"round-{round_}"
            client = _client(server, endpoint)
            await client.start(timeout=5)
            assert await _wait_for(lambda ep=endpoint: ep in server.clients)
            await server.observe(endpoint, "/3/0/9")
            await client.stop(deregister=False)
            await server.stop()
            for _ in range(20):
                await asyncio.sleep(0.02)
                gc.collect()
                if _open_fds() <= baseline_fds and len(asyncio.all_tasks()) <= baseline_tasks:
                    break
            assert len(asyncio.all_tasks()) <= baseline_tasks
            assert _open_fds() <= baseline_fds
            assert not server.running and server.clients == {}

    run(scenario())


def test_receive_buffer_is_raised_where_allowed(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        server = _server(registry)
        await server.start()
        try:
            assert server._built is not None
            sock = server._built.interface._pool._transport.get_extra_info("socket")
            granted = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            assert granted == server._built.receive_buffer
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as plain:
                default = plain.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            # Linux caps unprivileged requests at net.core.rmem_max; it never shrinks.
            assert granted >= min(default, RECEIVE_BUFFER)
        finally:
            await server.stop()

    run(scenario())
