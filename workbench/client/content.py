"""Content-format negotiation for the client: which format answers a read, how writes decode.

The codecs themselves live in :mod:`workbench.lwm2m.codecs`. Plain text and opaque are so
small that a fallback is kept here, so that a client without the codec package (or while it is
being written) can still answer single-resource reads and writes.

Defaults when the server sends no Accept (what Leshan and Wakaama expect): a single resource
in plain text (opaque resources as opaque); anything else in TLV for LwM2M 1.0/1.1 and SenML
CBOR for 1.2, overridable per client.
"""

from __future__ import annotations

from aiocoap.numbers.codes import Code

from workbench.client.errors import OperationError
from workbench.lwm2m.codecs.base import Codec, ContentFormat
from workbench.lwm2m.errors import CodecError, ValueValidationError
from workbench.lwm2m.model import ObjectRegistry, ResourceType, format_text_value, parse_text_value
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, Value

#: Formats a client reads and writes (link-format is only for Discover and Register).
VALUE_FORMATS = (
    ContentFormat.TEXT,
    ContentFormat.OPAQUE,
    ContentFormat.TLV,
    ContentFormat.SENML_JSON,
    ContentFormat.SENML_CBOR,
    ContentFormat.LWM2M_JSON,
    ContentFormat.LWM2M_CBOR,
    ContentFormat.CBOR,
)


class _FallbackSingleValue(Codec):
    """Text/opaque for one resource value, used only when the codec package is missing."""

    def __init__(self, fmt: ContentFormat) -> None:
        self.content_format = fmt
        self.name = fmt.name.lower()

    def encode(self, base: Path, content: Content, registry: ObjectRegistry) -> bytes:
        if len(content) != 1:
            raise CodecError("one value only", None, self.name)
        ((_path, value),) = content.items()
        if self.content_format is ContentFormat.OPAQUE:
            if not isinstance(value, bytes):
                raise CodecError("opaque carries bytes only", None, self.name)
            return value
        if isinstance(value, bytes):
            raise CodecError("opaque values have no text form", None, self.name)
        return format_text_value(value).encode()

    def decode(self, base: Path, payload: bytes, registry: ObjectRegistry) -> dict[Path, Value]:
        if base.resource_id is None:
            raise CodecError("needs a resource path", None, self.name)
        rtype = registry.resource_type(base)
        if self.content_format is ContentFormat.OPAQUE:
            if rtype is not ResourceType.OPAQUE:
                raise CodecError("opaque is for opaque resources", None, self.name)
            return {base: payload}
        try:
            text = payload.decode("utf-8")
            return {base: parse_text_value(rtype or ResourceType.STRING, text)}
        except (UnicodeDecodeError, ValueValidationError) as exc:
            raise CodecError(str(exc), None, self.name) from None


def get_codec(fmt: int) -> Codec | None:
    """The codec for ``fmt``, ``None`` when the client cannot speak it."""
    from workbench.lwm2m.codecs import canonical_format

    try:
        content_format = ContentFormat(canonical_format(fmt))
    except ValueError:
        return None
    if content_format not in VALUE_FORMATS:
        return None
    try:
        from workbench.lwm2m.codecs import codec_for

        return codec_for(content_format)
    except (ImportError, ValueError):
        if content_format in (ContentFormat.TEXT, ContentFormat.OPAQUE):
            return _FallbackSingleValue(content_format)
        return None


def default_format(path: Path, content: Content, registry: ObjectRegistry, version: str) -> int:
    """The format of a read answered without Accept (see the module docstring)."""
    if path.resource_id is not None and len(content) == 1:
        single = next(iter(content))
        if single == path and (
            path.resource_instance_id is not None or not _multiple(registry, path)
        ):
            if registry.resource_type(path) is ResourceType.OPAQUE:
                return ContentFormat.OPAQUE
            return ContentFormat.TEXT
    return ContentFormat.SENML_CBOR if version == "1.2" else ContentFormat.TLV


def _multiple(registry: ObjectRegistry, path: Path) -> bool:
    res = registry.resource(path)
    return bool(res and res.multiple)


def encode(
    path: Path, content: Content, registry: ObjectRegistry, accept: int | None, version: str
) -> tuple[int, bytes]:
    """Encode a read result; 4.06 when the requested format cannot carry it."""
    fmt = default_format(path, content, registry, version) if accept is None else accept
    codec = get_codec(fmt)
    if codec is None:
        raise OperationError(Code.NOT_ACCEPTABLE, f"content format {fmt} is not supported")
    if fmt in (ContentFormat.TEXT, ContentFormat.OPAQUE, ContentFormat.CBOR) and (
        len(content) != 1 or next(iter(content)) != path
    ):
        raise OperationError(Code.NOT_ACCEPTABLE, f"format {fmt} carries a single value only")
    try:
        return fmt, codec.encode(path, content, registry)
    except CodecError as exc:
        raise OperationError(Code.NOT_ACCEPTABLE, str(exc)) from None


def decode(
    path: Path, payload: bytes, registry: ObjectRegistry, fmt: int | None
) -> dict[Path, Value]:
    """Decode a write payload; 4.15 for an unknown format, 4.00 for a bad payload."""
    if fmt is None:
        raise OperationError(Code.BAD_REQUEST, "a write needs a Content-Format")
    codec = get_codec(fmt)
    if codec is None:
        raise OperationError(
            Code.UNSUPPORTED_CONTENT_FORMAT, f"content format {fmt} is not supported"
        )
    try:
        return codec.decode(path, payload, registry)
    except (CodecError, ValueValidationError) as exc:
        raise OperationError(Code.BAD_REQUEST, str(exc)) from None
    except Exception as exc:  # a codec bug must not leave the request unanswered
        raise OperationError(Code.BAD_REQUEST, f"cannot decode: {exc}") from None
