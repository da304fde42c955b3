"""A bounded, counted history of what the server published (CoAP log entries, events).

The server publishes every datagram and event on a bus and keeps none of them; whoever keeps
them (the window's panels, a headless recorder) must not grow without bound when 10,000
clients talk for hours. :class:`BoundedHistory` keeps the latest ``limit`` items, drops the
oldest first and counts what it dropped, so a view can say "N older dropped (limit L)".

Items keep their numbers: item ``n`` stays item ``n`` when older ones go (a dropped number
reads as ``None``), so the timeline's CoAP and FOTA marks can point at their entries by
number (a mark's ``ref``) and say so when the entry is gone, instead of showing another.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class _Bus(Protocol[T_co]):
    def subscribe(self, callback: Callable[[T_co], object]) -> Callable[[], None]: ...


class BoundedHistory(Generic[T]):
    """The latest ``limit`` items; older ones are dropped first and counted in :attr:`dropped`."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a history must hold at least one item")
        self._items: deque[T] = deque(maxlen=limit)
        #: Items dropped because the history was full (since creation or :meth:`clear`).
        self.dropped = 0

    @property
    def limit(self) -> int:
        maxlen = self._items.maxlen
        assert maxlen is not None
        return maxlen

    def set_limit(self, limit: int) -> None:
        """Change the limit; when lowered, the oldest items beyond it are dropped and counted."""
        if limit < 1:
            raise ValueError("a history must hold at least one item")
        over = max(0, len(self._items) - limit)
        self.dropped += over
        self._items = deque(self._items, maxlen=limit)

    def append(self, item: T) -> int:
        """Keep ``item``; returns its number (items are numbered from 0 in arrival order,
        and a number never shifts when older ones are dropped)."""
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(item)
        return self.dropped + len(self._items) - 1

    def extend(self, items: Iterable[T]) -> int:
        """Keep ``items``; returns the number of the first of them."""
        batch = list(items)
        first = self.dropped + len(self._items)
        self.dropped += max(0, len(self._items) + len(batch) - self.limit)
        self._items.extend(batch)
        return first

    def get(self, number: int) -> T | None:
        """Item ``number``, or None when it was dropped (or never existed)."""
        index = number - self.dropped
        if 0 <= index < len(self._items):
            return self._items[index]
        return None

    def __getitem__(self, number: int) -> T:
        item = self.get(number)
        if item is None:
            raise IndexError(f"item {number} is not kept (oldest kept: {self.dropped})")
        return item

    def attach(self, bus: _Bus[T]) -> Callable[[], None]:
        """Keep everything ``bus`` publishes from now on; returns the unsubscribe function."""
        return bus.subscribe(self.append)

    def clear(self) -> None:
        self._items.clear()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def latest(self, count: int) -> list[T]:
        """The ``count`` newest items, oldest first."""
        if count <= 0:
            return []
        return list(self._items)[-count:]

    def describe(self, noun: str) -> str:
        """``"1,234 messages · 56 older dropped (limit 1,000)"`` for a status line."""
        text = f"{len(self._items):,} {noun}"
        if self.dropped:
            text += f" · {self.dropped:,} older dropped (limit {self.limit:,})"
        return text
