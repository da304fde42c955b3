"""SenML JSON (110) and SenML CBOR (112): vectors, typing rules and bad input."""

from __future__ import annotations

import json

import cbor2
import pytest

from tests.lwm2m.codecs.oma_objects import oma_registry
from workbench.lwm2m.codecs.senml import (
    SenmlCborCodec,
    SenmlJsonCodec,
    decode_paths,
    encode_paths,
)
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink

P = Path.parse


@pytest.fixture
def registry() -> ObjectRegistry:
    return oma_registry()


JSON = SenmlJsonCodec()
CBOR = SenmlCborCodec()

#: LwM2M 1.1 Core §7.4.4's shape of a Device object instance read in SenML JSON.
DEVICE_JSON = (
    b'[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},'
    b'{"n":"1","vs":"Lightweight M2M Client"},'
    b'{"n":"2","vs":"345000123"},'
    b'{"n":"3","vs":"1.0"},'
    b'{"n":"6/0","v":1},{"n":"6/1","v":5},'
    b'{"n":"7/0","v":3800},{"n":"7/1","v":5000},'
    b'{"n":"9","v":100},'
    b'{"n":"11/0","v":0},'
    b'{"n":"13","v":1367491215},'
    b'{"n":"14","vs":"+02:00"},'
    b'{"n":"16","vs":"U"}]'
)
DEVICE = {
    P("/3/0/0"): "Open Mobile Alliance",
    P("/3/0/1"): "Lightweight M2M Client",
    P("/3/0/2"): "345000123",
    P("/3/0/3"): "1.0",
    P("/3/0/6/0"): 1,
    P("/3/0/6/1"): 5,
    P("/3/0/7/0"): 3800,
    P("/3/0/7/1"): 5000,
    P("/3/0/9"): 100,
    P("/3/0/11/0"): 0,
    P("/3/0/13"): 1367491215,
    P("/3/0/14"): "+02:00",
    P("/3/0/16"): "U",
}


def test_device_instance_vector(registry: ObjectRegistry) -> None:
    assert JSON.decode(P("/3/0"), DEVICE_JSON, registry) == DEVICE
    assert JSON.encode(P("/3/0"), DEVICE, registry) == DEVICE_JSON


def test_cbor_uses_integer_labels_and_text_vlo(registry: ObjectRegistry) -> None:
    content = {
        P("/30000/0/0"): "a",
        P("/30000/0/1"): 5,
        P("/30000/0/4"): True,
        P("/30000/0/5"): b"\x01\x02",
        P("/30000/0/7"): ObjectLink(3, 0),
    }
    payload = CBOR.encode(P("/30000/0"), content, registry)
    assert cbor2.loads(payload) == [
        {-2: "/30000/0/", 0: "0", 3: "a"},
        {0: "1", 2: 5},
        {0: "4", 4: True},
        {0: "5", 8: b"\x01\x02"},
        {0: "7", "vlo": "3:0"},
    ]
    assert CBOR.decode(P("/30000/0"), payload, registry) == content


def test_json_opaque_is_base64url_without_padding(registry: ObjectRegistry) -> None:
    payload = JSON.encode(P("/30000/0/5"), {P("/30000/0/5"): b"\xfb\xff"}, registry)
    assert json.loads(payload) == [{"bn": "/30000/0/5", "vd": "-_8"}]
    assert JSON.decode(P("/30000/0"), b'[{"n":"/30000/0/5","vd":"-_8="}]', registry) == {
        P("/30000/0/5"): b"\xfb\xff"
    }


def test_base_name_carries_over_and_changes(registry: ObjectRegistry) -> None:
    payload = (
        b'[{"bn":"/3/0/","n":"0","vs":"A"},{"n":"9","v":7},'
        b'{"bn":"/3/0/6/","n":"0","v":1},{"n":"1","v":2},'
        b'{"bn":"","n":"/3/0/14","vs":"Z"}]'
    )
    assert JSON.decode(P("/3"), payload, registry) == {
        P("/3/0/0"): "A",
        P("/3/0/9"): 7,
        P("/3/0/6/0"): 1,
        P("/3/0/6/1"): 2,
        P("/3/0/14"): "Z",
    }


def test_time_fields_and_unknown_fields_are_accepted(registry: ObjectRegistry) -> None:
    payload = b'[{"bver":10,"bt":1.3e9,"bn":"/3/0/","n":"9","v":50,"t":-5,"u":"%","x":1}]'
    assert JSON.decode(P("/3/0"), payload, registry) == {P("/3/0/9"): 50}


def test_cbor_time_as_tag_1(registry: ObjectRegistry) -> None:
    payload = cbor2.dumps([{-2: "/3/0/13", 2: cbor2.CBORTag(1, 1367491215)}])
    assert CBOR.decode(P("/3/0"), payload, registry) == {P("/3/0/13"): 1367491215}


def test_integral_float_is_an_integer_and_integer_widens_to_float(
    registry: ObjectRegistry,
) -> None:
    assert JSON.decode(P("/3/0"), b'[{"n":"/3/0/9","v":40.0}]', registry) == {P("/3/0/9"): 40}
    decoded = JSON.decode(P("/30000/0"), b'[{"n":"/30000/0/3","v":4}]', registry)
    assert decoded == {P("/30000/0/3"): 4.0}
    assert isinstance(decoded[P("/30000/0/3")], float)


def test_execute_resource_has_no_value(registry: ObjectRegistry) -> None:
    assert JSON.decode(P("/3/0"), b'[{"n":"/3/0/4"}]', registry) == {P("/3/0/4"): None}
    with pytest.raises(CodecError, match="executable"):
        JSON.decode(P("/3/0"), b'[{"n":"/3/0/4","v":1}]', registry)


# -- composite operations --------------------------------------------------------------------


def test_read_composite_request_paths() -> None:
    payload = b'[{"n":"/3/0/0"},{"n":"/1/0/1"}]'
    assert decode_paths(payload) == [P("/3/0/0"), P("/1/0/1")]
    assert decode_paths(b'[{"bn":"/3/0/","n":"0"},{"n":"6/1"},{"bn":"/5"}]') == [
        P("/3/0/0"),
        P("/3/0/6/1"),
        P("/5"),
    ]
    assert encode_paths([P("/3/0/0"), P("/1/0/1")]) == payload
    cbor_payload = encode_paths([P("/3/0/0"), P("/1")], 112)
    assert cbor2.loads(cbor_payload) == [{0: "/3/0/0"}, {0: "/1"}]
    assert decode_paths(cbor_payload, 112) == [P("/3/0/0"), P("/1")]


def test_paths_with_values_are_refused() -> None:
    with pytest.raises(CodecError, match="name only"):
        decode_paths(b'[{"n":"/3/0/0","vs":"x"}]')


def test_composite_values_across_objects(registry: ObjectRegistry) -> None:
    content = {P("/3/0/9"): 90, P("/1/0/1"): 300, P("/30000/2/104/0"): False}
    for codec in (JSON, CBOR):
        payload = codec.encode_composite(content, registry)
        assert codec.decode_composite(payload, registry) == content
    assert json.loads(JSON.encode_composite(content, registry))[0] == {"n": "/1/0/1", "v": 300}


# -- bad input -------------------------------------------------------------------------------

BAD_JSON = [
    (b'[{"n":"/3/0/9","v":NaN}]', "NaN"),
    (b'[{"n":"/3/0/9","v":1.5}]', "integral"),
    (b'[{"n":"/3/0/9","v":1e400}]', "finite"),
    (b'[{"n":"/3/0/9","v":9223372036854775808}]', "64-bit"),
    (b'[{"n":"/3/0/9","v":true}]', "not a number"),
    (b'[{"n":"/3/0/9","vs":"5"}]', "expected value field 'v'"),
    (b'[{"n":"/3/0/0","v":5}]', "expected value field 'vs'"),
    (b'[{"n":"/30000/0/4","vs":"true"}]', "expected value field 'vb'"),
    (b'[{"n":"/30000/0/5","vs":"AA"}]', "expected value field 'vd'"),
    (b'[{"n":"/30000/0/7","vs":"3:0"}]', "expected value field 'vlo'"),
    (b'[{"n":"/30000/0/7","vlo":"3-0"}]', "OBJ:INST"),
    (b'[{"n":"/30000/0/5","vd":"AA+/"}]', "base64url"),
    (b'[{"n":"/30000/0/5","vd":"A"}]', "base64url"),
    (b'[{"n":"/3/0/0","vs":"\\ud800"}]', "surrogate"),
    (b'[{"n":"/3/0/99","v":1}]', "unknown resource 99"),
    (b'[{"n":"/4242/0/1","v":1}]', "unknown object 4242"),
    (b'[{"n":"/3/0/9","v":1,"vs":"x"}]', "more than one value"),
    (b'[{"n":"/3/0/9"}]', "no value"),
    (b'[{"n":"/3/0/6","v":1}]', "multi-instance"),
    (b'[{"n":"/3/0/9/0","v":1}]', "single-instance"),
    (b'[{"n":"/3/0","v":1}]', "names no resource"),
    (b'[{"n":"/3/0/9","v":1},{"n":"/3/0/9","v":2}]', "twice"),
    (b'[{"n":"/3/0/9","v":1,"n":"/3/0/0"}]', "duplicate key"),
    (b'[{"n":"/1/0/1","v":1}]', "outside the base path"),
    (b'[{"bn":"/3/0","n":"9","v":1}]', "leading zero"),  # RFC 8428: plain concatenation
    (b'[{"n":"3/0/9","v":1}]', "not an LwM2M path"),
    (b'[{"v":1}]', "no name"),
    (b'[{"n":9,"v":1}]', "must be a string"),
    (b'[{"n":"/3/0/9","v":1,"t":"now"}]', "must be a number"),
    (b'[{"n":"/3/0/9","v":1,"bv":2}]', "not supported"),
    (b'[{"n":"/3/0/9","v":1,"crit_":2}]', "must-understand"),
    (b'{"n":"/3/0/9","v":1}', "array of records"),
    (b"[1]", "not a map"),
    (b'[[{"n":"/3/0/9","v":1}]]', "nesting deeper"),
    (b'[{"n":"/3/0/9","v":[1]}]', "nesting deeper"),
    (b'[{"n":"/3/0/9","v":1}', "invalid JSON"),
    (b"", "empty"),
]


@pytest.mark.parametrize(("payload", "reason"), BAD_JSON)
def test_bad_json_is_a_codec_error(registry: ObjectRegistry, payload: bytes, reason: str) -> None:
    with pytest.raises(CodecError, match=reason) as info:
        if "outside" in reason:
            JSON.decode(P("/3/0"), payload, registry)
        else:
            JSON.decode_composite(payload, registry)
    assert info.value.fmt == "SenML JSON"


def test_invalid_utf8_names_its_offset(registry: ObjectRegistry) -> None:
    payload = b'[{"n":"/3/0/0","vs":"ab\xffc"}]'
    with pytest.raises(CodecError, match="UTF-8") as info:
        JSON.decode(P("/3/0"), payload, registry)
    assert info.value.position == payload.index(b"\xff")


def test_json_syntax_error_offset_counts_bytes(registry: ObjectRegistry) -> None:
    payload = '[{"n":"/3/0/0","vs":"é"} x]'.encode()
    with pytest.raises(CodecError) as info:
        JSON.decode(P("/3/0"), payload, registry)
    assert info.value.position == payload.index(b"x")


BAD_CBOR = [
    (cbor2.dumps([{0: "/3/0/9", 2: float("nan")}]), "finite"),
    (cbor2.dumps([{0: "/3/0/9", 2: 1.5}]), "integral"),
    (cbor2.dumps([{0: "/3/0/9", 3: "1"}]), "expected value field 'v'"),
    (cbor2.dumps([{0: "/30000/0/5", 8: "AA"}]), "not a valid Opaque"),
    (cbor2.dumps([{0: "/3/0/9", 2: cbor2.CBORTag(1, 5)}]), "tag 1"),
    (cbor2.dumps([{0: "/3/0/13", 2: cbor2.CBORTag(0, "2013-05-02")}]), "tag 0"),
    (cbor2.dumps([{0: 5, 2: 1}]), "must be a string"),
    (cbor2.dumps([{0: "/3/0/9", 2: None}]), "not a number"),
    (cbor2.dumps({0: "/3/0/9"}), "array of records"),
]


@pytest.mark.parametrize(("payload", "reason"), BAD_CBOR)
def test_bad_cbor_is_a_codec_error(registry: ObjectRegistry, payload: bytes, reason: str) -> None:
    with pytest.raises(CodecError, match=reason):
        CBOR.decode_composite(payload, registry)


def test_truncated_cbor_names_the_end(registry: ObjectRegistry) -> None:
    payload = cbor2.dumps([{0: "/3/0/0", 3: "Open Mobile Alliance"}])
    for cut in range(len(payload)):
        with pytest.raises(CodecError, match=r"truncated|missing") as info:
            CBOR.decode(P("/3/0"), payload[:cut], registry)
        assert info.value.position is not None and info.value.position <= cut


def test_cbor_invalid_utf8_offset(registry: ObjectRegistry) -> None:
    payload = cbor2.dumps([{0: "/3/0/0", 3: "abc"}]).replace(b"abc", b"a\xffc")
    with pytest.raises(CodecError, match="UTF-8") as info:
        CBOR.decode(P("/3/0"), payload, registry)
    assert info.value.position == payload.index(b"\xff")


def test_cbor_trailing_bytes_and_duplicate_keys(registry: ObjectRegistry) -> None:
    good = cbor2.dumps([{0: "/3/0/9", 2: 1}])
    with pytest.raises(CodecError, match="after the end") as info:
        CBOR.decode(P("/3/0"), good + b"\x00", registry)
    assert info.value.position == len(good)
    duplicate = bytes.fromhex("81a3") + b"\x00\x66/3/0/9" + b"\x02\x01" + b"\x02\x02"
    with pytest.raises(CodecError, match="duplicate map key"):
        CBOR.decode(P("/3/0"), duplicate, registry)


def test_cbor_indefinite_lengths_are_read(registry: ObjectRegistry) -> None:
    # [_ {_ 0: (_ "/3/0/", "0"), 3: "x"}]
    payload = bytes.fromhex("9fbf007f652f332f302f6130ff0361" + "78" + "ffff")
    assert CBOR.decode(P("/3/0"), payload, registry) == {P("/3/0/0"): "x"}


def test_encode_refuses_what_it_cannot_write(registry: ObjectRegistry) -> None:
    with pytest.raises(CodecError, match="outside the base path"):
        JSON.encode(P("/3/0"), {P("/1/0/1"): 5}, registry)
    with pytest.raises(CodecError, match="not a valid Integer"):
        JSON.encode(P("/3/0"), {P("/3/0/9"): "5"}, registry)
    with pytest.raises(CodecError, match="unknown resource"):
        CBOR.encode(P("/3/0"), {P("/3/0/99"): 5}, registry)
    with pytest.raises(CodecError, match="surrogate"):
        JSON.encode(P("/3/0"), {P("/3/0/0"): "\ud800"}, registry)
