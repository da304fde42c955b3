"""OMA-TLV: the TS's worked examples byte for byte, round trips at every level, bad input."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.lwm2m.codecs.spec_registry import make_spec_registry
from tests.lwm2m.codecs.strategies import (
    TEST_OBJECT_ID,
    TYPES,
    instance_content,
    object_content,
    resource_content,
    values_of,
)
from workbench.lwm2m.codecs.tlv import Kind, TlvCodec, parse_entries
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import INT64_MAX, UINT64_MAX, ObjectLink, Value

REGISTRY = make_spec_registry()
CODEC = TlvCodec()
P = Path.parse
T = TEST_OBJECT_ID


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", "").replace("\n", ""))


def value_bytes(payload: bytes) -> bytes:
    """The value of the first TLV in ``payload``, without its header."""
    return payload[parse_entries(payload)[0].value_start :]


def res(rtype: ResourceType, multiple: bool = False) -> int:
    """The resource id of the test object with that type."""
    return TYPES.index(rtype) + (100 if multiple else 0)


# -- the TS examples -------------------------------------------------------------------------

#: LwM2M TS 1.0 §6.4.3.1 "Single Object Instance Request Example": Read /3/0, 121 bytes.
DEVICE_TLV = h(
    """
    C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65
    C8 01 16 4C 69 67 68 74 77 65 69 67 68 74 20 4D 32 4D 20 43 6C 69 65 6E 74
    C8 02 09 33 34 35 30 30 30 31 32 33
    C3 03 31 2E 30
    86 06 41 00 01 41 01 05
    88 07 08 42 00 0E D8 42 01 13 88
    87 08 41 00 7D 42 01 03 84
    C1 09 64
    C1 0A 0F
    83 0B 41 00 00
    C4 0D 51 82 42 8F
    C6 0E 2B 30 32 3A 30 30
    C1 10 55
    """
)
DEVICE_CONTENT: dict[Path, Value] = {
    P("/3/0/0"): "Open Mobile Alliance",
    P("/3/0/1"): "Lightweight M2M Client",
    P("/3/0/2"): "345000123",
    P("/3/0/3"): "1.0",
    P("/3/0/6/0"): 1,
    P("/3/0/6/1"): 5,
    P("/3/0/7/0"): 3800,
    P("/3/0/7/1"): 5000,
    P("/3/0/8/0"): 125,
    P("/3/0/8/1"): 900,
    P("/3/0/9"): 100,
    P("/3/0/10"): 15,
    P("/3/0/11/0"): 0,
    P("/3/0/13"): 1367491215,
    P("/3/0/14"): "+02:00",
    P("/3/0/16"): "U",
}

#: TS 1.0 §6.4.3.1 "Multiple Object Instance Request Example": Read /2 (Access Control).
ACL_TLV = h(
    """
    08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F
    08 02 12 C1 00 03 C1 01 00 87 02 41 7F 07 61 01 36 01 C1 03 7F
    """
)
ACL_CONTENT: dict[Path, Value] = {
    P("/2/0/0"): 1,
    P("/2/0/1"): 0,
    P("/2/0/2/127"): 7,
    P("/2/0/3"): 127,
    P("/2/2/0"): 3,
    P("/2/2/1"): 0,
    P("/2/2/2/127"): 7,
    P("/2/2/2/310"): 1,
    P("/2/2/3"): 127,
}

#: TS 1.0 §6.4.3.1: Read /1 (LwM2M Server), one instance.
SERVER_TLV = h("08 00 0F C1 00 01 C4 01 00 01 51 80 C1 06 01 C1 07 55")
SERVER_CONTENT: dict[Path, Value] = {
    P("/1/0/0"): 1,
    P("/1/0/1"): 86400,
    P("/1/0/6"): True,
    P("/1/0/7"): "U",
}


def test_device_instance_example_is_byte_exact() -> None:
    assert len(DEVICE_TLV) == 121
    assert CODEC.decode(P("/3/0"), DEVICE_TLV, REGISTRY) == DEVICE_CONTENT
    assert CODEC.encode(P("/3/0"), DEVICE_CONTENT, REGISTRY) == DEVICE_TLV


def test_device_object_read_wraps_the_instance() -> None:
    wrapped = bytes([0x08, 0x00, len(DEVICE_TLV)]) + DEVICE_TLV
    assert CODEC.encode(P("/3"), DEVICE_CONTENT, REGISTRY) == wrapped
    assert CODEC.decode(P("/3"), wrapped, REGISTRY) == DEVICE_CONTENT


def test_instance_payload_may_be_wrapped_in_its_own_instance_tlv() -> None:
    wrapped = bytes([0x08, 0x00, len(DEVICE_TLV)]) + DEVICE_TLV
    assert CODEC.decode(P("/3/0"), wrapped, REGISTRY) == DEVICE_CONTENT
    with pytest.raises(CodecError) as err:
        CODEC.decode(P("/3/1"), wrapped, REGISTRY)
    assert err.value.position == 0


def test_access_control_multiple_instances_example() -> None:
    assert CODEC.decode(P("/2"), ACL_TLV, REGISTRY) == ACL_CONTENT
    assert CODEC.encode(P("/2"), ACL_CONTENT, REGISTRY) == ACL_TLV


def test_server_object_example() -> None:
    assert CODEC.decode(P("/1"), SERVER_TLV, REGISTRY) == SERVER_CONTENT
    assert CODEC.encode(P("/1"), SERVER_CONTENT, REGISTRY) == SERVER_TLV


def test_multiple_resource_read_example() -> None:
    payload = h("86 06 41 00 01 41 01 05")
    content = {P("/3/0/6/0"): 1, P("/3/0/6/1"): 5}
    assert CODEC.decode(P("/3/0/6"), payload, REGISTRY) == content
    assert CODEC.encode(P("/3/0/6"), content, REGISTRY) == payload


def test_single_resource_read() -> None:
    payload = DEVICE_TLV[:23]
    assert CODEC.decode(P("/3/0/0"), payload, REGISTRY) == {P("/3/0/0"): "Open Mobile Alliance"}
    assert CODEC.encode(P("/3/0/0"), {P("/3/0/0"): "Open Mobile Alliance"}, REGISTRY) == payload


def test_resource_instance_read() -> None:
    assert CODEC.encode(P("/3/0/7/1"), {P("/3/0/7/1"): 5000}, REGISTRY) == h("42 01 13 88")
    assert CODEC.decode(P("/3/0/7/1"), h("42 01 13 88"), REGISTRY) == {P("/3/0/7/1"): 5000}


def test_bare_resource_instances_are_accepted_for_a_multiple_resource() -> None:
    payload = h("41 00 01 41 01 05")
    assert CODEC.decode(P("/3/0/6"), payload, REGISTRY) == {P("/3/0/6/0"): 1, P("/3/0/6/1"): 5}


def test_parse_entries_exposes_offsets() -> None:
    entries = parse_entries(h("86 06 41 00 01 41 01 05 C1 09 64"))
    assert [(e.kind, e.identifier, e.offset) for e in entries] == [
        (Kind.MULTIPLE_RESOURCE, 6, 0),
        (Kind.RESOURCE, 9, 8),
    ]
    inner = parse_entries(DEVICE_TLV, 0, 0)
    assert inner == []


# -- header widths and value encodings ---------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "header"),
    [
        (0, "C0 05"),
        (7, "C7 05"),
        (8, "C8 05 08"),
        (255, "C8 05 FF"),
        (256, "D0 05 01 00"),
        (65535, "D0 05 FF FF"),
        (65536, "D8 05 01 00 00"),
    ],
)
def test_length_field_widths(length: int, header: str) -> None:
    path = Path.of(T, 0, res(ResourceType.OPAQUE))
    payload = CODEC.encode(Path.of(T, 0), {path: b"x" * length}, REGISTRY)
    assert payload[: len(h(header))] == h(header)
    assert CODEC.decode(Path.of(T, 0), payload, REGISTRY) == {path: b"x" * length}


def test_sixteen_bit_identifiers() -> None:
    content = {Path.of(T, 300, 1): 5, Path.of(T, 300, 101, 4000): 6}
    payload = CODEC.encode(Path.of(T), content, REGISTRY)
    assert payload == h("28 01 2C 09 C1 01 05 84 65 61 0F A0 06")
    assert CODEC.decode(Path.of(T), payload, REGISTRY) == content


def test_sixteen_bit_identifiers_decode_with_one_byte_values() -> None:
    # 16-bit id written even though it would fit 8 bits: allowed, and read as is.
    assert CODEC.decode(Path.of(T, 0), h("E1 00 01 05"), REGISTRY) == {Path.of(T, 0, 1): 5}


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "00"),
        (127, "7F"),
        (128, "00 80"),
        (-128, "80"),
        (-129, "FF 7F"),
        (32767, "7F FF"),
        (32768, "00 00 80 00"),
        (-(2**31), "80 00 00 00"),
        (2**31, "00 00 00 00 80 00 00 00"),
        (INT64_MAX, "7F FF FF FF FF FF FF FF"),
        (-(2**63), "80 00 00 00 00 00 00 00"),
    ],
)
def test_integer_widths(value: int, encoded: str) -> None:
    path = Path.of(T, 0, res(ResourceType.INTEGER))
    payload = CODEC.encode(path, {path: value}, REGISTRY)
    assert value_bytes(payload) == h(encoded)
    assert CODEC.decode(path, payload, REGISTRY) == {path: value}


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (200, "00 C8"),
        (INT64_MAX, "7F FF FF FF FF FF FF FF"),
        (INT64_MAX + 1, "80 00 00 00 00 00 00 00"),
        (UINT64_MAX, "FF FF FF FF FF FF FF FF"),
    ],
)
def test_unsigned_integers(value: int, encoded: str) -> None:
    path = Path.of(T, 0, res(ResourceType.UNSIGNED_INTEGER))
    payload = CODEC.encode(path, {path: value}, REGISTRY)
    assert value_bytes(payload) == h(encoded)
    assert CODEC.decode(path, payload, REGISTRY) == {path: value}


def test_unsigned_integer_in_one_byte_from_a_1_1_peer_is_read_unsigned() -> None:
    path = Path.of(T, 0, res(ResourceType.UNSIGNED_INTEGER))
    assert CODEC.decode(path, h("C1 02 C8"), REGISTRY) == {path: 200}


@pytest.mark.parametrize(
    ("value", "width"),
    [(0.5, 4), (-1.25, 4), (3.4028234663852886e38, 4), (0.1, 8), (1e300, 8), (5e-324, 8)],
)
def test_floats_use_four_bytes_only_when_exact(value: float, width: int) -> None:
    path = Path.of(T, 0, res(ResourceType.FLOAT))
    payload = CODEC.encode(path, {path: value}, REGISTRY)
    assert len(value_bytes(payload)) == width
    assert CODEC.decode(path, payload, REGISTRY) == {path: value}


def test_float_decodes_both_widths() -> None:
    path = Path.of(T, 0, 3)
    assert CODEC.decode(path, h("C4 03") + struct.pack(">f", 1.5), REGISTRY) == {path: 1.5}
    assert CODEC.decode(path, h("C8 03 08") + struct.pack(">d", 0.1), REGISTRY) == {path: 0.1}


def test_other_value_encodings() -> None:
    base = Path.of(T, 0)
    content: dict[Path, Value] = {
        Path.of(T, 0, 4): True,
        Path.of(T, 0, 6): -1,
        Path.of(T, 0, 7): ObjectLink(3, 65535),
        Path.of(T, 0, 8): "</3/0>",
    }
    payload = CODEC.encode(base, content, REGISTRY)
    assert payload == h("C1 04 01 C1 06 FF C4 07 00 03 FF FF C6 08 3C 2F 33 2F 30 3E")
    assert CODEC.decode(base, payload, REGISTRY) == content


def test_empty_payloads() -> None:
    assert CODEC.encode(P("/3/0"), {}, REGISTRY) == b""
    assert CODEC.decode(P("/3/0"), b"", REGISTRY) == {}
    assert CODEC.decode(P("/3"), b"", REGISTRY) == {}
    assert CODEC.encode(P("/3/0/6"), {}, REGISTRY) == h("80 06")
    assert CODEC.decode(P("/3/0/6"), b"", REGISTRY) == {}
    assert CODEC.decode(P("/3/0/6"), h("80 06"), REGISTRY) == {}


# -- round trips -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(resource_content())
def test_round_trip_resource(content: dict[Path, Value]) -> None:
    base = Path.of(*next(iter(content)).ids[:3])
    assert CODEC.decode(base, CODEC.encode(base, content, REGISTRY), REGISTRY) == content


@settings(max_examples=200, deadline=None)
@given(resource_content())
def test_round_trip_resource_instance(content: dict[Path, Value]) -> None:
    path = next(iter(content))
    single = {path: content[path]}
    assert CODEC.decode(path, CODEC.encode(path, single, REGISTRY), REGISTRY) == single


@settings(max_examples=200, deadline=None)
@given(instance_content(instance=7))
def test_round_trip_instance(content: dict[Path, Value]) -> None:
    base = Path.of(T, 7)
    assert CODEC.decode(base, CODEC.encode(base, content, REGISTRY), REGISTRY) == content


@settings(max_examples=150, deadline=None)
@given(object_content())
def test_round_trip_object(content: dict[Path, Value]) -> None:
    base = Path.of(T)
    assert CODEC.decode(base, CODEC.encode(base, content, REGISTRY), REGISTRY) == content


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_round_trip_every_type_keeps_python_types(data: st.DataObject) -> None:
    rtype = data.draw(st.sampled_from(TYPES))
    path = Path.of(T, 0, res(rtype))
    value = data.draw(values_of(rtype))
    back = CODEC.decode(path, CODEC.encode(path, {path: value}, REGISTRY), REGISTRY)[path]
    assert back == value
    assert type(back) is type(value)


# -- bad input ---------------------------------------------------------------------------------


def decode_error(base: str, payload: bytes) -> CodecError:
    with pytest.raises(CodecError) as err:
        CODEC.decode(P(base), payload, REGISTRY)
    assert err.value.fmt == "tlv"
    return err.value


@pytest.mark.parametrize(
    ("base", "payload", "position", "words"),
    [
        # truncated header: 16-bit id, 16-bit length, only 2 bytes after the type byte
        ("/3/0", h("C1 09 64 F0 00 01"), 3, "truncated TLV header"),
        ("/3/0", h("C8"), 0, "truncated TLV header"),
        ("/3/0", h("C8 00"), 0, "truncated TLV header"),
        # length past the end
        ("/3/0", h("C8 00 14 4F 70"), 0, "runs past the end"),
        ("/3/0", h("C1 09 64 C3 03 31"), 3, "runs past the end"),
        # a 24-bit length claiming 16 MB
        ("/3/0", h("D8 00 FF FF FF 00"), 0, "runs past the end"),
        # inner TLV longer than its container
        ("/3/0", h("83 0B 42 00 00"), 2, "runs past the end"),
        # wrong value lengths
        ("/30000/0/3", h("C3 03 00 00 00"), 0, "a float has 4 or 8 bytes"),
        ("/30000/0/1", h("C3 01 00 00 00"), 0, "an integer has 1, 2, 4 or 8 bytes"),
        ("/30000/0/1", h("C0 01"), 0, "an integer has 1, 2, 4 or 8 bytes"),
        ("/30000/0/6", h("C5 06 00 00 00 00 00"), 0, "an integer has 1, 2, 4 or 8 bytes"),
        ("/30000/0/4", h("C2 04 00 01"), 0, "a Boolean has 1 byte"),
        ("/30000/0/7", h("C3 07 00 03 00"), 0, "an Objlnk has 4 bytes"),
        # boolean not 0/1
        ("/30000/0/4", h("C1 04 02"), 2, "a Boolean is 0 or 1"),
        # invalid UTF-8 (offset of the bad byte)
        ("/30000/0/0", h("C3 00 61 FF 62"), 3, "invalid UTF-8"),
        ("/30000/0/108/1", h("43 01 61 62 C3"), 4, "invalid UTF-8"),
        # non-finite float
        ("/30000/0/3", h("C4 03 7F C0 00 00"), 0, "not a finite number"),
        # unknown resource id
        ("/3/0", h("C1 09 64 C1 63 00"), 3, "unknown resource 99"),
        ("/40000/0", h("C1 00 00"), None, "unknown object 40000"),
        # nesting not allowed at this level
        ("/3", h("C1 09 64"), 0, "at object level"),
        ("/3/0", h("C1 09 64 41 00 01"), 3, "inside object instance"),
        ("/3/0", h("C1 09 64 03 00 C1 09 64"), 3, "inside object instance"),
        ("/3/0/6", h("03 00 C1 09 64"), 0, "in a payload for resource"),
        ("/3/0/6", h("85 06 C3 00 41 41 41"), 2, "inside multiple resource"),
        ("/3/0/6", h("85 06 83 00 41 00 01"), 2, "inside multiple resource"),
        ("/3/0/6/0", h("83 06 41 00 01"), 0, "where resource instance"),
        # resource-instance inside resource-instance: only values live in a resource instance,
        # so the inner TLV is read as a 3-byte integer
        ("/3/0/6/0", h("43 00 41 00 01"), 0, "an integer has 1, 2, 4 or 8 bytes"),
        # multiplicity mismatch
        ("/3/0", h("C1 06 01"), 0, "is multi-instance but arrived as a single value"),
        ("/3/0", h("83 09 41 00 64"), 0, "is single-instance but arrived as a multiple"),
        ("/3/0/9", h("41 00 64"), 0, "in a payload for resource"),
        # ids that do not match the request, duplicates, reserved ids
        ("/3/0/9", h("C1 0A 64"), 0, "resource 10 in a payload for /3/0/9"),
        ("/3/0/6/1", h("41 00 01"), 0, "resource instance 0 in a payload"),
        ("/3/0/9", h("C1 09 64 C1 09 64"), 3, "holds one resource TLV"),
        ("/3/0/6/1", h("41 01 01 41 01 01"), 3, "exactly one resource instance"),
        ("/3/0/6/1", b"", 0, "exactly one resource instance"),
        ("/3/0", h("C1 09 64 C1 09 64"), 3, "appears twice"),
        ("/3/0/6", h("86 06 41 00 01 41 00 05"), 5, "appears twice"),
        ("/2", h("08 00 03 C1 00 01 08 00 03 C1 00 01"), 6, "appears twice"),
        ("/3/0", h("E1 FF FF 00"), 1, "reserved"),
        ("/3", h("20 FF FF"), 1, "reserved"),
        ("/3/0/9", b"", 0, "empty payload"),
        # executable resources carry no value
        ("/3/0", h("C0 04"), 0, "executable"),
    ],
)
def test_bad_input(base: str, payload: bytes, position: int | None, words: str) -> None:
    error = decode_error(base, payload)
    assert words in error.reason
    assert error.position == position


def test_bad_base_paths() -> None:
    assert "single-instance" in decode_error("/3/0/9/0", h("41 00 01")).reason
    assert "executable" in decode_error("/3/0/4", b"").reason
    assert "unknown resource 99" in decode_error("/3/0/99", b"").reason


@pytest.mark.parametrize(
    ("base", "content", "words"),
    [
        ("/3/0", {P("/3/1/9"): 1}, "not below"),
        ("/3/0", {P("/3/0"): 1}, "resource or resource-instance paths"),
        ("/3/0", {P("/3/0/6"): 1}, "multi-instance"),
        ("/3/0", {P("/3/0/9/0"): 1}, "single-instance"),
        ("/3/0", {P("/3/0/9"): "full"}, "not a valid Integer"),
        ("/3/0", {P("/3/0/9"): 2**63}, "does not fit"),
        ("/3/0", {P("/3/0/4"): None}, "executable"),
        ("/3/0", {P("/3/0/99"): 1}, "unknown resource 99"),
        ("/3/0/9", {}, "no value"),
        ("/3/0/6/0", {}, "no value"),
        ("/30000/0", {Path.of(T, 0, 3): float("nan")}, "not a finite number"),
        ("/30000/0", {Path.of(T, 0, 3): 10**400}, "Float"),
        ("/30000/0", {Path.of(T, 0, 0): "\ud800"}, "not valid UTF-8"),
        ("/30000/0", {Path.of(T, 0, 2): -1}, "does not fit"),
        ("/30000/0", {Path.of(T, 0, 7): ObjectLink(70000, 0)}, "outside 0..65535"),
        ("/30000/0", {"/30000/0/1": 1}, "content keys must be paths"),
    ],
)
def test_encode_refuses(base: str, content: dict[Path, Value], words: str) -> None:
    with pytest.raises(CodecError) as err:
        CODEC.encode(P(base), content, REGISTRY)
    assert words in err.value.reason


def test_encode_refuses_values_past_the_24_bit_length() -> None:
    path = Path.of(T, 0, 5)
    with pytest.raises(CodecError, match="TLV limit"):
        CODEC.encode(path, {path: bytes(0x1000000)}, REGISTRY)
