"""LwM2M CBOR (11544, LwM2M 1.2 §7.4.7) and plain CBOR (60, LwM2M 1.1 §7.4.6).

**LwM2M CBOR** is a tree of CBOR maps keyed by path ids, rooted at the object id:
``{3: {0: {0: "Open Mobile Alliance", 6: {0: 1, 1: 5}}}}``. A key may also be an array of ids
that stands for several levels at once (``{[3, 0]: {0: "..."}}``, ``{[3, 0, 6, 0]: 1}``).
Values: text for String and Corelnk, integers for Integer/Unsigned Integer/Time, floats (or
integers) for Float, booleans, byte strings for Opaque, text ``"3:0"`` for Objlnk. Time may
come as CBOR tag 1 around its number.

The subset implemented: decoding accepts any mix of nested maps and id-array keys, definite
or indefinite lengths, as long as every leaf lands on a resource or resource-instance path
under ``base``; an empty map (an instance with no resources) contributes nothing. Encoding
writes plain nested maps from the object id, or — with ``key_arrays=True`` — one id-array key
for ``base`` (``{[3, 0]: {...}}``). Not implemented: ``null`` leaves and any other tag.

**Plain CBOR** carries one value of the single resource or resource instance the request is
addressed to (``base``), with the same value types.

Both go through the shared record model (:mod:`.records`): a leaf is a record whose kind is
its CBOR type.
"""

from __future__ import annotations

from typing import Any

import cbor2

from workbench.lwm2m.codecs.base import Codec, ContentFormat
from workbench.lwm2m.codecs.cbor_reader import Tagged, read_cbor
from workbench.lwm2m.codecs.records import (
    Kind,
    OpaqueText,
    Record,
    Rules,
    content_from_records,
    records_from_content,
)
from workbench.lwm2m.errors import CodecError, PathError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, Value

FMT = "LwM2M CBOR"
PLAIN_FMT = "CBOR"
_LABELS = {
    Kind.NUMBER: "number",
    Kind.STRING: "text string",
    Kind.BOOLEAN: "boolean",
    Kind.OPAQUE: "byte string",
}
RULES = Rules(FMT, _LABELS, objlnk=Kind.STRING, opaque_text=OpaqueText.BYTES)
PLAIN_RULES = Rules(PLAIN_FMT, _LABELS, objlnk=Kind.STRING, opaque_text=OpaqueText.BYTES)
#: Four levels of path maps, one more for an id-array key, one for a tag on a value.
MAX_DEPTH = 6


def leaf_kind(value: object, fmt: str, where: str) -> Kind:
    """The record kind of a CBOR leaf value, by its CBOR type."""
    if isinstance(value, bool):
        return Kind.BOOLEAN
    if isinstance(value, int | float | Tagged):
        return Kind.NUMBER
    if isinstance(value, str):
        return Kind.STRING
    if isinstance(value, bytes):
        return Kind.OPAQUE
    kind = "null" if value is None else type(value).__name__
    raise CodecError(f"{where}: a {kind} is not a resource value", None, fmt)


class Lwm2mCborCodec(Codec):
    """LwM2M CBOR (11544)."""

    content_format = ContentFormat.LWM2M_CBOR
    name = FMT

    def __init__(self, key_arrays: bool = False) -> None:
        self.key_arrays = key_arrays

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        records = records_from_content(base, content, registry, RULES)
        if self.key_arrays:
            # One id-array key for the base path; below it, nested maps.
            tree: dict[Any, Any] = {}
            for record in records:
                ids = record.path.relative_to(base)
                if not ids:
                    return _dumps({tuple(base.ids): record.data})
                _insert(tree, ids, record.data)
            return _dumps({tuple(base.ids): tree} if tree else {})
        root: dict[Any, Any] = {}
        for record in records:
            _insert(root, record.path.ids, record.data)
        return _dumps(root)

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        data = read_cbor(payload, FMT, MAX_DEPTH)
        if not isinstance(data, dict):
            raise CodecError("an LwM2M CBOR payload is a map keyed by path ids", 0, FMT)
        records: list[Record] = []
        pending: list[tuple[tuple[int, ...], dict[Any, object]]] = [((), data)]
        while pending:
            prefix, mapping = pending.pop()
            for key, value in mapping.items():
                ids = prefix + (key if isinstance(key, tuple) else (key,))
                where = "key " + "/".join(str(i) for i in ids)
                if isinstance(key, str) or not ids[len(prefix) :]:
                    raise CodecError(f"{where}: keys are path ids or arrays of them", None, FMT)
                if len(ids) > 4:
                    raise CodecError(f"{where}: a path has at most 4 levels", None, FMT)
                try:
                    path = Path.of(*ids)
                except PathError as exc:
                    raise CodecError(f"{where}: {exc}", None, FMT) from None
                if isinstance(value, dict):
                    pending.append((ids, value))
                    continue
                kind = leaf_kind(value, FMT, where)
                records.append(Record(path, kind, value, len(records)))
        records.sort(key=lambda r: r.path)
        return content_from_records(records, base, registry, RULES)


class CborCodec(Codec):
    """Plain CBOR (60): a single resource or resource-instance value."""

    content_format = ContentFormat.CBOR
    name = PLAIN_FMT

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        records = records_from_content(base, content, registry, PLAIN_RULES)
        if len(records) != 1 or records[0].path != base:
            raise CodecError(
                f"plain CBOR carries exactly one value, at {base}; got {len(records)} value(s)",
                None,
                PLAIN_FMT,
            )
        return _dumps(records[0].data)

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        if base.depth < 3:
            raise CodecError(
                f"plain CBOR carries a single resource value; {base} is not a resource",
                None,
                PLAIN_FMT,
            )
        # A tag (Time as tag 1) is the only container a single value may have.
        value = read_cbor(payload, PLAIN_FMT, max_depth=1)
        kind = leaf_kind(value, PLAIN_FMT, str(base))
        return content_from_records([Record(base, kind, value, 0, 0)], base, registry, PLAIN_RULES)


def _insert(tree: dict[Any, Any], ids: tuple[int, ...], value: object) -> None:
    node = tree
    for key in ids[:-1]:
        node = node.setdefault(key, {})
    node[ids[-1]] = value


def _dumps(data: Any) -> bytes:
    result: bytes = cbor2.dumps(data)
    return result
