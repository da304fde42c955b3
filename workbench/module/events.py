"""Decoded events: the vendor-neutral currency between plugin decoders and the rest of the app.

The JSON shape is a contract (DESIGN.md, "The decoded event contract"): ``kind``, ``line``,
``raw`` first, then the kind-specific fields. The names and allowed values of the contract
fields are listed here once so that decoders, the state model and tests agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from workbench.at.types import ClassifiedLine
from workbench.module.jsonline import dumps_bytes as _dumps_bytes
from workbench.module.jsonline import dumps_line as _dumps_line


class Kind:
    """Event kinds of the contract (plugins may add their own string kinds)."""

    CLIENT: Final = "client"
    REGISTRATION: Final = "registration"
    BOOTSTRAP: Final = "bootstrap"
    UPDATE_TIMER: Final = "update_timer"
    NOTIFY: Final = "notify"
    OBSERVE: Final = "observe"
    CONNECTION: Final = "connection"
    HOST_REQUEST: Final = "host_request"
    DOWNLINK: Final = "downlink"
    OBJECTS: Final = "objects"
    VALUES: Final = "values"
    ERROR: Final = "error"
    #: Never dropped: a line no decoder understood.
    UNKNOWN: Final = "unknown"
    # Generic kinds produced by the Decoder base class for the AT conversation itself.
    COMMAND: Final = "command"
    RESULT: Final = "result"
    PROMPT: Final = "prompt"
    # Generic kinds for the 3GPP commands every module has.
    IDENTITY: Final = "identity"
    NETWORK: Final = "network"
    SIGNAL: Final = "signal"
    ADDRESS: Final = "address"
    OPERATOR: Final = "operator"
    FUNCTIONALITY: Final = "functionality"
    SETTING: Final = "setting"
    BOOT: Final = "boot"
    RESPONSE: Final = "response"
    #: The answer to a test command (``AT+X=?``): the parameter ranges the module supports.
    SUPPORTED: Final = "supported"


#: Allowed ``state`` values per kind (contract). Plugins must map vendor codes onto these and
#: keep the vendor's number in ``code``.
STATES: Final[Mapping[str, frozenset[str]]] = {
    Kind.CLIENT: frozenset(
        {"initialising", "ready", "stopped", "disabled", "bootstrapping", "registering", "failed"}
    ),
    Kind.REGISTRATION: frozenset(
        {
            "pending",
            "registered",
            "updated",
            "update_pending",
            "update_failed",
            "failed",
            "deregistering",
            "deregistered",
            "retrying",
        }
    ),
    Kind.BOOTSTRAP: frozenset({"started", "pending", "finished", "failed", "retrying", "holdoff"}),
    Kind.CONNECTION: frozenset({"created", "suspended", "resumed", "closed"}),
}

#: ``op`` values of ``host_request`` events.
HOST_OPS: Final = frozenset({"read", "write", "execute"})

_RESERVED: Final = frozenset({"kind", "line", "raw", "inferred"})


@dataclass(slots=True, init=False)
class Event:
    """One decoded fact, tied to the log line that produced it.

    ``fields`` hold the kind-specific data (JSON-compatible values). ``inferred`` marks a meaning
    the vendor document does not state (e.g. an undocumented status code): the JSON then
    carries ``"inferred": true`` so a user knows to double-check.
    """

    kind: str
    line: int
    raw: str
    fields: dict[str, Any] = field(default_factory=dict)
    inferred: bool = False
    #: Host time of the line (not part of the JSON contract; used by the timeline).
    timestamp: float = 0.0

    def __init__(
        self,
        kind: str,
        line: int,
        raw: str,
        fields: dict[str, Any] | None = None,
        inferred: bool = False,
        timestamp: float = 0.0,
    ) -> None:
        # Written out (not generated with a __post_init__) because one is built per decoded
        # line: the check of the reserved names runs inline.
        if fields is None:
            fields = {}
        elif not _RESERVED.isdisjoint(fields):
            clash = _RESERVED.intersection(fields)
            raise ValueError(f"event field names {sorted(clash)} are reserved")
        self.kind = kind
        self.line = line
        self.raw = raw
        self.fields = fields
        self.inferred = inferred
        self.timestamp = timestamp

    @classmethod
    def from_line(
        cls,
        kind: str,
        line: ClassifiedLine,
        *,
        inferred: bool = False,
        raw: str | None = None,
        **fields: Any,
    ) -> Event:
        """Build an event for ``line`` — the usual way a decoder makes one.

        For multi-line URCs pass the head's number via ``line`` and, if wanted, a joined ``raw``.
        """
        # ``fields`` is a fresh dict already: ** made it for this call.
        event = event_for(kind, line, fields, inferred=inferred, raw=raw)
        if cls is Event:
            return event
        return cls(kind, event.line, event.raw, fields, inferred, event.timestamp)

    def get(self, name: str, default: Any = None) -> Any:
        """A kind-specific field (``event.get("state")``)."""
        return self.fields.get(name, default)

    def __getitem__(self, name: str) -> Any:
        if name == "kind":
            return self.kind
        if name == "line":
            return self.line
        if name == "raw":
            return self.raw
        return self.fields[name]

    def to_dict(self) -> dict[str, Any]:
        """The contract JSON object: kind, line, raw, then the fields, then ``inferred``."""
        out: dict[str, Any] = {"kind": self.kind, "line": self.line, "raw": self.raw}
        plain = _PLAIN
        for key, value in self.fields.items():
            out[key] = value if type(value) in plain else _jsonable(value)
        if self.inferred:
            out["inferred"] = True
        return out

    def to_json_line(self) -> bytes:
        """Compact JSON in UTF-8 and a newline: what ``lwm2m-workbench decode`` writes."""
        return _dumps_line(self.to_dict())

    def to_json(self) -> str:
        """One line of compact JSON (non-ASCII kept readable)."""
        return _dumps_bytes(self.to_dict()).decode()


#: Types :func:`_jsonable` returns unchanged, checked inline before calling it (most values).
_PLAIN: Final = frozenset({str, int, bool, type(None)})


def _jsonable(value: Any) -> Any:
    """Make a field value JSON-safe without surprising anyone (sets → sorted lists, bytes → hex)."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def event_for(
    kind: str,
    line: ClassifiedLine,
    fields: dict[str, Any],
    *,
    inferred: bool = False,
    raw: str | None = None,
) -> Event:
    """:meth:`Event.from_line` with the fields as a dict the event then owns: what the
    standard decoders use for the lines every log is full of (echoes, final results), where
    packing keywords into a dict and unpacking them again cost more than the event.
    ``Event`` is called directly, which compiled code (workbench/compiled.py) makes without
    Python's call protocol."""
    # The wrapped Line's own attributes (not the ClassifiedLine's properties, and typed, so
    # compiled code reads them directly); anything else with number/text/timestamp works too.
    given: object = line  # the annotation is what decoders pass, not all that may come
    if isinstance(given, ClassifiedLine):
        source = given.line
        number, text, stamp = source.number, source.text, source.timestamp
    else:
        other: Any = getattr(given, "line", given)
        number, text, stamp = other.number, other.text, other.timestamp
    return Event(kind, number, text if raw is None else raw, fields, inferred, stamp)


def unknown_event(
    line: ClassifiedLine,
    reason: str | None = None,
    *,
    raw: str | None = None,
    number: int | None = None,
) -> Event:
    """The event for a line nobody understood; ``reason`` says why (e.g. a decoder error)."""
    fields: dict[str, Any] = {"line_kind": str(line.kind)}
    if line.command is not None:
        fields["command"] = line.command
    if reason:
        fields["reason"] = reason
    return Event(
        Kind.UNKNOWN,
        line.number if number is None else number,
        line.text if raw is None else raw,
        fields,
        timestamp=line.timestamp,
    )
