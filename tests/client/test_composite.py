"""Read-Composite and Write-Composite answered by the client engine, from the workbench server."""

from __future__ import annotations

import asyncio

import pytest

from tests.client.helpers import free_udp_port, run
from workbench.client import ClientConfig, LwM2MClient
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.server import LwM2MServer


async def _registered(version: str) -> tuple[LwM2MServer, LwM2MClient]:
    port = free_udp_port()
    server = LwM2MServer("127.0.0.1", port)
    await server.start()
    config = ClientConfig(lifetime=60, lwm2m_version=version)
    client = LwM2MClient("comp", f"coap://127.0.0.1:{port}", config=config)
    await client.start(timeout=5)
    for _ in range(100):
        if "comp" in server.clients:
            break
        await asyncio.sleep(0.02)
    assert "comp" in server.clients
    return server, client


@pytest.mark.parametrize("fmt", [110, 112])
def test_read_and_write_composite_on_a_1_1_client(fmt: int) -> None:
    async def scenario() -> None:
        server, client = await _registered("1.1")
        try:
            read = await server.read_composite("comp", ["/3/0/0", "/1/0/1"], fmt, timeout=5)
            assert read.code == "2.05" and read.format == fmt
            assert read.values == {
                Path.of(3, 0, 0): "LwM2M Workbench",
                Path.of(1, 0, 1): client.get_value("/1/0/1"),
            }
            wrote = await server.write_composite(
                "comp", {"/3/0/14": "+03:00", "/1/0/1": 120}, fmt, timeout=5
            )
            assert wrote.code == "2.04"
            assert client.get_value("/3/0/14") == "+03:00" and client.get_value("/1/0/1") == 120
            # A read-only resource refuses the whole write: nothing changes.
            refused = await server.write_composite(
                "comp", {"/3/0/14": "+04:00", "/3/0/0": "x"}, fmt, timeout=5
            )
            assert refused.code == "4.05" and client.get_value("/3/0/14") == "+03:00"
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def test_a_1_0_client_refuses_composites() -> None:
    async def scenario() -> None:
        server, client = await _registered("1.0")
        try:
            read = await server.read_composite("comp", ["/3/0/0", "/3/0/1"], timeout=5)
            assert read.code == "4.05" and not read.values
            wrote = await server.write_composite("comp", {"/3/0/14": "+05:00"}, timeout=5)
            assert wrote.code == "4.05" and client.get_value("/3/0/14") != "+05:00"
        finally:
            await client.stop()
            await server.stop()

    run(scenario())


def test_observe_composite_notifies_on_a_change_of_any_path() -> None:
    async def scenario() -> None:
        server, client = await _registered("1.1")
        try:
            notes: list[dict[Path, Value]] = []
            obs = await server.observe_composite(
                "comp", ["/3/0/14", "/1/0/1"], callback=lambda n: notes.append(n.result.values)
            )
            assert obs.initial.code == "2.05"
            assert obs.initial.values[Path.of(3, 0, 14)] == client.get_value("/3/0/14")
            client.set_value("/1/0/1", 77)
            for _ in range(150):
                if notes:
                    break
                await asyncio.sleep(0.02)
            assert notes and notes[-1][Path.of(1, 0, 1)] == 77
            assert Path.of(3, 0, 14) in notes[-1]
        finally:
            await client.stop()
            await server.stop()

    run(scenario())
