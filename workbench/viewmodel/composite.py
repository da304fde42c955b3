"""Composite operations on a multi-selection of the object tree, without Qt.

With two or more paths selected the tree offers Read-, Observe- and Write-Composite (LwM2M 1.1:
one FETCH / iPATCH on the root for values of several objects). Which of them a selection
allows, which paths go into the request (a path inside another selected one is already
covered), which selected resources a Write-Composite can carry, and what to tell the user when
the client refuses: that is decided here and tested with plain pytest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from workbench.lwm2m.model import ResourceDefinition
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value

#: Every composite operation :func:`allowed_composite` decides, in the menu's order.
COMPOSITE_OPERATIONS = (
    "read_composite",
    "observe_composite",
    "cancel_composite",
    "write_composite",
)

#: The row status of values a composite brought in (the tree shows the source as status).
READ_SOURCE = "read (composite)"
OBSERVE_SOURCE = "observe (composite)"
WRITE_SOURCE = "written (composite)"


def composite_targets(paths: Iterable[Path]) -> list[Path]:
    """The selected paths in tree order, without duplicates and without a path that a selected
    object or instance already covers (the client would answer its values twice)."""
    unique = sorted(set(paths))
    return [p for p in unique if not any(o != p and o.contains(p) for o in unique)]


def observation_key(paths: Iterable[Path]) -> str:
    """The key the server files an Observe-Composite under (its paths joined with commas)."""
    return ",".join(str(p) for p in paths)


@dataclass(frozen=True, slots=True)
class CompositeSelection:
    """What is selected (2+ paths for a composite) and what the tree talks to."""

    paths: tuple[Path, ...]
    #: The built-in server's view of a registered client (composites need the server).
    server_view: bool
    live: bool = True
    has_client: bool = False
    #: The LwM2M version the client registered with ("" when unknown).
    lwm2m_version: str = ""
    #: The selected paths' definitions (a missing path: unknown, allowed).
    definitions: Mapping[Path, ResourceDefinition] | None = None
    #: A composite observation of exactly these paths runs.
    observed: bool = False


def allowed_composite(selection: CompositeSelection) -> dict[str, bool]:
    """Operation name (:data:`COMPOSITE_OPERATIONS`) → allowed for ``selection``.

    A 1.0 client is *not* excluded here: the request goes out and its refusal (4.05) is shown
    with :func:`refusal_message`, because a module may register as 1.0 and still answer (and
    the user asked to see what the module does)."""
    s = selection
    targets = composite_targets(s.paths)
    ok = s.live and s.server_view and s.has_client and len(targets) >= 2
    defs = s.definitions or {}
    readable = all(defs[p].readable for p in targets if p in defs and p.resource_id is not None)
    return {
        "read_composite": ok and readable,
        "observe_composite": ok and readable,
        "cancel_composite": s.live and s.server_view and s.has_client and s.observed,
        "write_composite": ok and len(writable_resources(targets, defs.get)) >= 1,
    }


def writable_resources(
    paths: Iterable[Path], definition: Callable[[Path], ResourceDefinition | None]
) -> list[Path]:
    """The selected single resources a Write-Composite can carry (known and writable)."""
    out: list[Path] = []
    for path in composite_targets(paths):
        if path.resource_id is None or path.resource_instance_id is not None:
            continue
        d = definition(path)
        if d is not None and d.writable and not d.multiple:
            out.append(path)
    return out


def write_payload(
    values: Mapping[Path, Value], definition: Callable[[Path], ResourceDefinition | None]
) -> dict[Path, Value]:
    """The values of a Write-Composite, checked: each path is a writable single resource.

    Raises :class:`ValueError` naming the first path that cannot be written, so the dialog
    says which one instead of the client refusing the whole request."""
    if not values:
        raise ValueError("nothing to write")
    out: dict[Path, Value] = {}
    for path, value in values.items():
        d = definition(path)
        if d is None:
            raise ValueError(f"{path}: no definition, its type is unknown")
        if not d.writable or d.multiple or path.resource_id is None:
            raise ValueError(f"{path} ({d.name}) is not a writable single resource")
        if value is None:
            raise ValueError(f"{path} ({d.name}) has no value")
        out[path] = value
    return out


def refusal_message(operation: str, code: str, lwm2m_version: str = "") -> str:
    """What the banner and each row say when a client answers a composite with an error."""
    name = {"read": "Read-Composite", "observe": "Observe-Composite"}.get(
        operation, "Write-Composite"
    )
    if code.startswith("4.05") or code.startswith("4.15") or lwm2m_version == "1.0":
        why = (
            "the client registered as LwM2M 1.0, which has no composite operations"
            if lwm2m_version == "1.0"
            else "the client does not support composite operations"
        )
        return f"{name} refused ({code}): {why}; read or write the paths one by one"
    return f"{name} failed: {code}"
