"""asyncio face of the AT engine: ``await client.send("AT+CGMI")``.

The transport hands received bytes to :meth:`AtClient.feed` (on the loop thread — a serial reader
thread uses ``loop.call_soon_threadsafe``) and the client writes through the ``write`` callable it
was given. Framer and engine stay pure; this class only adds futures, a deadline timer and
subscriber fan-out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from workbench.at.dialect import AtDialect
from workbench.at.engine import DEFAULT_TIMEOUT, AtEngine, Step
from workbench.at.framer import LineFramer
from workbench.at.types import ClassifiedLine, CommandResult, LineKind

_log = logging.getLogger(__name__)

LineCallback = Callable[[ClassifiedLine], None]
Unsubscribe = Callable[[], None]


class AtClient:
    """One AT conversation with one module.

    ``clock`` defaults to the running loop's clock; line timestamps and command deadlines use
    the same clock so a timeout is judged against the arrival time of lines.
    """

    def __init__(
        self,
        write: Callable[[bytes], object],
        *,
        dialect: AtDialect | None = None,
        clock: Callable[[], float] | None = None,
        line_ending: bytes = b"\r",
        max_line: int = 4096,
    ) -> None:
        self._write = write
        self._clock = clock
        prompts = dialect.prompts if dialect is not None else (b"> ",)
        self.framer = LineFramer(clock=self.now, max_line=max_line, prompts=prompts)
        self.engine = AtEngine(dialect, line_ending=line_ending)
        self._pending: dict[int, asyncio.Future[CommandResult]] = {}
        self._line_subscribers: list[LineCallback] = []
        self._urc_subscribers: list[LineCallback] = []
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False

    def now(self) -> float:
        """The client's clock (loop time unless one was given)."""
        if self._clock is not None:
            return self._clock()
        return asyncio.get_running_loop().time()

    # -- subscriptions --------------------------------------------------------------------
    def subscribe_lines(self, callback: LineCallback) -> Unsubscribe:
        """Every classified line (terminal, decoder). Returns a function that unsubscribes."""
        self._line_subscribers.append(callback)
        return lambda: _remove(self._line_subscribers, callback)

    def subscribe_urcs(self, callback: LineCallback) -> Unsubscribe:
        """Only URC lines (including multi-line URC continuation lines)."""
        self._urc_subscribers.append(callback)
        return lambda: _remove(self._urc_subscribers, callback)

    # -- I/O --------------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Bytes received from the module."""
        now = self.now()
        for line in self.framer.feed(data, now):
            self._apply(self.engine.feed_line(line))

    async def send(
        self,
        command: str,
        timeout: float | None = DEFAULT_TIMEOUT,
        *,
        payload: bytes | None = None,
    ) -> CommandResult:
        """Queue ``command`` and wait for its result (OK/ERROR/TIMEOUT/ABORTED — never raises
        for a module-side failure; check ``result.status``)."""
        if self._closed:
            raise RuntimeError("AT client is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[CommandResult] = loop.create_future()
        command_id, step = self.engine.submit(command, self.now(), timeout=timeout, payload=payload)
        self._pending[command_id] = future
        self._apply(step)
        try:
            return await future
        except asyncio.CancelledError:
            # Awaiting cancels the future itself, so "no result was set" is the test.
            if future.cancelled() or not future.done():
                self._apply(self.engine.cancel(command_id, self.now()))
            raise
        finally:
            self._pending.pop(command_id, None)

    async def close(self) -> None:
        """Abort every pending command; further sends raise."""
        self._closed = True
        self._apply(self.engine.reset(self.now(), "client closed"))
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- internals ----------------------------------------------------------------------------
    def _apply(self, step: Step) -> None:
        for data in step.writes:
            try:
                self._write(data)
            except Exception:
                _log.exception("AT transport write failed")
        for line in step.lines:
            for callback in list(self._line_subscribers):
                _call(callback, line)
            if line.kind is LineKind.URC:
                for callback in list(self._urc_subscribers):
                    _call(callback, line)
        for result in step.results:
            future = self._pending.get(result.id)
            if future is not None and not future.done():
                future.set_result(result)
        self._arm_timer()

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.engine.next_deadline()
        if deadline is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        delay = max(0.0, deadline - self.now())
        self._timer = loop.call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._apply(self.engine.tick(self.now()))


def _remove(items: list[LineCallback], callback: LineCallback) -> None:
    try:
        items.remove(callback)
    except ValueError:
        pass


def _call(callback: LineCallback, line: ClassifiedLine) -> None:
    try:
        callback(line)
    except Exception:
        _log.exception("AT line subscriber failed")
