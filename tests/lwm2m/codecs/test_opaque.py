"""Opaque (format 42): raw bytes of one Opaque resource or resource instance."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.lwm2m.codecs.spec_registry import make_spec_registry
from tests.lwm2m.codecs.strategies import TEST_OBJECT_ID, TYPES
from workbench.lwm2m.codecs import ContentFormat
from workbench.lwm2m.codecs.opaque import OpaqueCodec
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ResourceType
from workbench.lwm2m.paths import Path

REGISTRY = make_spec_registry()
CODEC = OpaqueCodec()
OPAQUE = Path.of(TEST_OBJECT_ID, 0, TYPES.index(ResourceType.OPAQUE))
OPAQUE_RI = Path.of(TEST_OBJECT_ID, 0, 100 + TYPES.index(ResourceType.OPAQUE), 3)


def test_identity() -> None:
    assert CODEC.content_format is ContentFormat.OPAQUE
    assert CODEC.encode(OPAQUE, {OPAQUE: b"\x00\xff"}, REGISTRY) == b"\x00\xff"
    assert CODEC.decode(OPAQUE, b"\x00\xff", REGISTRY) == {OPAQUE: b"\x00\xff"}
    assert CODEC.decode(OPAQUE_RI, b"", REGISTRY) == {OPAQUE_RI: b""}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from([OPAQUE, OPAQUE_RI]))
def test_round_trip(value: bytes, path: Path) -> None:
    assert CODEC.decode(path, CODEC.encode(path, {path: value}, REGISTRY), REGISTRY) == {
        path: value
    }


def test_decode_copies_memoryview_and_bytearray() -> None:
    out = CODEC.decode(OPAQUE, bytearray(b"ab"), REGISTRY)  # type: ignore[arg-type]
    assert type(out[OPAQUE]) is bytes


@pytest.mark.parametrize("rtype", [t for t in TYPES if t is not ResourceType.OPAQUE])
def test_other_types_are_refused(rtype: ResourceType) -> None:
    path = Path.of(TEST_OBJECT_ID, 0, TYPES.index(rtype))
    with pytest.raises(CodecError, match="carries only Opaque"):
        CODEC.decode(path, b"1", REGISTRY)
    with pytest.raises(CodecError, match="carries only Opaque"):
        CODEC.encode(path, {path: b"1"}, REGISTRY)


@pytest.mark.parametrize(
    ("base", "words"),
    [
        (f"/{TEST_OBJECT_ID}/0", "address a resource"),
        (f"/{TEST_OBJECT_ID}/0/105", "multi-instance"),
        (f"/{TEST_OBJECT_ID}/0/5/0", "single-instance"),
        (f"/{TEST_OBJECT_ID}/0/200", "executable"),
        (f"/{TEST_OBJECT_ID}/0/99", "unknown resource"),
    ],
)
def test_bad_addresses(base: str, words: str) -> None:
    with pytest.raises(CodecError, match=words):
        CODEC.decode(Path.parse(base), b"x", REGISTRY)


@pytest.mark.parametrize(
    "content",
    [
        {},
        {OPAQUE: b"a", OPAQUE_RI: b"b"},
        {OPAQUE: "text"},
        {OPAQUE: None},
        {OPAQUE_RI: b"a"},
    ],
)
def test_encode_refuses(content: dict[Path, object]) -> None:
    with pytest.raises(CodecError):
        CODEC.encode(OPAQUE, content, REGISTRY)  # type: ignore[arg-type]
