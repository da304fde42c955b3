"""Opaque (content format 42, application/octet-stream): the raw bytes of one Opaque value.

Used for firmware packages, certificates and keys. The payload has no structure, so any bytes
decode; what can be wrong is the request: it must address one Opaque resource or one instance
of a multi-instance Opaque resource.
"""

from __future__ import annotations

from workbench.lwm2m.codecs.base import Codec, ContentFormat
from workbench.lwm2m.codecs.single import single_target, single_value
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry, ResourceDefinition, ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, Value

FMT = "opaque"


class OpaqueCodec(Codec):
    """Content format 42: a single Opaque value as its bytes."""

    content_format = ContentFormat.OPAQUE
    name = "opaque"

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        """The bytes of the one Opaque value in ``content``, which must sit at ``base``."""
        _require_opaque(base, single_target(base, registry, FMT))
        _, value = single_value(base, content, registry, FMT)
        assert isinstance(value, bytes)
        return value

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        """``payload`` as the value of the Opaque resource (instance) at ``base``."""
        _require_opaque(base, single_target(base, registry, FMT))
        return {base: bytes(payload)}


def _require_opaque(base: Path, res: ResourceDefinition) -> None:
    if res.type is not ResourceType.OPAQUE:
        raise CodecError(
            f"{base} ({res.name}) is a {res.type.label} resource; format 42 carries only "
            "Opaque values (use text, TLV or SenML)",
            None,
            FMT,
        )
