"""``json.dumps(obj, ensure_ascii=False)`` without building an encoder per call.

``json.dumps`` with any keyword builds a ``JSONEncoder``, and every ``encode`` call builds the C
encoder again; for the one small dict per decoded event that set-up cost more than the
encoding (5 of the 6 µs per event in the issue 17 profile). The C encoder is made once here,
with the arguments ``JSONEncoder.iterencode`` passes for ``ensure_ascii=False`` and no indent,
and only used after it has encoded a probe exactly as ``json.dumps`` does; otherwise (another
Python whose ``c_make_encoder`` takes other arguments, or none at all) ``json.dumps`` itself
runs. The output is the same string either way. :data:`dumps_compact` does the same for the
session file's compact form.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any

#: Covers what events carry: nesting, unicode, escapes, floats, ints beyond 64 bits, None, bool.
_PROBE: Any = {
    "kind": "x",
    "n": [1, -2.5, 1e300, 2**70, None, True, False],
    "t": 'é\u2028"\\\n\x00',
    "d": {"1": [], "2": {}},
}


def _reference(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _reference_compact(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


def _unserialisable(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


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


#: ``dumps(obj) == json.dumps(obj, ensure_ascii=False)`` for every JSON-able ``obj``.
dumps: Callable[[Any], str] = _make(_reference, _unserialisable, ": ", ", ")
#: ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)``: the session
#: file's records (encoded on its writer thread, once per decoded event).
dumps_compact: Callable[[Any], str] = _make(_reference_compact, str, ":", ",")
