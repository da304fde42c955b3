"""Per-message work aiocoap does that the server skips (issue 17's soak profile).

Each was measured on the 10,000-client soak (``bench/bench_soak.py``): formatting every request
as text to name its rendering task (6.6 % of the server's time) and parsing the packet-info
address with :mod:`ipaddress` for every response (3 %). These tests pin that the server no
longer does either, over real UDP with an independent device.
"""

from __future__ import annotations

import pytest
from aiocoap.message import Direction, Message
from aiocoap.numbers.codes import Code

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.model import ObjectRegistry


def test_a_request_is_rendered_without_formatting_it(
    registry: ObjectRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    formatted: list[str] = []
    original = Message.__repr__

    def counted(message: Message) -> str:
        # The device formats its own outgoing requests (aiocoap's client names a task so):
        # only requests as the server received them count.
        if message.direction is Direction.INCOMING and message.code.is_request():
            formatted.append(str(message.code))
        return str(original(message))

    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev) as server:
            monkeypatch.setattr(Message, "__repr__", counted)
            response = await dev.register(server.address)
            await dev.update()
            monkeypatch.setattr(Message, "__repr__", original)
            assert response.code == Code.CREATED
            assert "dev-1" in server.clients

    run(scenario())
    assert formatted == []


def test_the_multicast_check_is_answered_once_per_local_address(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev, transport="udp6") as server:
            for _ in range(3):
                assert (await dev.register(server.address)).code == Code.CREATED
            interfaces = [
                i.token_interface.message_interface
                for i in server._built.context.request_interfaces
            ]
            caches = [i.multicast_local for i in interfaces if hasattr(i, "multicast_local")]
            assert caches and list(caches[0].values()) == [False]

    run(scenario())


def test_a_retransmitted_register_is_answered_from_the_bytes_kept(registry: ObjectRegistry) -> None:
    """The duplicate cache keeps each answer as its bytes, not as the message (which held its
    request with both option sets: ~2 KB per Register or Update for 247 s); a retransmission
    still gets the very same answer, and registers nothing twice."""
    import asyncio
    import socket

    from aiocoap.message import Message as CoapMessage

    from tests.server.test_conformance import _register_datagram
    from workbench.server.transport import RecentMessages, SentResponse

    async def scenario() -> None:
        async with serving(registry) as server:
            loop = asyncio.get_running_loop()
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setblocking(False)
            try:
                sock.connect(server.address)
                datagram = _register_datagram(777, "ep=again", b"</1/0>,</3/0>")
                answers = []
                for _copy in range(2):  # the second copy is a retransmission (same mid)
                    await loop.sock_sendall(sock, datagram)
                    answers.append(await asyncio.wait_for(loop.sock_recv(sock, 2048), 5))
            finally:
                sock.close()
            assert answers[0] == answers[1]
            assert answers[0][1] == 0x41 and answers[0][2:4] == (777).to_bytes(2, "big")
            assert list(server.clients) == ["again"]
            assert server._built is not None
            recent = server._built.token_manager.token_interface._recent_messages
            assert isinstance(recent, RecentMessages)
            kept = [v for v in recent.values() if v is not None]
            assert kept and all(isinstance(v, SentResponse) for v in kept)
            assert answers[0] in [v.data for v in kept]
            assert not any(isinstance(v, CoapMessage) for v in recent.values())

    run(scenario())
