"""SenML JSON (110) and SenML CBOR (112): RFC 8428 as LwM2M 1.1 §7.4.4/§7.4.5 uses it.

A payload is an array of records. Names are LwM2M paths: a record's name is its base name
(``bn``, which stays in force for the records after it until another ``bn``) concatenated with
its ``n``. Values: ``v`` numbers (Integer, Unsigned Integer, Float, Time), ``vs`` String and
Corelnk, ``vb`` Boolean, ``vd`` Opaque (base64url without padding in JSON, a byte string in
CBOR), ``vlo`` Objlnk as ``"3:0"``. ``bt``/``t``/``bver``/``u``/``bu``/``ut`` are accepted and
ignored (the content model has no timestamps); ``bv``/``bs``/``s`` would change the values and
are refused, as are unknown must-understand fields (labels ending in ``_``).

JSON and CBOR share one record model (:mod:`.records`): the two classes differ only in the
syntax — text labels and JSON text, or integer labels (``bn`` -2, ``n`` 0, ``v`` 2, ``vs`` 3,
``vb`` 4, ``vd`` 8; ``vlo`` keeps its text label, per LwM2M) and CBOR bytes.

Composite operations: :func:`decode_paths` / :func:`encode_paths` handle the names-only
records of Read-Composite and Observe-Composite requests; ``encode_composite`` and
``decode_composite`` carry values of several objects (Read-Composite responses, Send,
Write-Composite).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import cbor2

from workbench.lwm2m.codecs.base import Codec, ContentFormat
from workbench.lwm2m.codecs.cbor_reader import read_cbor
from workbench.lwm2m.codecs.records import (
    FIELD_OF_KIND,
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

#: Fields that change what a value means (base value, sums): refused rather than misread.
_REFUSED = (Field.BASE_VALUE, Field.BASE_SUM, Field.SUM)

Label = int | str


class _SenmlSyntax:
    """One way of writing SenML records down. Subclasses fill in labels and (de)serialise."""

    fmt: ClassVar[str]
    labels: ClassVar[Mapping[Label, Field]]
    rules: ClassVar[Rules]

    # -- syntax, per subclass ---------------------------------------------------------------

    def load(self, payload: bytes) -> object:
        raise NotImplementedError

    def dump(self, records: list[dict[Label, object]]) -> bytes:
        raise NotImplementedError

    def is_text(self, value: object) -> bool:
        return isinstance(value, str)

    # -- records ------------------------------------------------------------------------------

    def label_of(self, fld: Field) -> Label:
        for label, known in self.labels.items():
            if known is fld:
                return label
        raise AssertionError(fld)  # pragma: no cover - every field has a label

    def read_records(self, payload: bytes, *, names_only: bool = False) -> list[Record]:
        """Parse ``payload`` into records with resolved names (RFC 8428 §4.5)."""
        fmt = self.fmt
        data = self.load(payload)
        if not isinstance(data, list):
            raise CodecError("a SenML pack is an array of records", 0, fmt)
        base_name = ""
        records: list[Record] = []
        for index, raw in enumerate(data):
            where = f"record {index}"
            position = None
            if not isinstance(raw, dict):
                raise CodecError(f"{where} is not a map/object", position, fmt)
            fields: dict[Field, object] = {}
            for label, value in raw.items():
                fld = self.labels.get(label)
                if fld is None:
                    if isinstance(label, str) and label.endswith("_"):
                        raise CodecError(
                            f"{where}: must-understand field {label!r} is not supported",
                            position,
                            fmt,
                        )
                    continue  # RFC 8428 §4.4: unknown fields are ignored
                if fld in _REFUSED:
                    raise CodecError(f"{where}: field {label!r} is not supported", position, fmt)
                fields[fld] = value
            for fld in (Field.BASE_NAME, Field.NAME):
                if fld in fields and not self.is_text(fields[fld]):
                    raise CodecError(f"{where}: {fld.value!r} must be a string", position, fmt)
            for fld in (Field.BASE_TIME, Field.TIME):
                value = fields.get(fld, 0)
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise CodecError(f"{where}: {fld.value!r} must be a number", position, fmt)
            if Field.BASE_NAME in fields:
                base_name = str(fields[Field.BASE_NAME])
            name = base_name + str(fields.get(Field.NAME, ""))
            if not name:
                raise CodecError(f"{where} has no name", position, fmt)
            path = parse_name(name, fmt, where, position)
            present = [fld for fld in VALUE_FIELDS if fld in fields]
            if len(present) > 1:
                labels = ", ".join(repr(self.label_of(f)) for f in present)
                raise CodecError(f"{where} has more than one value ({labels})", position, fmt)
            if names_only:
                if present:
                    raise CodecError(f"{where}: expected a name only, got a value", position, fmt)
                records.append(Record(path, index=index, position=position))
                continue
            if present:
                fld = present[0]
                records.append(Record(path, VALUE_FIELDS[fld], fields[fld], index, position))
            else:
                records.append(Record(path, None, None, index, position))
        return records

    def write_records(self, base: Path | None, records: Sequence[Record]) -> bytes:
        """Serialise ``records``; names relative to ``base`` (the first record's ``bn``)."""
        out: list[dict[Label, object]] = []
        prefix = ""
        if base is not None and records:
            at_base = any(r.path == base for r in records)
            prefix = str(base) if at_base else str(base) + "/"
        for number, record in enumerate(records):
            item: dict[Label, object] = {}
            if number == 0 and prefix:
                item[self.label_of(Field.BASE_NAME)] = prefix
            if base is None:
                name = str(record.path)
            elif record.path == base:
                name = ""
            else:
                name = relative_name(base, record.path)
            if name:
                item[self.label_of(Field.NAME)] = name
            if record.kind is not None:
                item[self.label_of(FIELD_OF_KIND[record.kind])] = record.data
            out.append(item)
        return self.dump(out)


class _SenmlCodec(_SenmlSyntax, Codec):
    """The codec half shared by both syntaxes."""

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        return self.write_records(base, records_from_content(base, content, registry, self.rules))

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        return content_from_records(self.read_records(payload), base, registry, self.rules)

    def encode_composite(self, content: Content, registry: ObjectRegistry) -> bytes:
        """Values from anywhere (several objects), full names: Read-Composite responses, Send."""
        return self.write_records(None, records_from_content(None, content, registry, self.rules))

    def decode_composite(self, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        """Values from anywhere: Write-Composite requests, Send, Read-Composite responses."""
        return content_from_records(self.read_records(payload), None, registry, self.rules)

    def decode_paths(self, payload: bytes) -> list[Path]:
        """The paths of a names-only pack (Read-Composite / Observe-Composite request)."""
        return [record.path for record in self.read_records(payload, names_only=True)]

    def encode_paths(self, paths: Iterable[Path]) -> bytes:
        return self.write_records(None, [Record(path) for path in paths])


_JSON_LABELS: Mapping[Label, Field] = {fld.value: fld for fld in Field}
_CBOR_LABELS: Mapping[Label, Field] = {
    -1: Field.BASE_VERSION,
    -2: Field.BASE_NAME,
    -3: Field.BASE_TIME,
    -4: Field.BASE_UNIT,
    -5: Field.BASE_VALUE,
    -6: Field.BASE_SUM,
    0: Field.NAME,
    1: Field.UNIT,
    2: Field.VALUE,
    3: Field.STRING_VALUE,
    4: Field.BOOLEAN_VALUE,
    5: Field.SUM,
    6: Field.TIME,
    7: Field.UPDATE_TIME,
    8: Field.DATA_VALUE,
    "vlo": Field.OBJLNK_VALUE,  # LwM2M 1.1 §7.4.5: no integer label is registered for it
}
_SENML_KIND_LABELS = {kind: FIELD_OF_KIND[kind].value for kind in Kind}


class SenmlJsonCodec(_SenmlCodec):
    """SenML JSON (``application/senml+json``, 110)."""

    content_format = ContentFormat.SENML_JSON
    name = "SenML JSON"
    fmt = "SenML JSON"
    labels = _JSON_LABELS
    rules = Rules(fmt, _SENML_KIND_LABELS, opaque_text=OpaqueText.BASE64URL)

    def load(self, payload: bytes) -> object:
        # array -> record object; values are scalars.
        return load_json(payload, self.fmt, max_depth=2)

    def dump(self, records: list[dict[Label, object]]) -> bytes:
        return dump_json(records).encode("utf-8")


class SenmlCborCodec(_SenmlCodec):
    """SenML CBOR (``application/senml+cbor``, 112)."""

    content_format = ContentFormat.SENML_CBOR
    name = "SenML CBOR"
    fmt = "SenML CBOR"
    labels = _CBOR_LABELS
    rules = Rules(fmt, _SENML_KIND_LABELS, opaque_text=OpaqueText.BYTES)

    def load(self, payload: bytes) -> object:
        # array -> record map -> a tagged value (Time as tag 1).
        return read_cbor(payload, self.fmt, max_depth=3)

    def dump(self, records: list[dict[Label, object]]) -> bytes:
        return _cbor_dumps(records)


def _cbor_dumps(data: Any) -> bytes:
    result: bytes = cbor2.dumps(data)
    return result


def _codec(content_format: int) -> _SenmlCodec:
    if content_format == ContentFormat.SENML_JSON:
        return SenmlJsonCodec()
    if content_format == ContentFormat.SENML_CBOR:
        return SenmlCborCodec()
    raise ValueError(f"content format {content_format} is not SenML")


def decode_paths(payload: bytes, content_format: int = ContentFormat.SENML_JSON) -> list[Path]:
    """The paths of a Read-Composite/Observe-Composite request: ``[{"n":"/3/0/0"}, ...]``."""
    return _codec(content_format).decode_paths(payload)


def encode_paths(paths: Iterable[Path], content_format: int = ContentFormat.SENML_JSON) -> bytes:
    """A names-only pack for a Read-Composite/Observe-Composite request."""
    return _codec(content_format).encode_paths(paths)
