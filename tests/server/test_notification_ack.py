"""Confirmable notifications are ACKed by the server's transport (four bytes, no aiocoap
message) and reach the observation exactly once, retransmissions included."""

from __future__ import annotations

import asyncio
import gc
import socket
from typing import Any

from aiocoap import Message as AiocoapMessage

from tests.server.conftest import run, serving
from workbench.lwm2m.model import ObjectRegistry
from workbench.server import ServerConfig
from workbench.server.coapwire import MessageType, RawMessage, encode_message, parse_datagram


async def _next(sock: socket.socket, timeout: float = 5.0) -> tuple[RawMessage, tuple[str, int]]:
    loop = asyncio.get_running_loop()
    data, addr = await asyncio.wait_for(loop.sock_recvfrom(sock, 2048), timeout)
    return parse_datagram(data), addr


def _device_socket() -> socket.socket:
    """A module's UDP socket on 127.0.0.1 (non-blocking, for the loop's sock_* calls)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


def test_a_con_notification_is_acked_once_per_copy_and_delivered_once(
    registry: ObjectRegistry,
) -> None:
    async def scenario() -> None:
        async with serving(registry, config=ServerConfig(request_timeout=3)) as server:
            sock = _device_socket()
            try:
                obs, get, addr = await _observed(server, sock, "con-notify")
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


async def _observed(server: Any, sock: socket.socket, endpoint: str) -> tuple[Any, Any, Any]:
    """Register ``endpoint`` from ``sock`` and let the server observe /3303/0/5700 on it."""
    query = [(15, b"ep=" + endpoint.encode()), (15, b"lt=60"), (15, b"lwm2m=1.1")]
    sock.sendto(
        encode_message(
            MessageType.CON, 0x02, 1, b"r", [(11, b"rd"), (12, b"\x28"), *query], b"</3303/0>"
        ),
        server.address,
    )
    answer, _ = await _next(sock)
    assert answer.code == 0x41
    observing = asyncio.ensure_future(server.observe(endpoint, "/3303/0/5700"))
    get, addr = await _next(sock)
    assert get.code == 0x01 and get.uint_option(6) == 0
    sock.sendto(
        encode_message(
            MessageType.ACK, 0x45, get.mid, get.token, [(6, b"\x02"), (12, b"")], b"20.5"
        ),
        addr,
    )
    return await observing, get, addr


def _notification(mid: int, token: bytes, seq: int, value: bytes, *extra: Any) -> bytes:
    options = [(6, seq.to_bytes(3, "big").lstrip(b"\0") or b""), (12, b""), *extra]
    return encode_message(MessageType.NON, 0x45, mid, token, sorted(options), value)


def test_aiocoap_keeps_nothing_of_an_observation_the_transport_feeds(
    registry: ObjectRegistry,
) -> None:
    """After the first answer the observation is the transport's: aiocoap's token manager,
    tasks and messages for it are gone (half of a client's memory in the 10,000-client soak),
    and notifications still arrive, newest first wins (RFC 7641 §3.4), from its peer only."""

    async def scenario() -> None:
        async with serving(registry, config=ServerConfig(request_timeout=3)) as server:
            sock = _device_socket()
            other = _device_socket()
            try:
                obs, get, addr = await _observed(server, sock, "fed")
                assert server._built is not None
                assert server._built.token_manager.outgoing_requests == {}
                assert obs.request is None
                await asyncio.sleep(0.05)  # aiocoap's observation tasks end as they are cancelled
                gc.collect()
                # This test's messages only: the Register (token "r"), the GET and their
                # answers. A whole-process census also sees what earlier tests left to pytest
                # (it keeps every warning to the end, and a warning may hold a request).
                ours = (b"r", get.token)
                assert not [
                    o for o in gc.get_objects() if type(o) is AiocoapMessage and o.token in ours
                ]
                seen: list[Any] = []
                obs.add_callback(lambda n: seen.append((n.sequence, n.result.values)))
                sock.sendto(_notification(900, get.token, 5, b"21.5"), addr)
                sock.sendto(_notification(901, get.token, 4, b"19.0"), addr)  # overtaken
                sock.sendto(_notification(901, get.token, 6, b"22.0"), addr)  # copy of 901
                other.sendto(_notification(902, get.token, 7, b"99.9"), addr)  # not its peer
                sock.sendto(_notification(903, get.token, 8, b"23.0"), addr)
                await asyncio.sleep(0.3)
                assert [seq for seq, _values in seen] == [5, 8]
                assert "23.0" in str(seen[-1][1])
                # The stranger's copy went to aiocoap, which knows no such request: a Reset
                # for a confirmable one, nothing for this non-confirmable one.
                assert obs.active and obs.notifications == 2
            finally:
                sock.close()
                other.close()

    run(scenario())


def test_a_notification_in_blocks_is_read_again_whole(registry: ObjectRegistry) -> None:
    """A block-wise notification (Block2, more to come) that the transport took is completed
    by reading the resource again (RFC 7959 §2.6 lets the observer fetch the rest)."""

    async def scenario() -> None:
        async with serving(registry, config=ServerConfig(request_timeout=3)) as server:
            sock = _device_socket()
            try:
                obs, get, addr = await _observed(server, sock, "blocks")
                block2 = (23, bytes([0x08 | 0]))  # block 0, more, 16 bytes
                sock.sendto(_notification(910, get.token, 9, b"21.5", block2), addr)
                read, raddr = await _next(sock)
                assert read.code == 0x01 and read.uint_option(6) is None  # a plain GET
                sock.sendto(
                    encode_message(
                        MessageType.ACK, 0x45, read.mid, read.token, [(12, b"")], b"24.25"
                    ),
                    raddr,
                )
                notification = await obs.next(timeout=5)
                assert notification.sequence == 9 and "24.25" in str(notification.result.values)
            finally:
                sock.close()

    run(scenario())


def test_a_notification_in_blocks_whose_read_fails_is_dropped_quietly(
    registry: ObjectRegistry,
) -> None:
    """The read that completes a block-wise notification can time out like any request: that
    notification is lost (the failed read is in the request list), not a server error, and
    the observation goes on."""

    async def scenario() -> None:
        config = ServerConfig(request_timeout=0.5)
        async with serving(registry, config=config) as server:
            errors: list[Any] = []
            server.events.subscribe(
                lambda ev: errors.append(ev) if ev.kind == "server_error" else None
            )
            sock = _device_socket()
            try:
                obs, get, addr = await _observed(server, sock, "blocks-lost")
                block2 = (23, bytes([0x08 | 0]))
                sock.sendto(_notification(920, get.token, 9, b"21.5", block2), addr)
                read, _raddr = await _next(sock)
                assert read.code == 0x01  # the read, never answered
                await asyncio.sleep(1.5)
                assert errors == [] and obs.active and obs.notifications == 0
                sock.sendto(_notification(921, get.token, 10, b"22.5"), addr)
                notification = await obs.next(timeout=5)
                assert notification.sequence == 10
            finally:
                sock.close()

    run(scenario())
