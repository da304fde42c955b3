"""Round trips and robustness of the JSON/CBOR formats, held to the shared test registry.

Every format must give back exactly the content it was given, at object, instance, resource
and resource-instance level, for every resource type; and every decoder must answer any byte
string with content or a :class:`CodecError` — never another exception.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lwm2m.codecs.strategies import (
    TEST_OBJECT_ID,
    instance_content,
    make_test_registry,
    object_content,
    resource_content,
)
from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.codecs.base import Codec, ContentFormat
from workbench.lwm2m.codecs.lwm2m_cbor import CborCodec, Lwm2mCborCodec
from workbench.lwm2m.codecs.lwm2m_json import Lwm2mJsonCodec
from workbench.lwm2m.codecs.quectel_bootstrap import (
    BootstrapEntry,
    BootstrapFile,
    format_bootstrap_ini,
    parse_bootstrap_ini,
)
from workbench.lwm2m.codecs.senml import (
    SenmlCborCodec,
    SenmlJsonCodec,
    decode_paths,
    encode_paths,
)
from workbench.lwm2m.codecs.ublox_json import decode_ublox_json, encode_ublox_json
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, ObjectLink, Value

REGISTRY = make_test_registry()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CODECS: list[Codec] = [
    SenmlJsonCodec(),
    SenmlCborCodec(),
    Lwm2mJsonCodec(),
    Lwm2mCborCodec(),
    Lwm2mCborCodec(key_arrays=True),
]
IDS = ["senml-json", "senml-cbor", "lwm2m-json", "lwm2m-cbor", "lwm2m-cbor-key-arrays"]


class _UbloxAsCodec(Codec):
    """The u-blox functions behind the codec interface, so they join the same round trips."""

    content_format = ContentFormat.LWM2M_JSON
    name = "u-blox JSON"

    def __init__(self, lenient: bool) -> None:
        self.lenient = lenient

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        return encode_ublox_json(base, content, REGISTRY).encode()

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        return decode_ublox_json(payload.decode(), REGISTRY, lenient=self.lenient)


class _QuectelAsCodec(Codec):
    """``bootstrap.ini`` with one entry per instance, behind the codec interface."""

    content_format = ContentFormat.LWM2M_JSON
    name = "bootstrap.ini"

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        by_instance: dict[Path, dict[Path, Value]] = {}
        for path, value in content.items():
            by_instance.setdefault(Path.of(*path.ids[:2]), {})[path] = value
        entries = [BootstrapEntry(inst, values) for inst, values in sorted(by_instance.items())]
        return format_bootstrap_ini(BootstrapFile(entries), REGISTRY).encode()

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        return parse_bootstrap_ini(payload, REGISTRY).content()


ALL_CODECS: list[Codec] = [*CODECS, _UbloxAsCodec(True), _UbloxAsCodec(False), _QuectelAsCodec()]
ALL_IDS = [*IDS, "ublox-lenient", "ublox-strict", "quectel-bootstrap"]


def _round_trip(codec: Codec, base: Path, content: dict[Path, Value]) -> None:
    payload = codec.encode(base, content, REGISTRY)
    assert codec.decode(base, payload, REGISTRY) == content


@pytest.mark.parametrize("codec", ALL_CODECS, ids=ALL_IDS)
@SETTINGS
@given(content=object_content())
def test_round_trip_object(codec: Codec, content: dict[Path, Value]) -> None:
    _round_trip(codec, Path.of(TEST_OBJECT_ID), content)


@pytest.mark.parametrize("codec", ALL_CODECS, ids=ALL_IDS)
@SETTINGS
@given(instance=st.integers(0, 65534), data=st.data())
def test_round_trip_instance(codec: Codec, instance: int, data: st.DataObject) -> None:
    content = data.draw(instance_content(instance))
    _round_trip(codec, Path.of(TEST_OBJECT_ID, instance), content)


@pytest.mark.parametrize("codec", ALL_CODECS, ids=ALL_IDS)
@SETTINGS
@given(content=resource_content())
def test_round_trip_resource(codec: Codec, content: dict[Path, Value]) -> None:
    base = Path.of(*next(iter(content)).ids[:3])
    _round_trip(codec, base, content)


@pytest.mark.parametrize("codec", [*CODECS, CborCodec()], ids=[*IDS, "cbor"])
@SETTINGS
@given(content=resource_content())
def test_round_trip_single_value(codec: Codec, content: dict[Path, Value]) -> None:
    """One resource instance (or one single-instance resource) addressed directly."""
    path, value = sorted(content.items())[0]
    _round_trip(codec, path, {path: value})


def test_codec_for_maps_every_json_cbor_format() -> None:
    assert isinstance(codec_for(ContentFormat.SENML_JSON), SenmlJsonCodec)
    assert isinstance(codec_for(ContentFormat.SENML_CBOR), SenmlCborCodec)
    assert isinstance(codec_for(ContentFormat.LWM2M_JSON), Lwm2mJsonCodec)
    assert isinstance(codec_for(ContentFormat.LWM2M_CBOR), Lwm2mCborCodec)
    assert isinstance(codec_for(ContentFormat.CBOR), CborCodec)


# -- robustness --------------------------------------------------------------------------------

BASE = Path.of(TEST_OBJECT_ID)
SAMPLE: dict[Path, Value] = {
    Path.of(TEST_OBJECT_ID, 0, 0): "text",
    Path.of(TEST_OBJECT_ID, 0, 1): -7,
    Path.of(TEST_OBJECT_ID, 0, 3): 2.5,
    Path.of(TEST_OBJECT_ID, 0, 104, 1): True,
    Path.of(TEST_OBJECT_ID, 0, 105, 3): b"\x00\x01\xfe",
    Path.of(TEST_OBJECT_ID, 1, 7): ObjectLink(3, 0),
    Path.of(TEST_OBJECT_ID, 1, 6): 1_700_000_000,
}

Decoder = Callable[[bytes], object]
DECODERS: dict[str, Decoder] = {
    "senml-json": lambda b: SenmlJsonCodec().decode(BASE, b, REGISTRY),
    "senml-cbor": lambda b: SenmlCborCodec().decode(BASE, b, REGISTRY),
    "senml-json-paths": lambda b: decode_paths(b, ContentFormat.SENML_JSON),
    "senml-cbor-paths": lambda b: decode_paths(b, ContentFormat.SENML_CBOR),
    "lwm2m-json": lambda b: Lwm2mJsonCodec().decode(BASE, b, REGISTRY),
    "lwm2m-cbor": lambda b: Lwm2mCborCodec().decode(BASE, b, REGISTRY),
    "cbor": lambda b: CborCodec().decode(Path.of(TEST_OBJECT_ID, 0, 6), b, REGISTRY),
    "ublox": lambda b: decode_ublox_json(b.decode("utf-8", "replace"), REGISTRY),
    "ublox-strict": lambda b: decode_ublox_json(b.decode("utf-8", "replace"), REGISTRY, False),
    "quectel": lambda b: parse_bootstrap_ini(b, REGISTRY),
}
VALID: dict[str, bytes] = {
    "senml-json": SenmlJsonCodec().encode(BASE, SAMPLE, REGISTRY),
    "senml-cbor": SenmlCborCodec().encode(BASE, SAMPLE, REGISTRY),
    "senml-json-paths": b'[{"n":"/3/0/0"},{"n":"/1/0/1"},{"bn":"/5/0/","n":"1"}]',
    "senml-cbor-paths": encode_paths(
        [Path.of(3, 0, 0), Path.of(1, 0, 1), Path.of(5)], ContentFormat.SENML_CBOR
    ),
    "lwm2m-json": Lwm2mJsonCodec().encode(BASE, SAMPLE, REGISTRY),
    "lwm2m-cbor": Lwm2mCborCodec().encode(BASE, SAMPLE, REGISTRY),
    "cbor": bytes.fromhex("c11a514b67b0"),
    "ublox": encode_ublox_json(BASE, SAMPLE, REGISTRY).encode(),
    "ublox-strict": encode_ublox_json(BASE, SAMPLE, REGISTRY).encode(),
    "quectel": format_bootstrap_ini(
        BootstrapFile(
            [
                BootstrapEntry(
                    Path.of(TEST_OBJECT_ID, 0),
                    {p: v for p, v in SAMPLE.items() if p.instance_id == 0},
                )
            ]
        ),
        REGISTRY,
    ).encode(),
}


def _only_codec_errors(decoder: Decoder, payload: bytes) -> None:
    try:
        decoder(payload)
    except CodecError:
        pass


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_valid_samples_decode(name: str) -> None:
    DECODERS[name](VALID[name])


@pytest.mark.parametrize("name", sorted(DECODERS))
@settings(max_examples=200, deadline=None)
@given(payload=st.binary(max_size=200))
def test_random_bytes_raise_only_codec_error(name: str, payload: bytes) -> None:
    _only_codec_errors(DECODERS[name], payload)


def _mutations(valid: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        data = bytearray(valid)
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(5)
            at = rng.randrange(len(data) + 1) if data else 0
            if op == 0 and data:  # flip a bit
                at = min(at, len(data) - 1)
                data[at] ^= 1 << rng.randrange(8)
            elif op == 1:  # truncate
                del data[at:]
            elif op == 2:  # insert a random byte or an interesting one
                data.insert(
                    at, rng.choice([0x00, 0x22, 0x5B, 0x7B, 0xFF, 0x9F, 0xC1, rng.randrange(256)])
                )
            elif op == 3 and data:  # delete a byte
                del data[min(at, len(data) - 1)]
            else:  # duplicate a slice
                end = min(len(data), at + rng.randrange(1, 16))
                data[at:at] = data[at:end]
        out.append(bytes(data))
    return out


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_mutated_valid_encodings_raise_only_codec_error(name: str) -> None:
    """~200 mutations per decoder (2,000 in all) of a valid payload, reproducibly seeded."""
    rng = random.Random(f"mutate-{name}")
    for payload in _mutations(VALID[name], rng, 200):
        _only_codec_errors(DECODERS[name], payload)


DEEP = 10_000


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("senml-json", b"[" * DEEP),
        ("senml-json", b"[" * DEEP + b"]" * DEEP),
        ("lwm2m-json", b'{"e":' * DEEP),
        ("ublox", b"[" * DEEP + b"]" * DEEP),
        ("ublox", b"{" * DEEP),
        ("quectel", b"[" * DEEP + b"]" * DEEP),
        ("senml-cbor", b"\x81" * DEEP + b"\x00"),
        ("senml-cbor", b"\x9f" * DEEP),
        ("lwm2m-cbor", b"\xa1\x01" * DEEP + b"\x00"),
        ("cbor", b"\xc1" * DEEP + b"\x00"),
        ("senml-cbor-paths", b"\x81" * DEEP + b"\x00"),
    ],
)
def test_huge_nesting_is_a_codec_error(name: str, payload: bytes) -> None:
    with pytest.raises(CodecError, match="nesting deeper"):
        DECODERS[name](payload)
