"""LwM2M JSON (``application/vnd.oma.lwm2m+json``, 11543): the LwM2M 1.0 §6.4.4 JSON format.

``{"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"6/0","v":1}]}``: one object
with a base name and an ``e`` array of entries. Values: ``v`` numbers, ``sv`` strings (and
Opaque as standard base64), ``bv`` Boolean, ``ov`` Objlnk ``"3:0"``. ``bt`` and ``t`` are
accepted and ignored. A base name may end with ``/`` or not: ``"/3/0"`` + ``"1"`` is
``/3/0/1`` (LwM2M 1.0 examples and modules write both).

The entries are the same records as SenML's (:mod:`.records`); only the envelope differs.
:func:`read_document` and :func:`document_records` are public so the u-blox dialect
(:mod:`.ublox_json`) can read the same envelope with its own name and value leniency.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from workbench.lwm2m.codecs.base import Codec, ContentFormat
from workbench.lwm2m.codecs.records import (
    VALUE_FIELDS,
    Field,
    Kind,
    OpaqueText,
    Record,
    Rules,
    content_from_records,
    dump_json,
    load_json,
    parse_name,
    records_from_content,
    relative_name,
)
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, Value

FMT = "LwM2M JSON"
#: Entry labels of the LwM2M JSON format mapped onto the shared record fields.
ENTRY_FIELDS: Mapping[str, Field] = {
    "n": Field.NAME,
    "t": Field.TIME,
    "v": Field.VALUE,
    "sv": Field.STRING_VALUE,
    "bv": Field.BOOLEAN_VALUE,
    "ov": Field.OBJLNK_VALUE,
}
_LABEL_OF_KIND = {
    VALUE_FIELDS[fld]: label for label, fld in ENTRY_FIELDS.items() if fld in VALUE_FIELDS
}
RULES = Rules(
    FMT, _LABEL_OF_KIND, opaque=Kind.STRING, objlnk=Kind.OBJLNK, opaque_text=OpaqueText.BASE64
)
#: object -> "e" array -> entry object.
MAX_DEPTH = 3


@dataclass(frozen=True, slots=True)
class Entry:
    """One element of ``e`` before name resolution and typing."""

    index: int
    name: str | None
    kind: Kind | None
    data: object


@dataclass(frozen=True, slots=True)
class Document:
    base_name: str | None
    entries: Sequence[Entry]


def read_document(data: object, fmt: str = FMT) -> Document:
    """Check the envelope of parsed JSON and pick each entry's name and value field."""
    if not isinstance(data, dict):
        raise CodecError("an LwM2M JSON payload is an object with an 'e' array", 0, fmt)
    base_name = data.get("bn")
    if base_name is not None and not isinstance(base_name, str):
        raise CodecError("'bn' must be a string", None, fmt)
    base_time = data.get("bt", 0)
    if isinstance(base_time, bool) or not isinstance(base_time, int | float):
        raise CodecError("'bt' must be a number", None, fmt)
    raw_entries = data.get("e")
    if not isinstance(raw_entries, list):
        raise CodecError("the 'e' array is missing", None, fmt)
    entries: list[Entry] = []
    for index, raw in enumerate(raw_entries):
        where = f"entry {index}"
        if not isinstance(raw, dict):
            raise CodecError(f"{where} is not an object", None, fmt)
        name = raw.get("n")
        if name is not None and not isinstance(name, str):
            raise CodecError(f"{where}: 'n' must be a string", None, fmt)
        time = raw.get("t", 0)
        if isinstance(time, bool) or not isinstance(time, int | float):
            raise CodecError(f"{where}: 't' must be a number", None, fmt)
        present = [label for label in raw if ENTRY_FIELDS.get(label) in VALUE_FIELDS]
        if len(present) > 1:
            raise CodecError(f"{where} has more than one value ({', '.join(present)})", None, fmt)
        kind = VALUE_FIELDS[ENTRY_FIELDS[present[0]]] if present else None
        entries.append(Entry(index, name, kind, raw[present[0]] if present else None))
    return Document(base_name, entries)


def join_name(base_name: str | None, name: str | None) -> str:
    """Base name + name, with the ``/`` between them that LwM2M 1.0 JSON leaves optional."""
    base_name = base_name or ""
    name = name or ""
    if not base_name or not name or base_name.endswith("/") or name.startswith("/"):
        return base_name + name
    return base_name + "/" + name


def document_records(
    document: Document,
    fmt: str = FMT,
    resolve: Callable[[str | None, str | None], str] = join_name,
) -> list[Record]:
    """The entries as records with resolved paths."""
    records: list[Record] = []
    for entry in document.entries:
        where = f"entry {entry.index}"
        name = resolve(document.base_name, entry.name)
        if not name:
            raise CodecError(f"{where} has no name", None, fmt)
        path = parse_name(name, fmt, where)
        records.append(Record(path, entry.kind, entry.data, entry.index))
    return records


def build_document(base: Path, records: Sequence[Record]) -> dict[str, object]:
    """The LwM2M JSON object for ``records`` below ``base``."""
    at_base = any(record.path == base for record in records)
    entries: list[dict[str, object]] = []
    for record in records:
        entry: dict[str, object] = {}
        if record.path != base:
            entry["n"] = relative_name(base, record.path)
        if record.kind is not None:
            entry[_LABEL_OF_KIND[record.kind]] = record.data
        entries.append(entry)
    return {"bn": str(base) if at_base else str(base) + "/", "e": entries}


class Lwm2mJsonCodec(Codec):
    """LwM2M JSON (11543)."""

    content_format = ContentFormat.LWM2M_JSON
    name = FMT

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        records = records_from_content(base, content, registry, RULES)
        return dump_json(build_document(base, records)).encode("utf-8")

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        document = read_document(load_json(payload, FMT, MAX_DEPTH))
        return content_from_records(document_records(document), base, registry, RULES)
