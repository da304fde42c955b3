"""Payload encodings per record kind, and the typed records a reader hands out.

Every payload is either raw bytes (serial data) or UTF-8 JSON, so a damaged file can still be
inspected with a hex editor and nothing depends on pickle or on Python class layouts:

=============  =============================================================================
kind           payload
=============  =============================================================================
META           JSON object: session metadata (first record; later ones mark a resumed file)
RX / TX        the serial bytes exactly as read / written (after redaction, flag bit 0)
EVENT          JSON ``{"event": <contract JSON>, "timestamp": <line time>}``
COAP           u32 JSON length, JSON (direction, peer, path, values, problem, action, time),
               then the datagram bytes (payload zero-filled if secret, flag bit 0)
SERVER_EVENT   JSON of :meth:`ServerEvent.to_dict`
NOTE           JSON ``{"text": ..., "marker": bool}``
END            JSON ``{"records": n}``: the writer closed the file cleanly
=============  =============================================================================
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any, Final

from workbench.module.events import Event
from workbench.module.jsonline import dumps_compact
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.server.coapwire import parse_datagram
from workbench.session.format import FLAG_REDACTED, RawRecord, RecordKind

_U32: Final = struct.Struct("<I")
_EVENT_RESERVED: Final = frozenset({"kind", "line", "raw", "inferred"})


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (non-ASCII kept, so logs in any language stay readable)."""
    return dumps_compact(obj).encode()


def _loads_object(payload: bytes) -> dict[str, Any]:
    try:
        value = json.loads(payload.decode("utf-8"))
    except RecursionError:
        raise ValueError("record payload is JSON nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError("record payload is not a JSON object")
    return value


# -- validation (reader side) -----------------------------------------------------------------
#
# A record with a valid checksum may still say anything (a crafted or buggy file): every field
# is checked for its type and range here, so the views and exporters downstream only ever see
# values they can format, and a bad record is skipped and reported like a torn one.

#: Host times a record may carry: the Unix epoch up to the end of year 9999 (what the time
#: functions behind the exports can show).
MAX_TIME: Final = 253_402_300_799.0
#: Largest line number an event may carry.
MAX_LINE: Final = 2**31 - 1


def valid_time(value: object, what: str = "time") -> float:
    """``value`` as a host time in seconds, or ValueError (not a number, NaN, out of range)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} is not a number")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{what} is out of range") from None
    if not 0.0 <= number <= MAX_TIME:
        raise ValueError(f"{what} {number!r} is out of range 0..{MAX_TIME:.0f}")
    return number


def _integer(value: object, what: str, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} is not an integer")
    if not 0 <= value <= high:
        raise ValueError(f"{what} is out of range 0..{high}")
    return value


def _text(value: object, what: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} is not text")
    return value


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} is not true or false")
    return value


def _peer(value: object) -> str:
    """A peer address: text, and a trailing ``:port`` in 0..65535 when there is one."""
    text = _text(value, "peer") or ""
    if len(text) > 300:
        raise ValueError("peer address longer than 300 characters")
    _host, sep, port = text.rpartition(":")
    if sep and port.isdigit() and (len(port) > 5 or int(port) > 65535):
        raise ValueError(f"peer port {port[:10]} is out of range 0..65535")
    return text


@dataclass(frozen=True, slots=True)
class SerialData:
    """Bytes that crossed the serial port (``direction`` is ``"rx"`` or ``"tx"``)."""

    direction: str
    data: bytes
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class Note:
    """A user note, or a marker ("reset the module here") that the timeline shows as a line."""

    text: str
    marker: bool = False


Body = dict[str, Any] | SerialData | Event | CoapLogEntry | ServerEvent | Note


@dataclass(frozen=True, slots=True)
class Record:
    """One decoded record: its kind, host time, position in the file and typed body.

    ``body`` is a dict for META/END, :class:`SerialData`, :class:`~workbench.module.events.Event`,
    :class:`~workbench.server.coaplog.CoapLogEntry`, :class:`ServerEvent` or :class:`Note`.
    """

    index: int
    offset: int
    kind: RecordKind
    t: float
    redacted: bool
    body: Body

    def to_dict(self) -> dict[str, Any]:
        """A JSON object for ``session replay`` (``record`` says which kind it is)."""
        out: dict[str, Any] = {"record": self.kind.label, "time": round(self.t, 6)}
        body = self.body
        if isinstance(body, SerialData):
            out["text"] = body.data.decode("utf-8", "replace")
            out["hex"] = body.data.hex()
        elif isinstance(body, Event):
            out.update(body.to_dict())
        elif isinstance(body, CoapLogEntry):
            data = body.to_dict()
            data.pop("time", None)
            data.pop("kind", None)
            out.update(data)
        elif isinstance(body, ServerEvent):
            data = body.to_dict()
            data.pop("time", None)
            out.update(data)
        elif isinstance(body, Note):
            out["text"] = body.text
            if body.marker:
                out["marker"] = True
        else:
            out.update(body)
        if self.redacted:
            out["redacted"] = True
        return out


# -- encoding (writer side) -------------------------------------------------------------------


def encode_event(event: Event, event_dict: dict[str, Any]) -> bytes:
    """EVENT payload from the (already redacted) contract JSON of ``event``."""
    return dumps({"event": event_dict, "timestamp": event.timestamp})


def encode_coap(info: dict[str, Any], datagram: bytes) -> bytes:
    """COAP payload: JSON ``info`` (already redacted) then the (already redacted) datagram."""
    head = dumps(info)
    return _U32.pack(len(head)) + head + datagram


def coap_info(entry: CoapLogEntry) -> dict[str, Any]:
    """The fields of a CoAP log entry that its datagram alone does not tell."""
    info: dict[str, Any] = {
        "direction": entry.direction,
        "peer": entry.peer,
        "time": entry.time,
    }
    for name in ("path", "problem", "action", "values"):
        value = getattr(entry, name)
        if value is not None:
            info[name] = value
    return info


# -- decoding (reader side) -------------------------------------------------------------------


def _decode_event(payload: bytes) -> Event:
    data = _loads_object(payload)
    obj = data.get("event")
    if not isinstance(obj, dict):
        raise ValueError("event record without an event object")
    fields = {k: v for k, v in obj.items() if k not in _EVENT_RESERVED}
    return Event(
        kind=_text(obj.get("kind"), "event kind") or "",
        line=_integer(obj.get("line", 0), "event line", MAX_LINE),
        raw=_text(obj.get("raw", ""), "event raw text") or "",
        fields=fields,
        inferred=_flag(obj.get("inferred", False), "event inferred"),
        timestamp=valid_time(data.get("timestamp", 0.0), "event timestamp"),
    )


def _decode_coap(payload: bytes) -> CoapLogEntry:
    if len(payload) < _U32.size:
        raise ValueError("coap record too short")
    (size,) = _U32.unpack_from(payload)
    if _U32.size + size > len(payload):
        raise ValueError("coap record: the info block runs past the payload")
    info = _loads_object(payload[_U32.size : _U32.size + size])
    datagram = payload[_U32.size + size :]
    try:
        message = parse_datagram(datagram)
    except ValueError:
        message = None
    values = info.get("values")
    direction = info.get("direction", "in")
    if direction not in ("in", "out"):
        raise ValueError("coap record: direction is neither 'in' nor 'out'")
    return CoapLogEntry(
        direction=direction,
        peer=_peer(info.get("peer", "")),
        data=datagram,
        time=valid_time(info.get("time", 0.0), "coap time"),
        message=message,
        problem=_text(info.get("problem"), "coap problem", optional=True),
        action=_text(info.get("action"), "coap action", optional=True),
        path=_text(info.get("path"), "coap path", optional=True),
        values=values if isinstance(values, dict) else None,
    )


def _decode_server_event(payload: bytes, t: float) -> ServerEvent:
    data = _loads_object(payload)
    kind = _text(data.pop("kind", "unknown"), "server event kind") or "unknown"
    endpoint = _text(data.pop("endpoint", None), "server event endpoint", optional=True)
    return ServerEvent(
        kind=kind,
        endpoint=endpoint,
        data=data,
        time=valid_time(data.pop("time", t), "server event time"),
    )


def decode_body(raw: RawRecord) -> Body:
    """The typed body of a valid record. Raises ValueError/KeyError on a malformed payload."""
    kind = RecordKind(raw.kind)
    payload = raw.payload
    if kind is RecordKind.RX or kind is RecordKind.TX:
        return SerialData(kind.label, payload, bool(raw.flags & FLAG_REDACTED))
    if kind is RecordKind.EVENT:
        return _decode_event(payload)
    if kind is RecordKind.COAP:
        return _decode_coap(payload)
    if kind is RecordKind.SERVER_EVENT:
        return _decode_server_event(payload, raw.t)
    if kind is RecordKind.NOTE:
        data = _loads_object(payload)
        return Note(
            _text(data.get("text", ""), "note text") or "",
            _flag(data.get("marker", False), "note marker"),
        )
    return _loads_object(payload)


def decode_record(raw: RawRecord, index: int) -> Record:
    """A :class:`Record` from a valid raw record (see :func:`decode_body` for errors)."""
    return Record(
        index=index,
        offset=raw.offset,
        kind=RecordKind(raw.kind),
        t=valid_time(raw.t, "record time"),
        redacted=bool(raw.flags & FLAG_REDACTED),
        body=decode_body(raw),
    )
