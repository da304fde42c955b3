"""The client's core objects come from the shipped XML; only their values are ours."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.client.defaults import (
    CORE_OBJECTS,
    DEFAULT_VALUES,
    DEVICE,
    connectivity_values,
    core_definitions,
    default_registry,
    device_values,
    firmware_values,
    with_core_objects,
)
from workbench.lwm2m.definitions import builtin_folder, builtin_registry
from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import ObjectRegistry, ResourceType
from workbench.resources import RESOURCES_ENV

INSTANCES = {
    "device": device_values("urn:imei:35", "U"),
    "connectivity": connectivity_values(),
    "firmware": firmware_values(),
}
OBJECT_OF = {"device": 3, "connectivity": 4, "firmware": 5}


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_every_default_value_fits_its_shipped_definition(name: str) -> None:
    definition = builtin_registry().get(OBJECT_OF[name])
    assert definition is not None and definition.source.startswith("builtin:")
    for rid, value in INSTANCES[name].items():
        resource = definition.resource(rid)
        assert resource is not None, f"/{definition.id}/0/{rid} is not in {definition.source}"
        if resource.type is ResourceType.NONE:
            assert value is None, rid
            continue
        assert resource.multiple == isinstance(value, dict), rid
        for item in value.values() if isinstance(value, dict) else [value]:
            resource.validate(item)  # type, range and enumeration of the OMA definition


def test_every_table_entry_is_handed_out() -> None:
    for name, values in INSTANCES.items():
        assert set(DEFAULT_VALUES[OBJECT_OF[name]]) <= set(values)
    assert set(INSTANCES["device"]) - set(DEFAULT_VALUES[DEVICE]) == {2, 13, 16}
    assert INSTANCES["device"][2] == "urn:imei:35" and INSTANCES["device"][16] == "UQ"


def test_core_definitions_are_the_shipped_ones() -> None:
    shipped = builtin_registry()
    core = core_definitions()
    assert [d.id for d in core] == list(CORE_OBJECTS)
    for definition in core:
        assert definition == shipped.get(definition.id)
    assert default_registry().get(DEVICE) == shipped.get(DEVICE)


def test_a_registry_without_core_objects_gets_the_shipped_ones() -> None:
    merged = with_core_objects(ObjectRegistry())
    assert [oid for oid in CORE_OBJECTS if oid in merged] == list(CORE_OBJECTS)
    device = merged.get(DEVICE)
    assert device is not None and device.source == "builtin:3.xml"


def test_values_are_copies() -> None:
    values = device_values("ep", "U")
    power = values[6]
    assert isinstance(power, dict)
    power[0] = 99
    assert device_values("ep", "U")[6] == {0: 1, 1: 5}


def test_a_missing_core_file_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    objects = tmp_path / "objects"
    objects.mkdir()
    for path in builtin_folder().glob("*.xml"):
        if path.name != "4.xml":
            (objects / path.name).write_bytes(path.read_bytes())
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    with pytest.raises(DefinitionError, match=r"builtin:4\.xml.*missing"):
        core_definitions()
