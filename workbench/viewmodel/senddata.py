"""Data the clients pushed with Send (LwM2M 1.1, POST /dp), per client: the Server panel's Send
tab and the timeline's marks. Qt-free.

The built-in server publishes one ``send`` event per POST /dp it accepted (``values``: path →
value, ``format``: the content format) or refused (``error``, ``raw_hex``). :class:`SendLog`
keeps them per endpoint, newest last, and answers what the tab shows: every value received,
or the latest value of each path.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from workbench.module.state import ServerEventLike
from workbench.viewmodel.timeline import Lane, Row, Tone

#: Sends kept per endpoint (oldest dropped first).
KEEP = 2000
#: Content formats by number, for the Format column.
FORMATS = {110: "SenML JSON", 112: "SenML CBOR"}


@dataclass(frozen=True, slots=True)
class SentValue:
    """One value of one Send, as the tab lists it."""

    time: float
    endpoint: str
    path: str
    value: Any
    format: str
    #: Index of the Send among the endpoint's Sends (values of one Send share it).
    send: int
    error: str = ""

    @property
    def value_text(self) -> str:
        if self.error:
            return f"refused: {self.error}"
        if isinstance(self.value, str):
            return self.value
        return json.dumps(self.value, ensure_ascii=False)


class SendLog:
    """Sends per endpoint; see the module docstring."""

    def __init__(self, keep: int = KEEP) -> None:
        self._by_endpoint: dict[str, deque[list[SentValue]]] = {}
        self._keep = keep
        self._counts: dict[str, int] = {}
        self.version = 0

    def add(self, event: ServerEventLike) -> list[SentValue]:
        """Take a server ``send`` event; the values it carried ([] for other kinds)."""
        if event.kind != "send" or not event.endpoint:
            return []
        endpoint = event.endpoint
        number = self._counts.get(endpoint, 0)
        self._counts[endpoint] = number + 1
        data = event.data
        fmt = data.get("format")
        fmt_text = FORMATS.get(fmt, str(fmt)) if fmt is not None else "SenML CBOR (default)"
        values = data.get("values")
        if data.get("error") or not isinstance(values, dict):
            error = str(data.get("error") or "no values")
            items = [SentValue(event.time, endpoint, "", None, fmt_text, number, error)]
        else:
            items = [
                SentValue(event.time, endpoint, str(path), value, fmt_text, number)
                for path, value in values.items()
            ]
        self._by_endpoint.setdefault(endpoint, deque(maxlen=self._keep)).append(items)
        self.version += 1
        return items

    @property
    def endpoints(self) -> list[str]:
        return sorted(self._by_endpoint)

    def count(self, endpoint: str) -> int:
        """Sends received from ``endpoint`` (refused ones included)."""
        return self._counts.get(endpoint, 0)

    def values(self, endpoint: str | None = None) -> list[SentValue]:
        """Every value received (of ``endpoint``, or of all), newest first."""
        names = [endpoint] if endpoint else self.endpoints
        out = [v for name in names for send in self._by_endpoint.get(name, ()) for v in send]
        return sorted(out, key=lambda v: (v.time, v.send), reverse=True)

    def latest(self, endpoint: str) -> dict[str, SentValue]:
        """The newest value of each path ``endpoint`` sent."""
        out: dict[str, SentValue] = {}
        for send in self._by_endpoint.get(endpoint, ()):
            for value in send:
                if not value.error:
                    out[value.path] = value
        return out

    def clear(self) -> None:
        self._by_endpoint.clear()
        self._counts.clear()
        self.version += 1


def row_from_send(time_: float, endpoint: str | None, data: dict[str, Any], ref: int) -> Row:
    """The timeline row of a server ``send`` event (on the notify lane: the client reports).

    ``ref`` is negative, as for FOTA rows, so it is never taken for a terminal line.
    """
    values = data.get("values")
    if data.get("error") or not isinstance(values, dict):
        label, tone = f"send refused: {data.get('error') or 'no values'}", Tone.BAD
    else:
        paths = list(values)
        label = "send " + (paths[0] if len(paths) == 1 else f"{len(paths)} values")
        tone = Tone.GOOD
    if endpoint:
        label += f" · {endpoint}"
    return (float(time_), int(Lane.NOTIFY), int(tone), label[:60], ref)
