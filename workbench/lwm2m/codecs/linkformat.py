"""CoRE link-format (content format 40, RFC 6690) with the LwM2M attributes.

Link-format carries links, not resource values, so it is not a :class:`~.base.Codec`. LwM2M
uses it in two places:

* the Register/Update payload: ``</>;rt="oma.lwm2m";ct=11543,</1/0>,</3>;ver=1.1,</3/0>``
  (objects and instances, object versions, an optional alternate root path);
* Discover responses: ``</3/0>;pmin=10;pmax=60,</3/0/1>,</3/0/7>;dim=8;gt=50;lt=42.2``
  (notification attributes, resource dimensions).

:func:`parse_links` gives :class:`Link` objects whose attribute values are typed: ``int`` for
the integer attributes (``pmin``, ``pmax``, ``epmin``, ``epmax``, ``dim``, ``ssid``, ``sz``,
``ct``; ``ct="60 11542"`` gives a tuple of ints), ``float`` for ``gt``, ``lt``, ``st``,
``None`` for a flag without a value (``obs``), and ``str`` with quotes and escapes removed for
everything else (``rt``, ``ver``, ``if``, unknown attributes).

Syntax follows RFC 6690 with one leniency: whitespace (space, tab, CR, LF) is ignored around
the ``,`` and ``;`` separators and at both ends, because pretty-printed captures and some
clients have it. An empty payload is an empty list, as the RFC grammar allows. Anything else
malformed is a :class:`CodecError` at the character offset where parsing stopped (for bytes
with invalid UTF-8, the byte offset).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from workbench.lwm2m.errors import CodecError, PathError
from workbench.lwm2m.paths import Path

FMT = "link-format"

AttributeValue = str | int | float | tuple[int, ...] | None

#: Attributes whose values are integers (LwM2M 1.1 §5.1.2 and RFC 6690 ``sz``).
INT_ATTRIBUTES = frozenset({"pmin", "pmax", "epmin", "epmax", "dim", "ssid", "sz", "ct"})
#: Attributes whose values are decimal numbers.
FLOAT_ATTRIBUTES = frozenset({"gt", "lt", "st"})
#: String attributes written quoted even when a bare token would do, as RFC 6690 and the
#: LwM2M TS examples write them.
QUOTED_ATTRIBUTES = frozenset({"rt", "if", "title", "anchor", "rel", "rev", "type", "media"})
#: The resource type of the LwM2M root link (``</>;rt="oma.lwm2m"`` or an alternate root).
LWM2M_ROOT_RT = "oma.lwm2m"

_WHITESPACE = " \t\r\n"
_PARMNAME = re.compile(r"[A-Za-z0-9!#$&+\-.^_`|~]+\*?")
_PTOKEN = re.compile(r"[!#$%&'()*+\-./0-9:<=>?@A-Z\[\]^_`a-z{|}~]+")
_TOKEN_VALUE = re.compile(r"[!#$%&'()*+\-./0-9:=?@A-Z\[\]^_`a-z{|}~]+")
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(slots=True)
class Link:
    """One link: a target (``/3/0``, ``/``, ``/lwm2m/1/0``) and its attributes, in order."""

    target: str
    attributes: dict[str, AttributeValue] = field(default_factory=dict)

    @property
    def path(self) -> Path | None:
        """The target as an LwM2M path when it is one relative to ``/``, else ``None``."""
        return lwm2m_path(self.target)

    def __str__(self) -> str:
        return format_links([self])


@dataclass(slots=True)
class ObjectInfo:
    """What a Register/Update payload says about one object."""

    object_id: int
    #: The object version from ``ver``; ``None`` means the default of the client's LwM2M
    #: version (1.0 for most objects).
    version: str | None = None
    instances: list[int] = field(default_factory=list)


def lwm2m_path(target: str, root: str = "/") -> Path | None:
    """``target`` as an LwM2M path below ``root`` (``/lwm2m`` for an alternate root), or
    ``None`` when it is not one (the root itself, another resource, a bad id)."""
    prefix = root.rstrip("/")
    if prefix:
        if not target.startswith(prefix + "/"):
            return None
        target = target[len(prefix) :]
    if target in ("", "/"):
        return None
    try:
        return Path.parse(target)
    except PathError:
        return None


# -- parsing -----------------------------------------------------------------------------


def parse_links(payload: bytes | str) -> list[Link]:
    """Parse a link-format payload into links with typed attributes."""
    if isinstance(payload, bytes | bytearray | memoryview):
        try:
            text = bytes(payload).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CodecError(f"invalid UTF-8 ({exc.reason})", exc.start, FMT) from None
    elif isinstance(payload, str):
        text = payload
    else:
        raise CodecError(f"a payload is bytes or str, got {type(payload).__name__}", None, FMT)
    return _Parser(text).links()


class _Parser:
    """A cursor over the payload text; one instance per call, so parsing has no shared state."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, reason: str, position: int | None = None) -> CodecError:
        return CodecError(reason, self.pos if position is None else position, FMT)

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def links(self) -> list[Link]:
        links: list[Link] = []
        self.skip_space()
        if self.pos == len(self.text):
            return links
        while True:
            links.append(self.link())
            self.skip_space()
            char = self.peek()
            if char == "":
                return links
            if char != ",":
                raise self.error(f"expected ',' or the end after a link, found {char!r}")
            self.pos += 1
            self.skip_space()
            if self.peek() == "":
                raise self.error("a ',' must be followed by another link")

    def link(self) -> Link:
        start = self.pos
        if self.peek() != "<":
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.error(f"a link starts with '<', found {found}")
        close = self.text.find(">", start + 1)
        if close == -1:
            raise self.error("'<' is never closed by '>'", start)
        target = self.text[start + 1 : close]
        for offset, char in enumerate(target):
            if char in _WHITESPACE or char in '<"':
                raise self.error(f"{char!r} is not allowed in a link target", start + 1 + offset)
        self.pos = close + 1
        attributes: dict[str, AttributeValue] = {}
        while True:
            self.skip_space()
            if self.peek() != ";":
                return Link(target, attributes)
            self.pos += 1
            self.skip_space()
            name_start = self.pos
            name, value = self.attribute()
            if name in attributes:
                raise self.error(f"attribute {name!r} appears twice in <{target}>", name_start)
            attributes[name] = value

    def attribute(self) -> tuple[str, AttributeValue]:
        name_start = self.pos
        match = _PARMNAME.match(self.text, self.pos)
        if match is None:
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.error(f"expected an attribute name after ';', found {found}")
        name = match.group()
        self.pos = match.end()
        self.skip_space()
        if self.peek() != "=":
            return name, self.typed(name, None, False, name_start)
        self.pos += 1
        self.skip_space()
        value_start = self.pos
        if self.peek() == '"':
            raw = self.quoted()
            return name, self.typed(name, raw, True, value_start)
        token = _PTOKEN.match(self.text, self.pos)
        if token is None:
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.error(f"attribute {name!r}: expected a value after '=', found {found}")
        self.pos = token.end()
        return name, self.typed(name, token.group(), False, value_start)

    def quoted(self) -> str:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(out)
            if char == "\\":
                if self.pos + 1 >= len(self.text):
                    break
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            out.append(char)
            self.pos += 1
        raise self.error("unterminated quoted string", start)

    def typed(self, name: str, raw: str | None, quoted: bool, position: int) -> AttributeValue:
        """The value of attribute ``name`` in the Python type its meaning calls for."""
        key = name.lower()
        if key in INT_ATTRIBUTES:
            if raw is None:
                raise self.error(f"attribute {name!r} needs an integer value", position)
            if key == "ct" and quoted:
                parts = raw.split(" ")
                if not all(_INTEGER.fullmatch(p) for p in parts):
                    raise self.error(
                        f"ct={raw!r}: expected space-separated content-format numbers", position
                    )
                numbers = tuple(int(p) for p in parts)
                return numbers[0] if len(numbers) == 1 else numbers
            if not _INTEGER.fullmatch(raw):
                raise self.error(f"attribute {name!r}: {raw!r} is not an integer", position)
            return int(raw)
        if key in FLOAT_ATTRIBUTES:
            if raw is None or not _DECIMAL.fullmatch(raw):
                shown = "no value" if raw is None else repr(raw)
                raise self.error(f"attribute {name!r}: {shown} is not a number", position)
            number = float(raw)
            if not math.isfinite(number):
                raise self.error(f"attribute {name!r}: {raw!r} is out of range", position)
            return number
        return raw


# -- formatting ----------------------------------------------------------------------------


def format_links(links: Iterable[Link]) -> str:
    """The link-format text of ``links`` (no whitespace); :func:`parse_links` reads it back."""
    return ",".join(_format_link(link) for link in links)


def _format_link(link: Link) -> str:
    target = link.target
    for offset, char in enumerate(target):
        if char in _WHITESPACE or char in '<>"':
            raise CodecError(f"{char!r} is not allowed in a link target {target!r}", offset, FMT)
    parts = [f"<{target}>"]
    for name, value in link.attributes.items():
        if not _PARMNAME.fullmatch(name):
            raise CodecError(f"{name!r} is not a valid attribute name", None, FMT)
        parts.append(name if value is None else f"{name}={_format_value(name, value)}")
    return ";".join(parts)


def _format_value(name: str, value: AttributeValue) -> str:
    if isinstance(value, bool):
        raise CodecError(f"attribute {name!r}: booleans have no link-format form", None, FMT)
    if isinstance(value, tuple):
        return '"' + " ".join(str(int(v)) for v in value) + '"'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CodecError(f"attribute {name!r}: {value} is not a finite number", None, FMT)
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    assert isinstance(value, str)
    if name.lower() in QUOTED_ATTRIBUTES or not _TOKEN_VALUE.fullmatch(value):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return value


# -- registration ----------------------------------------------------------------------------


def alternate_root(links: Iterable[Link]) -> str:
    """The root path of the client's objects: the target of the ``rt="oma.lwm2m"`` link
    (``/lwm2m``), or ``/`` when there is none."""
    for link in links:
        rt = link.attributes.get("rt")
        if isinstance(rt, str) and LWM2M_ROOT_RT in rt.split():
            target = link.target.rstrip("/")
            return target or "/"
    return "/"


def registered_objects(links: Iterable[Link], root: str | None = None) -> dict[int, ObjectInfo]:
    """The objects, versions and instances a Register/Update payload declares, by object id.

    ``</5>`` declares an object with no instances; ``ver`` may sit on the object link or on an
    instance link. Links that are not LwM2M paths below the root (the root link itself, other
    resources) are ignored; a resource path, or two different versions of one object, is a
    :class:`CodecError` because a server cannot tell what the client meant.
    """
    link_list = list(links)
    base = alternate_root(link_list) if root is None else root
    objects: dict[int, ObjectInfo] = {}
    # Instances already listed, per object: a set keeps the duplicate check O(1), so a payload
    # with n instances is parsed in O(n) rather than the O(n²) of searching each list.
    seen: dict[int, set[int]] = {}
    for link in link_list:
        path = lwm2m_path(link.target, base)
        if path is None:
            _refuse_bad_id(link.target, base)
            continue
        if path.depth > 2:
            raise CodecError(
                f"<{link.target}>: registration links name objects or object instances",
                None,
                FMT,
            )
        info = objects.setdefault(path.object_id, ObjectInfo(path.object_id))
        version = link.attributes.get("ver")
        if version is not None:
            text = _version_text(version)
            if info.version is not None and info.version != text:
                raise CodecError(
                    f"object {path.object_id} is declared with versions {info.version} and {text}",
                    None,
                    FMT,
                )
            info.version = text
        if path.instance_id is not None:
            listed = seen.setdefault(path.object_id, set())
            if path.instance_id not in listed:
                listed.add(path.instance_id)
                info.instances.append(path.instance_id)
    for info in objects.values():
        info.instances.sort()
    return dict(sorted(objects.items()))


_NUMERIC_TARGET = re.compile(r"(?:/[0-9]+){1,4}/?")


def _refuse_bad_id(target: str, root: str) -> None:
    """Raise for a target below ``root`` that is all decimal ids yet no LwM2M path.

    Such a link (``</70000>``, an id of thousands of digits) is an object or instance the
    client claims but the TS does not allow (ids are 0..65534), so the payload is refused
    rather than silently shortened.
    """
    prefix = root.rstrip("/")
    if prefix and not target.startswith(prefix + "/"):
        return
    relative = target[len(prefix) :]
    if not _NUMERIC_TARGET.fullmatch(relative):
        return
    segments = [seg for seg in relative.split("/") if seg]
    if any(len(seg) > 5 or int(seg) > 65534 for seg in segments):
        shown = relative if len(relative) <= 40 else relative[:37] + "..."
        raise CodecError(f"<{shown}>: an id is out of range 0..65534", None, FMT)


def _version_text(value: AttributeValue) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def registration_links(
    objects: Mapping[int, ObjectInfo], root: str = "/", content_format: int | None = None
) -> list[Link]:
    """The links a client puts in its Register payload for ``objects`` (the inverse of
    :func:`registered_objects`), used by the simulators."""
    prefix = root.rstrip("/")
    links: list[Link] = []
    if prefix or content_format is not None:
        attributes: dict[str, AttributeValue] = {"rt": LWM2M_ROOT_RT}
        if content_format is not None:
            attributes["ct"] = content_format
        links.append(Link(prefix or "/", attributes))
    for object_id in sorted(objects):
        info = objects[object_id]
        version: dict[str, AttributeValue] = {} if info.version is None else {"ver": info.version}
        if not info.instances or info.version is not None:
            links.append(Link(f"{prefix}/{object_id}", version))
        for instance in sorted(info.instances):
            links.append(Link(f"{prefix}/{object_id}/{instance}"))
    return links
