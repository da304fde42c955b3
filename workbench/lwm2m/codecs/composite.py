"""The composite codecs (SenML JSON, SenML CBOR) as a type: :class:`CompositeCodec`.

Read-Composite, Write-Composite, Observe-Composite and Send carry values from several objects
in one payload, which only the SenML formats can. Their codecs have three methods beyond
:class:`~workbench.lwm2m.codecs.base.Codec`; :func:`composite_codec_for` returns a codec typed
with them, or says clearly that the format cannot carry a composite (instead of the caller
finding out through an ``AttributeError``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable

from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value


@runtime_checkable
class CompositeCodec(Protocol):
    """A codec for values from anywhere in the object tree (full names, no base path)."""

    def encode_composite(self, content: Mapping[Path, Value], registry: ObjectRegistry) -> bytes:
        """Values from several objects: Read-Composite responses, Write-Composite, Send."""
        ...

    def decode_composite(self, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        """Values from several objects, typed with ``registry``."""
        ...

    def encode_paths(self, paths: Iterable[Path]) -> bytes:
        """A names-only pack: the request of Read-Composite and Observe-Composite."""
        ...


def composite_codec_for(content_format: int | ContentFormat) -> CompositeCodec:
    """The composite codec of ``content_format``; :class:`CodecError` for other formats."""
    codec = codec_for(content_format)
    if not isinstance(codec, CompositeCodec):
        raise CodecError(
            f"content format {int(content_format)} cannot carry a composite "
            f"(use SenML JSON {int(ContentFormat.SENML_JSON)} or "
            f"SenML CBOR {int(ContentFormat.SENML_CBOR)})"
        )
    return codec
