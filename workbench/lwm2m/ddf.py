"""Load OMA DDF XML object definitions (the ``LWM2M.xsd`` / ``LWM2M-v1_1.xsd`` shapes).

The files come from the OMA registry, from vendors and from users' own editors, so the loader is
strict about safety and about facts that matter (ids, types, operations) but lenient about
everything the XSD demands only for tidiness:

* element order is ignored (19 registry files do not follow the XSD order) and element names are
  matched case-insensitively, namespaces ignored;
* a UTF-8 byte-order mark and whitespace around values are accepted;
* empty fields mean "not given": empty ``<Type>`` is an executable resource, empty
  ``<Mandatory>`` is optional, empty ``<MultipleInstances>`` is single;
* ``<RangeEnumeration>`` is parsed into a :class:`ValueRange` / enumeration when its meaning is
  clear (see :func:`parse_range_enumeration`); its text is always kept and an unparseable one
  never fails a load.

Safety: the XML is parsed with :mod:`defusedxml` and any DTD (``<!DOCTYPE``) or entity
declaration is refused, because the standard library parsers expand internal entities (the
"billion laughs" attack) and DDF files never need a DTD. Every failure becomes a
:class:`DefinitionError` naming the file and the reason; nothing else escapes.
"""

from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from pathlib import Path as FsPath

import defusedxml
import defusedxml.ElementTree as SafeElementTree

from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import (
    ObjectDefinition,
    Operations,
    ResourceDefinition,
    ResourceType,
    ValueRange,
)
from workbench.lwm2m.paths import MAX_ID, MAX_OBJECT_ID

__all__ = [
    "MAX_DDF_BYTES",
    "load_ddf_bytes",
    "load_ddf_file",
    "load_ddf_folder",
    "parse_range_enumeration",
]

#: Largest definition file we read. The biggest registry file is ~100 kB; the limit only stops
#: a wrongly chosen file (a firmware image, a log) from being read into memory.
MAX_DDF_BYTES = 16 * 1024 * 1024

#: An enumeration written as spans (``0..3, 99``) is expanded into its values only up to this
#: many; larger ones are kept as a range (the hull) so validation stays cheap.
MAX_ENUMERATION = 1024

_UTF8_BOM = b"\xef\xbb\xbf"
_LENGTH_TYPES = (ResourceType.STRING, ResourceType.OPAQUE, ResourceType.CORELNK)
_NUMBER_TYPES = (
    ResourceType.INTEGER,
    ResourceType.UNSIGNED_INTEGER,
    ResourceType.TIME,
    ResourceType.FLOAT,
)
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
# "0..100", "1...15", "0-255", "-40..85", "1..", "..100", "0 to 10"
_SPAN = re.compile(
    rf"(?P<low>{_NUMBER})?\s*(?:\.{{2,3}}|(?<=[0-9])\s*-\s*(?=[+-]?[0-9.])|\bto\b)\s*"
    rf"(?P<high>{_NUMBER})?",
    re.ASCII,
)
_SINGLE = re.compile(_NUMBER, re.ASCII)
# A unit word after a length range: "0..255 bytes", "1..64 Bytes", "0..20 characters".
_LENGTH_UNIT = re.compile(r"\s*(?:bytes?|octets?|chars?|characters?)\s*$", re.IGNORECASE)
# "0: disabled" / "1 = normal": an enumeration entry with a label.
_LABELLED = re.compile(rf"\s*(?P<value>{_NUMBER})\s*[:=]\s*\S.*", re.ASCII | re.DOTALL)


# -- public API --------------------------------------------------------------------------------


def load_ddf_bytes(data: bytes, source: str) -> list[ObjectDefinition]:
    """Parse one DDF file's bytes; ``source`` names it in errors and in each definition.

    Raises :class:`DefinitionError` (only) when the file cannot be used.
    """
    if not isinstance(data, bytes | bytearray):
        raise DefinitionError(f"expected bytes, got {type(data).__name__}", source)
    if len(data) > MAX_DDF_BYTES:
        raise DefinitionError(
            f"file is {len(data)} bytes; definition files are at most {MAX_DDF_BYTES}", source
        )
    root = _parse_xml(bytes(data), source)
    if _local(root.tag) != "lwm2m":
        raise DefinitionError(
            f"not an LwM2M object definition: the root element is <{_local_name(root.tag)}>, "
            "expected <LWM2M>",
            source,
        )
    objects = [child for child in root if _local(child.tag) == "object"]
    if not objects:
        raise DefinitionError("no <Object> element inside <LWM2M>", source)
    return [_object(element, source) for element in objects]


def load_ddf_file(path: str | os.PathLike[str]) -> list[ObjectDefinition]:
    """Load one DDF file. The file's path (as given) is the definitions' ``source``."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as handle:
            data = handle.read(MAX_DDF_BYTES + 1)
    except OSError as exc:
        raise DefinitionError(f"cannot read file: {exc.strerror or exc}", source) from exc
    return load_ddf_bytes(data, source)


def load_ddf_folder(
    folder: str | os.PathLike[str],
) -> tuple[list[ObjectDefinition], list[DefinitionError]]:
    """Load every ``*.xml`` file of ``folder`` (not recursive), in file-name order.

    A broken file is reported in the second list and the other files still load, so one bad
    download does not hide a user's whole folder. A missing folder is reported the same way.
    """
    base = FsPath(folder)
    if not base.is_dir():
        return [], [DefinitionError("definition folder does not exist", str(base))]
    try:
        files = sorted(
            (p for p in base.iterdir() if p.suffix.lower() == ".xml" and p.is_file()),
            key=lambda p: p.name,
        )
    except OSError as exc:
        return [], [DefinitionError(f"cannot list folder: {exc.strerror or exc}", str(base))]
    definitions: list[ObjectDefinition] = []
    errors: list[DefinitionError] = []
    for path in files:
        try:
            definitions.extend(load_ddf_file(path))
        except DefinitionError as exc:
            errors.append(exc)
    return definitions, errors


def parse_range_enumeration(
    rtype: ResourceType, text: str
) -> tuple[ValueRange | None, tuple[int | float | str, ...]]:
    """Interpret a ``<RangeEnumeration>`` text for a resource of type ``rtype``.

    Returns ``(range, enumeration)``; ``(None, ())`` when the text is empty or its meaning is
    not clear enough to enforce (the caller keeps the text for display either way). Rules, from
    what the registry actually contains:

    * numbers (Integer, Unsigned Integer, Time, Float): a span ``0..100``, ``-40..85``,
      ``0-255``, ``1...15``, ``1..`` is a range; a list ``0,1,2`` / ``5, 10, 15`` /
      ``0..3, 99`` / one ``value: label`` per line is an enumeration (spans expanded, integer
      types only) plus its hull as range. A lone number (``255``) is ambiguous (maximum or
      fixed value?) and is not enforced.
    * String, Opaque, Corelnk: numbers are lengths (``0..255 bytes``, ``1..64``). A lone
      number or a list of lengths (``16,32,48``) is taken as a maximum / the hull, because
      rejecting a valid value is worse than accepting a slightly wrong one in a debugging tool.
      A String list of words (``ON;OFF``) is an enumeration of strings.
    * Boolean, Objlnk and executable resources: never enforced.
    """
    stripped = " ".join(text.split()) if "\n" not in text else text.strip()
    if not stripped or rtype not in _LENGTH_TYPES + _NUMBER_TYPES:
        return None, ()
    if rtype in _LENGTH_TYPES:
        return _length_range(rtype, stripped)
    return _number_range(rtype, stripped)


# -- XML ---------------------------------------------------------------------------------------


def _parse_xml(data: bytes, source: str) -> ElementTree.Element:
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    # Some editors leave blank lines before the XML declaration; expat refuses that.
    data = data.lstrip(b" \t\r\n")
    if not data:
        raise DefinitionError("file is empty", source)
    try:
        root: ElementTree.Element = SafeElementTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DTDForbidden as exc:
        raise DefinitionError(
            "refused: DTDs (<!DOCTYPE ...>) and entity declarations are not allowed in "
            "definition files; they can expand to gigabytes or read local files",
            source,
        ) from exc
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise DefinitionError(
            "refused: entity declarations and external references are not allowed in "
            "definition files (DTDs/entities are not allowed)",
            source,
        ) from exc
    except ElementTree.ParseError as exc:
        raise DefinitionError(f"malformed XML: {exc}", source) from exc
    except Exception as exc:
        # expat reports some encodings and odd inputs as ValueError/LookupError/UnicodeError;
        # whatever it is, the caller gets the one documented error type.
        raise DefinitionError(f"cannot parse XML: {exc}", source) from exc
    return root


def _local(tag: object) -> str:
    """Lower-case local name of an element tag (namespace dropped), '' for comments etc."""
    return _local_name(tag).lower()


def _local_name(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element) -> dict[str, ElementTree.Element]:
    """Child elements by lower-case local name (first one wins), whatever their order."""
    out: dict[str, ElementTree.Element] = {}
    for child in element:
        out.setdefault(_local(child.tag), child)
    return out


def _text(children: dict[str, ElementTree.Element], name: str) -> str:
    element = children.get(name.lower())
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


# -- objects and resources ---------------------------------------------------------------------


def _object(element: ElementTree.Element, source: str) -> ObjectDefinition:
    object_type = element.get("ObjectType")
    if object_type is not None and object_type.strip().lower() not in ("", "modefinition"):
        raise DefinitionError(
            f'<Object ObjectType="{object_type}"> is not an object definition '
            "(expected MODefinition)",
            source,
        )
    fields = _children(element)
    raw_id = _text(fields, "ObjectID")
    if not raw_id:
        raise DefinitionError("missing <ObjectID>", source)
    object_id = _parse_id(raw_id, MAX_OBJECT_ID, "ObjectID", source)
    where = f"object {object_id}"
    name = " ".join(_text(fields, "Name").split()) or f"Object {object_id}"
    descriptions = [_text(fields, "Description1"), _text(fields, "Description2")]
    resources: dict[int, ResourceDefinition] = {}
    container = fields.get("resources")
    items = [] if container is None else [c for c in container if _local(c.tag) == "item"]
    for index, item in enumerate(items, start=1):
        resource = _resource(item, index, where, source)
        if resource.id in resources:
            raise DefinitionError(f"{where}: resource {resource.id} is defined twice", source)
        resources[resource.id] = resource
    return ObjectDefinition(
        id=object_id,
        name=name,
        multiple=_multiple(_text(fields, "MultipleInstances"), where, source),
        mandatory=_mandatory(_text(fields, "Mandatory"), where, source),
        version=_text(fields, "ObjectVersion") or "1.0",
        lwm2m_version=_text(fields, "LWM2MVersion") or "1.0",
        urn=_text(fields, "ObjectURN"),
        description="\n\n".join(d for d in descriptions if d),
        resources=dict(sorted(resources.items())),
        source=source,
    )


def _resource(item: ElementTree.Element, index: int, where: str, source: str) -> ResourceDefinition:
    fields = _children(item)
    name = " ".join(_text(fields, "Name").split())
    raw_id = (item.get("ID") or item.get("id") or _text(fields, "ID")).strip()
    label = f"{where}, item #{index}" + (f" ({name})" if name else "")
    if not raw_id:
        raise DefinitionError(f"{label}: missing ID attribute", source)
    resource_id = _parse_id(raw_id, MAX_ID, f"{label}: resource ID", source)
    where = f"{where}, resource {resource_id}" + (f" ({name})" if name else "")
    try:
        rtype = ResourceType.from_ddf(_text(fields, "Type"))
    except ValueError as exc:
        raise DefinitionError(f"{where}: {exc}", source) from exc
    try:
        operations = Operations.parse(_text(fields, "Operations"))
    except ValueError as exc:
        raise DefinitionError(f"{where}: {exc}", source) from exc
    range_text = _text(fields, "RangeEnumeration")
    value_range, enumeration = parse_range_enumeration(rtype, range_text)
    return ResourceDefinition(
        id=resource_id,
        name=name or f"Resource {resource_id}",
        type=rtype,
        operations=operations,
        multiple=_multiple(_text(fields, "MultipleInstances"), where, source),
        mandatory=_mandatory(_text(fields, "Mandatory"), where, source),
        units=_text(fields, "Units"),
        description=_text(fields, "Description"),
        range=value_range,
        enumeration=enumeration,
        range_text=range_text,
    )


def _parse_id(text: str, limit: int, what: str, source: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise DefinitionError(f"{what} {text!r} is not a decimal number", source)
    value = int(text)
    if value > limit:
        raise DefinitionError(f"{what} {value} is out of range 0..{limit}", source)
    return value


def _multiple(text: str, where: str, source: str) -> bool:
    key = text.strip().lower()
    if key in ("multiple", "multi", "true", "yes"):
        return True
    if key in ("", "single", "false", "no"):
        return False
    raise DefinitionError(
        f"{where}: <MultipleInstances> is {text!r}, expected Multiple or Single", source
    )


def _mandatory(text: str, where: str, source: str) -> bool:
    key = text.strip().lower()
    if key in ("mandatory", "true", "yes"):
        return True
    if key in ("", "optional", "false", "no"):
        return False
    raise DefinitionError(
        f"{where}: <Mandatory> is {text!r}, expected Mandatory or Optional", source
    )


# -- RangeEnumeration --------------------------------------------------------------------------


def _number(text: str) -> int | float:
    """``"5"`` -> 5, ``"0.5"`` -> 0.5; integral text stays an exact int (64-bit bounds)."""
    if re.fullmatch(r"[+-]?[0-9]+", text):
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _span(text: str) -> tuple[int | float | None, int | float | None] | None:
    match = _SPAN.fullmatch(text.strip())
    if match is None or (match["low"] is None and match["high"] is None):
        return None
    low = None if match["low"] is None else _number(match["low"])
    high = None if match["high"] is None else _number(match["high"])
    if low is not None and high is not None and low > high:
        return None
    return low, high


def _split_list(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"[,;\n]", text)]
    return [p for p in parts if p]


def _length_range(
    rtype: ResourceType, text: str
) -> tuple[ValueRange | None, tuple[int | float | str, ...]]:
    body = _LENGTH_UNIT.sub("", text)
    span = _span(body)
    if span is not None:
        low, high = span
        if all(x is None or (isinstance(x, int) and x >= 0) for x in span):
            return ValueRange(low, high), ()
        return None, ()
    parts = _split_list(body)
    if parts and all(re.fullmatch(r"[0-9]+", p) for p in parts):
        lengths = [int(p) for p in parts]
        low = min(lengths) if len(lengths) > 1 else 0
        return ValueRange(low, max(lengths)), ()
    if (
        rtype is ResourceType.STRING
        and len(parts) > 1
        and all(re.fullmatch(r"[A-Za-z_][\w.+-]*", p) for p in parts)
    ):
        return None, tuple(parts)
    return None, ()


def _number_range(
    rtype: ResourceType, text: str
) -> tuple[ValueRange | None, tuple[int | float | str, ...]]:
    integral = rtype is not ResourceType.FLOAT
    span = _span(text)
    if span is not None:
        if integral and any(isinstance(x, float) and not x.is_integer() for x in span):
            return None, ()
        return ValueRange(span[0], span[1]), ()
    parts = _split_list(text)
    if len(parts) < 2:
        return None, ()  # a lone number: maximum or fixed value? Not enforced.
    values: list[int | float] = []
    too_many = False
    for part in parts:
        labelled = _LABELLED.fullmatch(part)
        if labelled is not None:
            part = labelled["value"]
        if _SINGLE.fullmatch(part):
            number = _number(part)
            if integral and isinstance(number, float):
                if not number.is_integer():
                    return None, ()
                number = int(number)
            values.append(number)
            continue
        item_span = _span(part)
        if item_span is None or not integral:
            return None, ()
        low, high = item_span
        if not (isinstance(low, int) and isinstance(high, int)):
            return None, ()
        if len(values) + high - low + 1 > MAX_ENUMERATION:
            too_many = True  # keep the hull only: listing every value would be silly
            values.extend((low, high))
        else:
            values.extend(range(low, high + 1))
    hull = ValueRange(min(values), max(values))
    return hull, (() if too_many else _unique(values))


def _unique(values: Iterable[int | float]) -> tuple[int | float, ...]:
    seen: dict[int | float, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return tuple(seen)
