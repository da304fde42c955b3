"""OMA-TLV (content format 11542), the binary format of LwM2M 1.0 (TS §6.4.3, 1.1 §7.4.3).

Each TLV is a type byte, an identifier and a value::

    bits 7-6  identifier type   00 object instance   01 resource instance
                                10 multiple resource 11 resource with value
    bit 5     identifier width  0 = 8 bits, 1 = 16 bits
    bits 4-3  length field      00 = none (length in bits 2-0), 01/10/11 = 8/16/24 bits
    bits 2-0  value length when bits 4-3 are 00

Object instances and multiple resources contain TLVs; the other two carry a value. What sits at
the top level depends on the request path (``base``): object instances for ``/O``, resources for
``/O/I``, one resource (single or multiple) for ``/O/I/R``, one resource instance for
``/O/I/R/RI``. Leniencies on decode, because real clients do these: an instance payload may be
wrapped in its own object-instance TLV, and a payload for a multi-instance resource may list its
resource-instance TLVs without the multiple-resource wrapper.

Values: Integer and Time in the shortest of 1/2/4/8 bytes, two's complement; Unsigned Integer
likewise up to ``2**63-1`` and as 8 bytes unsigned above that (LwM2M 1.1), and always read as
unsigned; Float as 4 bytes when that is exact, else 8 (both are read); Boolean one byte 0/1;
Objlnk two 16-bit ids; String and Corelnk UTF-8; Opaque raw. See :mod:`.numbers`.

Decoding never raises anything but :class:`CodecError`, which names the byte offset of the TLV
(or the byte) at fault. Every TLV consumes at least two bytes and containers nest at most three
deep, so no input can make the decoder loop or recurse without bound.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.lwm2m.codecs.base import Codec, ContentFormat, resource_definition
from workbench.lwm2m.codecs.numbers import (
    decode_float,
    decode_integer,
    encode_float,
    encode_integer,
)
from workbench.lwm2m.codecs.single import checked_value
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry, ResourceDefinition, ResourceType
from workbench.lwm2m.paths import MAX_ID, Path
from workbench.lwm2m.values import Content, ObjectLink, Value

FMT = "tlv"

#: The largest value a 24-bit length field can describe.
MAX_VALUE_LENGTH = 0xFFFFFF


class Kind(enum.IntEnum):
    """The identifier type in bits 7-6 of the type byte."""

    OBJECT_INSTANCE = 0
    RESOURCE_INSTANCE = 1
    MULTIPLE_RESOURCE = 2
    RESOURCE = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")

    @property
    def article(self) -> str:
        return "an" if self is Kind.OBJECT_INSTANCE else "a"


@dataclass(frozen=True, slots=True)
class TlvEntry:
    """One TLV as found in a payload; offsets are absolute, so errors and a dissector view can
    point at the bytes."""

    kind: Kind
    identifier: int
    #: Offset of the type byte.
    offset: int
    value_start: int
    value_end: int


def parse_entries(payload: bytes, start: int = 0, end: int | None = None) -> list[TlvEntry]:
    """The TLVs of one level between ``start`` and ``end`` (not descending into containers).

    Public so that a message log can show a TLV tree even when the types are unknown.
    """
    stop = len(payload) if end is None else end
    entries: list[TlvEntry] = []
    pos = start
    while pos < stop:
        type_byte = payload[pos]
        kind = Kind(type_byte >> 6)
        id_width = 2 if type_byte & 0x20 else 1
        length_width = (type_byte >> 3) & 0x03
        header_end = pos + 1 + id_width + length_width
        if header_end > stop:
            raise CodecError(
                f"truncated TLV header: {kind.article} {kind.label} header needs "
                f"{header_end - pos} bytes, {stop - pos} left",
                pos,
                FMT,
            )
        identifier = int.from_bytes(payload[pos + 1 : pos + 1 + id_width], "big")
        if length_width:
            length = int.from_bytes(payload[pos + 1 + id_width : header_end], "big")
        else:
            length = type_byte & 0x07
        if header_end + length > stop:
            raise CodecError(
                f"{kind.label} {identifier}: a value of {length} bytes runs past the end "
                f"({stop - header_end} bytes left)",
                pos,
                FMT,
            )
        if identifier > MAX_ID:
            raise CodecError(f"{kind.label} id {identifier} is reserved", pos + 1, FMT)
        entries.append(TlvEntry(kind, identifier, pos, header_end, header_end + length))
        pos = header_end + length
    return entries


class TlvCodec(Codec):
    """Content format 11542: OMA-TLV."""

    content_format = ContentFormat.TLV
    name = "tlv"

    # -- encode ----------------------------------------------------------------------------

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        """TLVs for ``content`` as an answer to (or a write on) ``base``, in id order."""
        base_res = _base_resource(base, registry)
        tree: dict[int, dict[int, tuple[ResourceDefinition, Value | dict[int, Value]]]] = {}
        for path, value in content.items():
            res, checked = _check_entry(base, path, value, registry)
            assert path.instance_id is not None and path.resource_id is not None
            resources = tree.setdefault(path.instance_id, {})
            if path.resource_instance_id is None:
                resources[path.resource_id] = (res, checked)
            else:
                _, instances = resources.setdefault(path.resource_id, (res, {}))
                assert isinstance(instances, dict)
                instances[path.resource_instance_id] = checked

        if base.depth == 1:
            return b"".join(
                _entry(Kind.OBJECT_INSTANCE, iid, _resources(tree[iid])) for iid in sorted(tree)
            )
        if base.depth == 2:
            return _resources(tree.get(base.instance_id or 0, {}))
        assert base_res is not None and base.resource_id is not None
        resource = tree.get(base.instance_id or 0, {}).get(base.resource_id)
        if base.depth == 3:
            if resource is None:
                if base_res.multiple:
                    return _entry(Kind.MULTIPLE_RESOURCE, base.resource_id, b"")
                raise CodecError(f"no value for {base}", None, FMT)
            return _resources({base.resource_id: resource})
        assert base.resource_instance_id is not None
        if resource is None:
            raise CodecError(f"no value for {base}", None, FMT)
        res, instances = resource
        assert isinstance(instances, dict)
        value = _encode_value(res.type, instances[base.resource_instance_id], base)
        return _entry(Kind.RESOURCE_INSTANCE, base.resource_instance_id, value)

    # -- decode ----------------------------------------------------------------------------

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        """The flat content of ``payload`` answering (or written to) ``base``."""
        data = bytes(payload)
        base_res = _base_resource(base, registry)
        entries = parse_entries(data)
        out: dict[Path, Value] = {}
        if base.depth == 1:
            _decode_object(data, entries, base, registry, out)
        elif base.depth == 2:
            _decode_instance(data, entries, base, registry, out)
        elif base.depth == 3:
            assert base_res is not None
            _decode_resource_payload(data, entries, base, base_res, registry, out)
        else:
            assert base_res is not None
            _decode_resource_instance_payload(data, entries, base, base_res, out)
        return out


# -- encoding helpers ----------------------------------------------------------------------


def _entry(kind: Kind, identifier: int, value: bytes) -> bytes:
    """One TLV with the narrowest identifier and length fields, as the TS examples use."""
    type_byte = kind << 6
    if identifier > 0xFF:
        type_byte |= 0x20
        ident = identifier.to_bytes(2, "big")
    else:
        ident = bytes([identifier])
    length = len(value)
    if length <= 7:
        type_byte |= length
        length_field = b""
    elif length <= 0xFF:
        type_byte |= 0x08
        length_field = length.to_bytes(1, "big")
    elif length <= 0xFFFF:
        type_byte |= 0x10
        length_field = length.to_bytes(2, "big")
    elif length <= MAX_VALUE_LENGTH:
        type_byte |= 0x18
        length_field = length.to_bytes(3, "big")
    else:
        raise CodecError(
            f"{kind.label} {identifier}: {length} bytes exceed the TLV limit of {MAX_VALUE_LENGTH}",
            None,
            FMT,
        )
    return bytes([type_byte]) + ident + length_field + value


def _resources(
    resources: dict[int, tuple[ResourceDefinition, Value | dict[int, Value]]],
) -> bytes:
    out: list[bytes] = []
    for rid in sorted(resources):
        res, value = resources[rid]
        if isinstance(value, dict):
            inner = b"".join(
                _entry(Kind.RESOURCE_INSTANCE, ri, _encode_value(res.type, value[ri], rid))
                for ri in sorted(value)
            )
            out.append(_entry(Kind.MULTIPLE_RESOURCE, rid, inner))
        else:
            out.append(_entry(Kind.RESOURCE, rid, _encode_value(res.type, value, rid)))
    return b"".join(out)


def _encode_value(rtype: ResourceType, value: Value, where: object) -> bytes:
    """The value bytes of a type-checked value."""
    try:
        if rtype in (ResourceType.STRING, ResourceType.CORELNK):
            assert isinstance(value, str)
            return value.encode("utf-8")
        if rtype in (ResourceType.INTEGER, ResourceType.TIME, ResourceType.UNSIGNED_INTEGER):
            assert isinstance(value, int)
            return encode_integer(value, unsigned=rtype is ResourceType.UNSIGNED_INTEGER, fmt=FMT)
        if rtype is ResourceType.FLOAT:
            assert isinstance(value, float)
            return encode_float(value, fmt=FMT)
        if rtype is ResourceType.BOOLEAN:
            return b"\x01" if value else b"\x00"
        if rtype is ResourceType.OPAQUE:
            assert isinstance(value, bytes)
            return value
        if rtype is ResourceType.OBJLNK:
            assert isinstance(value, ObjectLink)
            return value.object_id.to_bytes(2, "big") + value.instance_id.to_bytes(2, "big")
    except UnicodeEncodeError as exc:
        raise CodecError(
            f"{where}: the string is not valid UTF-8 ({exc.reason})", None, FMT
        ) from None
    except CodecError as exc:
        raise CodecError(f"{where}: {exc.reason}", None, FMT) from None
    raise CodecError(f"{where}: executable resources carry no value", None, FMT)


def _base_resource(base: Path, registry: ObjectRegistry) -> ResourceDefinition | None:
    """The definition ``base`` names when it names a resource, checked for what TLV can
    address there."""
    if base.depth < 3:
        if registry.get(base.object_id) is None:
            raise CodecError(f"unknown object {base.object_id} (no definition loaded)", None, FMT)
        return None
    res = resource_definition(registry, base, FMT)
    if res.type is ResourceType.NONE:
        raise CodecError(f"{base} is executable and carries no value", None, FMT)
    if base.depth == 4 and not res.multiple:
        raise CodecError(
            f"{base.parent} ({res.name}) is single-instance and has no resource instances",
            None,
            FMT,
        )
    return res


def _check_entry(
    base: Path, path: object, value: Value, registry: ObjectRegistry
) -> tuple[ResourceDefinition, Value]:
    """The definition and type-checked value of one content entry to encode below ``base``."""
    if not isinstance(path, Path):
        raise CodecError(f"content keys must be paths, got {path!r}", None, FMT)
    if not base.contains(path):
        raise CodecError(f"{path} is not below the request path {base}", None, FMT)
    if path.depth < 3:
        raise CodecError(
            f"{path}: content is keyed by resource or resource-instance paths", None, FMT
        )
    res = resource_definition(registry, path, FMT)
    if res.type is ResourceType.NONE:
        raise CodecError(f"{path} is executable and carries no value", None, FMT)
    if res.multiple and path.depth == 3:
        raise CodecError(
            f"{path} ({res.name}) is multi-instance: give its values at {path}/<id>", None, FMT
        )
    if not res.multiple and path.depth == 4:
        raise CodecError(
            f"{path.parent} ({res.name}) is single-instance and has no resource instances",
            None,
            FMT,
        )
    return res, checked_value(res, path, value, FMT)


# -- decoding helpers ----------------------------------------------------------------------


def _misplaced(entry: TlvEntry, where: str) -> CodecError:
    return CodecError(
        f"nesting not allowed: {entry.kind.article} {entry.kind.label} TLV "
        f"(id {entry.identifier}) {where}",
        entry.offset,
        FMT,
    )


def _unique(entries: Iterable[TlvEntry], container: str) -> None:
    seen: set[int] = set()
    for entry in entries:
        if entry.identifier in seen:
            raise CodecError(
                f"{entry.kind.label} {entry.identifier} appears twice in {container}",
                entry.offset,
                FMT,
            )
        seen.add(entry.identifier)


def _decode_object(
    data: bytes,
    entries: list[TlvEntry],
    base: Path,
    registry: ObjectRegistry,
    out: dict[Path, Value],
) -> None:
    _unique(entries, str(base))
    for entry in entries:
        if entry.kind is not Kind.OBJECT_INSTANCE:
            raise _misplaced(entry, f"at object level ({base}): expected object instances")
        children = parse_entries(data, entry.value_start, entry.value_end)
        _decode_resources(data, children, base.child(entry.identifier), registry, out)


def _decode_instance(
    data: bytes,
    entries: list[TlvEntry],
    base: Path,
    registry: ObjectRegistry,
    out: dict[Path, Value],
) -> None:
    if len(entries) == 1 and entries[0].kind is Kind.OBJECT_INSTANCE:
        wrapper = entries[0]
        if wrapper.identifier != base.instance_id:
            raise CodecError(
                f"object instance {wrapper.identifier} in a payload for {base}",
                wrapper.offset,
                FMT,
            )
        entries = parse_entries(data, wrapper.value_start, wrapper.value_end)
    _decode_resources(data, entries, base, registry, out)


def _decode_resources(
    data: bytes,
    entries: list[TlvEntry],
    instance: Path,
    registry: ObjectRegistry,
    out: dict[Path, Value],
) -> None:
    _unique(entries, str(instance))
    for entry in entries:
        if entry.kind in (Kind.OBJECT_INSTANCE, Kind.RESOURCE_INSTANCE):
            raise _misplaced(entry, f"inside object instance {instance}: expected resources")
        path = instance.child(entry.identifier)
        res = resource_definition(registry, path, FMT, entry.offset)
        _decode_resource(data, entry, path, res, out)


def _decode_resource(
    data: bytes,
    entry: TlvEntry,
    path: Path,
    res: ResourceDefinition,
    out: dict[Path, Value],
) -> None:
    if entry.kind is Kind.RESOURCE:
        if res.multiple:
            raise CodecError(
                f"{path} ({res.name}) is multi-instance but arrived as a single value",
                entry.offset,
                FMT,
            )
        out[path] = _decode_value(data, entry, res, path)
        return
    if not res.multiple:
        raise CodecError(
            f"{path} ({res.name}) is single-instance but arrived as a multiple resource",
            entry.offset,
            FMT,
        )
    children = parse_entries(data, entry.value_start, entry.value_end)
    _decode_resource_instances(data, children, path, res, out)


def _decode_resource_instances(
    data: bytes,
    entries: list[TlvEntry],
    path: Path,
    res: ResourceDefinition,
    out: dict[Path, Value],
) -> None:
    _unique(entries, str(path))
    for entry in entries:
        if entry.kind is not Kind.RESOURCE_INSTANCE:
            raise _misplaced(entry, f"inside multiple resource {path}: expected resource instances")
        child = path.child(entry.identifier)
        out[child] = _decode_value(data, entry, res, child)


def _decode_resource_payload(
    data: bytes,
    entries: list[TlvEntry],
    base: Path,
    res: ResourceDefinition,
    registry: ObjectRegistry,
    out: dict[Path, Value],
) -> None:
    if not entries:
        if res.multiple:
            return
        raise CodecError(f"empty payload: no value for {base}", 0, FMT)
    if res.multiple and all(e.kind is Kind.RESOURCE_INSTANCE for e in entries):
        _decode_resource_instances(data, entries, base, res, out)
        return
    if len(entries) > 1:
        raise CodecError(
            f"a payload for {base} holds one resource TLV, found more", entries[1].offset, FMT
        )
    entry = entries[0]
    if entry.kind in (Kind.OBJECT_INSTANCE, Kind.RESOURCE_INSTANCE):
        raise _misplaced(entry, f"in a payload for resource {base}")
    if entry.identifier != base.resource_id:
        raise CodecError(f"resource {entry.identifier} in a payload for {base}", entry.offset, FMT)
    _decode_resource(data, entry, base, res, out)


def _decode_resource_instance_payload(
    data: bytes,
    entries: list[TlvEntry],
    base: Path,
    res: ResourceDefinition,
    out: dict[Path, Value],
) -> None:
    if len(entries) != 1:
        position = 0 if not entries else entries[1].offset
        raise CodecError(
            f"a payload for {base} holds exactly one resource instance TLV, found {len(entries)}",
            position,
            FMT,
        )
    entry = entries[0]
    if entry.kind is not Kind.RESOURCE_INSTANCE:
        raise _misplaced(entry, f"where resource instance {base} is expected")
    if entry.identifier != base.resource_instance_id:
        raise CodecError(
            f"resource instance {entry.identifier} in a payload for {base}", entry.offset, FMT
        )
    out[base] = _decode_value(data, entry, res, base)


def _decode_value(data: bytes, entry: TlvEntry, res: ResourceDefinition, path: Path) -> Value:
    """The typed value of a value-carrying TLV; errors name the TLV (or the bad byte)."""
    raw = data[entry.value_start : entry.value_end]
    rtype = res.type
    where = f"{path} ({rtype.label})"
    try:
        if rtype in (ResourceType.STRING, ResourceType.CORELNK):
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CodecError(
                    f"invalid UTF-8 ({exc.reason})", entry.value_start + exc.start, FMT
                ) from None
        if rtype in (ResourceType.INTEGER, ResourceType.TIME, ResourceType.UNSIGNED_INTEGER):
            return decode_integer(
                raw,
                unsigned=rtype is ResourceType.UNSIGNED_INTEGER,
                fmt=FMT,
                position=entry.offset,
            )
        if rtype is ResourceType.FLOAT:
            return decode_float(raw, fmt=FMT, position=entry.offset)
        if rtype is ResourceType.BOOLEAN:
            if len(raw) != 1:
                raise CodecError(f"a Boolean has 1 byte, got {len(raw)}", entry.offset, FMT)
            if raw[0] > 1:
                raise CodecError(f"a Boolean is 0 or 1, got {raw[0]}", entry.value_start, FMT)
            return raw[0] == 1
        if rtype is ResourceType.OPAQUE:
            return raw
        if rtype is ResourceType.OBJLNK:
            if len(raw) != 4:
                raise CodecError(f"an Objlnk has 4 bytes, got {len(raw)}", entry.offset, FMT)
            return ObjectLink(int.from_bytes(raw[:2], "big"), int.from_bytes(raw[2:], "big"))
    except CodecError as exc:
        raise CodecError(f"{where}: {exc.reason}", exc.position, FMT) from None
    raise CodecError(f"{path} is executable and carries no value", entry.offset, FMT)
