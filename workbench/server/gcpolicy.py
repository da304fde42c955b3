"""Garbage-collector policy for a process that serves many clients (``lwm2m-workbench serve``).

A server holding 10,000 registrations and observations has a few million objects that live as
long as their client. CPython starts a full collection when a quarter as many objects as the
old generation holds have *entered* it since the last one, counting objects that died since
by reference counting; a server answering a thousand datagrams a second moves that many
short-lived objects (aiocoap's duplicate cache keeps each message for seconds) through the
old generation, so it ran a full collection every 10–20 s, and each walked every object: up
to 3.9 s on a shared 2-core machine, while datagrams queued and Updates arrived after their
clients' lifetimes (the soak bench lost 7,522 of 10,000 registrations that way).

This policy (the window has its own, :mod:`workbench.gui.gcpolicy`, with the same idea) every
second collects the young generations and ``gc.freeze()``\\ s the survivors, so automatic
collections only walk what arrived since. Frozen objects that die by reference counting are
freed as usual; only cyclic garbage that lived longer than a second waits. It is found by a
full collection (unfreeze, collect, freeze) run when the heap has grown by :data:`GROWTH`
since the last full one (and at least :data:`MIN_GROWTH` allocated blocks): cycles can then
never hold more than that share of the heap, and a server whose heap is flat pays for no
full collection at all. It is opt-in (garbage collection is the process's, not the
server's): the CLI ``serve`` command starts it; an application embedding the server decides.

Growth is read from ``sys.getallocatedblocks()`` (a sum over the allocator's arenas: 0.2 ms
with nine million blocks), never by counting frozen objects: ``gc.get_freeze_count()`` walks
the whole frozen list, and with 10,000 clients (1.4 million frozen objects) that walk took
about 100 ms every second. The soak bench's profile found it: a quarter of the server's time
and its steady p99 of ~200 ms, all in that one call (issue 17). Blocks count every small
object, not only those the collector tracks, which is what a heap's growth means here; cyclic
garbage hidden by the freeze stays allocated, so it shows as growth too.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable

#: Seconds between freezes of the survivors.
EVERY = 1.0
#: Growth of the heap (a share of it at the last full collection) that calls for one: when
#: it has doubled, so each full pass is paid for by as many new blocks as it walks. At 0.5,
#: a server taking on 10,000 clients ran eight passes of up to a second while they arrived.
GROWTH = 1.0
#: ... and at least this many allocated blocks (about 200,000 objects' worth).
MIN_GROWTH = 400_000


class ServerGcPolicy:
    """See the module docstring: ``start()`` on the running loop, ``stop()`` to give back."""

    def __init__(
        self,
        *,
        every: float = EVERY,
        growth: float = GROWTH,
        min_growth: int = MIN_GROWTH,
        blocks: Callable[[], int] = sys.getallocatedblocks,
    ) -> None:
        self.every = every
        self.growth = growth
        self.min_growth = min_growth
        self._blocks = blocks
        self._handle: asyncio.TimerHandle | None = None
        self._after_full = 0
        #: Full collections run by the policy (the heap had grown enough).
        self.full_collections = 0

    @property
    def running(self) -> bool:
        return self._handle is not None

    def start(self) -> None:
        if self._handle is None:
            self._after_full = self._blocks()
            self._handle = asyncio.get_running_loop().call_later(self.every, self._tick)

    def stop(self) -> None:
        """Stop ticking and give every frozen object back to the collector."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            gc.unfreeze()

    def due_full(self) -> bool:
        """Whether the heap grew enough since the last full collection."""
        grown = self._blocks() - self._after_full
        return grown >= max(self.min_growth, self.growth * self._after_full)

    def tick(self) -> None:
        """Collect the young generations and freeze what survived (a full pass when due)."""
        if self.due_full():
            gc.unfreeze()
            gc.collect()
            self.full_collections += 1
            gc.freeze()
            self._after_full = self._blocks()
            return
        gc.collect(1)
        gc.freeze()

    def _tick(self) -> None:
        self.tick()
        self._handle = asyncio.get_running_loop().call_later(self.every, self._tick)
