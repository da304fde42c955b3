"""Addressing rules of the single-value formats (plain text, opaque).

Those formats carry one bare value and no path, so the request path must say exactly which
value it is: a single-instance resource, or one instance of a multi-instance resource. The
check lives here once so that text and opaque refuse the same requests with the same words.
"""

from __future__ import annotations

from workbench.lwm2m.codecs.base import resource_definition
from workbench.lwm2m.errors import CodecError, PathError, ValueValidationError
from workbench.lwm2m.model import ObjectRegistry, ResourceDefinition, ResourceType, check_type
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, Value


def single_target(base: Path, registry: ObjectRegistry, fmt: str) -> ResourceDefinition:
    """The definition of the one value ``base`` addresses, or a :class:`CodecError` saying why
    this format cannot carry it."""
    if base.depth < 3:
        raise CodecError(
            f"carries a single value: address a resource or resource instance, not {base}",
            None,
            fmt,
        )
    res = resource_definition(registry, base, fmt)
    if res.type is ResourceType.NONE:
        raise CodecError(f"resource {base} is executable and carries no value", None, fmt)
    if base.depth == 3 and res.multiple:
        raise CodecError(
            f"resource {base} ({res.name}) is multi-instance: address one of its instances "
            f"({base}/<id>) or use TLV, SenML or LwM2M CBOR",
            None,
            fmt,
        )
    if base.depth == 4 and not res.multiple:
        raise CodecError(
            f"resource {base.parent} ({res.name}) is single-instance and has no instance "
            f"{base.resource_instance_id}",
            None,
            fmt,
        )
    return res


def single_value(
    base: Path, content: Content, registry: ObjectRegistry, fmt: str
) -> tuple[ResourceDefinition, Value]:
    """The definition and type-checked value of content that must be exactly one value at
    ``base``."""
    res = single_target(base, registry, fmt)
    if len(content) != 1:
        raise CodecError(f"carries exactly one value, got {len(content)}", None, fmt)
    ((path, value),) = content.items()
    if not isinstance(path, Path):
        raise CodecError(f"content keys must be paths, got {path!r}", None, fmt)
    if path != base:
        raise CodecError(f"the value is for {path} but the payload is for {base}", None, fmt)
    return res, checked_value(res, path, value, fmt)


def checked_value(res: ResourceDefinition, path: Path, value: Value, fmt: str) -> Value:
    """``value`` checked against the type of ``res`` (not its range: a debugging tool must be
    able to send out-of-range values), as a :class:`CodecError` when it does not fit."""
    try:
        return check_type(res.type, value, f"{path} ({res.name})")
    except (ValueValidationError, PathError) as exc:
        raise CodecError(str(exc), None, fmt) from None
    except OverflowError:
        raise CodecError(f"{path}: {value!r} does not fit a 64-bit float", None, fmt) from None
