"""Answering a module's host-managed object requests, headless: one service per connection.

Some modules hold a server's Read/Write/Execute on a host-managed object until the host answers
with an AT command (:mod:`workbench.module.hostanswer`). If nobody answers, the module's CoAP
reply hangs until its timeout, so answering is behaviour of the connection, not of a window:
every :class:`~workbench.app.connection.ModuleConnection` has a :class:`HostAnswerService` as
``connection.host_answers``. It watches the pending requests of the connection's module state
(after every decoded line that carries one), builds the answer with the plugin's
``host_answers`` style from its value store (:attr:`HostAnswerService.values`, then whatever
``extra_lookup`` knows — the window's object tree), sends it through the AT engine and reports
what it answered (:meth:`HostAnswerService.subscribe`, :attr:`HostAnswerService.reports`).

The CLI and the demo use it as it is; the window's object tree is a view of it (the pending
list, *Answer by hand*, *Set host value…*). Nothing is answered while ``by_hand`` is set or the
port is not open (a replayed session only shows what was asked). Pure: no Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.at.types import ClassifiedLine
from workbench.lwm2m.values import Value
from workbench.module.events import Event
from workbench.module.hostanswer import Below, HostAnswer, HostAnswerer, Lookup
from workbench.module.state import HostRequest
from workbench.transport.serial_port import PortError

if TYPE_CHECKING:
    from workbench.app.connection import ModuleConnection
    from workbench.plugin.api import Plugin

_log = logging.getLogger(__name__)

#: Reports kept in :attr:`HostAnswerService.reports` (oldest dropped beyond that).
REPORTS_KEPT = 200


@dataclass(frozen=True, slots=True)
class HostAnswerReport:
    """One request group the service answered, or could not answer, or whose answer failed."""

    group: tuple[HostRequest, ...]
    #: The answer built (None: the plugin could not build one, see ``error``).
    answer: HostAnswer | None
    #: Why it was not answered or why the module refused the answer; "" when all went well.
    error: str = ""
    #: True once the module accepted every command of the answer (``OK``).
    sent: bool = False

    @property
    def raw(self) -> str:
        """The request URC line, for messages."""
        return self.group[0].raw if self.group else ""


ReportCallback = Callable[[HostAnswerReport], None]


class HostAnswerService:
    """Answers one connection's host-managed requests; see the module docstring."""

    def __init__(self, connection: ModuleConnection) -> None:
        self.connection = connection
        #: The host's values by path text (``/3303/0/5700``): what reads are answered with, and
        #: where the server's writes land. The window shares one dict across its connections.
        self.values: dict[str, Value] = {}
        #: Where values not in :attr:`values` are looked up (the window's object tree).
        self.extra_lookup: Lookup | None = None
        #: The values under an instance known elsewhere (the window's object tree).
        self.extra_below: Below | None = None
        #: While True, requests wait to be answered explicitly (:meth:`answer`).
        self.by_hand = False
        #: What was answered, oldest first.
        self.reports: deque[HostAnswerReport] = deque(maxlen=REPORTS_KEPT)
        self._plugin: Plugin | None = None
        self._answerer = HostAnswerer(None)
        self._subscribers: list[ReportCallback] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._check_scheduled = False
        connection.subscribe_decoded(self._decoded)

    # -- the plugin's answer style ---------------------------------------------------------------
    @property
    def answerer(self) -> HostAnswerer:
        """The answerer of the connection's current plugin (a new one after a plugin change)."""
        plugin = self.connection.plugin
        if plugin is not self._plugin:
            self._plugin = plugin
            self._answerer = plugin.host_answerer() if plugin is not None else HostAnswerer(None)
        return self._answerer

    @property
    def supported(self) -> bool:
        """Whether the connection's plugin can answer host requests at all."""
        return self.answerer.supported

    # -- values --------------------------------------------------------------------------------
    def set_value(self, path: str, value: Value) -> None:
        self.values[str(path)] = value

    def lookup(self, path: str) -> Value:
        if path in self.values:
            return self.values[path]
        return self.extra_lookup(path) if self.extra_lookup is not None else None

    def below(self, base: str) -> dict[str, Value]:
        out: dict[str, Value] = dict(self.extra_below(base)) if self.extra_below else {}
        out.update({p: v for p, v in self.values.items() if p.startswith(base + "/")})
        return out

    # -- answering -----------------------------------------------------------------------------
    def subscribe(self, callback: ReportCallback) -> Callable[[], None]:
        """Call ``callback(report)`` on the loop for every answer (or failure to answer)."""
        self._subscribers.append(callback)
        return lambda: _discard(self._subscribers, callback)

    def pending(self) -> list[list[HostRequest]]:
        """Requests still waiting for the host, grouped by the URC line they came from."""
        if not self.supported:
            return []
        return self.answerer.due(self.connection.state.pending_requests)

    def check(self) -> list[HostAnswerReport]:
        """Answer every pending request now (unless by hand or not open); the reports."""
        if self.by_hand or self.connection.status != "open":
            return []
        return [report for group in self.pending() if (report := self.answer(group))]

    def answer(self, group: list[HostRequest]) -> HostAnswerReport | None:
        """Answer one group of requests from the values; None if there is nothing to do."""
        if not group:
            return None
        answerer = self.answerer
        try:
            answer = answerer.answer(group, self.lookup, self.below)
        except ValueError as exc:
            answerer.answered.update(r.line for r in group)  # do not retry on every line
            return self._report(HostAnswerReport(tuple(group), None, str(exc)))
        answerer.mark_answered(answer)
        self.values.update(answer.written)
        report = HostAnswerReport(tuple(group), answer)
        self._spawn(self._send(report))
        return self._report(report)

    async def _send(self, report: HostAnswerReport) -> None:
        assert report.answer is not None
        for command in report.answer.commands:
            try:
                result = await self.connection.send(command)
            except (PortError, OSError) as exc:  # the port went away meanwhile
                self._report(HostAnswerReport(report.group, report.answer, str(exc)))
                return
            if not result.ok:
                text = f"{command} failed: {result.status.name} {result.error_text or ''}"
                self._report(HostAnswerReport(report.group, report.answer, text.strip()))
                return
        self._report(HostAnswerReport(report.group, report.answer, sent=True))

    def _report(self, report: HostAnswerReport) -> HostAnswerReport:
        self.reports.append(report)
        for callback in list(self._subscribers):
            try:
                callback(report)
            except Exception:
                _log.exception("host answer subscriber failed")
        return report

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _decoded(self, line: ClassifiedLine, events: list[Event]) -> None:
        """A request arrived: answer it once the line is fully handled (shown, recorded)."""
        if self._check_scheduled or self.connection.status != "open":
            return
        if any(e.kind == "host_request" for e in events):
            self._check_scheduled = True
            asyncio.get_running_loop().call_soon(self._scheduled_check)

    def _scheduled_check(self) -> None:
        self._check_scheduled = False
        self.check()

    async def close(self) -> None:
        """Wait for answers still being sent (the connection is closing)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _discard(items: list[Any], item: Any) -> None:
    with contextlib.suppress(ValueError):
        items.remove(item)


__all__ = ["HostAnswerReport", "HostAnswerService", "ReportCallback"]
