"""JSON for the one small object per decoded event, without paying per call for set-up.

:func:`dumps_bytes` and :func:`dumps_line` are the events' JSON (``lwm2m-workbench decode``):
compact UTF-8 bytes from orjson, about 0.15 µs for an event's dict against 1.2 µs for the
stdlib's C encoder (issue 17: the JSON was a quarter of a decoded line's time). orjson refuses
what the stdlib accepts in a few corners (integers beyond 64 bits, non-string keys, strings
with lone surrogates); those objects take the stdlib path, so every JSON-able object encodes,
to the same value.

:data:`dumps_compact` is ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"),
default=str)`` for the session file's records, without building an encoder per call:
``json.dumps`` with any keyword builds a ``JSONEncoder``, and every ``encode`` call builds the
C encoder again. The C encoder is made once here, with the arguments ``JSONEncoder.iterencode``
passes, and only used after it has encoded a probe exactly as ``json.dumps`` does; otherwise
(another Python whose ``c_make_encoder`` takes other arguments, or none at all) ``json.dumps``
itself runs. The session file keeps the stdlib's text exactly (``NaN`` stays ``NaN``, where
orjson writes ``null``).
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any, Final

import orjson

#: Covers what events carry: nesting, unicode, escapes, floats, ints beyond 64 bits, None, bool.
_PROBE: Final[Any] = {
    "kind": "x",
    "n": [1, -2.5, 1e300, 2**70, None, True, False],
    "t": 'é\u2028"\\\n\x00',
    "d": {"1": [], "2": {}},
}


def _reference_bytes(obj: Any) -> bytes:
    """The stdlib's compact JSON as UTF-8; lone surrogates escaped (``\\udc80``), not lost."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(obj, separators=(",", ":")).encode()


def dumps_bytes(obj: Any, _fast: Callable[[Any], bytes] = orjson.dumps) -> bytes:
    """Compact JSON of ``obj`` as UTF-8 bytes; ``TypeError`` when it is not JSON-able.

    Floats must be finite (orjson writes NaN as ``null``): the events' fields are made so
    by ``events._jsonable``.
    """
    try:
        return _fast(obj)
    except TypeError:  # orjson.JSONEncodeError: a corner orjson refuses, see the module doc
        return _reference_bytes(obj)


def dumps_line(obj: Any) -> bytes:
    """:func:`dumps_bytes` and a newline: one line of a JSON-lines stream.

    Not just a convenience: orjson returns its 1 KiB working buffer shrunk in place, and a
    program that keeps many of them (a chunk's lines before one write) grows the heap by a
    page every few lines: 1.5 µs a line, ten times the encoding. The ``+`` copies the line into
    a right-sized object and frees the buffer at once, for 0.1 µs (issue 17).
    """
    return dumps_bytes(obj) + b"\n"


def _reference_compact(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


def _make(
    reference: Callable[[Any], str],
    default: Callable[[Any], Any],
    key_separator: str,
    item_separator: str,
) -> Callable[[Any], str]:
    """A ``dumps`` with one C encoder made up front, or ``reference`` when that is not safe."""
    make = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or basestring is None:
        return reference
    try:
        encoder = make(
            None, default, basestring, None, key_separator, item_separator, False, False, True
        )

        def dumps(obj: Any) -> str:
            return "".join(encoder(obj, 0))

        if dumps(_PROBE) != reference(_PROBE):
            return reference
    except Exception:  # another signature: the stdlib path is always right
        return reference
    return dumps


#: ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)``: the session
#: file's records (encoded on its writer thread, once per decoded event).
dumps_compact: Callable[[Any], str] = _make(_reference_compact, str, ":", ",")
