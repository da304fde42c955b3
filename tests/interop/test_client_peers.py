"""Our client engine against a third-party LwM2M server: lwm2m-node-lib (npm).

The peer registers us, reads a Device resource and writes one; the value must land in our
object store. Install the peer with ``bash scripts/install-peers.sh``; without node or the
package the test skips with the reason shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import pathlib
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.client.helpers import free_udp_port
from tests.peers import needs_peer
from workbench.client import ClientConfig, LwM2MClient

pytestmark = pytest.mark.interop

NODE_DIR = pathlib.Path(__file__).parent / "node"
NODE = shutil.which("node")
HAVE_PEER = (NODE_DIR / "node_modules" / "lwm2m-node-lib").is_dir()


class NodeServer:
    """lwm2m-node-lib's server in a child process, driven line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def next(self, timeout: float = 15.0) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise EOFError("lwm2m-node-lib server exited")
        return dict(json.loads(line))

    async def command(self, text: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self.next()


@contextlib.asynccontextmanager
async def node_server(port: int) -> AsyncIterator[NodeServer]:
    """lwm2m-node-lib's server on UDP ``port``, ready (its first line read), then stopped."""
    assert NODE is not None
    proc = await asyncio.create_subprocess_exec(
        NODE,
        str(NODE_DIR / "peer_server.js"),
        str(port),
        cwd=NODE_DIR,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        peer = NodeServer(proc)
        assert (await peer.next())["event"] == "ready"
        yield peer
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@needs_peer(NODE is not None, "node (Debian nodejs)")
@needs_peer(HAVE_PEER, "lwm2m-node-lib (bash scripts/install-peers.sh)")
def test_our_client_registers_with_lwm2m_node_lib_and_is_read_and_written() -> None:
    async def scenario() -> None:
        port = free_udp_port()
        client = LwM2MClient(
            "workbench-interop",
            f"coap://127.0.0.1:{port}",
            config=ClientConfig(lifetime=60, lwm2m_version="1.0"),
        )
        async with node_server(port) as peer:
            try:
                await client.start(timeout=15)
                registered = await peer.next()
                assert registered["event"] == "registered"
                assert registered["endpoint"] == "workbench-interop"
                assert "</3/0>" in registered["payload"]

                read = await peer.command("read workbench-interop 3 0 0")
                assert read == {"event": "read", "value": client.get_value("/3/0/0")}

                written = await peer.command("write workbench-interop 3 0 14 +05:00")
                assert written == {"event": "write"}
                assert client.get_value("/3/0/14") == "+05:00"
            finally:
                await client.stop()

    asyncio.run(scenario())
