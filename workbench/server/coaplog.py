"""The CoAP message log and the server event record, both JSON-ready and redacted.

Every datagram in and out becomes one :class:`CoapLogEntry` (malformed ones too: they are what
an engineer is hunting). Payloads are decoded by content format where possible; anything that
may carry key material (the Security object /0, OSCORE /21, bootstrap writes) is shown with
secret values masked and without the raw bytes, so a log file can be shared.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.codecs.cbor_reader import Tagged, read_cbor
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value
from workbench.server.coapwire import (
    KNOWN_OPTIONS,
    REQUEST_NAMES,
    STRING_OPTIONS,
    UINT_OPTIONS,
    RawMessage,
    code_text,
)

REDACTED = "***"
#: Nesting the log decodes in a CBOR payload of unknown meaning (deeper: shown as raw hex only).
CBOR_LOG_DEPTH = 16
#: Resources holding secrets: Security /0 (3 public key or identity, 4 server key, 5 secret
#: key) and OSCORE /21 (2 master secret, 3 sender id is not secret but 4 recipient id is not
#: either: only 2 and 6, the master salt, are masked).
SECRET_RESOURCES: dict[int, frozenset[int]] = {0: frozenset({3, 4, 5}), 21: frozenset({2, 6})}


def is_secret(path: Path) -> bool:
    """True for a resource (or below) whose value must never be shown."""
    secret = SECRET_RESOURCES.get(path.object_id)
    return secret is not None and path.resource_id is not None and path.resource_id in secret


def touches_secrets(path: Path | None) -> bool:
    """True when a payload addressed to ``path`` may contain secret resources."""
    if path is None:
        return False
    secret = SECRET_RESOURCES.get(path.object_id)
    return secret is not None and (path.resource_id is None or path.resource_id in secret)


def jsonable_value(value: Value) -> Any:
    """A JSON-friendly rendering of a typed value (bytes as hex, links as ``"3:0"``)."""
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    if isinstance(value, ObjectLink):
        return str(value)
    return value


def jsonable_values(values: Mapping[Path, Value]) -> dict[str, Any]:
    """``{"/3/0/0": "Acme", ...}`` with secrets masked."""
    return {
        str(path): (REDACTED if is_secret(path) else jsonable_value(value))
        for path, value in sorted(values.items())
    }


def _jsonable_generic(obj: Any, depth: int = 0) -> Any:
    if depth > 16:
        return "..."
    if isinstance(obj, bytes | bytearray):
        return {"hex": bytes(obj).hex()}
    if isinstance(obj, dict):
        return {str(k): _jsonable_generic(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable_generic(v, depth + 1) for v in obj]
    if isinstance(obj, Tagged):
        return {"tag": obj.tag, "value": _jsonable_generic(obj.value, depth + 1)}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return repr(obj)


def describe_payload(content_format: int | None, payload: bytes) -> Any:
    """Decode a payload without knowing its path: text as text, JSON and CBOR as trees.

    Formats that need the path and definitions (TLV) are decoded by the caller with a codec
    when the request path is known; here they stay ``None`` (the raw hex is logged anyway).

    CBOR comes off the wire from any peer, so it is read with the project's bounded
    :func:`~workbench.lwm2m.codecs.cbor_reader.read_cbor`, not ``cbor2.loads``: cbor2 builds
    what semantic tags ask for, so a few hundred bytes of shared references (tags 28/29)
    become a tree of millions of nodes here, and a bignum tag becomes an integer too long for
    ``json.dumps``. Tags stay ``{"tag": n, "value": ...}``, as sent.
    """
    if not payload:
        return None
    try:
        if content_format in (None, ContentFormat.TEXT, ContentFormat.LINK_FORMAT):
            return payload.decode("utf-8")
        if content_format in (ContentFormat.SENML_JSON, ContentFormat.LWM2M_JSON):
            return json.loads(payload.decode("utf-8"))
        if content_format in (
            ContentFormat.CBOR,
            ContentFormat.SENML_CBOR,
            ContentFormat.LWM2M_CBOR,
        ):
            return _jsonable_generic(read_cbor(payload, "CBOR", CBOR_LOG_DEPTH))
    except Exception:
        return None
    return None


def redact_tree(obj: Any) -> Any:
    """Mask every leaf value of a decoded tree (used when the path is secret-bearing but the
    values could not be matched to resources)."""
    if isinstance(obj, dict):
        return {k: redact_tree(v) if k not in ("n", "bn", "bt", "t") else v for k, v in obj.items()}
    if isinstance(obj, list):
        return [redact_tree(v) for v in obj]
    return REDACTED


def format_option(number: int, value: bytes) -> Any:
    """Render one option value as it is meant (text, number) or as hex."""
    if number in STRING_OPTIONS:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"hex": value.hex(), "error": "invalid UTF-8"}
    if number in UINT_OPTIONS:
        number_value = int.from_bytes(value, "big")
        if number in (23, 27):
            return {
                "num": number_value >> 4,
                "m": bool(number_value & 8),
                "szx": number_value & 7,
            }
        return number_value
    return value.hex() if value else ""


@dataclass(slots=True)
class CoapLogEntry:
    """One datagram, as received or sent."""

    direction: str  # "in" or "out"
    peer: str
    data: bytes
    time: float = field(default_factory=time.time)
    message: RawMessage | None = None
    #: Why a datagram was malformed or rejected, and what the server did about it.
    problem: str | None = None
    action: str | None = None
    #: The request path this datagram belongs to (request, or the request a response answers).
    path: str | None = None
    #: Values decoded by the server's codecs (path → value), when it knew the path.
    values: dict[str, Any] | None = None
    #: What a strict peer of the client's LwM2M version would reject in this message
    #: (``conformance`` event data, see :mod:`workbench.server.conformance`).
    conformance: list[dict[str, Any]] | None = None

    @property
    def secret(self) -> bool:
        if self.path is None:
            return False
        try:
            return touches_secrets(Path.parse(self.path))
        except ValueError:
            return False

    def to_dict(self) -> dict[str, Any]:
        """The JSON object the CLI prints and the session file stores."""
        out: dict[str, Any] = {
            "kind": "coap",
            "time": round(self.time, 6),
            "direction": self.direction,
            "peer": self.peer,
            "size": len(self.data),
        }
        msg = self.message
        if msg is not None:
            out["type"] = msg.mtype.name
            out["code"] = code_text(msg.code)
            name = REQUEST_NAMES.get(msg.code)
            if name:
                out["method"] = name
            out["mid"] = msg.mid
            out["token"] = msg.token.hex()
            out["options"] = [
                {
                    "number": n,
                    "name": KNOWN_OPTIONS.get(n, f"option-{n}"),
                    "value": format_option(n, v),
                }
                for n, v in msg.options
            ]
            cf = msg.uint_option(12)
            if cf is not None:
                out["content_format"] = cf
            secret = self.secret
            if msg.payload:
                if secret:
                    out["payload_hex"] = f"<redacted {len(msg.payload)} bytes>"
                else:
                    out["payload_hex"] = msg.payload.hex()
                if self.values is not None:
                    out["payload"] = self.values
                else:
                    decoded = describe_payload(cf, msg.payload)
                    out["payload"] = redact_tree(decoded) if secret else decoded
        else:
            out["raw_hex"] = self.data[:256].hex()
        if self.path is not None:
            out["path"] = self.path
        if self.problem is not None:
            out["problem"] = self.problem
        if self.action is not None:
            out["action"] = self.action
        if self.conformance:
            out["conformance"] = self.conformance
        return out


@dataclass(slots=True)
class ServerEvent:
    """Something the server did or saw: registered, updated, notification, request result..."""

    kind: str
    endpoint: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "time": round(self.time, 6)}
        if self.endpoint is not None:
            out["endpoint"] = self.endpoint
        out.update(self.data)
        return out
