"""Per-client request ordering and queue mode.

A module's CoAP stack handles one exchange at a time (RFC 7252 NSTART=1), and a queue-mode
module (binding ``UQ`` in 1.0, the ``Q`` parameter in 1.1) only listens for a while after it
sent something. So each client gets a :class:`ClientChannel`: requests take a FIFO lock, then
wait until the client is awake (always, for a non-queue client), then go out one by one.
A client is awake for ``awake_window`` seconds after it last talked (register, update, send,
notification); LwM2M lets the client sleep after MAX_TRANSMIT_WAIT (93 s) but most modules
sleep much sooner, so the window is configurable.

A module that restarts (``AT+CFUN=16``, an Execute on /3/0/4, a power cycle) closes its UDP
socket without deregistering and registers again from a new port. A request caught in between
is queued, not failed: :class:`ReturnWatch` wakes it when the module talks again, and
:func:`port_closed` / :func:`resendable` decide when sending it once more is safe.
"""

from __future__ import annotations

import asyncio
import errno
import time
from typing import Any

from aiocoap.numbers.codes import Code

#: Methods that do the same thing when sent twice (RFC 7252 §5.1, RFC 8132 §2 and §3).
IDEMPOTENT = frozenset({Code.GET, Code.PUT, Code.DELETE, Code.FETCH, Code.iPATCH})


class ChannelClosedError(Exception):
    """The client's registration ended (deregistered, replaced, expired, server stopped)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ClientChannel:
    """The FIFO of one client's requests and its awake/asleep state.

    Every registered client has one, and most never wait for anything, so the events that
    waiting requests need are made only when one waits (an :class:`asyncio.Event` with its
    waiter deque is ~0.7 KB; two per client were 14 MB of a 10,000-client server), and the
    "closed" one is let go when its last waiter is done: every client the server ever sent a
    request to (the Observe of the soak) kept one.
    """

    __slots__ = (
        "_awake_event",
        "_close_reason",
        "_closed_event",
        "_closed_waiters",
        "_is_awake",
        "_is_closed",
        "_lock",
        "_sleep_handle",
        "awake_until",
        "awake_window",
        "queue_mode",
        "waiting",
    )

    def __init__(self, queue_mode: bool, awake_window: float) -> None:
        self._lock = asyncio.Lock()
        self._is_awake = False
        self._is_closed = False
        self._awake_event: asyncio.Event | None = None
        self._closed_event: asyncio.Event | None = None
        self._closed_waiters = 0
        self._close_reason = ""
        self._sleep_handle: asyncio.TimerHandle | None = None
        self.awake_window = awake_window
        self.queue_mode = queue_mode
        self.awake_until = 0.0
        self.waiting = 0
        self.touch()

    @property
    def awake(self) -> bool:
        return not self.queue_mode or self._is_awake

    def _event(self, awake: bool) -> asyncio.Event:
        """The event a waiter waits on (made on first use, set if its state already holds)."""
        event = self._awake_event if awake else self._closed_event
        if event is None:
            event = asyncio.Event()
            if self._is_awake if awake else self._is_closed:
                event.set()
            if awake:
                self._awake_event = event
            else:
                self._closed_event = event
        return event

    def set_queue_mode(self, queue_mode: bool) -> None:
        self.queue_mode = queue_mode
        self.touch()

    def touch(self) -> None:
        """The client just talked: it listens now (and for ``awake_window`` seconds)."""
        if self._is_closed:
            return
        if self._sleep_handle is not None:
            self._sleep_handle.cancel()
            self._sleep_handle = None
        self._is_awake = True
        if self._awake_event is not None:
            self._awake_event.set()
        if self.queue_mode:
            loop = asyncio.get_running_loop()
            self.awake_until = time.time() + self.awake_window
            self._sleep_handle = loop.call_later(self.awake_window, self._fall_asleep)

    def _fall_asleep(self) -> None:
        self._sleep_handle = None
        if self.queue_mode:
            self._is_awake = False
            if self._awake_event is not None:
                self._awake_event.clear()

    def close(self, reason: str) -> None:
        """End the channel: waiting and future requests fail with ``reason``."""
        if self._is_closed:
            return
        self._close_reason = reason
        self._is_closed = True
        if self._closed_event is not None:
            self._closed_event.set()
        if self._sleep_handle is not None:
            self._sleep_handle.cancel()
            self._sleep_handle = None

    @property
    def closed(self) -> bool:
        return self._is_closed

    async def _wait_or_closed(self, awaitable: asyncio.Future[Any]) -> None:
        closed: asyncio.Future[Any] = asyncio.ensure_future(self._event(False).wait())
        self._closed_waiters += 1
        try:
            done, _ = await asyncio.wait({awaitable, closed}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            # Cancelled from outside (the queue timeout): stop waiting for the lock too.
            awaitable.cancel()
            raise
        finally:
            closed.cancel()
            self._closed_waiters -= 1
            if not self._closed_waiters and not self._is_closed:
                self._closed_event = None  # made again by the next waiter
        if awaitable not in done:
            awaitable.cancel()
            raise ChannelClosedError(self._close_reason)

    async def acquire(self) -> None:
        """Wait for this request's turn and for the client to be awake; :meth:`release` after.

        Callers put a timeout around this (the queue timeout); a cancelled wait gives its turn
        up, so later requests are not blocked by one that timed out.
        """
        if self.closed:
            raise ChannelClosedError(self._close_reason)
        self.waiting += 1
        try:
            acquire: asyncio.Future[Any] = asyncio.ensure_future(self._lock.acquire())
            try:
                await self._wait_or_closed(acquire)
            except BaseException:
                if acquire.done() and not acquire.cancelled() and acquire.exception() is None:
                    self._lock.release()
                raise
        finally:
            self.waiting -= 1
        try:
            if not self.awake:
                awake: asyncio.Future[Any] = asyncio.ensure_future(self._event(True).wait())
                await self._wait_or_closed(awake)
        except BaseException:
            self._lock.release()
            raise

    def release(self) -> None:
        """Give the turn to the next request."""
        self._lock.release()


def port_closed(exc: BaseException) -> bool:
    """``exc`` says the client's port is closed (ICMP port unreachable: ``ECONNREFUSED``).

    aiocoap reports it as a ``NetworkError`` whose cause is the ``OSError`` from the socket's
    error queue; a bare ``ConnectionRefusedError`` comes from the plain transports.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED:
            return True
        seen = seen.__cause__
    return False


def resendable(code: Any, elapsed: float, ack_timeout: float) -> bool:
    """Whether a request the client's closed port refused may be sent again to the client.

    An idempotent request may always go again. Any other (Execute, Create, a partial-update
    Write: POST) only when the refusal came before the first retransmission was due
    (``elapsed < ack_timeout``): then the one datagram sent is the one refused, so the module
    never saw it. Later, an earlier transmission may have been carried out, and running a
    reboot or a create twice is worse than reporting the failure.
    """
    return code in IDEMPOTENT or elapsed < ack_timeout


class ReturnWatch:
    """Wakes the requests that wait for a client to talk again (register, update, leave)."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def wake(self, endpoint: str) -> None:
        """Something happened to ``endpoint``'s registration: its waiters look again."""
        event = self._events.pop(endpoint, None)
        if event is not None:
            event.set()

    async def wait(self, endpoint: str) -> None:
        """Until the next :meth:`wake` for ``endpoint`` (callers put a deadline around it)."""
        event = self._events.get(endpoint)
        if event is None:
            event = self._events[endpoint] = asyncio.Event()
        await event.wait()
