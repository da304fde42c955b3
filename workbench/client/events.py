"""Lifecycle events of a simulated LwM2M client, and the hub that delivers them.

Module simulators turn these into vendor URCs and the load generator prints them as JSON lines,
so the kinds and field names follow the decoded-event contract of DESIGN.md where one exists
(``client``, ``registration``, ``bootstrap``, ``update_timer``, ``notify``, ``observe``,
``connection``, ``host_request``) and add client-side kinds (``request``, ``send``,
``execute``, ``queue``). Callbacks are synchronous and must not block: a simulator that needs
to do I/O schedules it itself. A failing callback is logged, never allowed to break the engine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: Kinds of :class:`ClientEvent` the engine emits (fields in brackets).
EVENT_KINDS = {
    "client": "state: initialising, bootstrapping, registering, ready, stopped, failed",
    "bootstrap": "state: started, pending, finished, failed, retrying [server, code, error]",
    "registration": (
        "state: pending, registered, update_pending, updated, update_failed, failed, retrying,"
        " deregistering, deregistered [server, location, lifetime, code, attempt, delay]"
    ),
    "update_timer": "seconds until the next Update [server]",
    "observe": "path, active (bool) [format, token]",
    "notify": "path (a notification was sent) [code]",
    "connection": "state: created, closed, suspended, resumed [address]",
    "request": "op, path, code (a server request was answered) [format]",
    "host_request": "op, path, value (forwarded to a host callback) [code on failure]",
    "execute": "path, arguments (a local executable resource ran)",
    "send": "state: done, failed [paths, code]",
}

EventCallback = Callable[["ClientEvent"], None]


@dataclass(frozen=True, slots=True)
class ClientEvent:
    """One lifecycle event. ``fields`` are JSON-serialisable (paths as strings)."""

    kind: str
    endpoint: str
    fields: dict[str, Any] = field(default_factory=dict)
    #: Wall-clock time (``time.time()``) so events line up with logs and the timeline.
    time: float = field(default_factory=time.time)

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def to_json(self) -> dict[str, Any]:
        """A flat dict for JSON lines: ``kind``, ``endpoint``, ``time`` and the fields."""
        return {"kind": self.kind, "endpoint": self.endpoint, "time": self.time, **self.fields}


class EventHub:
    """Fan-out of events to callbacks and async iterators.

    Iterators get a bounded queue each; when a consumer falls behind the oldest events are
    dropped (and counted in :attr:`dropped`) rather than growing memory without limit, because
    a load test with a thousand clients must not be stalled by one slow reader.
    """

    def __init__(self, endpoint: str, queue_size: int = 10_000) -> None:
        self.endpoint = endpoint
        self.queue_size = queue_size
        self.dropped = 0
        self._callbacks: list[EventCallback] = []
        self._queues: list[asyncio.Queue[ClientEvent | None]] = []

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns a function that unsubscribes."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def emit(self, kind: str, **fields: Any) -> ClientEvent:
        event = ClientEvent(kind, self.endpoint, fields)
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                log.exception("event callback %r failed on %s", callback, event.kind)
        for queue in self._queues:
            if queue.full():
                try:
                    queue.get_nowait()
                    self.dropped += 1
                except asyncio.QueueEmpty:  # pragma: no cover - full implies non-empty
                    pass
            queue.put_nowait(event)
        return event

    async def stream(self) -> AsyncIterator[ClientEvent]:
        """Iterate over events from now on, until :meth:`close` is called."""
        queue: asyncio.Queue[ClientEvent | None] = asyncio.Queue(self.queue_size)
        self._queues.append(queue)
        try:
            while True:
                event = await queue.get()
                if event is None:
                    return
                yield event
        finally:
            if queue in self._queues:
                self._queues.remove(queue)

    def close(self) -> None:
        """End every :meth:`stream` iterator (the client has stopped)."""
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)
