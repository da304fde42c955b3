"""composite_codec_for: SenML codecs typed as composite codecs, other formats refused clearly."""

from __future__ import annotations

import pytest

from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.codecs.composite import CompositeCodec, composite_codec_for
from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.paths import Path


@pytest.mark.parametrize("fmt", [ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR])
def test_senml_codecs_round_trip_a_composite(fmt: ContentFormat) -> None:
    registry = builtin_registry()
    codec = composite_codec_for(fmt)
    assert isinstance(codec, CompositeCodec)
    content = {Path.parse("/3/0/0"): "ACME", Path.parse("/1/0/1"): 300}
    assert codec.decode_composite(codec.encode_composite(content, registry), registry) == content
    assert codec.encode_paths([Path.parse("/3/0/0")])


@pytest.mark.parametrize(
    "fmt", [ContentFormat.TLV, ContentFormat.TEXT, ContentFormat.LWM2M_JSON, ContentFormat.CBOR]
)
def test_other_formats_are_refused_with_a_codec_error(fmt: ContentFormat) -> None:
    with pytest.raises(CodecError, match=f"content format {int(fmt)} cannot carry a composite"):
        composite_codec_for(fmt)
