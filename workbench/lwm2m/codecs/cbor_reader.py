"""A small, iterative CBOR (RFC 8949) reader for the CBOR-based content formats.

Why not ``cbor2.loads``: the decoders must raise only :class:`CodecError` with the byte offset
of the problem, must never recurse (a payload of 10,000 nested arrays is a few kilobytes), and
must not build the exotic objects cbor2's semantic tags produce (shared references that form
cycles, sets, datetimes, bignums). This reader produces plain Python data — ``int``, ``float``,
``str``, ``bytes``, ``bool``, ``None``, ``list``, ``dict`` and :class:`Tagged` — and leaves
meaning to the codec. Encoding uses ``cbor2``, which is fine for data we built ourselves.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.lwm2m.errors import CodecError

#: What a map key may be: ids (SenML labels, LwM2M CBOR path ids), text labels, or an id array
#: (LwM2M CBOR's multi-id keys), which becomes a tuple so it can key a dict.
MapKey = int | str | tuple[int, ...]
#: The error factory the helpers get from :func:`read_cbor`: reason and offset to an error.
_Fail = Callable[[str, int], CodecError]


@dataclass(frozen=True, slots=True)
class Tagged:
    """A tagged data item kept as it is: the codec decides whether the tag is acceptable."""

    tag: int
    value: object
    position: int


@dataclass(slots=True)
class _Frame:
    """A container being filled: an array, a map or a tag waiting for its content."""

    kind: int  # major type: 4 array, 5 map, 6 tag
    remaining: int | None  # items still expected; None for indefinite length
    position: int
    tag: int = 0
    items: list[object] = field(default_factory=list)
    mapping: dict[MapKey, object] = field(default_factory=dict)
    key: MapKey | None = None
    has_key: bool = False


def read_cbor(payload: bytes, fmt: str, max_depth: int) -> object:
    """Decode exactly one CBOR data item that fills ``payload``.

    Containers (arrays, maps, tags) nested deeper than ``max_depth`` are refused at the offset
    of the container that is one too deep.
    """
    data = bytes(payload)
    end = len(data)
    pos = 0
    stack: list[_Frame] = []

    def fail(reason: str, at: int) -> CodecError:
        return CodecError(reason, at, fmt)

    def need(count: int, at: int, what: str) -> None:
        if pos + count > end:
            raise fail(f"truncated: {what} needs {count} more byte(s)", at)

    while True:
        start = pos
        if pos >= end:
            raise fail("truncated: a data item is missing", pos)
        initial = data[pos]
        pos += 1
        major, info = initial >> 5, initial & 0x1F
        value: object
        if initial == 0xFF:
            if not stack or stack[-1].remaining is not None:
                raise fail("break code outside an indefinite-length container", start)
            frame = stack.pop()
            if frame.has_key:
                raise fail("map ends after a key without a value", start)
            value = frame.items if frame.kind == 4 else frame.mapping
        else:
            argument: int | None
            if info < 24:
                argument = info
            elif info <= 27:
                size = 1 << (info - 24)
                need(size, start, "the item's argument")
                argument = int.from_bytes(data[pos : pos + size], "big")
                if major == 7:
                    argument = None  # floats are read below from the same bytes
                else:
                    pos += size
            elif info == 31 and major in (2, 3, 4, 5):
                argument = None
            else:
                raise fail(f"reserved or invalid additional information {info}", start)

            if major == 0:
                assert argument is not None
                value = argument
            elif major == 1:
                assert argument is not None
                value = -1 - argument
            elif major in (2, 3):
                chunks: list[bytes] = []
                if argument is None:
                    while True:
                        need(1, pos, "an indefinite-length string")
                        if data[pos] == 0xFF:
                            pos += 1
                            break
                        chunk_start = pos
                        head = data[pos]
                        if head >> 5 != major or head & 0x1F >= 28:
                            raise fail("bad chunk in an indefinite-length string", chunk_start)
                        pos += 1
                        chunk_info = head & 0x1F
                        length = chunk_info
                        if chunk_info >= 24:
                            size = 1 << (chunk_info - 24)
                            need(size, chunk_start, "the chunk's length")
                            length = int.from_bytes(data[pos : pos + size], "big")
                            pos += size
                        need(length, chunk_start, "the string chunk")
                        chunks.append(data[pos : pos + length])
                        if major == 3:
                            _check_utf8(chunks[-1], pos, fail)
                        pos += length
                else:
                    need(argument, start, "the string")
                    chunks.append(data[pos : pos + argument])
                    if major == 3:
                        _check_utf8(chunks[-1], pos, fail)
                    pos += argument
                raw = b"".join(chunks)
                value = raw.decode("utf-8") if major == 3 else raw
            elif major in (4, 5, 6):
                if len(stack) >= max_depth:
                    raise fail(f"nesting deeper than {max_depth} levels", start)
                if major == 6:
                    assert argument is not None
                    stack.append(_Frame(6, 1, start, tag=argument))
                    continue
                count = None if argument is None else argument * (2 if major == 5 else 1)
                if count == 0:
                    value = [] if major == 4 else {}
                else:
                    stack.append(_Frame(major, count, start))
                    continue
            else:  # major 7: simple values and floats
                if info == 20:
                    value = False
                elif info == 21:
                    value = True
                elif info == 22:
                    value = None
                elif info in (25, 26, 27):
                    size = 1 << (info - 24)
                    code = {2: ">e", 4: ">f", 8: ">d"}[size]
                    value = struct.unpack(code, data[pos : pos + size])[0]
                    pos += size
                else:
                    raise fail(f"unsupported simple value (additional information {info})", start)

        # Attach the finished item to its container; finished containers cascade upwards.
        while True:
            if not stack:
                if pos != end:
                    raise fail("unexpected data after the end of the payload's item", pos)
                return value
            frame = stack[-1]
            if frame.kind == 6:
                stack.pop()
                value = Tagged(frame.tag, value, frame.position)
                continue
            if frame.kind == 4:
                frame.items.append(value)
            elif not frame.has_key:
                frame.key = _map_key(value, start, fail)
                if frame.key in frame.mapping:
                    raise fail(f"duplicate map key {frame.key!r}", start)
                frame.has_key = True
            else:
                assert frame.key is not None
                frame.mapping[frame.key] = value
                frame.has_key = False
                frame.key = None
            if frame.remaining is None:
                break
            frame.remaining -= 1
            if frame.remaining:
                break
            stack.pop()
            value = frame.items if frame.kind == 4 else frame.mapping
        # The next item starts where this one ended.


def _check_utf8(raw: bytes, offset: int, fail: _Fail) -> None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail("invalid UTF-8 in a text string", offset + exc.start) from None


def _map_key(value: object, at: int, fail: _Fail) -> MapKey:
    if isinstance(value, bool):
        raise fail("a boolean cannot be a map key here", at)
    if isinstance(value, int | str):
        return value
    if isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    raise fail(f"unsupported map key of type {type(value).__name__}", at)
