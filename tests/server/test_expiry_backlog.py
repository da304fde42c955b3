"""An Update that reached the server's socket in time keeps the registration, however late
the busy server reads it (the soak bench lost thousands of clients that way)."""

from __future__ import annotations

import asyncio
import socket
import time

from tests.server.conftest import run, serving
from workbench.lwm2m.model import ObjectRegistry
from workbench.server import ServerConfig
from workbench.server.coapwire import MessageType, encode_message, parse_datagram


def _answer(sock: socket.socket, mid: int, timeout: float = 5.0) -> int:
    """The code of the answer to message ``mid`` (other datagrams skipped)."""
    sock.settimeout(timeout)
    while True:
        msg = parse_datagram(sock.recv(2048))
        if msg.mid == mid:
            return msg.code


def test_an_update_queued_behind_a_backlog_is_read_before_the_lifetime_verdict(
    registry: ObjectRegistry,
) -> None:
    async def scenario() -> None:
        config = ServerConfig(request_timeout=3, expiry_grace=0)
        async with serving(registry, config=config) as server:
            client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            noisy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                client.bind(("127.0.0.1", 0))
                noisy.bind(("127.0.0.1", 0))
                query = [(15, b"ep=late-update"), (15, b"lt=2"), (15, b"lwm2m=1.1"), (15, b"b=U")]
                register = [(11, b"rd"), (12, b"\x28"), *query]
                client.sendto(
                    encode_message(MessageType.CON, 0x02, 1, b"r", register, b"</3/0>"),
                    server.address,
                )
                await asyncio.sleep(0.3)
                assert _answer(client, 1) == 0x41  # 2.01 Created
                location = server_location(server)
                await asyncio.sleep(1.2)
                # The server is busy (its loop blocked) from here past the deadline: 300 other
                # datagrams and then the Update (sent 0.5 s before the lifetime ends) queue up.
                blocked_until = time.monotonic() + 1.5
                for mid in range(300):
                    noisy.sendto(encode_message(MessageType.NON, 0, mid), server.address)
                client.sendto(
                    encode_message(MessageType.CON, 0x02, 2, b"u", location), server.address
                )
                time.sleep(max(0.0, blocked_until - time.monotonic()))
                await asyncio.sleep(1.0)
                assert _answer(client, 2) == 0x44  # 2.04 Changed, not 4.04
                assert "late-update" in server.clients
            finally:
                client.close()
                noisy.close()

    run(scenario())


def server_location(server: object) -> list[tuple[int, bytes]]:
    """Uri-Path options of the registration's location (``/rd/<id>``)."""
    info = server.clients["late-update"]  # type: ignore[attr-defined]
    return [(11, b"rd"), (11, info.location.encode())]
