"""The client engine against the workbench's own LwM2M server."""

from __future__ import annotations

import asyncio

from tests.client.helpers import free_udp_port, run
from workbench.client import ClientConfig, LwM2MClient
from workbench.server import LwM2MServer


def test_register_read_write_execute_observe_deregister() -> None:
    async def scenario() -> None:
        port = free_udp_port()
        server = LwM2MServer("127.0.0.1", port)
        await server.start()
        client = LwM2MClient("integ", f"coap://127.0.0.1:{port}", config=ClientConfig(lifetime=60))
        try:
            await client.start(timeout=5)
            for _ in range(50):
                if "integ" in server.clients:
                    break
                await asyncio.sleep(0.02)
            assert "integ" in server.clients
            result = await server.read("integ", "/3/0/0", timeout=5)
            assert result.code == "2.05" and list(result.values.values()) == ["LwM2M Workbench"]
            result = await server.read("integ", "/3/0", timeout=5)
            assert result.success and len(result.values) > 10
            result = await server.write("integ", "/3/0/14", "+01:00")
            assert result.code == "2.04" and client.get_value("/3/0/14") == "+01:00"
            result = await server.execute("integ", "/3/0/4", timeout=5)
            assert result.code == "2.04"
            notes: list[object] = []
            observation = await server.observe("integ", "/3/0/9", callback=notes.append)
            client.set_value("/3/0/9", 12)
            for _ in range(100):
                if notes:
                    break
                await asyncio.sleep(0.02)
            assert notes
            del observation
            await client.stop()
            for _ in range(50):
                if "integ" not in server.clients:
                    break
                await asyncio.sleep(0.02)
            assert "integ" not in server.clients
        finally:
            await client.stop()
            await server.stop()

    run(scenario())
