"""Quectel ``bootstrap.ini`` (BG95/BG77/BG600L LwM2M application note §2.5.1.1).

The file is LwM2M 1.0 JSON objects written one after another (no array, no commas), usually
one per object instance: ``{"bn":"/0/0/","e":[{"n":"0","sv":"coaps://..."}, ...]}
{"bn":"/1/1","e":[...]}``. The module reads it as a factory bootstrap. Each object goes
through the LwM2M JSON envelope and record model (:mod:`.lwm2m_json`), so a value is typed by
its definition when the registry knows the resource (Opaque keys as base64 in ``sv``) and
kept as written otherwise (``v`` an ``int`` or ``float``, ``sv`` a ``str``, ...).

:func:`parse_bootstrap_ini` keeps the file's order and grouping (:class:`BootstrapFile`, one
:class:`BootstrapEntry` per JSON object); :func:`format_bootstrap_ini` writes it back in the
layout of the note's examples, one record per line. Errors are :class:`CodecError` with the
offset in the text.

Why it is in the core and not in ``plugins/quectel_bg95``: it is a content codec built on the
LwM2M JSON envelope and record model of :mod:`.lwm2m_json` (private to the codecs package),
tested and fuzzed with the other codecs, and part of the stable plugin API
(:mod:`workbench.plugin_api` re-exports :class:`BootstrapFile` and :func:`parse_bootstrap_ini`
since API version 1). It holds no AT syntax; the commands that upload the file are the plugin's.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from workbench.lwm2m.codecs.lwm2m_json import (
    MAX_DEPTH,
    RULES,
    document_records,
    read_document,
)
from workbench.lwm2m.codecs.records import (
    Record,
    check_record_path,
    dump_json,
    load_json_sequence,
    record_data,
    relative_name,
    typed_value,
    untyped_value,
)
from workbench.lwm2m.errors import CodecError, ValueValidationError
from workbench.lwm2m.model import ObjectRegistry, ResourceDefinition, check_type
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value

FMT = "bootstrap.ini"


@dataclass(frozen=True, slots=True)
class BootstrapEntry:
    """One JSON object of the file: the values it sets, under one base name."""

    #: The object instance the values belong to (``/0/1``); ``None`` if they span several.
    instance: Path | None
    #: Resource and resource-instance paths to values, in the file's order.
    values: Mapping[Path, Value] = field(default_factory=dict)

    @property
    def object_id(self) -> int | None:
        return None if self.instance is None else self.instance.object_id

    @property
    def instance_id(self) -> int | None:
        return None if self.instance is None else self.instance.instance_id


@dataclass(frozen=True, slots=True)
class BootstrapFile:
    """A parsed ``bootstrap.ini``."""

    entries: Sequence[BootstrapEntry] = ()

    def instances(self) -> dict[Path, dict[Path, Value]]:
        """Values grouped by object instance (entries for the same instance are merged)."""
        grouped: dict[Path, dict[Path, Value]] = {}
        for entry in self.entries:
            if entry.instance is not None:
                grouped.setdefault(entry.instance, {})
            for path, value in entry.values.items():
                grouped.setdefault(Path.of(*path.ids[:2]), {})[path] = value
        return grouped

    def content(self) -> dict[Path, Value]:
        """All values as flat content (a later entry wins over an earlier one)."""
        out: dict[Path, Value] = {}
        for entry in self.entries:
            out.update(entry.values)
        return out


def parse_bootstrap_ini(text: str | bytes, registry: ObjectRegistry | None = None) -> BootstrapFile:
    """Parse the file; values are typed where ``registry`` defines the resource."""
    entries: list[BootstrapEntry] = []
    for offset, data in load_json_sequence(text, FMT, MAX_DEPTH):
        try:
            document = read_document(data, FMT)
            records = document_records(document, FMT)
        except CodecError as exc:
            raise CodecError(f"object at offset {offset}: {exc.reason}", offset, FMT) from None
        values: dict[Path, Value] = {}
        for record in records:
            where = f"object at offset {offset}, entry {record.index} ({record.path})"
            if record.path in values:
                raise CodecError(f"{where}: {record.path} appears twice", offset, FMT)
            values[record.path] = _value(record, registry, where, offset)
        instance = _instance_of(document.base_name, values)
        entries.append(BootstrapEntry(instance, values))
    return BootstrapFile(tuple(entries))


def format_bootstrap_ini(bootstrap: BootstrapFile, registry: ObjectRegistry | None = None) -> str:
    """The file text: each entry as ``{"bn":"/0/0/","e":[`` then one record per line."""
    blocks: list[str] = []
    for entry in bootstrap.entries:
        base = entry.instance
        if base is None:
            raise CodecError("an entry spanning several instances cannot be written", None, FMT)
        lines: list[str] = []
        for path, value in entry.values.items():
            where = str(path)
            if not base.contains(path) or path.depth < 3:
                raise CodecError(f"{where} is not a resource of {base}", None, FMT)
            item: dict[str, object] = {"n": relative_name(base, path)}
            label, data = _raw(path, value, registry, where)
            if label:
                item[label] = data
            lines.append(" " + dump_json(item))
        blocks.append(f'{{"bn":"{base}/",\n "e":[\n' + ",\n".join(lines) + "]}\n")
    return "".join(blocks)


def _definition(path: Path, registry: ObjectRegistry | None) -> ResourceDefinition | None:
    if registry is None or path.resource_id is None:
        return None
    obj = registry.get(path.object_id)
    return None if obj is None else obj.resource(path.resource_id)


def _value(record: Record, registry: ObjectRegistry | None, where: str, offset: int) -> Value:
    definition = _definition(record.path, registry)
    try:
        if definition is None:
            if record.path.depth < 3:
                raise CodecError(f"{where}: {record.path} names no resource", None, FMT)
            return untyped_value(record, FMT, where)
        assert registry is not None
        check_record_path(record.path, None, registry, FMT, where)
        return typed_value(definition.type, record, RULES, where)
    except CodecError as exc:
        raise CodecError(exc.reason, offset, FMT) from None


def _raw(
    path: Path, value: Value, registry: ObjectRegistry | None, where: str
) -> tuple[str | None, object]:
    """The LwM2M JSON value label and raw value for ``value``."""
    definition = _definition(path, registry)
    if definition is not None:
        try:
            checked = check_type(definition.type, value, where)
        except ValueValidationError as exc:
            raise CodecError(str(exc), None, FMT) from None
        kind, data = record_data(definition.type, checked, RULES)
        return (None if kind is None else RULES.labels[kind]), data
    if value is None:
        return None, None
    if isinstance(value, bool):
        return "bv", value
    if isinstance(value, int | float):
        return "v", value
    if isinstance(value, ObjectLink):
        return "ov", str(value)
    if isinstance(value, bytes):
        return "sv", base64.b64encode(value).decode("ascii")
    return "sv", value


def _instance_of(base_name: str | None, values: Mapping[Path, Value]) -> Path | None:
    """The one object instance an entry is about: from its values, else from ``bn``."""
    instances = {Path.of(*path.ids[:2]) for path in values if path.depth >= 2}
    if len(instances) == 1:
        return instances.pop()
    if instances or not base_name:
        return None
    try:
        path = Path.parse(base_name)
    except ValueError:
        return None
    return Path.of(*path.ids[:2]) if path.depth >= 2 else None
