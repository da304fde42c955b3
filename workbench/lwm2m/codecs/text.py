"""Plain text (content format 0): one resource or resource-instance value as UTF-8 text.

The representation follows the data-type appendix of the LwM2M TS (1.0.2 and 1.1):

============  ===========================================================================
Type          text
============  ===========================================================================
String        the string itself; Corelnk likewise
Integer       decimal, optional sign (``-12``); Unsigned Integer and Time the same
Float         decimal with optional fraction and exponent (``-1.5``, ``2.5e-07``); encoded
              with Python's shortest round-trip form, so decoding gives the same float back
Boolean       ``0`` or ``1``
Objlnk        ``OBJ:INST`` (``3:0``)
Opaque        base64 (RFC 4648, standard alphabet, with padding) as LwM2M 1.0.2/1.1 specify;
              LwM2M 1.0 had no text form for Opaque, format 42 carries raw bytes instead
============  ===========================================================================

Decoding is strict: no surrounding whitespace, no ``true``/``false``, no ``nan``/``inf``, no
fraction where an integer is expected. A module that sends something else is exactly what
this tool exists to point out, so the error names the character where it went wrong.
"""

from __future__ import annotations

import base64
import binascii
import math
import re

from workbench.lwm2m.codecs.base import Codec, ContentFormat
from workbench.lwm2m.codecs.single import single_target, single_value
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry, ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import (
    INT64_MAX,
    INT64_MIN,
    UINT64_MAX,
    Content,
    ObjectLink,
    Value,
)

FMT = "text"

_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_OBJLNK = re.compile(r"([0-9]+):([0-9]+)")
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
#: More significant digits than this cannot be a 64-bit integer (UINT64_MAX has 20).
_MAX_DIGITS = 20


class TextCodec(Codec):
    """Content format 0: a single value, typed by the registry, as text."""

    content_format = ContentFormat.TEXT
    name = "text"

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        """The text of the one value in ``content``, which must sit exactly at ``base``."""
        res, value = single_value(base, content, registry, FMT)
        text = format_text(res.type, value)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CodecError(
                f"the string cannot be encoded as UTF-8 ({exc.reason})", exc.start, FMT
            ) from None

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        """The value at ``base`` parsed from ``payload`` by the type the registry gives it."""
        res = single_target(base, registry, FMT)
        try:
            text = bytes(payload).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CodecError(f"invalid UTF-8 ({exc.reason})", exc.start, FMT) from None
        return {base: parse_text(res.type, text)}


def format_text(rtype: ResourceType, value: Value) -> str:
    """The text form of a value already checked to have the Python type of ``rtype``."""
    if rtype is ResourceType.BOOLEAN:
        return "1" if value else "0"
    if rtype is ResourceType.OPAQUE:
        assert isinstance(value, bytes)
        return base64.b64encode(value).decode("ascii")
    if rtype is ResourceType.FLOAT:
        assert isinstance(value, float)
        if not math.isfinite(value):
            raise CodecError(f"{value} is not a finite number", None, FMT)
        return repr(value)
    if rtype is ResourceType.OBJLNK:
        assert isinstance(value, ObjectLink)
        return f"{value.object_id}:{value.instance_id}"
    return str(value)


def parse_text(rtype: ResourceType, text: str) -> Value:
    """Parse the text form of a ``rtype`` value; :class:`CodecError` with the character offset
    of the first thing that is wrong."""
    if rtype in (ResourceType.STRING, ResourceType.CORELNK):
        return text
    if rtype in (ResourceType.INTEGER, ResourceType.TIME, ResourceType.UNSIGNED_INTEGER):
        return _parse_integer(rtype, text)
    if rtype is ResourceType.FLOAT:
        return _parse_float(text)
    if rtype is ResourceType.BOOLEAN:
        if text in ("0", "1"):
            return text == "1"
        position = 0 if text[:1] not in ("0", "1") else 1
        raise CodecError(f"a Boolean is '0' or '1', got {_show(text)}", position, FMT)
    if rtype is ResourceType.OBJLNK:
        return _parse_objlnk(text)
    if rtype is ResourceType.OPAQUE:
        return _parse_base64(text)
    raise CodecError(f"type {rtype.label} has no text form", None, FMT)


def _parse_integer(rtype: ResourceType, text: str) -> int:
    match = _INTEGER.match(text)
    if match is None or match.end() != len(text):
        position = 0 if match is None else match.end()
        if text == "":
            reason = f"an empty payload is not a{_article(rtype)} {rtype.label}"
        else:
            reason = f"{_show(text)} is not a whole decimal number ({rtype.label})"
        raise CodecError(reason, position, FMT)
    sign = "-" if text[0] == "-" else ""
    digits = text.lstrip("+-").lstrip("0") or "0"
    low, high = (
        (0, UINT64_MAX)
        if rtype is ResourceType.UNSIGNED_INTEGER
        else (
            INT64_MIN,
            INT64_MAX,
        )
    )
    if len(digits) > _MAX_DIGITS or not low <= (number := int(sign + digits)) <= high:
        raise CodecError(f"{_show(text)} does not fit a 64-bit {rtype.label}", 0, FMT)
    return number


def _parse_float(text: str) -> float:
    match = _FLOAT.match(text)
    if match is None or match.end() != len(text):
        position = 0 if match is None else match.end()
        reason = (
            "an empty payload is not a Float"
            if text == ""
            else f"{_show(text)} is not a decimal number (Float)"
        )
        raise CodecError(reason, position, FMT)
    number = float(text)
    if not math.isfinite(number):
        raise CodecError(f"{_show(text)} does not fit a 64-bit Float", 0, FMT)
    return number


def _parse_objlnk(text: str) -> ObjectLink:
    match = _OBJLNK.fullmatch(text)
    if match is None:
        prefix = re.match(r"[0-9]+(:[0-9]*)?", text)
        position = 0 if prefix is None else prefix.end()
        raise CodecError(f"an Objlnk is OBJ:INST (like 3:0), got {_show(text)}", position, FMT)
    ids: list[int] = []
    for group in (1, 2):
        digits = match.group(group).lstrip("0") or "0"
        if len(digits) > 5 or int(digits) > 0xFFFF:
            raise CodecError(
                f"Objlnk id {match.group(group)} is outside 0..65535", match.start(group), FMT
            )
        ids.append(int(digits))
    return ObjectLink(ids[0], ids[1])


def _parse_base64(text: str) -> bytes:
    for position, char in enumerate(text):
        if char not in _BASE64_CHARS:
            raise CodecError(
                f"Opaque in text is base64; {char!r} is not a base64 character", position, FMT
            )
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        padding = text.find("=")
        misplaced = padding != -1 and text[padding:].strip("=") != ""
        position = padding if misplaced else len(text)
        raise CodecError(
            "Opaque in text is base64; the padding or length is wrong", position, FMT
        ) from None


def _show(text: str, limit: int = 40) -> str:
    """``text`` quoted for an error message, shortened so a huge payload stays readable."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def _article(rtype: ResourceType) -> str:
    return "n" if rtype.label[0] in "AEIOU" else ""
