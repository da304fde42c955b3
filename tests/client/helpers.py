"""Shared helpers for the client-engine tests (plain pytest, one event loop per test)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from workbench.client import ClientEvent, LwM2MClient


def run(coro: Awaitable[Any], timeout: float = 20.0) -> Any:
    # asyncio.timeout, not wait_for: on 3.11 wait_for runs ``coro`` in a task of its own, which
    # the "no task left behind" checks would then count.
    async def bounded() -> Any:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


def free_udp_port() -> int:
    """A port nothing listens on (bound and released; good enough on loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Recorder:
    """Collects a client's events; ``await rec.wait(kind, **fields)`` for the next match."""

    def __init__(self, client: LwM2MClient) -> None:
        self.events: list[ClientEvent] = []
        self._waiters: list[tuple[Callable[[ClientEvent], bool], asyncio.Future[ClientEvent]]] = []
        client.subscribe(self._on_event)

    def _on_event(self, event: ClientEvent) -> None:
        self.events.append(event)
        for match, future in list(self._waiters):
            if not future.done() and match(event):
                future.set_result(event)

    def of(self, kind: str, **fields: Any) -> list[ClientEvent]:
        return [e for e in self.events if e.kind == kind and _matches(e, fields)]

    async def wait(
        self, kind: str, timeout: float = 5.0, past: bool = False, **fields: Any
    ) -> ClientEvent:
        """The next matching event; with ``past`` an earlier one counts too."""
        if past:
            earlier = self.of(kind, **fields)
            if earlier:
                return earlier[-1]
        future: asyncio.Future[ClientEvent] = asyncio.get_running_loop().create_future()
        entry = (lambda e: e.kind == kind and _matches(e, fields), future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiters.remove(entry)


def _matches(event: ClientEvent, fields: dict[str, Any]) -> bool:
    return all(event.fields.get(k) == v for k, v in fields.items())


class RawPeer:
    """A bare UDP socket speaking CoAP through aiocoap's message codec.

    Used where a test needs exact control of what the "server" sends back (an RST to a
    notification, a request re-using a token), which aiocoap's own context does not expose.
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self._mid = 0x1000

    def close(self) -> None:
        self.sock.close()

    def send(self, message: Any, address: tuple[str, int]) -> None:
        if message.mid is None:
            self._mid += 1
            message.mid = self._mid
        self.sock.sendto(message.encode(), address)

    async def receive(self, timeout: float = 3.0) -> Any:
        from aiocoap import Message

        loop = asyncio.get_running_loop()
        data = await asyncio.wait_for(loop.sock_recv(self.sock, 4096), timeout)
        return Message.decode(data)
