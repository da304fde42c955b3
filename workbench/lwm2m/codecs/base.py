"""What every content-format codec shares: the format numbers, the interface and type lookup.

A codec turns :data:`~workbench.lwm2m.values.Content` (flat path → value) into bytes and back,
typed by an :class:`~workbench.lwm2m.model.ObjectRegistry`. ``base`` is the path the request
was addressed to (``/3/0`` for an instance read); formats that carry relative ids (TLV, LwM2M
CBOR) need it, formats that carry full names (SenML) check the decoded names are below it.

Decoders raise only :class:`~workbench.lwm2m.errors.CodecError` for bad input.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod

from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.model import ObjectRegistry, ResourceDefinition, ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, Value

#: Nesting deeper than this (in formats that nest: TLV, CBOR) is refused before recursion.
MAX_NESTING = 4


class ContentFormat(enum.IntEnum):
    """CoAP Content-Format numbers used by LwM2M 1.0–1.2."""

    TEXT = 0
    LINK_FORMAT = 40
    OPAQUE = 42
    CBOR = 60
    SENML_JSON = 110
    SENML_CBOR = 112
    TLV = 11542
    LWM2M_JSON = 11543
    LWM2M_CBOR = 11544

    @classmethod
    def parse(cls, text: str) -> ContentFormat:
        """Accept a number (``11542``) or a name (``tlv``, ``senml-json``, ``senml_cbor``)."""
        key = text.strip().lower().replace("-", "_").replace("+", "_")
        if key.isdigit():
            try:
                return cls(int(key))
            except ValueError:
                pass
        aliases = {"plain": "text", "json": "lwm2m_json", "senml": "senml_json"}
        key = aliases.get(key, key)
        try:
            return cls[key.upper()]
        except KeyError:
            names = ", ".join(m.name.lower() for m in cls)
            raise ValueError(f"unknown content format {text!r} (known: {names})") from None


class Codec(ABC):
    """A content-format codec for LwM2M values."""

    content_format: ContentFormat
    name: str

    @abstractmethod
    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        """Encode ``content`` (every path below or at ``base``) as this format."""

    @abstractmethod
    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        """Decode ``payload`` that answers (or is written to) ``base``."""


def resource_definition(
    registry: ObjectRegistry, path: Path, fmt: str, position: int | None = None
) -> ResourceDefinition:
    """The definition for a resource path, or a :class:`CodecError` naming the unknown id."""
    obj = registry.get(path.object_id)
    if obj is None:
        raise CodecError(f"unknown object {path.object_id} (no definition loaded)", position, fmt)
    assert path.resource_id is not None
    res = obj.resource(path.resource_id)
    if res is None:
        raise CodecError(
            f"unknown resource {path.resource_id} in object {path.object_id} ({obj.name})",
            position,
            fmt,
        )
    return res


def resource_type(
    registry: ObjectRegistry, path: Path, fmt: str, position: int | None = None
) -> ResourceType:
    return resource_definition(registry, path, fmt, position).type
