"""LwM2M JSON (11543): the LwM2M 1.0 JSON format, through the shared record model."""

from __future__ import annotations

import json

import pytest

from tests.lwm2m.codecs.oma_objects import oma_registry
from workbench.lwm2m.codecs.lwm2m_json import Lwm2mJsonCodec
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink

P = Path.parse


@pytest.fixture
def registry() -> ObjectRegistry:
    return oma_registry()


CODEC = Lwm2mJsonCodec()

#: The shape of LwM2M 1.0 §6.4.4's Device object instance example.
DEVICE_JSON = (
    b'{"bn":"/3/0/","e":['
    b'{"n":"0","sv":"Open Mobile Alliance"},'
    b'{"n":"1","sv":"Lightweight M2M Client"},'
    b'{"n":"2","sv":"345000123"},'
    b'{"n":"3","sv":"1.0"},'
    b'{"n":"6/0","v":1},{"n":"6/1","v":5},'
    b'{"n":"7/0","v":3800},{"n":"7/1","v":5000},'
    b'{"n":"9","v":100},'
    b'{"n":"11/0","v":0},'
    b'{"n":"13","v":1367491215},'
    b'{"n":"14","sv":"+02:00"}]}'
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
}


def test_device_instance_vector(registry: ObjectRegistry) -> None:
    assert CODEC.decode(P("/3/0"), DEVICE_JSON, registry) == DEVICE
    assert CODEC.encode(P("/3/0"), DEVICE, registry) == DEVICE_JSON


def test_base_name_with_or_without_trailing_slash(registry: ObjectRegistry) -> None:
    for bn in ("/3/0/", "/3/0"):
        payload = json.dumps({"bn": bn, "e": [{"n": "9", "v": 5}, {"n": "6/1", "v": 2}]})
        assert CODEC.decode(P("/3/0"), payload.encode(), registry) == {
            P("/3/0/9"): 5,
            P("/3/0/6/1"): 2,
        }


def test_full_names_without_base_name_and_resource_read(registry: ObjectRegistry) -> None:
    assert CODEC.decode(P("/3"), b'{"e":[{"n":"/3/0/9","v":5}]}', registry) == {P("/3/0/9"): 5}
    payload = CODEC.encode(P("/3/0/9"), {P("/3/0/9"): 5}, registry)
    assert json.loads(payload) == {"bn": "/3/0/9", "e": [{"v": 5}]}
    assert CODEC.decode(P("/3/0/9"), payload, registry) == {P("/3/0/9"): 5}


def test_value_keys_and_opaque_as_base64(registry: ObjectRegistry) -> None:
    content = {
        P("/30000/1/0"): "s",
        P("/30000/1/3"): -0.5,
        P("/30000/1/4"): False,
        P("/30000/1/5"): b"\xab\xcd\xef",
        P("/30000/1/7"): ObjectLink(11, 65533),
        P("/30000/1/8"): "</1/0>",
    }
    payload = CODEC.encode(P("/30000/1"), content, registry)
    assert json.loads(payload)["e"] == [
        {"n": "0", "sv": "s"},
        {"n": "3", "v": -0.5},
        {"n": "4", "bv": False},
        {"n": "5", "sv": "q83v"},
        {"n": "7", "ov": "11:65533"},
        {"n": "8", "sv": "</1/0>"},
    ]
    assert CODEC.decode(P("/30000/1"), payload, registry) == content


def test_time_fields_are_accepted(registry: ObjectRegistry) -> None:
    payload = b'{"bn":"/3/0/","bt":25462634,"e":[{"n":"9","v":22,"t":-5}]}'
    assert CODEC.decode(P("/3/0"), payload, registry) == {P("/3/0/9"): 22}


BAD = [
    (b'{"bn":"/3/0/","e":[{"n":"9","v":NaN}]}', "NaN"),
    (b'{"bn":"/3/0/","e":[{"n":"9","v":2.5}]}', "integral"),
    (b'{"bn":"/3/0/","e":[{"n":"9","sv":"5"}]}', "expected value field 'v'"),
    (b'{"bn":"/3/0/","e":[{"n":"0","bv":true}]}', "expected value field 'sv'"),
    (b'{"bn":"/3/0/","e":[{"n":"0","vs":"senml key"}]}', "no value"),
    (b'{"bn":"/30000/0/","e":[{"n":"5","sv":"q83v!"}]}', "base64"),
    (b'{"bn":"/30000/0/","e":[{"n":"7","ov":"70000:1"}]}', "65535"),
    (b'{"bn":"/3/0/","e":[{"n":"99","v":1}]}', "unknown resource"),
    (b'{"bn":"/1/0/","e":[{"n":"1","v":1}]}', "outside the base path"),
    (b'{"bn":"/3/0/","e":[{"n":"9","v":1,"sv":"x"}]}', "more than one value"),
    (b'{"bn":3,"e":[]}', "'bn' must be a string"),
    (b'{"bn":"/3/0/"}', "'e' array"),
    (b'{"bn":"/3/0/","e":[5]}', "not an object"),
    (b'{"bn":"/3/0/","e":[{"n":"9","v":{"x":1}}]}', "nesting deeper"),
    (b"[]", "an object"),
    (b'{"bn":"/3/0/","e":[{"n":"9","v":1}]} x', "extra data"),
]


@pytest.mark.parametrize(("payload", "reason"), BAD)
def test_bad_input(registry: ObjectRegistry, payload: bytes, reason: str) -> None:
    base = P("/30000") if b"30000" in payload else P("/3/0")
    with pytest.raises(CodecError, match=reason) as info:
        CODEC.decode(base, payload, registry)
    assert info.value.fmt == "LwM2M JSON"


def test_invalid_utf8_position(registry: ObjectRegistry) -> None:
    payload = b'{"bn":"/3/0/","e":[{"n":"0","sv":"\xc3\x28"}]}'
    with pytest.raises(CodecError, match="UTF-8") as info:
        CODEC.decode(P("/3/0"), payload, registry)
    assert info.value.position == payload.index(b"\xc3")
