"""Malformed datagrams: the gate's answers, a 10,000-datagram fuzz run, and clean restarts."""

from __future__ import annotations

import asyncio
import gc
import os
import random
import socket

import pytest
from aiocoap.numbers.codes import Code

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server import LwM2MServer, ServerConfig
from workbench.server.coapwire import MessageType, encode_message, parse_datagram
from workbench.server.robustness import inspect_datagram

REGISTER = encode_message(
    MessageType.CON,
    0x02,
    0x1234,
    b"\x01\x02",
    [(11, b"rd"), (12, b"\x28"), (15, b"ep=fuzz"), (15, b"lt=60")],
    b"</1/0>,</3/0>",
)


@pytest.mark.parametrize(
    ("data", "action"),
    [
        (b"\x40", "dropped"),  # truncated header
        (b"\x80\x01\x00\x01", "dropped"),  # version 2
        (b"\x49\x01\x00\x01" + b"\x00" * 9, "RST"),  # token length 9
        (b"\x4f\x01\x00\x01" + b"\x00" * 15, "RST"),  # token length 15
        (b"\x40\x01\x00\x01\xb5ab", "RST"),  # option length past the end
        (b"\x40\x01\x00\x01\xff", "RST"),  # payload marker without payload
        (b"\x40\x01\x00\x01\xf0", "RST"),  # reserved nibble 15
        (b"\x40\x20\x00\x01", "RST"),  # reserved class 1
        (b"\x50\x01\x00\x01\xb5ab", "dropped"),  # NON with a format error
        (encode_message(MessageType.CON, 1, 1, b"t", [(11, b"\xff\xfe")]), "4.00"),
        (encode_message(MessageType.CON, 1, 1, b"t", [(15, b"ep=\xc3")]), "4.00"),
        (encode_message(MessageType.CON, 1, 1, b"t", [(9, b"")]), "4.02"),  # OSCORE
        (encode_message(MessageType.CON, 1, 1, b"t", [(2049, b"x")]), "4.02"),
        (encode_message(MessageType.CON, 2, 1, b"t", [(11, b"rd")], b"x" * 20000), "4.13"),
    ],
)
def test_gate_answers(data: bytes, action: str) -> None:
    verdict = inspect_datagram(data, False, 16 * 1024)
    assert not verdict.accept
    assert verdict.action == action
    if action == "RST":
        assert verdict.reply is not None
        reply = parse_datagram(verdict.reply)
        assert reply.mtype is MessageType.RST and reply.mid == 1
    if action.startswith("4."):
        assert verdict.reply is not None
        reply = parse_datagram(verdict.reply)
        assert reply.mtype is MessageType.ACK and reply.token == b"t"
        assert f"{reply.code >> 5}.{reply.code & 31:02d}" == action


def test_gate_accepts_good_messages() -> None:
    assert inspect_datagram(REGISTER, False, 16 * 1024).accept
    assert inspect_datagram(b"\x40\x00\x00\x01", False, 1024).accept  # CoAP ping
    assert inspect_datagram(b"\x60\x00\x00\x01", False, 1024).accept  # empty ACK


def mutations(rng: random.Random, count: int) -> list[bytes]:
    """Specific malformed shapes plus random bit flips, truncations, splices and garbage."""
    fixed = [
        b"",
        b"\x40",
        b"\x40\x01",
        b"\x80\x01\x00\x01",
        b"\x49\x01\x00\x01",
        b"\x4f\x01\x00\x01" + b"\xaa" * 15,
        b"\x40\x01\x00\x01\xff",
        b"\x40\x02\x00\x01\xb2rd\xff",
        encode_message(MessageType.CON, 2, 7, b"x", [(11, b"\xc3\x28")]),
        encode_message(MessageType.CON, 2, 7, b"x", [(11, b"rd"), (15, b"ep=\xff")]),
        encode_message(MessageType.CON, 2, 7, b"x", [(11, b"rd"), (25, b"")]),
        encode_message(MessageType.CON, 2, 8, b"x", [(11, b"rd"), (27, b"\x0e")], b"a" * 1024),
        bytes(rng.getrandbits(8) for _ in range(60000)),
    ]
    out = list(fixed)
    while len(out) < count:
        data = bytearray(REGISTER)
        kind = rng.randrange(5)
        if kind == 0:
            for _ in range(rng.randint(1, 4)):
                pos = rng.randrange(len(data))
                data[pos] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data = data[: rng.randrange(len(data))]
        elif kind == 2:
            pos = rng.randrange(len(data))
            data[pos:pos] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 12)))
        elif kind == 3:
            data = bytearray(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
        else:
            data[0] = 0x40 | rng.randrange(16) | (rng.randrange(4) << 4)
        out.append(bytes(data))
    return out


def test_fuzz_10000_datagrams_then_a_client_still_works(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, endpoint="after-fuzz")
        async with serving(registry, dev) as server:
            rng = random.Random(7)
            host, port = server.address
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
                raw.setblocking(False)
                for index, data in enumerate(mutations(rng, 10_000)):
                    try:
                        raw.sendto(data, (host, port))
                    except OSError:
                        pass  # 60,000-byte garbage may exceed what loopback takes
                    if index % 100 == 0:
                        # Paced by the server's progress, not by a fixed sleep: aiocoap reads
                        # one datagram per loop turn, and on a loaded machine a blind sender
                        # overruns even a 4 MB receive buffer (UDP then drops, by design).
                        for _ in range(200):
                            await asyncio.sleep(0.001)
                            if server._tap.received >= index - 100:
                                break
                await asyncio.sleep(0.5)
            assert server.errors == 0
            assert server._tap.received > 9_000  # they did arrive, and were handled
            response = await dev.register(server.address)
            assert response.code == Code.CREATED
            result = await server.read("after-fuzz", "/3/0/0")
            assert result.values == {Path.of(3, 0, 0): "Acme"}

    run(scenario(), timeout=60)


def test_block1_reassembly_is_capped(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        config = ServerConfig(max_body=2048)
        async with serving(registry, config=config) as server:
            host, port = server.address
            loop = asyncio.get_running_loop()
            answers: list[bytes] = []

            class Proto(asyncio.DatagramProtocol):
                def datagram_received(self, data: bytes, addr: object) -> None:
                    answers.append(data)

            transport, _ = await loop.create_datagram_endpoint(Proto, remote_addr=(host, port))
            try:
                for num in range(4):  # 4 x 1024 bytes, "more" always set: never ends
                    block = bytes([(num << 4) | 0x08 | 6])
                    transport.sendto(
                        encode_message(
                            MessageType.CON,
                            2,
                            100 + num,
                            b"b1",
                            [(11, b"rd"), (15, b"ep=big"), (27, block)],
                            b"<" * 1024,
                        )
                    )
                    await asyncio.sleep(0.05)
            finally:
                transport.close()
            codes = [parse_datagram(a).code for a in answers]
            assert codes[:2] == [0x5F, 0x5F]  # 2.31 Continue
            assert 0x8D in codes  # 4.13 once past the cap
            assert server._site is not None and len(server._site.spool) == 0

    run(scenario())


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0


def test_stop_start_leaves_nothing_behind(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        server = LwM2MServer("127.0.0.1", 0, registry, config=ServerConfig(request_timeout=1))
        dev = FakeDevice(registry)
        await dev.start()
        baseline_tasks = len(asyncio.all_tasks())
        baseline_fds = _open_fds()
        try:
            for _ in range(3):
                await server.start()
                port = server.address[1]
                await dev.register(server.address)
                await server.observe("dev-1", "/3/0/9")
                await server.stop()
                for _ in range(20):  # closing transports finish on the next loop turns
                    await asyncio.sleep(0.02)
                    gc.collect()
                    if _open_fds() <= baseline_fds and len(asyncio.all_tasks()) <= baseline_tasks:
                        break
                # Every socket the server opened is closed again (our own fd table), so the
                # port is free; another process on this shared machine may take it at once,
                # which is why the test does not try to bind it.
                assert port > 0
                assert len(asyncio.all_tasks()) <= baseline_tasks
                assert _open_fds() <= baseline_fds
                assert not server.running and server.clients == {}
                assert asyncio.get_running_loop().get_exception_handler() is None
        finally:
            await dev.stop()

    run(scenario())


def test_binding_is_loopback_unless_asked(registry: ObjectRegistry) -> None:
    with pytest.raises(ValueError, match="all_interfaces"):
        LwM2MServer("0.0.0.0", 0, registry)
    assert LwM2MServer("127.0.0.1", 0, registry).host == "127.0.0.1"
    assert LwM2MServer(port=0, registry=registry, all_interfaces=True).host == "::"


def test_an_object_id_of_thousands_of_digits_is_a_bad_request(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, endpoint="long-id")
        async with serving(registry, dev) as server:
            events: list[str] = []
            server.events.subscribe(lambda ev: events.append(ev.kind))
            # Block1 carries the 4.4 KB payload; Python's int() refuses 4,301+ digits.
            response = await dev.register(server.address, payload=b"</" + b"7" * 4400 + b">")
            assert response.code == Code.BAD_REQUEST, response
            assert b"out of range" in response.payload
            assert server.errors == 0 and "server_error" not in events
            assert "long-id" not in server.clients

    run(scenario())


def test_size1_advertises_a_payload_that_really_fits(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        async with serving(registry, transport="udp6") as server:
            host, port = server.address
            loop = asyncio.get_running_loop()
            answers: asyncio.Queue[bytes] = asyncio.Queue()

            class Proto(asyncio.DatagramProtocol):
                def datagram_received(self, data: bytes, addr: object) -> None:
                    answers.put_nowait(data)

            def register(mid: int, payload: bytes) -> bytes:
                options = [(11, b"rd"), (12, b"\x28"), (15, b"ep=size1"), (15, b"lt=60")]
                return encode_message(MessageType.CON, 2, mid, b"s1", options, payload)

            transport, _ = await loop.create_datagram_endpoint(Proto, remote_addr=(host, port))
            try:
                transport.sendto(register(1, b"</3/0>" + b" " * 6000))
                too_large = parse_datagram(await asyncio.wait_for(answers.get(), 5))
                assert too_large.code == 0x8D  # 4.13
                (size1_bytes,) = too_large.option_values(60)
                size1 = int.from_bytes(size1_bytes, "big")
                # It was 16384 (the payload cap) while nothing over 4,096 bytes arrives whole.
                assert 0 < size1 < 4096
                transport.sendto(register(2, b"</3/0>" + b" " * (size1 - 6)))
                fits = parse_datagram(await asyncio.wait_for(answers.get(), 5))
                assert fits.code == 0x41, fits  # 2.01 Created: exactly Size1 bytes got through
                assert "size1" in server.clients
            finally:
                transport.close()

    run(scenario())
