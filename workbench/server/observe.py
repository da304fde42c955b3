"""Observations the server holds on clients, and how they end.

An :class:`Observation` gives its notifications to callbacks and async iterators. It ends
when the client says so (a notification without Observe, an error), when the client
deregisters, or when the user cancels it: *passively* (forget the token; the client gets an
RST on its next notification) or *actively* (a GET with Observe=1 on the same token, RFC 7641
§3.6, which aiocoap does not send by itself).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from workbench.server.requests import Notification, ReadResult


class Observation:
    """A live observation of ``path`` on ``endpoint``."""

    # One per observed client: no per-instance dict (a server may hold 10,000 of them).
    __slots__ = (
        "_callbacks",
        "_canceller",
        "_queues",
        "active",
        "composite",
        "end_reason",
        "endpoint",
        "initial",
        "last",
        "notifications",
        "path",
        "record",
        "request",
        "token",
    )

    def __init__(
        self,
        endpoint: str,
        path: str,
        token: bytes,
        initial: ReadResult,
        canceller: Callable[[Observation, bool], Awaitable[ReadResult | None]],
        composite: tuple[str, ...] = (),
    ) -> None:
        self.endpoint = endpoint
        self.path = path
        self.token = token
        self.initial = initial
        self.composite = composite
        self._canceller = canceller
        self._callbacks: list[Callable[[Notification], object]] = []
        self._queues: list[asyncio.Queue[Notification | None]] = []
        self.notifications = 0
        self.last: Notification | None = None
        self.active = True
        self.end_reason: str | None = None
        #: aiocoap's request object, kept so a passive cancel can drop it.
        self.request: Any = None
        #: The registration the observation belongs to (a re-registration ends it).
        self.record: Any = None

    @property
    def key(self) -> tuple[str, str]:
        return self.endpoint, self.path

    def add_callback(self, callback: Callable[[Notification], object]) -> Callable[[], None]:
        """Call ``callback(notification)`` for each notification; returns an unsubscriber."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def __aiter__(self) -> AsyncIterator[Notification]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Notification]:
        queue: asyncio.Queue[Notification | None] = asyncio.Queue()
        if not self.active:
            return
        self._queues.append(queue)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield item
        finally:
            if queue in self._queues:
                self._queues.remove(queue)

    async def next(self, timeout: float | None = None) -> Notification:
        """The next notification (scripts and tests), or :class:`TimeoutError`."""
        future: asyncio.Future[Notification] = asyncio.get_running_loop().create_future()

        def once(notification: Notification) -> None:
            if not future.done():
                future.set_result(notification)

        remove = self.add_callback(once)
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            remove()

    def _deliver(self, notification: Notification) -> None:
        self.notifications += 1
        self.last = notification
        for callback in list(self._callbacks):
            try:
                callback(notification)
            except Exception:  # a broken subscriber must not end the observation
                continue
        for queue in self._queues:
            queue.put_nowait(notification)

    def _end(self, reason: str) -> None:
        if not self.active:
            return
        self.active = False
        self.end_reason = reason
        for queue in self._queues:
            queue.put_nowait(None)

    async def cancel(self, active: bool = True) -> ReadResult | None:
        """End the observation; ``active`` sends GET Observe=1 and returns its answer."""
        return await self._canceller(self, active)
