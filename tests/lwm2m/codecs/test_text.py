"""Plain text (format 0): one value per payload, typed by the registry, strictly parsed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.lwm2m.codecs.spec_registry import make_spec_registry
from tests.lwm2m.codecs.strategies import TEST_OBJECT_ID, TYPES, values_of
from workbench.lwm2m.codecs.text import TextCodec
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import INT64_MAX, INT64_MIN, UINT64_MAX, ObjectLink, Value

REGISTRY = make_spec_registry()
CODEC = TextCodec()
T = TEST_OBJECT_ID


def single(rtype: ResourceType) -> Path:
    return Path.of(T, 0, TYPES.index(rtype))


def multiple(rtype: ResourceType, ri: int = 0) -> Path:
    return Path.of(T, 0, 100 + TYPES.index(rtype), ri)


@pytest.mark.parametrize(
    ("rtype", "value", "text"),
    [
        (ResourceType.STRING, "Open Mobile Alliance", b"Open Mobile Alliance"),
        (ResourceType.STRING, "", b""),
        (ResourceType.STRING, "  spaced\n", b"  spaced\n"),
        (ResourceType.STRING, "Grüße", "Grüße".encode()),
        (ResourceType.INTEGER, -12, b"-12"),
        (ResourceType.INTEGER, INT64_MIN, b"-9223372036854775808"),
        (ResourceType.UNSIGNED_INTEGER, UINT64_MAX, b"18446744073709551615"),
        (ResourceType.TIME, 1367491215, b"1367491215"),
        (ResourceType.FLOAT, 42.2, b"42.2"),
        (ResourceType.FLOAT, -0.5, b"-0.5"),
        (ResourceType.FLOAT, 1e300, b"1e+300"),
        (ResourceType.FLOAT, 3.0, b"3.0"),
        (ResourceType.BOOLEAN, True, b"1"),
        (ResourceType.BOOLEAN, False, b"0"),
        (ResourceType.OBJLNK, ObjectLink(3, 0), b"3:0"),
        (ResourceType.OBJLNK, ObjectLink(65535, 65535), b"65535:65535"),
        (ResourceType.OPAQUE, b"\x00\x01\xfe\xff", b"AAH+/w=="),
        (ResourceType.OPAQUE, b"", b""),
        (ResourceType.CORELNK, "</3/0>;pmin=10", b"</3/0>;pmin=10"),
    ],
)
def test_values(rtype: ResourceType, value: Value, text: bytes) -> None:
    path = single(rtype)
    assert CODEC.encode(path, {path: value}, REGISTRY) == text
    assert CODEC.decode(path, text, REGISTRY) == {path: value}
    ri = multiple(rtype, 7)
    assert CODEC.encode(ri, {ri: value}, REGISTRY) == text
    assert CODEC.decode(ri, text, REGISTRY) == {ri: value}


def test_spec_resources() -> None:
    path = Path.parse("/3/0/13")
    assert CODEC.decode(path, b"1367491215", REGISTRY) == {path: 1367491215}
    battery = Path.parse("/3/0/9")
    assert CODEC.encode(battery, {battery: 100}, REGISTRY) == b"100"


def test_decode_accepts_other_decimal_spellings() -> None:
    path = single(ResourceType.FLOAT)
    for text, number in [(b"5", 5.0), (b"+.5", 0.5), (b"1.", 1.0), (b"2.5E-3", 0.0025)]:
        assert CODEC.decode(path, text, REGISTRY) == {path: number}
    integer = single(ResourceType.INTEGER)
    assert CODEC.decode(integer, b"+007", REGISTRY) == {integer: 7}
    assert CODEC.decode(integer, b"0" * 5000 + b"1", REGISTRY) == {integer: 1}


def test_encode_widens_integers_for_float_resources() -> None:
    path = single(ResourceType.FLOAT)
    assert CODEC.encode(path, {path: 3}, REGISTRY) == b"3.0"


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_round_trip_every_type(data: st.DataObject) -> None:
    rtype = data.draw(st.sampled_from(TYPES))
    path = data.draw(st.sampled_from([single(rtype), multiple(rtype, 3)]))
    value = data.draw(values_of(rtype))
    back = CODEC.decode(path, CODEC.encode(path, {path: value}, REGISTRY), REGISTRY)
    assert back == {path: value}
    assert type(back[path]) is type(value)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_round_trip_exactly(number: float) -> None:
    path = single(ResourceType.FLOAT)
    assert CODEC.decode(path, CODEC.encode(path, {path: number}, REGISTRY), REGISTRY) == {
        path: number
    }


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rtype", "payload", "position", "words"),
    [
        (ResourceType.STRING, b"ab\xffcd", 2, "invalid UTF-8"),
        (ResourceType.STRING, b"abc\xe2\x82", 3, "invalid UTF-8"),
        (ResourceType.INTEGER, b"", 0, "empty payload"),
        (ResourceType.INTEGER, b"12.5", 2, "not a whole decimal number"),
        (ResourceType.INTEGER, b"5.0", 1, "not a whole decimal number"),
        (ResourceType.INTEGER, b"1e3", 1, "not a whole decimal number"),
        (ResourceType.INTEGER, b" 12", 0, "not a whole decimal number"),
        (ResourceType.INTEGER, b"12\n", 2, "not a whole decimal number"),
        (ResourceType.INTEGER, b"0x10", 1, "not a whole decimal number"),
        (ResourceType.INTEGER, "١٢".encode(), 0, "not a whole decimal number"),
        (ResourceType.INTEGER, b"9223372036854775808", 0, "does not fit"),
        (ResourceType.INTEGER, b"9" * 5000, 0, "does not fit"),
        (ResourceType.TIME, b"-9223372036854775809", 0, "does not fit"),
        (ResourceType.UNSIGNED_INTEGER, b"-1", 0, "does not fit"),
        (ResourceType.UNSIGNED_INTEGER, b"18446744073709551616", 0, "does not fit"),
        (ResourceType.FLOAT, b"nan", 0, "not a decimal number"),
        (ResourceType.FLOAT, b"inf", 0, "not a decimal number"),
        (ResourceType.FLOAT, b"-Infinity", 0, "not a decimal number"),
        (ResourceType.FLOAT, b"1_000.5", 1, "not a decimal number"),
        (ResourceType.FLOAT, b"1e999", 0, "does not fit"),
        (ResourceType.FLOAT, b"1.5 ", 3, "not a decimal number"),
        (ResourceType.FLOAT, b"", 0, "empty payload"),
        (ResourceType.BOOLEAN, b"true", 0, "'0' or '1'"),
        (ResourceType.BOOLEAN, b"2", 0, "'0' or '1'"),
        (ResourceType.BOOLEAN, b"10", 1, "'0' or '1'"),
        (ResourceType.BOOLEAN, b"", 0, "'0' or '1'"),
        (ResourceType.OBJLNK, b"3", 1, "OBJ:INST"),
        (ResourceType.OBJLNK, b"3:", 2, "OBJ:INST"),
        (ResourceType.OBJLNK, b"a:0", 0, "OBJ:INST"),
        (ResourceType.OBJLNK, b"3:0:1", 3, "OBJ:INST"),
        (ResourceType.OBJLNK, b"65536:0", 0, "outside 0..65535"),
        (ResourceType.OBJLNK, b"1:1000000", 2, "outside 0..65535"),
        (ResourceType.OPAQUE, b"AAH+/w=", 7, "padding or length"),
        (ResourceType.OPAQUE, b"AA==AA==", 2, "padding or length"),
        (ResourceType.OPAQUE, b"AAH-/w==", 3, "not a base64 character"),
        (ResourceType.OPAQUE, b"00 01", 2, "not a base64 character"),
    ],
)
def test_bad_input(rtype: ResourceType, payload: bytes, position: int, words: str) -> None:
    with pytest.raises(CodecError) as err:
        CODEC.decode(single(rtype), payload, REGISTRY)
    assert words in err.value.reason
    assert err.value.position == position
    assert err.value.fmt == "text"


@pytest.mark.parametrize(
    ("base", "words"),
    [
        ("/3", "address a resource or resource instance"),
        ("/3/0", "address a resource or resource instance"),
        ("/3/0/6", "multi-instance"),
        ("/3/0/9/0", "single-instance"),
        ("/3/0/4", "executable"),
        ("/3/0/99", "unknown resource 99"),
        ("/40000/0/0", "unknown object 40000"),
    ],
)
def test_bad_addresses(base: str, words: str) -> None:
    path = Path.parse(base)
    for call in (
        lambda: CODEC.decode(path, b"1", REGISTRY),
        lambda: CODEC.encode(path, {path: 1}, REGISTRY),
    ):
        with pytest.raises(CodecError) as err:
            call()
        assert words in err.value.reason


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ({}, "exactly one value, got 0"),
        ({Path.parse("/3/0/9"): 1, Path.parse("/3/0/10"): 2}, "exactly one value, got 2"),
        ({Path.parse("/3/0/10"): 1}, "the value is for /3/0/10"),
        ({Path.parse("/3/0/9"): "full"}, "not a valid Integer"),
        ({Path.parse("/3/0/9"): 1.5}, "not a valid Integer"),
        ({Path.parse("/3/0/9"): True}, "not a valid Integer"),
        ({Path.parse("/3/0/9"): 2**64}, "does not fit"),
    ],
)
def test_encode_refuses(content: dict[Path, Value], words: str) -> None:
    with pytest.raises(CodecError) as err:
        CODEC.encode(Path.parse("/3/0/9"), content, REGISTRY)
    assert words in err.value.reason


def test_encode_refuses_non_finite_floats_and_lone_surrogates() -> None:
    path = single(ResourceType.FLOAT)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(CodecError):
            CODEC.encode(path, {path: bad}, REGISTRY)
    text = single(ResourceType.STRING)
    with pytest.raises(CodecError) as err:
        CODEC.encode(text, {text: "ab\ud800"}, REGISTRY)
    assert err.value.position == 2


def test_boundaries() -> None:
    path = single(ResourceType.INTEGER)
    assert CODEC.decode(path, str(INT64_MAX).encode(), REGISTRY) == {path: INT64_MAX}


def test_legacy_draft_format_numbers_map_to_the_registered_codecs() -> None:
    from workbench.lwm2m.codecs import canonical_format, codec_for
    from workbench.lwm2m.codecs.text import TextCodec
    from workbench.lwm2m.codecs.tlv import TlvCodec

    assert canonical_format(1541) == 0 and canonical_format(11542) == 11542
    assert isinstance(codec_for(1541), TextCodec)
    assert isinstance(codec_for(1542), TlvCodec)
