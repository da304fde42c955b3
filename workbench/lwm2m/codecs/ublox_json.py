"""The JSON u-blox modules print when they read an object and take to write or create one.

It is LwM2M 1.0 JSON (:mod:`.lwm2m_json`: ``{"bn":"/3/0/","e":[{"n":"0","sv":".."}]}`` with
``v``/``sv``/``bv``/``ov``), read through the same envelope and record model, plus the quirks
the SARA-R4/R5/LEXI-R4 application note (UBX-18068860) shows. Section numbers below are that
document's. The LEXI-R10 AT command manual has no JSON examples (its LwM2M commands do not
carry object data).

Why it is in the core and not in ``plugins/ublox_sara``: it is a content codec (LwM2M JSON with
leniencies), tested with the other codecs and fuzzed with them, and it is part of the stable
plugin API (:mod:`workbench.plugin_api` re-exports :func:`decode_ublox_json`,
:func:`encode_ublox_json`, :func:`quote_at_json` and :func:`split_at_json_argument` since
API version 1), so third-party plugins for other u-blox families may import it. The AT
command syntax around it is the plugin's (``plugins/ublox_sara/moduleview.py``).

Quirks accepted when ``lenient`` (the default):

* ``bn`` without its leading ``/`` (``"0/2/"``: §5.1.1, §5.1.2, §5.6) and with stray spaces
  (``"<uri> "``: §4.4, the lifetime write);
* ``bn`` with or without a trailing ``/`` (``"/3300/0"`` + ``"5700"``: §4.5, §5.3.4);
* ``bn`` that already names a single-instance resource, with ``n`` repeating the resource id
  (``"bn":"/3300/0/5601/"``, ``"n":"5601"``: §4.5 "Reading a resource") — decided by the
  definition; for an unknown object the name is taken literally (§4.5 example 3 shows
  ``"/33056/0/1/"`` + ``"1"`` meaning resource instance 1);
* numbers as strings: ``"sv":"25"`` for the Float sensor value 5700 (§4.5 "Reading an instance");
* a missing closing ``}`` (§4.4 lifetime read, §5.1.2 server create: the text ends after ``]``);
* text after the object that is not JSON: the ``OK`` final result code printed on the same
  line (§4.5 examples 1-3, §5.6) and a stray ``"`` (Appendix C, where the AT string's closing
  quote is escaped as ``\\"``);
* values of objects (or resources) the registry does not know, kept as the JSON gave them:
  ``sv`` a ``str``, ``v`` an ``int`` when integral in the text else a ``float``, ``bv`` a
  ``bool``, ``ov`` an :class:`ObjectLink`.

Not accepted (the document's text is garbled by its table layout, and no parser could know
what was meant): §5.2's ``"/1/2/" OK ,"e":[{n": "1", ...`` and §5.5's ``"/3300/0 OK "`` with
``1 00.5`` — the table's "OK" response cell is merged into the command — and §5.4's
``{\\n\\":\\5750\\", \\"sv\\":\\Temperature\\}`` with its quotes lost. They raise
:class:`CodecError` with the offset of the damage.

:func:`split_at_json_argument` and :func:`quote_at_json` handle the AT string around the JSON
(``AT+<command>="{\\"bn\\": ...}"``), including §5.1.1's missing closing quote.
"""

from __future__ import annotations

import re

from workbench.lwm2m.codecs.lwm2m_json import (
    MAX_DEPTH,
    RULES,
    Document,
    build_document,
    join_name,
    read_document,
)
from workbench.lwm2m.codecs.records import (
    Kind,
    Record,
    check_record_path,
    dump_json,
    load_json,
    parse_name,
    records_from_content,
    typed_value,
    untyped_value,
)
from workbench.lwm2m.errors import CodecError, ValueValidationError
from workbench.lwm2m.model import ObjectRegistry, ResourceDefinition, ResourceType
from workbench.lwm2m.model import parse_text_value as parse_text
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, Value

FMT = "u-blox JSON"
_TRAILING_OK = re.compile(r"\s*(?:OK)?\s*$")
#: What may follow the object: the final result code and the AT string's closing quote.
_TRAILER = re.compile(r'[\s"]*(?:OK)?[\s"]*')


def decode_ublox_json(
    text: str, registry: ObjectRegistry, lenient: bool = True
) -> dict[Path, Value]:
    """Decode the JSON of a read response (or of a write/create command's argument)."""
    if not isinstance(text, str):
        raise CodecError("u-blox JSON is text", None, FMT)
    if lenient:
        text = _repair(text)
    document = read_document(load_json(text, FMT, MAX_DEPTH), FMT)
    content: dict[Path, Value] = {}
    for record in _records(document, registry, lenient):
        where = f"entry {record.index} ({record.path})"
        if record.path in content:
            raise CodecError(f"{where}: {record.path} appears twice", None, FMT)
        content[record.path] = _value(record, registry, lenient, where)
    return content


def encode_ublox_json(base: Path, content: Content, registry: ObjectRegistry) -> str:
    """The JSON for a write or create command: LwM2M JSON as the note's examples
    write it, ``bn`` with a trailing slash and relative names (Opaque as base64 in ``sv``).
    """
    records = records_from_content(base, content, registry, RULES)
    return dump_json(build_document(base, records))


def quote_at_json(json_text: str) -> str:
    """The AT string argument for ``json_text``: quoted, with ``"`` and ``\\`` escaped (§5.1)."""
    return '"' + json_text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def split_at_json_argument(parameters: str) -> tuple[str, str]:
    """Split ``"{\\"bn\\": ...}", 123`` (what follows ``=``) into the JSON and the rest.

    The closing quote is missing in §5.1.1 (``...]}, 123``) and escaped in Appendix C
    (``...]}\\"``); then the JSON ends at its last ``}`` or ``]``.
    """
    body = parameters.lstrip()
    if not body.startswith('"'):
        raise CodecError("the JSON argument must be a quoted string", 0, FMT)
    out: list[str] = []
    index = 1
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            out.append(body[index + 1])
            index += 2
            continue
        if char == '"':
            rest = body[index + 1 :].lstrip()
            return "".join(out), rest[1:].lstrip() if rest.startswith(",") else rest
        out.append(char)
        index += 1
    text = "".join(out)
    cut = max(text.rfind("}"), text.rfind("]"))
    if cut < 0:
        raise CodecError("the JSON argument has no closing quote", len(parameters), FMT)
    rest = text[cut + 1 :].strip().strip('"').strip()
    return text[: cut + 1], rest[1:].lstrip() if rest.startswith(",") else rest


# -- lenient reading ---------------------------------------------------------------------------


def _repair(text: str) -> str:
    """Drop a trailing ``OK``/quote after the object, or close brackets left open at the end."""
    stack: list[str] = []
    in_string = False
    skip = False
    for index, char in enumerate(text):
        if in_string:
            if skip:
                skip = False
            elif char == "\\":
                skip = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append("]" if char == "[" else "}")
        elif char in "]}":
            if not stack or stack[-1] != char:
                return text  # unbalanced in the middle: let the parser report it
            stack.pop()
            if not stack:
                return text[: index + 1] if _TRAILER.fullmatch(text, index + 1) else text
    if in_string or not stack or len(stack) > MAX_DEPTH:
        return text
    return _TRAILING_OK.sub("", text) + "".join(reversed(stack))


def _records(document: Document, registry: ObjectRegistry, lenient: bool) -> list[Record]:
    base_name = document.base_name
    if lenient and base_name is not None:
        base_name = base_name.strip()
        if base_name and not base_name.startswith("/"):
            base_name = "/" + base_name
    records: list[Record] = []
    for entry in document.entries:
        where = f"entry {entry.index}"
        name = join_name(base_name, entry.name)
        if lenient and name and not name.startswith("/"):
            name = "/" + name
        if not name:
            raise CodecError(f"{where} has no name", None, FMT)
        path = parse_name(name, FMT, where)
        if lenient:
            path = _repeated_resource(path, registry)
        records.append(Record(path, entry.kind, entry.data, entry.index))
    return records


def _repeated_resource(path: Path, registry: ObjectRegistry) -> Path:
    """``/3300/0/5601/5601`` for a single-instance resource means ``/3300/0/5601`` (§4.5)."""
    if path.resource_instance_id is None or path.resource_instance_id != path.resource_id:
        return path
    definition = _definition(path, registry)
    if definition is not None and not definition.multiple:
        parent = path.parent
        assert parent is not None
        return parent
    return path


def _definition(path: Path, registry: ObjectRegistry) -> ResourceDefinition | None:
    obj = registry.get(path.object_id)
    if obj is None or path.resource_id is None:
        return None
    return obj.resource(path.resource_id)


def _value(record: Record, registry: ObjectRegistry, lenient: bool, where: str) -> Value:
    definition = _definition(record.path, registry)
    if definition is None and lenient:
        if record.path.depth < 3:
            raise CodecError(f"{where}: {record.path} names no resource", None, FMT)
        return untyped_value(record, FMT, where)
    check_record_path(record.path, None, registry, FMT, where)
    assert definition is not None
    rtype = definition.type
    expected = RULES.kind_for(rtype)
    if lenient and record.kind is Kind.STRING and expected is not Kind.STRING:
        # §4.5 "Reading an instance": numbers printed as strings ("sv":"25" for a Float).
        if not isinstance(record.data, str):
            raise CodecError(f"{where}: 'sv' must be a string", None, FMT)
        try:
            return parse_text(rtype, record.data)
        except ValueValidationError as exc:
            raise CodecError(f"{where}: {exc}", None, FMT) from None
    if rtype is ResourceType.NONE and record.kind is None:
        return None
    return typed_value(rtype, record, RULES, where)
