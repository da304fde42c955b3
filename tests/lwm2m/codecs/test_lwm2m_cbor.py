"""LwM2M CBOR (11544) and plain CBOR (60)."""

from __future__ import annotations

import cbor2
import pytest

from tests.lwm2m.codecs.oma_objects import oma_registry
from workbench.lwm2m.codecs.lwm2m_cbor import CborCodec, Lwm2mCborCodec
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink

P = Path.parse


@pytest.fixture
def registry() -> ObjectRegistry:
    return oma_registry()


CODEC = Lwm2mCborCodec()
PLAIN = CborCodec()

CONTENT = {
    P("/3/0/0"): "Open Mobile Alliance",
    P("/3/0/6/0"): 1,
    P("/3/0/6/1"): 5,
    P("/3/0/9"): 100,
}


def test_nested_maps_from_the_object_id(registry: ObjectRegistry) -> None:
    payload = CODEC.encode(P("/3/0"), CONTENT, registry)
    assert cbor2.loads(payload) == {3: {0: {0: "Open Mobile Alliance", 6: {0: 1, 1: 5}, 9: 100}}}
    assert CODEC.decode(P("/3/0"), payload, registry) == CONTENT


def test_key_arrays(registry: ObjectRegistry) -> None:
    codec = Lwm2mCborCodec(key_arrays=True)
    payload = codec.encode(P("/3/0"), CONTENT, registry)
    assert payload.startswith(bytes.fromhex("a1820300"))  # {[3, 0]: ...}
    assert codec.decode(P("/3/0"), payload, registry) == CONTENT
    assert CODEC.decode(P("/3/0"), payload, registry) == CONTENT


def test_mixed_key_arrays_and_maps_decode(registry: ObjectRegistry) -> None:
    # {[3, 0]: {0: "OMA", [6, 1]: 5}, [3, 0, 9]: 100}
    payload = (
        b"\xa2" + b"\x82\x03\x00" + b"\xa2\x00\x63OMA\x82\x06\x01\x05" + b"\x83\x03\x00\x09\x18\x64"
    )
    assert CODEC.decode(P("/3"), payload, registry) == {
        P("/3/0/0"): "OMA",
        P("/3/0/6/1"): 5,
        P("/3/0/9"): 100,
    }


def test_types_and_time_tag(registry: ObjectRegistry) -> None:
    payload = cbor2.dumps(
        {
            30000: {
                0: {
                    3: 7,  # an integer for a Float resource widens
                    4: True,
                    5: b"\x00",
                    6: cbor2.CBORTag(1, 1700000000),
                    7: "3:0",
                    2: 2**64 - 1,
                }
            }
        }
    )
    assert CODEC.decode(P("/30000/0"), payload, registry) == {
        P("/30000/0/3"): 7.0,
        P("/30000/0/4"): True,
        P("/30000/0/5"): b"\x00",
        P("/30000/0/6"): 1700000000,
        P("/30000/0/7"): ObjectLink(3, 0),
        P("/30000/0/2"): 2**64 - 1,
    }


def test_empty_instance_contributes_nothing(registry: ObjectRegistry) -> None:
    assert CODEC.decode(P("/3"), cbor2.dumps({3: {0: {}}}), registry) == {}


BAD = [
    (cbor2.dumps([1]), "a map"),
    (cbor2.dumps({3: {0: {9: 1.5}}}), "integral"),
    (cbor2.dumps({3: {0: {9: float("nan")}}}), "finite"),
    (cbor2.dumps({3: {0: {9: "1"}}}), "expected value field 'number'"),
    (cbor2.dumps({3: {0: {0: 5}}}), "expected value field 'text string'"),
    (cbor2.dumps({3: {0: {99: 5}}}), "unknown resource 99"),
    (cbor2.dumps({1: {0: {1: 5}}}), "outside the base path"),
    (cbor2.dumps({3: {0: {9: None}}}), "null"),
    (cbor2.dumps({3: {0: {9: [1]}}}), "list"),
    (cbor2.dumps({3: {0: {6: {0: {1: 2}}}}}), "at most 4 levels"),
    (cbor2.dumps({3: {0: 5}}), "names no resource"),
    (cbor2.dumps({3: {-1: {9: 1}}}), "out of range"),
    (cbor2.dumps({"3": {0: {9: 1}}}), "path ids"),
    (cbor2.dumps({3: {0: {9: cbor2.CBORTag(1, 5)}}}), "tag 1"),
    (cbor2.dumps({3: {0: {6: 1}}}), "multi-instance"),
    (cbor2.dumps({3: {0: {9: 1}}, (3, 0, 9): 2}), "twice"),
]


@pytest.mark.parametrize(("payload", "reason"), BAD)
def test_bad_input(registry: ObjectRegistry, payload: bytes, reason: str) -> None:
    with pytest.raises(CodecError, match=reason):
        CODEC.decode(P("/3"), payload, registry)


def test_truncated(registry: ObjectRegistry) -> None:
    payload = CODEC.encode(P("/3/0"), CONTENT, registry)
    for cut in range(len(payload)):
        with pytest.raises(CodecError):
            CODEC.decode(P("/3/0"), payload[:cut], registry)


# -- plain CBOR (60) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "encoded"),
    [
        ("/3/0/9", 100, "1864"),
        ("/3/0/0", "OMA", "634f4d41"),
        ("/30000/0/3", 1.5, "fb3ff8000000000000"),
        ("/30000/0/4", True, "f5"),
        ("/30000/0/5", b"\x01", "4101"),
        ("/30000/0/7", ObjectLink(3, 0), "63333a30"),
        ("/3/0/6/1", 5, "05"),
    ],
)
def test_plain_cbor_values(
    registry: ObjectRegistry, path: str, value: object, encoded: str
) -> None:
    payload = PLAIN.encode(P(path), {P(path): value}, registry)  # type: ignore[dict-item]
    assert payload.hex() == encoded
    assert PLAIN.decode(P(path), payload, registry) == {P(path): value}


def test_plain_cbor_time_tag_1(registry: ObjectRegistry) -> None:
    payload = bytes.fromhex("c11a514b67b0")  # RFC 8949's 1(1363896240)
    assert PLAIN.decode(P("/3/0/13"), payload, registry) == {P("/3/0/13"): 1363896240}


def test_plain_cbor_refuses_more_than_one_value(registry: ObjectRegistry) -> None:
    with pytest.raises(CodecError, match="exactly one value"):
        PLAIN.encode(P("/3/0"), {P("/3/0/9"): 1, P("/3/0/0"): "x"}, registry)
    with pytest.raises(CodecError, match="not a resource"):
        PLAIN.decode(P("/3/0"), b"\x01", registry)
    with pytest.raises(CodecError, match="multi-instance"):
        PLAIN.decode(P("/3/0/6"), b"\x01", registry)
    with pytest.raises(CodecError, match="a list is not a resource value"):
        PLAIN.decode(P("/3/0/9"), b"\x81\x01", registry)
    with pytest.raises(CodecError, match="nesting"):
        PLAIN.decode(P("/3/0/9"), b"\x81\x81\x01", registry)
    with pytest.raises(CodecError, match="after the end"):
        PLAIN.decode(P("/3/0/9"), b"\x01\x02", registry)
