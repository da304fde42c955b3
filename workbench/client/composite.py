"""Read-Composite and Write-Composite on the client side (LwM2M 1.1 core §6.3.8, §6.3.9).

A LwM2M 1.1 server reads values from several objects with one FETCH on the root (a SenML pack
of names) and writes them with one iPATCH on the root (a SenML pack of values). The simulated
modules that register as LwM2M 1.1 answer both here (and Observe-Composite, see the observe
module), so the workbench's composite operations can be tried against them; a 1.0 client
refuses them with 4.05, as 1.0 has none. No vendor document says whether its module answers
composites: the simulators inherit this from the specification, inferred (plugin READMEs say so).
"""

from __future__ import annotations

from aiocoap.numbers.codes import Code

from workbench.client.errors import OperationError, bad_request, not_allowed, not_found
from workbench.client.store import ObjectStore
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.codecs.composite import CompositeCodec, composite_codec_for
from workbench.lwm2m.codecs.senml import decode_paths
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value

#: The Security object is never read or written by a LwM2M server.
_SECURITY = 0


def codec_of(content_format: int | None) -> tuple[int, CompositeCodec]:
    """The SenML format of a composite request (SenML JSON when none is named)."""
    fmt = int(content_format) if content_format is not None else int(ContentFormat.SENML_JSON)
    try:
        return fmt, composite_codec_for(fmt)
    except CodecError as exc:
        raise OperationError(Code.UNSUPPORTED_CONTENT_FORMAT, str(exc)) from None


def requested_paths(payload: bytes, content_format: int | None) -> list[Path]:
    """The names of a Read-Composite / Observe-Composite request."""
    fmt, _codec = codec_of(content_format)
    try:
        paths = decode_paths(payload, fmt)
    except (CodecError, ValueError) as exc:
        raise bad_request(f"composite request: {exc}") from None
    if not paths:
        raise bad_request("composite request names no path")
    return paths


async def read_composite(store: ObjectStore, paths: list[Path]) -> dict[Path, Value]:
    """The values of every path that exists (a missing one is left out, §6.3.8)."""
    values: dict[Path, Value] = {}
    for path in paths:
        if path.object_id == _SECURITY or not store.exists(path):
            continue
        values.update(await store.read(path))
    if not values:
        raise not_found("none of the requested paths exists")
    return values


async def write_composite(store: ObjectStore, content: dict[Path, Value]) -> None:
    """Write resources of several instances; every path is checked before anything changes."""
    by_instance: dict[Path, dict[Path, Value]] = {}
    for path, value in content.items():
        if path.resource_id is None or path.instance_id is None:
            raise bad_request(f"{path}: Write-Composite names resources")
        if path.object_id == _SECURITY:
            raise not_allowed(f"{path}: the Security object is not writable by a server")
        resource = Path.of(path.object_id, path.instance_id, path.resource_id)
        if not store.exists(resource):
            raise not_found(f"{path} does not exist")
        definition = store.resource_definition(resource)
        if not definition.writable:
            raise not_allowed(f"{path} ({definition.name}) is not writable")
        by_instance.setdefault(Path.of(path.object_id, path.instance_id), {})[path] = value
    for instance, values in by_instance.items():
        await store.write(instance, values, replace=False)
