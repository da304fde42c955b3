"""Composite operations on a multi-selection of the object tree, decided without Qt."""

from __future__ import annotations

import pytest

from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.paths import Path
from workbench.viewmodel.composite import (
    COMPOSITE_OPERATIONS,
    CompositeSelection,
    allowed_composite,
    composite_targets,
    observation_key,
    refusal_message,
    writable_resources,
    write_payload,
)

REGISTRY = builtin_registry()


def _p(*texts: str) -> tuple[Path, ...]:
    return tuple(Path.parse(t) for t in texts)


def _on(paths: tuple[Path, ...], **kw: object) -> set[str]:
    defs = {p: d for p in paths if p.resource_id is not None and (d := REGISTRY.resource(p))}
    facts: dict[str, object] = {"server_view": True, "has_client": True, "definitions": defs}
    facts.update(kw)
    allowed = allowed_composite(CompositeSelection(paths, **facts))  # type: ignore[arg-type]
    assert tuple(allowed) == COMPOSITE_OPERATIONS
    return {name for name, on in allowed.items() if on}


def test_targets_drop_duplicates_and_paths_inside_a_selected_instance() -> None:
    got = composite_targets(_p("/3/0/14", "/1/0/1", "/3/0", "/1/0/1", "/3/0/0"))
    assert got == [Path.parse("/1/0/1"), Path.parse("/3/0")]
    assert observation_key(got) == "/1/0/1,/3/0"


def test_two_resources_allow_read_observe_write() -> None:
    assert _on(_p("/3/0/14", "/1/0/1")) == {
        "read_composite",
        "observe_composite",
        "write_composite",
    }
    # Read-only resources: no Write-Composite.
    assert _on(_p("/3/0/0", "/3/0/1")) == {"read_composite", "observe_composite"}
    # An executable resource cannot be read in a composite.
    assert "read_composite" not in _on(_p("/3/0/4", "/3/0/0"))


def test_one_path_no_client_module_view_or_a_recording_allow_nothing() -> None:
    assert _on(_p("/3/0/14")) == set()
    assert _on(_p("/3/0", "/3/0/14")) == set()  # the resource is inside the instance
    assert _on(_p("/3/0/14", "/1/0/1"), has_client=False) == set()
    assert _on(_p("/3/0/14", "/1/0/1"), server_view=False) == set()
    assert _on(_p("/3/0/14", "/1/0/1"), live=False, observed=True) == set()
    assert "cancel_composite" in _on(_p("/3/0/14", "/1/0/1"), observed=True)


def test_writable_resources_and_the_write_payload() -> None:
    paths = _p("/3/0/14", "/3/0/0", "/1/0/1", "/3/0/15", "/3/0/4")
    assert writable_resources(paths, REGISTRY.resource) == list(_p("/1/0/1", "/3/0/14", "/3/0/15"))
    payload = write_payload({Path.parse("/3/0/14"): "+01:00"}, REGISTRY.resource)
    assert payload == {Path.parse("/3/0/14"): "+01:00"}
    with pytest.raises(ValueError, match=r"/3/0/0 .* not a writable"):
        write_payload({Path.parse("/3/0/0"): "x"}, REGISTRY.resource)
    with pytest.raises(ValueError, match="nothing to write"):
        write_payload({}, REGISTRY.resource)
    with pytest.raises(ValueError, match="no definition"):
        write_payload({Path.parse("/9999/0/1"): 1}, REGISTRY.resource)


def test_refusal_messages_name_the_reason() -> None:
    text = refusal_message("read", "4.05 Method Not Allowed", "1.0")
    assert "Read-Composite refused" in text and "LwM2M 1.0" in text
    text = refusal_message("write", "4.15 Unsupported Content-Format", "1.1")
    assert "Write-Composite refused" in text and "does not support" in text
    assert refusal_message("observe", "4.04 Not Found", "1.1") == (
        "Observe-Composite failed: 4.04 Not Found"
    )
