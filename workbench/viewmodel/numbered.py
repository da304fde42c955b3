"""A bounded list whose items keep their numbers when the oldest are dropped (Qt-free).

The timeline's CoAP and FOTA marks point at their entries by number (a mark's ``ref``). A
plain list grew without bound; dropping its head would shift every number. Here item ``n``
stays item ``n``: the oldest go first beyond the limit, are counted in :attr:`dropped`, and a
number that was dropped reads as ``None`` (the mark says so) instead of another entry.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class NumberedHistory(Generic[T]):
    """The latest ``limit`` items, numbered from 0 in arrival order."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a history must hold at least one item")
        self._items: deque[T] = deque()
        self._limit = limit
        #: Number of the oldest item kept (= items dropped since the last clear).
        self.dropped = 0

    @property
    def limit(self) -> int:
        return self._limit

    def set_limit(self, limit: int) -> None:
        """Change the limit; when lowered, the oldest items beyond it are dropped and counted."""
        if limit < 1:
            raise ValueError("a history must hold at least one item")
        self._limit = limit
        self._trim()

    def append(self, item: T) -> int:
        """Keep ``item``; returns its number."""
        self._items.append(item)
        number = self.dropped + len(self._items) - 1
        self._trim()
        return number

    def extend(self, items: Iterable[T]) -> int:
        """Keep ``items``; returns the number of the first of them."""
        first = self.dropped + len(self._items)
        self._items.extend(items)
        self._trim()
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

    def clear(self) -> None:
        """Forget everything; numbering starts again at 0."""
        self._items.clear()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def _trim(self) -> None:
        over = len(self._items) - self._limit
        if over <= 0:
            return
        if over > len(self._items) // 2:  # much at once: rebuild rather than pop each
            self._items = deque(list(self._items)[over:])
        else:
            for _ in range(over):
                self._items.popleft()
        self.dropped += over


__all__ = ["NumberedHistory"]
