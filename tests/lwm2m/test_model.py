"""Resource types, operations, value validation and the plain-text value form."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.lwm2m.errors import PathError, ValueValidationError
from workbench.lwm2m.model import (
    ObjectDefinition,
    ObjectRegistry,
    Operations,
    ResourceDefinition,
    ResourceType,
    ValueRange,
    check_type,
    format_text_value,
    parse_text_value,
)
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import INT64_MAX, INT64_MIN, UINT64_MAX, ObjectLink, Value

# -- ResourceType.from_ddf / Operations.parse -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("String", ResourceType.STRING),
        ("Integer", ResourceType.INTEGER),
        ("Unsigned Integer", ResourceType.UNSIGNED_INTEGER),
        ("unsigned  integer", ResourceType.UNSIGNED_INTEGER),
        ("Unsigned_Integer", ResourceType.UNSIGNED_INTEGER),
        ("Float", ResourceType.FLOAT),
        ("Boolean", ResourceType.BOOLEAN),
        ("Opaque", ResourceType.OPAQUE),
        ("Time", ResourceType.TIME),
        ("Objlnk", ResourceType.OBJLNK),
        ("Corelnk", ResourceType.CORELNK),
        ("CoreLnk", ResourceType.CORELNK),
        ("", ResourceType.NONE),
        ("  ", ResourceType.NONE),
        (None, ResourceType.NONE),
        (" string ", ResourceType.STRING),
    ],
)
def test_type_from_ddf(text: str | None, expected: ResourceType) -> None:
    assert ResourceType.from_ddf(text) is expected


def test_type_from_ddf_unknown() -> None:
    with pytest.raises(ValueError, match="unknown resource type 'Strin'"):
        ResourceType.from_ddf("Strin")


def test_type_label() -> None:
    assert ResourceType.NONE.label == "none"
    assert ResourceType.UNSIGNED_INTEGER.label == "Unsigned Integer"


@pytest.mark.parametrize(
    ("text", "letters"),
    [("R", "R"), ("W", "W"), ("RW", "RW"), ("rw", "RW"), ("E", "E"), ("", ""), (None, "")],
)
def test_operations_parse(text: str | None, letters: str) -> None:
    ops = Operations.parse(text)
    assert ops.letters == letters


def test_operations_parse_unknown_letter() -> None:
    with pytest.raises(ValueError, match="unknown operation letter 'X'"):
        Operations.parse("RX")


# -- validation -----------------------------------------------------------------------------------


def res(rtype: ResourceType, **kwargs: object) -> ResourceDefinition:
    return ResourceDefinition(id=5, name="Thing", type=rtype, **kwargs)  # type: ignore[arg-type]


GOOD: list[tuple[ResourceType, Value]] = [
    (ResourceType.STRING, "hello"),
    (ResourceType.STRING, ""),
    (ResourceType.CORELNK, "</3/0>"),
    (ResourceType.INTEGER, -5),
    (ResourceType.INTEGER, INT64_MIN),
    (ResourceType.INTEGER, INT64_MAX),
    (ResourceType.UNSIGNED_INTEGER, 0),
    (ResourceType.UNSIGNED_INTEGER, UINT64_MAX),
    (ResourceType.TIME, 1_700_000_000),
    (ResourceType.FLOAT, 1.5),
    (ResourceType.BOOLEAN, True),
    (ResourceType.OPAQUE, b"\x00\xff"),
    (ResourceType.OBJLNK, ObjectLink(3, 0)),
    (ResourceType.OBJLNK, ObjectLink(65535, 65535)),
]


@pytest.mark.parametrize(("rtype", "value"), GOOD)
def test_validate_accepts_right_type(rtype: ResourceType, value: Value) -> None:
    assert res(rtype).validate(value) == value


BAD: list[tuple[ResourceType, Value]] = [
    (ResourceType.STRING, 5),
    (ResourceType.STRING, b"x"),
    (ResourceType.CORELNK, None),
    (ResourceType.INTEGER, "5"),
    (ResourceType.INTEGER, True),
    (ResourceType.INTEGER, 1.5),
    (ResourceType.INTEGER, INT64_MAX + 1),
    (ResourceType.INTEGER, INT64_MIN - 1),
    (ResourceType.UNSIGNED_INTEGER, -1),
    (ResourceType.UNSIGNED_INTEGER, UINT64_MAX + 1),
    (ResourceType.TIME, "now"),
    (ResourceType.FLOAT, "1.0"),
    (ResourceType.FLOAT, False),
    (ResourceType.FLOAT, 10**400),
    (ResourceType.BOOLEAN, 1),
    (ResourceType.BOOLEAN, "true"),
    (ResourceType.OPAQUE, "00ff"),
    (ResourceType.OBJLNK, (3, 0)),
    (ResourceType.OBJLNK, "3:0"),
    (ResourceType.OBJLNK, ObjectLink(70000, 0)),
    (ResourceType.NONE, "x"),
    (ResourceType.NONE, 0),
]


@pytest.mark.parametrize(("rtype", "value"), BAD)
def test_validate_rejects_wrong_type(rtype: ResourceType, value: Value) -> None:
    with pytest.raises(ValueValidationError, match=r"resource 5 \(Thing\)"):
        res(rtype).validate(value)


def test_validate_widens_and_narrows_numbers() -> None:
    assert res(ResourceType.FLOAT).validate(2) == 2.0
    assert isinstance(res(ResourceType.FLOAT).validate(2), float)
    assert res(ResourceType.INTEGER).validate(3.0) == 3
    assert isinstance(res(ResourceType.INTEGER).validate(3.0), int)
    assert res(ResourceType.OPAQUE).validate(bytearray(b"ab")) == b"ab"


def test_executable_carries_no_value() -> None:
    for empty in (None, "", b""):
        assert res(ResourceType.NONE).validate(empty) is None


def test_numeric_range() -> None:
    battery = res(ResourceType.INTEGER, range=ValueRange(0, 100))
    assert battery.validate(0) == 0
    assert battery.validate(100) == 100
    with pytest.raises(ValueValidationError, match=r"101 is outside 0\.\.100"):
        battery.validate(101)
    with pytest.raises(ValueValidationError, match="outside"):
        battery.validate(-1)
    temp = res(ResourceType.FLOAT, range=ValueRange(-40, 85))
    assert temp.validate(-40.0) == -40.0
    with pytest.raises(ValueValidationError):
        temp.validate(85.01)


def test_open_ended_range() -> None:
    lifetime = res(ResourceType.INTEGER, range=ValueRange(1, None))
    assert lifetime.validate(10**12) == 10**12
    with pytest.raises(ValueValidationError, match=r"outside 1\.\."):
        lifetime.validate(0)
    assert str(ValueRange(None, 5)) == "..5"


def test_huge_unsigned_range_is_exact() -> None:
    full = res(ResourceType.UNSIGNED_INTEGER, range=ValueRange(0, UINT64_MAX))
    assert full.validate(UINT64_MAX) == UINT64_MAX
    capped = res(ResourceType.UNSIGNED_INTEGER, range=ValueRange(0, 2**63 - 1))
    with pytest.raises(ValueValidationError):
        capped.validate(2**63)


@pytest.mark.parametrize("rtype", [ResourceType.STRING, ResourceType.OPAQUE, ResourceType.CORELNK])
def test_length_range(rtype: ResourceType) -> None:
    make = (lambda n: b"x" * n) if rtype is ResourceType.OPAQUE else (lambda n: "x" * n)
    definition = res(rtype, range=ValueRange(1, 4))
    assert definition.validate(make(4)) == make(4)
    with pytest.raises(ValueValidationError, match=r"length 5 is outside 1\.\.4"):
        definition.validate(make(5))
    with pytest.raises(ValueValidationError, match="length 0"):
        definition.validate(make(0))


def test_enumeration() -> None:
    mode = res(ResourceType.INTEGER, enumeration=(0, 1, 2))
    assert mode.validate(2) == 2
    with pytest.raises(ValueValidationError, match="3 is not one of 0, 1, 2"):
        mode.validate(3)
    words = res(ResourceType.STRING, enumeration=("ON", "OFF"))
    assert words.validate("ON") == "ON"
    with pytest.raises(ValueValidationError, match="'on' is not one of ON, OFF"):
        words.validate("on")


def test_range_ignores_non_numbers() -> None:
    assert 5 in ValueRange(0, 10)
    assert "5" not in ValueRange(0, 10)
    assert True not in ValueRange(0, 10)
    assert str(ValueRange(0, 1.5)) == "0..1.5"


def test_check_type_default_label() -> None:
    with pytest.raises(ValueValidationError, match="value: 'x' is not a valid Integer"):
        check_type(ResourceType.INTEGER, "x")


# -- text form ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rtype", "text", "value"),
    [
        (ResourceType.STRING, " spaced ", " spaced "),
        (ResourceType.INTEGER, "-42", -42),
        (ResourceType.INTEGER, " +7 ", 7),
        (ResourceType.UNSIGNED_INTEGER, str(UINT64_MAX), UINT64_MAX),
        (ResourceType.TIME, "1700000000", 1_700_000_000),
        (ResourceType.FLOAT, "1.5", 1.5),
        (ResourceType.FLOAT, "-2", -2.0),
        (ResourceType.FLOAT, "1e+16", 1e16),
        (ResourceType.FLOAT, ".5", 0.5),
        (ResourceType.BOOLEAN, "1", True),
        (ResourceType.BOOLEAN, "false", False),
        (ResourceType.OPAQUE, "00ff", b"\x00\xff"),
        (ResourceType.OPAQUE, "", b""),
        (ResourceType.OBJLNK, "3:0", ObjectLink(3, 0)),
        (ResourceType.CORELNK, "</3/0>", "</3/0>"),
        (ResourceType.NONE, "", None),
    ],
)
def test_parse_text_value(rtype: ResourceType, text: str, value: Value) -> None:
    assert parse_text_value(rtype, text) == value


@pytest.mark.parametrize(
    ("rtype", "text"),
    [
        (ResourceType.INTEGER, "1.5"),
        (ResourceType.INTEGER, ""),
        (ResourceType.INTEGER, "١٢"),  # Arabic-Indic digits: int() would take them
        (ResourceType.INTEGER, str(INT64_MAX + 1)),
        (ResourceType.UNSIGNED_INTEGER, "-1"),
        (ResourceType.FLOAT, "nan"),
        (ResourceType.FLOAT, "inf"),
        (ResourceType.FLOAT, "1_000"),
        (ResourceType.FLOAT, "１"),  # full-width digit
        (ResourceType.FLOAT, "1e999"),
        (ResourceType.BOOLEAN, "yes"),
        (ResourceType.BOOLEAN, "2"),
        (ResourceType.OPAQUE, "0g"),
        (ResourceType.OPAQUE, "abc"),
        (ResourceType.OBJLNK, "3"),
        (ResourceType.OBJLNK, "3:70000"),
        (ResourceType.OBJLNK, "²:0"),
    ],
)
def test_parse_text_value_rejects(rtype: ResourceType, text: str) -> None:
    with pytest.raises(ValueValidationError):
        parse_text_value(rtype, text)


def test_object_link_parse_errors_are_validation_errors() -> None:
    with pytest.raises(ValueValidationError):
        ObjectLink.parse("²:0")
    assert str(ObjectLink.parse(" 10:3 ")) == "10:3"


def test_format_text_value() -> None:
    assert format_text_value(None) == ""
    assert format_text_value(True) == "1"
    assert format_text_value(False) == "0"
    assert format_text_value(b"\x0a\xff") == "0AFF"
    assert format_text_value(ObjectLink(3, 1)) == "3:1"
    assert format_text_value(2.0) == "2.0"
    assert format_text_value(-7) == "-7"


values_by_type: dict[ResourceType, st.SearchStrategy[Value]] = {
    ResourceType.STRING: st.text(),
    ResourceType.CORELNK: st.text(),
    ResourceType.INTEGER: st.integers(INT64_MIN, INT64_MAX),
    ResourceType.TIME: st.integers(INT64_MIN, INT64_MAX),
    ResourceType.UNSIGNED_INTEGER: st.integers(0, UINT64_MAX),
    ResourceType.FLOAT: st.floats(allow_nan=False, allow_infinity=False),
    ResourceType.BOOLEAN: st.booleans(),
    ResourceType.OPAQUE: st.binary(max_size=64),
    ResourceType.OBJLNK: st.builds(ObjectLink, st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)),
}
typed_values = st.sampled_from(sorted(values_by_type, key=lambda t: t.value)).flatmap(
    lambda t: st.tuples(st.just(t), values_by_type[t])
)


@settings(max_examples=200)
@given(typed_values)
def test_text_round_trip(pair: tuple[ResourceType, Value]) -> None:
    rtype, value = pair
    text = format_text_value(value)
    parsed = parse_text_value(rtype, text)
    assert parsed == value
    assert type(parsed) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, value) == math.copysign(1, parsed)  # type: ignore[arg-type]
    assert res(rtype).validate(parsed) == value


@settings(max_examples=200)
@given(st.sampled_from(list(ResourceType)), st.text(max_size=20))
def test_parse_text_value_only_raises_validation_error(rtype: ResourceType, text: str) -> None:
    try:
        value = parse_text_value(rtype, text)
    except ValueValidationError:
        return
    assert res(rtype).validate(value) == value or rtype is ResourceType.NONE


# -- object definitions and the registry ---------------------------------------------------------


def make_object(object_id: int, source: str = "") -> ObjectDefinition:
    return ObjectDefinition(
        id=object_id,
        name=f"Object {object_id}",
        resources={1: res(ResourceType.STRING)},
        source=source,
    )


def test_registry_lookup_and_override() -> None:
    registry = ObjectRegistry([make_object(3, "builtin"), make_object(1)])
    assert [d.id for d in registry] == [1, 3]
    assert 3 in registry and 4 not in registry
    user = make_object(3, "user")
    registry.add(user)
    assert registry.get(3) is user
    assert [d.source for d in registry.overridden] == ["builtin"]
    assert len(registry) == 2
    assert registry.resource(Path.of(3, 0, 1)) is not None
    assert registry.resource_type(Path.of(3, 0, 1, 2)) is ResourceType.STRING
    assert registry.resource(Path.of(9, 0, 1)) is None
    with pytest.raises(PathError, match="does not name a resource"):
        registry.resource(Path.of(3, 0))
