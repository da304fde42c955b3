"""Publish/subscribe for server events and CoAP log entries.

The server never knows who listens: the CLI prints, the GUI batches into Qt models, tests
collect. Subscribers are plain callbacks or async iterators; a slow async subscriber gets a
bounded queue that drops its oldest entries (and counts them) instead of growing without
limit or slowing the protocol down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_log = logging.getLogger(__name__)


class Subscription(Generic[T]):
    """An async iterator over published items; ``close()`` (or leaving ``async with``) ends it."""

    def __init__(self, bus: EventBus[T], maxsize: int) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[T | None] = asyncio.Queue(maxsize)
        self.dropped = 0
        self._closed = False

    def _push(self, item: T | None) -> None:
        if self._closed and item is not None:
            return
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except asyncio.QueueFull:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except asyncio.QueueEmpty:  # pragma: no cover - full and empty at once
                    return

    def close(self) -> None:
        """Stop receiving; a pending ``__anext__`` ends the iteration."""
        if not self._closed:
            self._closed = True
            self._bus._unsubscribe_stream(self)
            self._push(None)

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is None:
            raise StopAsyncIteration
        return item

    async def get(self, timeout: float | None = None) -> T:
        """The next item, waiting at most ``timeout`` seconds (tests and scripts)."""
        async with asyncio.timeout(timeout):
            return await self.__anext__()

    async def __aenter__(self) -> Subscription[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class EventBus(Generic[T]):
    """Fan-out of items to callbacks and async subscriptions, never raising into the caller."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[[T], object]] = []
        self._streams: list[Subscription[T]] = []

    def subscribe(self, callback: Callable[[T], object]) -> Callable[[], None]:
        """Call ``callback(item)`` for every item; returns a function that unsubscribes."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def stream(self, maxsize: int = 10_000) -> Subscription[T]:
        """An async iterator of the items published from now on."""
        sub: Subscription[T] = Subscription(self, maxsize)
        self._streams.append(sub)
        return sub

    def _unsubscribe_stream(self, sub: Subscription[T]) -> None:
        if sub in self._streams:
            self._streams.remove(sub)

    @property
    def has_subscribers(self) -> bool:
        return bool(self._callbacks or self._streams)

    def publish(self, item: T) -> None:
        for callback in list(self._callbacks):
            try:
                callback(item)
            except Exception:
                # A broken subscriber must not break the protocol; it is logged, not raised.
                _log.exception("%s subscriber %r failed", self.name, callback)
        for sub in list(self._streams):
            sub._push(item)

    def close(self) -> None:
        """End every async subscription (server stop)."""
        for sub in list(self._streams):
            sub.close()
        self._callbacks.clear()
