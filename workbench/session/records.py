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

from workbench.events import Event
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.server.coapwire import parse_datagram
from workbench.session.format import FLAG_REDACTED, RawRecord, RecordKind

_U32: Final = struct.Struct("<I")
_EVENT_RESERVED: Final = frozenset({"kind", "line", "raw", "inferred"})


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (non-ASCII kept, so logs in any language stay readable)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _loads_object(payload: bytes) -> dict[str, Any]:
    value = json.loads(payload.decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("record payload is not a JSON object")
    return value


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

    ``body`` is a dict for META/END, :class:`SerialData`, :class:`~workbench.events.Event`,
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
    stamp = data.get("timestamp", 0.0)
    return Event(
        kind=str(obj["kind"]),
        line=int(obj.get("line", 0)),
        raw=str(obj.get("raw", "")),
        fields=fields,
        inferred=bool(obj.get("inferred", False)),
        timestamp=float(stamp) if isinstance(stamp, int | float) else 0.0,
    )


def _decode_coap(payload: bytes) -> CoapLogEntry:
    if len(payload) < _U32.size:
        raise ValueError("coap record too short")
    (size,) = _U32.unpack_from(payload)
    info = _loads_object(payload[_U32.size : _U32.size + size])
    datagram = payload[_U32.size + size :]
    try:
        message = parse_datagram(datagram)
    except ValueError:
        message = None
    values = info.get("values")
    return CoapLogEntry(
        direction=str(info.get("direction", "in")),
        peer=str(info.get("peer", "")),
        data=datagram,
        time=float(info.get("time", 0.0)),
        message=message,
        problem=info.get("problem"),
        action=info.get("action"),
        path=info.get("path"),
        values=values if isinstance(values, dict) else None,
    )


def _decode_server_event(payload: bytes, t: float) -> ServerEvent:
    data = _loads_object(payload)
    kind = str(data.pop("kind", "unknown"))
    endpoint = data.pop("endpoint", None)
    stamp = data.pop("time", t)
    return ServerEvent(
        kind=kind,
        endpoint=None if endpoint is None else str(endpoint),
        data=data,
        time=float(stamp) if isinstance(stamp, int | float) else t,
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
        return Note(str(data.get("text", "")), bool(data.get("marker", False)))
    return _loads_object(payload)


def decode_record(raw: RawRecord, index: int) -> Record:
    """A :class:`Record` from a valid raw record (see :func:`decode_body` for errors)."""
    return Record(
        index=index,
        offset=raw.offset,
        kind=RecordKind(raw.kind),
        t=raw.t,
        redacted=bool(raw.flags & FLAG_REDACTED),
        body=decode_body(raw),
    )
