"""Block1 (RFC 7959) reassembly of incoming request bodies, with a size cap.

aiocoap's own spool has no size limit, and a module (or an attacker) sending Block1 bodies
without an end would grow it forever. This spool caps each body, the number of bodies in
progress and their age.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class _Assembly:
    data: bytearray = field(default_factory=bytearray)
    started: float = field(default_factory=time.monotonic)


class BlockError(Exception):
    """A block that cannot be accepted: ``code`` is the CoAP response (4.08 or 4.13)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class Block1Spool:
    """Bodies in progress, keyed by (peer, method, path, query)."""

    def __init__(self, max_size: int = 64 * 1024, max_bodies: int = 256, max_age: float = 60.0):
        self.max_size = max_size
        self.max_bodies = max_bodies
        self.max_age = max_age
        self._bodies: OrderedDict[Any, _Assembly] = OrderedDict()

    def _expire(self) -> None:
        now = time.monotonic()
        while self._bodies:
            key, first = next(iter(self._bodies.items()))
            if now - first.started > self.max_age or len(self._bodies) > self.max_bodies:
                del self._bodies[key]
            else:
                break

    def feed(self, key: Any, number: int, more: bool, size: int, payload: bytes) -> bytes | None:
        """Add one block; the whole body when it was the last, ``None`` when more follow."""
        self._expire()
        if number == 0:
            self._bodies.pop(key, None)
            assembly = _Assembly()
            self._bodies[key] = assembly
        else:
            found = self._bodies.get(key)
            if found is None:
                raise BlockError("4.08", "block without its predecessors")
            assembly = found
        if number * size != len(assembly.data):
            self._bodies.pop(key, None)
            raise BlockError("4.08", "block out of order")
        if more and len(payload) != size:
            self._bodies.pop(key, None)
            raise BlockError("4.00", "block shorter than its size")
        if len(assembly.data) + len(payload) > self.max_size:
            self._bodies.pop(key, None)
            raise BlockError("4.13", f"body larger than {self.max_size} bytes")
        assembly.data += payload
        if more:
            return None
        del self._bodies[key]
        return bytes(assembly.data)

    def __len__(self) -> int:
        return len(self._bodies)

    def clear(self) -> None:
        self._bodies.clear()
