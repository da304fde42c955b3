"""The events' JSON (orjson, stdlib for its corners) and the session file's cached encoder."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.module import jsonline
from workbench.module.events import Event

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_dumps_bytes_is_compact_utf8_json_of_the_same_value(value: Any) -> None:
    data = jsonline.dumps_bytes(value)
    assert json.loads(data.decode("utf-8")) == value
    assert b"\n" not in data  # one event, one line


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**70, "neg": -(2**64)},  # beyond orjson's 64 bits
        {"k": {1: "int key"}},  # orjson wants str keys
        ["é ", 2**65],
    ],
)
def test_what_orjson_refuses_takes_the_stdlib_path_to_the_same_value(value: Any) -> None:
    data = jsonline.dumps_bytes(value)
    assert data == jsonline._reference_bytes(value)
    assert json.loads(data) == json.loads(json.dumps(value))


@settings(max_examples=100, deadline=None)
@given(_JSON)
def test_dumps_line_is_dumps_bytes_and_a_newline(value: Any) -> None:
    assert jsonline.dumps_line(value) == jsonline.dumps_bytes(value) + b"\n"


def test_a_lone_surrogate_is_escaped_not_lost() -> None:
    data = jsonline.dumps_bytes({"raw": "a\udc80b"})
    data.decode("utf-8")  # valid UTF-8, whatever the string held
    assert json.loads(data) == {"raw": "a\udc80b"}


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_dumps_compact_equals_the_session_files_json(value: Any) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    assert jsonline.dumps_compact(value) == expected


def test_dumps_compact_writes_unknown_types_as_their_str_like_json() -> None:
    value = {"b": b"\x01", "o": frozenset({3}), "e": ValueError("x")}
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    assert jsonline.dumps_compact(value) == expected
    assert jsonline.dumps_compact is not jsonline._reference_compact


def test_the_fast_encoder_is_in_use_on_cpython() -> None:
    # The fallback is right too, but the point of the module is not to take it here.
    assert jsonline.dumps_compact is not jsonline._reference_compact


def test_an_unserialisable_value_raises_type_error_like_json() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        jsonline.dumps_bytes({"a": object()})


def test_event_json_is_unchanged_for_every_field_shape() -> None:
    fields = {
        "s": "é\u2028",
        "i": 2**70,
        "b": True,
        "n": None,
        "f": 1.5,
        "nan": float("nan"),
        "by": b"\x01\xff",
        "set": {3, 1},
        "tup": (1, "a"),
        "map": {1: (2,)},
    }
    event = Event("values", 7, "raw", fields, inferred=True)
    expected = {
        "kind": "values",
        "line": 7,
        "raw": "raw",
        "s": "é\u2028",
        "i": 2**70,
        "b": True,
        "n": None,
        "f": 1.5,
        "nan": "nan",
        "by": "01ff",
        "set": [1, 3],
        "tup": [1, "a"],
        "map": {"1": [2]},
        "inferred": True,
    }
    assert json.loads(event.to_json()) == expected
    assert event.to_json_line() == event.to_json().encode() + b"\n"
    # The contract's order: kind, line, raw, the fields, inferred.
    assert list(json.loads(event.to_json())) == list(expected)


def test_without_the_c_encoder_the_stdlib_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    made = jsonline._make(jsonline._reference_compact, str, ":", ",")
    assert made is jsonline._reference_compact


def test_a_c_encoder_with_another_signature_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def other(*args: Any) -> Any:
        raise TypeError("takes 10 arguments")

    monkeypatch.setattr(json.encoder, "c_make_encoder", other)
    made = jsonline._make(jsonline._reference_compact, str, ":", ",")
    assert made is jsonline._reference_compact


_FIELD_VALUE = st.none() | st.booleans() | st.integers() | st.text() | _JSON | st.binary(max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.text(max_size=8),
    number=st.integers(min_value=0),
    raw=st.text(max_size=12),
    fields=st.dictionaries(st.text(max_size=6), _FIELD_VALUE, max_size=5),
    inferred=st.booleans(),
)
def test_event_to_json_is_json_dumps_of_to_dict(
    kind: str, number: int, raw: str, fields: dict[str, Any], inferred: bool
) -> None:
    fields = {k: v for k, v in fields.items() if k not in ("kind", "line", "raw", "inferred")}
    event = Event(kind, number, raw, fields, inferred=inferred)
    assert json.loads(event.to_json_line()) == event.to_dict()


def test_a_field_added_after_building_under_a_reserved_name_writes_like_to_dict() -> None:
    event = Event("result", 3, "OK", {"status": "ok"})
    event.fields["kind"] = "other"  # the contract forbids it; the JSON must still be to_dict's
    assert event.to_json() == orjson.dumps(event.to_dict()).decode()
    assert json.loads(event.to_json())["kind"] == "other"
