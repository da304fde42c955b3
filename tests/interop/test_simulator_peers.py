"""Interop matrix: every plugin's simulated module registers with lwm2m-node-lib's server.

Each module runs as a user runs it, ``lwm2m-workbench simulate ID --tcp``, in its own
process, and is driven only through AT lines over the socket, as a host would: the plugin's
documented connect sequence, pointed at the peer. u-blox modules register with their factory
server (SSID 721, §3.2/§4.1 of their notes), whose address is the ``--server`` option of
``simulate``; the others carry the server URL in their AT commands. The peer then reads
``/3/0/0`` from the module. The client engine and our server against the same peer are in
``test_client_peers.py`` and ``test_server_peers.py``.

Install the peer with ``bash scripts/install-peers.sh``; without node or the package the
tests skip with the reason shown (as the other interop tests do).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest
import serial

from tests.client.helpers import free_udp_port
from tests.interop.test_client_peers import HAVE_PEER, NODE, NodeServer, node_server
from tests.peers import needs_peer
from tests.serial_helpers import read_until
from workbench.plugin.loader import discover_plugins

pytestmark = pytest.mark.interop

PLUGINS = discover_plugins(user=False, entry_points=False)
MODULES = [
    "quectel-bg600l",
    "quectel-bg77",
    "quectel-bg95",
    "simcom-sim7028",
    "st-st87mxx",
    "ublox-lexi-r10",
    "ublox-lexi-r4",
    "ublox-sara-r4",
    "ublox-sara-r5",
]
#: Modules whose connect sequence names no server: their factory server's address is given.
FACTORY_SERVER = {"ublox-lexi-r10", "ublox-lexi-r4", "ublox-sara-r4", "ublox-sara-r5"}


def test_the_matrix_covers_every_bundled_plugin() -> None:
    assert sorted(PLUGINS.ids) == MODULES


def _at(port: serial.Serial, command: str) -> bytes:
    port.write(command.encode() + b"\r\n")
    reply = b""
    for _ in range(100):
        reply += read_until(port, b"\r\n", timeout=0.3)
        if b"\r\nOK\r\n" in reply or b"ERROR" in reply:
            break
    assert b"\r\nOK\r\n" in reply, f"{command}: {reply!r}"
    return reply


async def _read(peer: NodeServer, endpoint: str) -> dict[str, Any]:
    """The peer reads /3/0/0 and the answer is returned.

    u-blox modules register at power-on and again after the sequence's ``+CFUN=16`` reboot;
    a read the peer sent to the replaced registration is never answered (the old socket is
    gone, and lwm2m-node-lib has no request timeout of its own), so it is asked again, at
    most three times, skipping the registration lines that arrive meanwhile.
    """
    answer: dict[str, Any] = {}
    for _attempt in range(3):
        assert peer.proc.stdin is not None
        peer.proc.stdin.write(f"read {endpoint} 3 0 0\n".encode())
        await peer.proc.stdin.drain()
        try:
            while True:
                answer = await peer.next(timeout=10)
                if answer["event"] == "read":
                    return answer
                if answer["event"] == "error":
                    break
        except TimeoutError:
            continue
    return answer


@needs_peer(NODE is not None, "node (Debian nodejs)")
@needs_peer(HAVE_PEER, "lwm2m-node-lib (bash scripts/install-peers.sh)")
@pytest.mark.parametrize("module", MODULES)
def test_simulated_module_registers_with_lwm2m_node_lib_and_is_read(module: str) -> None:
    plugin = PLUGINS.get(module)
    assert plugin.connect_sequence is not None
    port_number = free_udp_port()
    server_url = f"coap://127.0.0.1:{port_number}"
    command = [sys.executable, "-m", "workbench", "simulate", module, "--tcp", "127.0.0.1:0"]
    if module in FACTORY_SERVER:
        command += ["--server", server_url]

    async def scenario() -> dict[str, Any]:
        async with node_server(port_number) as peer:
            sim = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            try:
                assert sim.stdout is not None
                where = json.loads(await asyncio.to_thread(sim.stdout.readline))["tcp"]
                with serial.serial_for_url(f"socket://{where}", timeout=0.1) as port:
                    for line in plugin.connect_sequence(server_url):
                        await asyncio.to_thread(_at, port, line)
                    registered = await peer.next(timeout=30)
                    assert registered["event"] == "registered", registered
                    read = await _read(peer, registered["endpoint"])
                return {"registered": registered, "read": read}
            finally:
                sim.terminate()
                await asyncio.to_thread(sim.wait, 10)

    result = asyncio.run(scenario())
    registered, read = result["registered"], result["read"]
    assert registered["version"] in ("1.0", "1.1")
    assert "</3/0>" in registered["payload"]
    assert read["event"] == "read", read
    assert isinstance(read["value"], str) and read["value"], read
