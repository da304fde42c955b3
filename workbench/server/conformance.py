"""Tell the user what a strict peer would reject, while accepting it here.

The server accepts every form any LwM2M version allows (a debugging server shows what the
module does instead of refusing it). This monitor runs each client message it received, as
it was on the wire, through the strict checker (:mod:`workbench.lwm2m.conformance`) against
the version the client declared, and reports every finding as a ``conformance`` server event:
endpoint, message, rule, the offending fragment and a plain-words line ("a strict 1.1 server
answers 4.00 to this: ...").

It sits on the datagram tap, not in the handlers, so it judges the bytes the module sent
(before aiocoap normalises anything) and sees notifications, which never reach a handler. A
retransmitted datagram (same peer and message id) is judged once. What it remembers per
client (the latest findings, reset by every Register) is what the server panel shows in the
client's row.

Judging costs a fraction of a millisecond in Python, on the loop that reads datagrams, so it
has a budget (a token bucket: bursts of :data:`BUDGET_BURST`, :data:`BUDGET_PER_SECOND` a
second): a flood (a fuzzer, thousands of modules at once) is not slowed down by it. Messages
beyond the budget are counted in :attr:`ConformanceMonitor.skipped`, not judged.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Any

from workbench.lwm2m.conformance import ClientMessage, check, operation_of
from workbench.lwm2m.model import ObjectRegistry
from workbench.server.coapwire import REQUEST_NAMES, RawMessage, code_text
from workbench.server.tokenpaths import TokenTable

#: ``(operation, Uri-Path, peer) → (endpoint, LwM2M version)`` of the client concerned.
Lookup = Callable[[str, tuple[str, ...], str], tuple[str | None, str | None]]
#: ``(endpoint, event data)``: publishes one ``conformance`` event.
Publish = Callable[[str | None, dict[str, Any]], None]

#: Judging budget: at most this many messages at once, refilled at the rate below.
BUDGET_BURST = 200
BUDGET_PER_SECOND = 200.0

_OBSERVE = 6
_URI_PATH = 11
_CONTENT_FORMAT = 12
_URI_QUERY = 15
_ACCEPT = 17


def client_message(message: RawMessage, accept: int | None = None) -> ClientMessage:
    """The checker's view of a datagram (``accept``: of the Observe it answers, if any)."""
    code = REQUEST_NAMES.get(message.code) or code_text(message.code)
    return ClientMessage(
        code=code,
        uri_path=tuple(_text(v) for v in message.option_values(_URI_PATH)),
        uri_query=tuple(_text(v) for v in message.option_values(_URI_QUERY)),
        content_format=message.uint_option(_CONTENT_FORMAT),
        payload=message.payload,
        observe=message.uint_option(_OBSERVE),
        accept=accept,
    )


def describe(message: ClientMessage) -> str:
    """``POST /rd?ep=a&lwm2m=1.1`` or ``2.05 notify (Content-Format 110)``."""
    if message.code in REQUEST_NAMES.values():
        text = f"{message.code} /{'/'.join(message.uri_path)}"
        return text + ("?" + "&".join(message.uri_query) if message.uri_query else "")
    cf = message.content_format
    return f"{message.code} notify" + (f" (Content-Format {cf})" if cf is not None else "")


class ConformanceMonitor:
    """See the module docstring; one per server, fed by its datagram tap."""

    def __init__(
        self,
        lookup: Lookup,
        publish: Publish,
        remember: int = 1024,
        registry: ObjectRegistry | None = None,
        clock: Callable[[], float] = time.monotonic,
        live_observations: Callable[[], Collection[bytes]] = frozenset,
    ) -> None:
        """``live_observations()`` gives the tokens of the observations the server holds: their
        Accept is kept while they live, however many there are (others: the last
        ``remember``)."""
        self._lookup = lookup
        self._registry = registry
        self._publish = publish
        self._remember = remember
        self._accept: TokenTable[int | None] = TokenTable(live_observations, remember)
        self._seen: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._findings: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._clock = clock
        self._tokens = float(BUDGET_BURST)
        self._refilled = clock()
        #: Client messages not judged because the budget was spent (a flood).
        self.skipped = 0

    def outgoing(self, message: RawMessage) -> None:
        """A server request: remember an Observe's Accept so its notifications are judged."""
        if message.code == 1 and message.uint_option(_OBSERVE) == 0:
            self._accept.remember(message.token, message.uint_option(_ACCEPT), observe=True)

    def incoming(self, message: RawMessage, peer: str) -> list[dict[str, Any]]:
        """Judge a received datagram; returns the event data published for it."""
        if not (message.code in (2, 4) or (message.code == 69 and _OBSERVE in _numbers(message))):
            return []  # not POST/DELETE, nor a 2.05 with Observe: no client operation
        if not self._spend():
            self.skipped += 1
            return []
        accept = self._accept.get(message.token) if message.is_response else None
        view = client_message(message, accept)
        operation = operation_of(view)
        if operation is None:
            return []
        key = (peer, message.mid)
        if message.mtype.name == "CON" and key in self._seen:
            return []  # a retransmission: judged the first time
        self._seen[key] = None
        _trim(self._seen, self._remember)
        endpoint, version = self._lookup(operation, view.uri_path, peer)
        if operation == "register":
            endpoint = next(
                (q[3:] for q in view.uri_query if q.startswith("ep=")),
                endpoint,
            )
            if endpoint is not None:
                # A new registration starts a clean record. No empty entry is kept: a flood of
                # refused names must not grow this table.
                self._findings.pop(endpoint, None)
        findings = check(view, version, self._registry)
        published: list[dict[str, Any]] = []
        for finding in findings:
            data = finding.to_dict()
            data["message"] = describe(view)
            data["peer"] = peer
            published.append(data)
            if endpoint is not None:
                kept = self._findings.setdefault(endpoint, [])
                kept.append(data)
                del kept[:-20]
                self._findings.move_to_end(endpoint)
                _trim(self._findings, self._remember)
            self._publish(endpoint, data)
        return published

    def _spend(self) -> bool:
        now = self._clock()
        elapsed, self._refilled = now - self._refilled, now
        self._tokens = min(BUDGET_BURST, self._tokens + elapsed * BUDGET_PER_SECOND)
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def findings(self, endpoint: str) -> list[dict[str, Any]]:
        """The findings since ``endpoint`` last registered (newest last)."""
        return list(self._findings.get(endpoint, ()))

    def forget(self, endpoint: str) -> None:
        self._findings.pop(endpoint, None)


def _numbers(message: RawMessage) -> set[int]:
    return {number for number, _ in message.options}


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def _trim(table: OrderedDict[Any, Any], limit: int) -> None:
    while len(table) > limit:
        table.popitem(last=False)
