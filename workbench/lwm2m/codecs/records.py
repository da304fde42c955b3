"""The record model shared by SenML JSON, SenML CBOR, LwM2M JSON, LwM2M CBOR and u-blox JSON.

All of these formats are, underneath, a list of *records*: a name (a path) and at most one value
under a key that says what kind of value it is (``v`` a number, ``vs``/``sv`` a string, ...).
They differ only in how records are written down (a JSON array, a CBOR array with integer
labels, a JSON object with an ``e`` array, nested CBOR maps). So this module owns everything
that is not serialisation:

* :class:`Field` — the SenML/LwM2M JSON fields, whatever their label in a given syntax;
* :class:`Record` — a resolved path with a value kind and the raw value as the syntax gave it;
* :class:`Rules` — which kind carries which resource type in a format, and how Opaque travels;
* :func:`content_from_records` / :func:`records_from_content` — typing by the definitions,
  the one place that decides that a ``1.5`` is not an Integer;
* :func:`load_json` — JSON text to data with byte offsets in errors and no recursion blow-up.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from workbench.lwm2m.codecs.base import resource_definition
from workbench.lwm2m.codecs.cbor_reader import Tagged
from workbench.lwm2m.errors import CodecError, PathError, ValueValidationError
from workbench.lwm2m.model import ObjectRegistry, ResourceType, check_type
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import (
    INT64_MAX,
    INT64_MIN,
    UINT64_MAX,
    Content,
    ObjectLink,
    Value,
)


class Field(enum.Enum):
    """A record field, independent of its label (``"bn"`` in JSON, ``-2`` in CBOR)."""

    BASE_NAME = "bn"
    BASE_TIME = "bt"
    BASE_UNIT = "bu"
    BASE_VALUE = "bv"
    BASE_SUM = "bs"
    BASE_VERSION = "bver"
    NAME = "n"
    UNIT = "u"
    VALUE = "v"
    STRING_VALUE = "vs"
    BOOLEAN_VALUE = "vb"
    DATA_VALUE = "vd"
    OBJLNK_VALUE = "vlo"
    SUM = "s"
    TIME = "t"
    UPDATE_TIME = "ut"


class Kind(enum.Enum):
    """What a value field carries."""

    NUMBER = "number"
    STRING = "string"
    BOOLEAN = "boolean"
    OPAQUE = "opaque"
    OBJLNK = "objlnk"


#: The value fields and the kind each carries (SenML names; LwM2M JSON maps its own onto them).
VALUE_FIELDS: Mapping[Field, Kind] = {
    Field.VALUE: Kind.NUMBER,
    Field.STRING_VALUE: Kind.STRING,
    Field.BOOLEAN_VALUE: Kind.BOOLEAN,
    Field.DATA_VALUE: Kind.OPAQUE,
    Field.OBJLNK_VALUE: Kind.OBJLNK,
}
FIELD_OF_KIND: Mapping[Kind, Field] = {kind: fld for fld, kind in VALUE_FIELDS.items()}


class OpaqueText(enum.Enum):
    """How an Opaque value is carried: raw bytes (CBOR) or text in one base64 flavour."""

    BYTES = "bytes"
    BASE64URL = "base64url"  # RFC 8428 §5: URL-safe alphabet, padding removed
    BASE64 = "base64"  # LwM2M 1.0 JSON: the standard alphabet with padding


@dataclass(frozen=True, slots=True)
class Rules:
    """How one format maps resource types onto record value kinds."""

    fmt: str
    #: The label of each kind's field in this format, for messages ("expected 'vs'").
    labels: Mapping[Kind, str]
    #: The kind that carries Opaque (SenML: its own ``vd``; LwM2M JSON: ``sv``).
    opaque: Kind = Kind.OPAQUE
    #: The kind that carries Objlnk (SenML ``vlo``, LwM2M JSON ``ov``; LwM2M CBOR: a text).
    objlnk: Kind = Kind.OBJLNK
    opaque_text: OpaqueText = OpaqueText.BYTES

    def kind_for(self, rtype: ResourceType) -> Kind | None:
        """The value kind a resource of ``rtype`` must use; ``None`` for executables."""
        if rtype in (ResourceType.STRING, ResourceType.CORELNK):
            return Kind.STRING
        if rtype is ResourceType.BOOLEAN:
            return Kind.BOOLEAN
        if rtype is ResourceType.OPAQUE:
            return self.opaque
        if rtype is ResourceType.OBJLNK:
            return self.objlnk
        if rtype is ResourceType.NONE:
            return None
        return Kind.NUMBER

    def label(self, kind: Kind | None) -> str:
        return "no value" if kind is None else repr(self.labels.get(kind, kind.value))


@dataclass(frozen=True, slots=True)
class Record:
    """One resolved record: a path and (unless it has none) a value of a kind, still raw."""

    path: Path
    kind: Kind | None = None
    data: object = None
    #: 0-based number of the record in the payload, for messages.
    index: int = 0
    #: Offset of the record in the payload when the syntax knows it (CBOR), else ``None``.
    position: int | None = None


# -- names -------------------------------------------------------------------------------------


def parse_name(name: str, fmt: str, where: str, position: int | None = None) -> Path:
    """A resolved record name as a path, or a :class:`CodecError` that quotes it."""
    try:
        return Path.parse(name)
    except PathError as exc:
        raise CodecError(
            f"{where}: name {name!r} is not an LwM2M path ({exc})", position, fmt
        ) from None


def relative_name(base: Path, path: Path) -> str:
    """The ids of ``path`` below ``base`` as a record name: ``"6/0"``."""
    return "/".join(str(i) for i in path.relative_to(base))


# -- values ------------------------------------------------------------------------------------


def typed_value(rtype: ResourceType, record: Record, rules: Rules, where: str) -> Value:
    """The typed value of ``record`` for a resource of ``rtype``: the one typing rule.

    The value field must be the one the format uses for the type (``vs`` for a String, ``vb``
    for a Boolean, ...) and the raw value must fit: a number for an Integer must be integral
    and within 64 bits, a float must be finite, a string must be encodable as UTF-8.
    """
    fmt = rules.fmt
    expected = rules.kind_for(rtype)
    position = record.position
    if expected is None:
        if record.kind is not None:
            raise CodecError(f"{where} is executable and carries no value", position, fmt)
        return None
    if record.kind is None:
        raise CodecError(f"{where} has no value", position, fmt)
    if record.kind is not expected:
        raise CodecError(
            f"{where} is {rtype.label}: expected value field {rules.label(expected)}, "
            f"got {rules.label(record.kind)}",
            position,
            fmt,
        )
    data = record.data
    bad = CodecError(f"{where}: {_short(data)} is not a valid {rtype.label}", position, fmt)
    if expected is Kind.NUMBER:
        return number_value(rtype, data, where, fmt, position)
    if rtype is ResourceType.BOOLEAN:
        if not isinstance(data, bool):
            raise bad
        return data
    if rtype in (ResourceType.STRING, ResourceType.CORELNK):
        if not isinstance(data, str):
            raise bad
        return checked_text(data, where, fmt, position)
    if rtype is ResourceType.OPAQUE:
        if isinstance(data, bytes) and rules.opaque_text is OpaqueText.BYTES:
            return data
        if isinstance(data, str) and rules.opaque_text is not OpaqueText.BYTES:
            return decode_base64(data, rules.opaque_text, where, fmt, position)
        raise bad
    if rtype is ResourceType.OBJLNK:
        if not isinstance(data, str):
            raise bad
        try:
            return ObjectLink.parse(data)
        except ValueValidationError as exc:
            raise CodecError(f"{where}: {exc}", position, fmt) from None
    raise bad  # pragma: no cover - every type is handled above


def number_value(
    rtype: ResourceType, data: object, where: str, fmt: str, position: int | None
) -> int | float:
    """A JSON/CBOR number as the Python number of ``rtype`` (Time may be CBOR tag 1)."""
    if isinstance(data, Tagged):
        if data.tag != 1 or rtype is not ResourceType.TIME:
            raise CodecError(f"{where}: CBOR tag {data.tag} is not accepted here", position, fmt)
        data = data.value
    if isinstance(data, bool) or not isinstance(data, int | float):
        raise CodecError(f"{where}: {_short(data)} is not a number", position, fmt)
    if isinstance(data, float) and not math.isfinite(data):
        raise CodecError(f"{where}: {data} is not a finite number", position, fmt)
    if rtype is ResourceType.FLOAT:
        try:
            return float(data)
        except OverflowError:
            raise CodecError(
                f"{where}: {data} does not fit a 64-bit Float", position, fmt
            ) from None
    if isinstance(data, float):
        if not data.is_integer():
            raise CodecError(f"{where}: {data} is not an integral number", position, fmt)
        data = int(data)
    low, high = (
        (0, UINT64_MAX) if rtype is ResourceType.UNSIGNED_INTEGER else (INT64_MIN, INT64_MAX)
    )
    if not low <= data <= high:
        raise CodecError(f"{where}: {data} does not fit a 64-bit {rtype.label}", position, fmt)
    return data


def checked_text(text: str, where: str, fmt: str, position: int | None = None) -> str:
    """``text`` if it can be written as UTF-8 (JSON ``\\ud800`` escapes decode to lone
    surrogates that no other format can carry)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CodecError(
            f"{where}: string has a lone surrogate at {exc.start}", position, fmt
        ) from None
    return text


_BASE64_SHAPES = {
    OpaqueText.BASE64URL: re.compile(r"[A-Za-z0-9_-]*={0,2}"),
    OpaqueText.BASE64: re.compile(r"[A-Za-z0-9+/]*={0,2}"),
}


def decode_base64(
    text: str, variant: OpaqueText, where: str, fmt: str, position: int | None = None
) -> bytes:
    """Base64 text to bytes; padding may be present or not, other alphabets are refused."""
    shape = _BASE64_SHAPES[variant]
    body = text.rstrip("=")
    if not shape.fullmatch(text) or len(body) % 4 == 1 or (text != body and len(text) % 4):
        raise CodecError(
            f"{where}: {_short(text)} is not {variant.value} data", position, fmt
        ) from None
    padded = body + "=" * (-len(body) % 4)
    altchars = b"-_" if variant is OpaqueText.BASE64URL else b"+/"
    try:
        return base64.b64decode(padded, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):  # pragma: no cover - the shape check comes first
        reason = f"{where}: {_short(text)} is not {variant.value} data"
        raise CodecError(reason, position, fmt) from None


def encode_base64(data: bytes, variant: OpaqueText) -> str:
    if variant is OpaqueText.BASE64URL:
        return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
    return base64.b64encode(data).decode("ascii")


def record_data(rtype: ResourceType, value: Value, rules: Rules) -> tuple[Kind | None, object]:
    """The value field kind and raw value that carry ``value`` (already type-checked)."""
    kind = rules.kind_for(rtype)
    if kind is None:
        return None, None
    if rtype is ResourceType.FLOAT:
        assert isinstance(value, float)
        return kind, value
    if isinstance(value, bytes):
        if rules.opaque_text is OpaqueText.BYTES:
            return kind, value
        return kind, encode_base64(value, rules.opaque_text)
    if isinstance(value, ObjectLink):
        return kind, str(value)
    return kind, value


def untyped_value(record: Record, fmt: str, where: str) -> Value:
    """A value with no definition to type it (vendor formats, unknown objects): kept as the
    syntax gave it — a number as ``int`` when integral in the text else ``float``, a string,
    a boolean, an Objlnk parsed from ``"3:0"``, bytes as bytes."""
    data = record.data
    kind = record.kind
    if kind is None:
        return None
    if kind is Kind.NUMBER:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise CodecError(f"{where}: {_short(data)} is not a number", record.position, fmt)
        if isinstance(data, float) and not math.isfinite(data):
            raise CodecError(f"{where}: {data} is not a finite number", record.position, fmt)
        return data
    if kind is Kind.BOOLEAN:
        if not isinstance(data, bool):
            raise CodecError(f"{where}: {_short(data)} is not a boolean", record.position, fmt)
        return data
    if kind is Kind.OPAQUE and isinstance(data, bytes):
        return data
    if not isinstance(data, str):
        raise CodecError(f"{where}: {_short(data)} is not a string", record.position, fmt)
    if kind is Kind.OBJLNK:
        try:
            return ObjectLink.parse(data)
        except ValueValidationError as exc:
            raise CodecError(f"{where}: {exc}", record.position, fmt) from None
    return checked_text(data, where, fmt, record.position)


# -- content <-> records -----------------------------------------------------------------------


def content_from_records(
    records: Iterable[Record], base: Path | None, registry: ObjectRegistry, rules: Rules
) -> dict[Path, Value]:
    """Typed content from resolved records, checked against ``base`` and the definitions."""
    fmt = rules.fmt
    out: dict[Path, Value] = {}
    for record in records:
        path = record.path
        where = f"record {record.index} ({path})"
        check_record_path(path, base, registry, fmt, where, record.position)
        if path in out:
            raise CodecError(f"{where}: {path} appears twice", record.position, fmt)
        definition = resource_definition(registry, path, fmt, record.position)
        out[path] = typed_value(definition.type, record, rules, where)
    return out


def check_record_path(
    path: Path,
    base: Path | None,
    registry: ObjectRegistry,
    fmt: str,
    where: str,
    position: int | None = None,
) -> None:
    """A value path must be below ``base`` and name a resource or resource instance as its
    definition says (multi-instance resources carry instance ids, single ones do not)."""
    if base is not None and not base.contains(path):
        raise CodecError(f"{where}: {path} is outside the base path {base}", position, fmt)
    if path.depth < 3:
        raise CodecError(f"{where}: {path} names no resource", position, fmt)
    definition = resource_definition(registry, path, fmt, position)
    if definition.multiple and path.depth == 3:
        raise CodecError(
            f"{where}: resource {path} is multi-instance; values need instance ids",
            position,
            fmt,
        )
    if not definition.multiple and path.depth == 4:
        raise CodecError(
            f"{where}: resource {path.parent} is single-instance; it has no instance "
            f"{path.resource_instance_id}",
            position,
            fmt,
        )


def records_from_content(
    base: Path | None, content: Content, registry: ObjectRegistry, rules: Rules
) -> list[Record]:
    """Records for ``content`` in path order, each value checked against its type."""
    fmt = rules.fmt
    records: list[Record] = []
    for index, path in enumerate(sorted(content)):
        where = f"{path}"
        check_record_path(path, base, registry, fmt, where)
        definition = resource_definition(registry, path, fmt)
        value = content[path]
        if definition.type is ResourceType.NONE:
            if value not in (None, "", b""):
                raise CodecError(f"{where} is executable and carries no value", None, fmt)
            records.append(Record(path, None, None, index))
            continue
        try:
            checked = check_type(definition.type, value, where)
        except ValueValidationError as exc:
            raise CodecError(str(exc), None, fmt) from None
        if isinstance(checked, str):
            checked_text(checked, where, fmt)
        kind, data = record_data(definition.type, checked, rules)
        records.append(Record(path, kind, data, index))
    return records


# -- JSON --------------------------------------------------------------------------------------

_JSON_TOKENS = re.compile(r'["\\\[\]{}]')


def load_json(payload: bytes | str, fmt: str, max_depth: int) -> object:
    """Parse JSON text, refusing (with an offset) what ``json.loads`` would get wrong.

    Bytes must be UTF-8; errors name the byte offset. Nesting deeper than ``max_depth`` is
    refused before parsing, so 10,000 nested arrays cannot reach the parser's recursion.
    ``NaN``/``Infinity`` (not JSON) and duplicate object keys are refused.
    """
    values = load_json_sequence(payload, fmt, max_depth, single=True)
    return values[0][1]


def load_json_sequence(
    payload: bytes | str, fmt: str, max_depth: int, *, single: bool = False
) -> list[tuple[int, object]]:
    """Parse JSON values written one after another (``{..} {..}``), with their offsets.

    Only whitespace may separate them. With ``single`` exactly one value must fill the text.
    """
    if isinstance(payload, bytes | bytearray | memoryview):
        try:
            text = bytes(payload).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CodecError("invalid UTF-8", exc.start, fmt) from None
        offsets_are_bytes = True
    else:
        text = payload
        offsets_are_bytes = False

    def offset(char_index: int) -> int:
        if not offsets_are_bytes:
            return char_index
        return len(text[:char_index].encode("utf-8", "surrogatepass"))

    _check_json_depth(text, max_depth, fmt, offset)

    def no_constants(name: str) -> object:
        raise _JsonConstant(name)

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in items:
            if key in result:
                raise _JsonDuplicate(key)
            result[key] = value
        return result

    decoder = json.JSONDecoder(parse_constant=no_constants, object_pairs_hook=pairs)
    values: list[tuple[int, object]] = []
    index = _skip_space(text, 0)
    if index == len(text):
        raise CodecError("invalid JSON: the text is empty", offset(index), fmt)
    while index < len(text):
        if single and values:
            raise CodecError("invalid JSON: extra data after the value", offset(index), fmt)
        try:
            value, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise CodecError(f"invalid JSON: {exc.msg}", offset(exc.pos), fmt) from None
        except _JsonConstant as exc:
            raise CodecError(f"{exc.args[0]} is not a JSON number", None, fmt) from None
        except _JsonDuplicate as exc:
            reason = f"duplicate key {exc.args[0]!r} in a JSON object"
            raise CodecError(reason, None, fmt) from None
        except (ValueError, RecursionError) as exc:  # e.g. an integer of 10,000 digits
            raise CodecError(f"invalid JSON: {exc}", offset(index), fmt) from None
        values.append((offset(index), value))
        index = _skip_space(text, end)
    return values


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _check_json_depth(text: str, max_depth: int, fmt: str, offset: Callable[[int], int]) -> None:
    """Refuse nesting deeper than ``max_depth`` without recursing (strings are skipped)."""
    depth = 0
    in_string = False
    skip_until = 0  # a backslash in a string escapes the character after it
    for match in _JSON_TOKENS.finditer(text):
        token, start = match.group(), match.start()
        if in_string:
            if start < skip_until:
                continue
            if token == "\\":
                skip_until = start + 2
            elif token == '"':
                in_string = False
            continue
        if token == '"':
            in_string = True
        elif token in "[{":
            depth += 1
            if depth > max_depth:
                raise CodecError(f"nesting deeper than {max_depth} levels", offset(start), fmt)
        elif depth:
            depth -= 1


def dump_json(data: object) -> str:
    """Compact JSON with UTF-8 text (not ``\\u`` escapes); NaN can never be written."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class _JsonConstant(Exception):
    pass


class _JsonDuplicate(Exception):
    pass


def _short(data: object) -> str:
    text = repr(data)
    return text if len(text) <= 40 else text[:37] + "..."
