"""Confirmable notifications are ACKed by the server's transport (four bytes, no aiocoap
message) and reach the observation exactly once, retransmissions included."""

from __future__ import annotations

import asyncio
import socket

from tests.server.conftest import run, serving
from workbench.lwm2m.model import ObjectRegistry
from workbench.server import ServerConfig
from workbench.server.coapwire import MessageType, RawMessage, encode_message, parse_datagram


async def _next(sock: socket.socket, timeout: float = 5.0) -> tuple[RawMessage, tuple[str, int]]:
    loop = asyncio.get_running_loop()
    data, addr = await asyncio.wait_for(loop.sock_recvfrom(sock, 2048), timeout)
    return parse_datagram(data), addr


def test_a_con_notification_is_acked_once_per_copy_and_delivered_once(
    registry: ObjectRegistry,
) -> None:
    async def scenario() -> None:
        async with serving(registry, config=ServerConfig(request_timeout=3)) as server:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            sock.setblocking(False)
            try:
                query = [(15, b"ep=con-notify"), (15, b"lt=60"), (15, b"lwm2m=1.1")]
                sock.sendto(
                    encode_message(
                        MessageType.CON, 0x02, 1, b"r", [(11, b"rd"), (12, b"\x28"), *query],
                        b"</3303/0>",
                    ),
                    server.address,
                )  # fmt: skip
                answer, _ = await _next(sock)
                assert answer.code == 0x41
                observing = asyncio.ensure_future(server.observe("con-notify", "/3303/0/5700"))
                get, addr = await _next(sock)
                assert get.code == 0x01 and get.uint_option(6) == 0
                sock.sendto(
                    encode_message(
                        MessageType.ACK, 0x45, get.mid, get.token, [(6, b"\x02"), (12, b"")],
                        b"20.5",
                    ),
                    addr,
                )  # fmt: skip
                obs = await observing
                seen: list[object] = []
                obs.add_callback(lambda n: seen.append(n.result.values))
                notification = encode_message(
                    MessageType.CON, 0x45, 777, get.token, [(6, b"\x03"), (12, b"")], b"21.5"
                )
                for _copy in range(2):  # the second copy is a retransmission (same mid)
                    sock.sendto(notification, addr)
                    ack, _ = await _next(sock)
                    assert (ack.mtype, ack.code, ack.mid, ack.token) == (
                        MessageType.ACK, 0, 777, b"",
                    )  # fmt: skip
                await asyncio.sleep(0.3)
                assert len(seen) == 1 and "21.5" in str(seen[0])
                # A confirmable response nobody asked for is still refused with a Reset.
                stray = encode_message(MessageType.CON, 0x45, 778, b"nobody", [], b"1")
                sock.sendto(stray, addr)
                reset, _ = await _next(sock)
                assert (reset.mtype, reset.mid) == (MessageType.RST, 778)
            finally:
                sock.close()

    run(scenario())
