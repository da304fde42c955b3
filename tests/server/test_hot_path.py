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
