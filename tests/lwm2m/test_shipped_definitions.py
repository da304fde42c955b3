"""The object definitions that ship with the product (``resources/objects``).

They are written by the project; the facts (ids, names, types, operations, multiplicity,
mandatory, units, ranges) must agree with the public OMA registry wherever the registry has the
object, and the resources the vendor documents list must be present.
"""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as SafeElementTree
import pytest

from tests.peers import needs_peer
from workbench.lwm2m.ddf import load_ddf_bytes, load_ddf_file
from workbench.lwm2m.definitions import BUILTIN_SOURCE_PREFIX, builtin_folder, builtin_registry
from workbench.lwm2m.model import ObjectDefinition

REPO_ROOT = Path(__file__).resolve().parents[2]
REGISTRY = REPO_ROOT.parent / "shared" / "lwm2m-registry"
SHIPPED = REPO_ROOT / "resources" / "objects"

REQUIRED = [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 14, 15, 16, 3200, 3300, 3303, 3335]
REQUIRED += [10241, 10262, 10299, 10308]

#: Resources the vendor documents (../shared/specs) name for these objects. u-blox: the
#: "supported objects" tables of the SARA-R4/R5/LEXI-R4 application note; SIMCom: the
#: AT+LWADDOBJ / +LWREAD / +LWWRITE / +LWEXECUTE examples; ST: the built-in object tables.
VENDOR_RESOURCES: dict[int, set[int]] = {
    0: {0, 1, 2, 3, 5, 9, 10, 11, 30000},
    1: {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16, 17, 18, 19, 20, 30000},
    2: {0, 1, 2, 3},
    3: set(range(23)) | {30000},
    4: set(range(11)) | {30000},
    5: {0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 13},
    6: set(range(7)),
    7: set(range(9)),
    10: {4, 5, 9},
    11: {0, 1, 3, 9, 10, 11, 12, 24, 25},
    14: {0, 2, 5},
    15: set(range(8)),
    16: {0},
    3200: {5503, 5505, 5750},
    3300: {0, 5601, 5603, 5604, 5605, 5607, 5700, 5701, 5750, 5751},
    3303: {5518, 5601, 5602, 5603, 5604, 5605, 5700},
    3335: {5750},
    10241: {5905, 5906, 5907, 5908},
    10262: {0, 1, 2, 3},
    10299: set(range(7)),
    10308: {1, 2, 3, 7, 8, 9},
}

XSD_OBJECT_ORDER = [
    "Name",
    "Description1",
    "ObjectID",
    "ObjectURN",
    "LWM2MVersion",
    "ObjectVersion",
    "MultipleInstances",
    "Mandatory",
    "Resources",
    "Description2",
]
XSD_ITEM_ORDER = [
    "Name",
    "Operations",
    "MultipleInstances",
    "Mandatory",
    "Type",
    "RangeEnumeration",
    "Units",
    "Description",
]

needs_registry = needs_peer(
    REGISTRY.is_dir(), f"OMA registry corpus at {REGISTRY} (../shared/lwm2m-registry)"
)


def shipped_files() -> list[Path]:
    return sorted(SHIPPED.glob("*.xml"), key=lambda p: int(p.stem))


def reference(object_id: int) -> ObjectDefinition | None:
    path = REGISTRY / f"{object_id}.xml"
    if not path.exists():
        return None
    (definition,) = load_ddf_file(path)
    return definition


def test_shipped_folder_is_where_the_code_looks() -> None:
    assert builtin_folder().resolve() == SHIPPED.resolve()


def test_every_required_object_ships() -> None:
    registry = builtin_registry()
    missing = [i for i in REQUIRED if i not in registry]
    assert missing == []
    for object_id in REQUIRED:
        definition = registry.get(object_id)
        assert definition is not None
        assert definition.source == f"{BUILTIN_SOURCE_PREFIX}{object_id}.xml"


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.name)
def test_one_object_per_file_named_by_id(path: Path) -> None:
    definitions = load_ddf_bytes(path.read_bytes(), path.name)
    assert [d.id for d in definitions] == [int(path.stem)]


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.name)
def test_shipped_files_are_dtd_free_utf8_and_in_xsd_order(path: Path) -> None:
    data = path.read_bytes()
    assert b"<!DOCTYPE" not in data and b"<!ENTITY" not in data
    assert not data.startswith(b"\xef\xbb\xbf")
    data.decode("utf-8")
    root = SafeElementTree.fromstring(data, forbid_dtd=True)
    (obj,) = root.findall("Object")
    assert obj.get("ObjectType") == "MODefinition"
    assert [child.tag for child in obj] == XSD_OBJECT_ORDER
    for element in obj.find("Resources"):
        assert [child.tag for child in element] == XSD_ITEM_ORDER, element.get("ID")


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.name)
def test_shipped_files_are_our_own_words(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "LEGAL DISCLAIMER" not in text
    assert "Redistribution and use" not in text
    assert "LwM2M Module Workbench" in text


@pytest.mark.parametrize("object_id", REQUIRED)
def test_vendor_documented_resources_are_present(object_id: int) -> None:
    definition = builtin_registry().get(object_id)
    assert definition is not None
    missing = VENDOR_RESOURCES[object_id] - set(definition.resources)
    assert missing == set()


@needs_registry
@pytest.mark.parametrize("object_id", REQUIRED)
def test_agrees_with_the_registry(object_id: int) -> None:
    shipped = builtin_registry().get(object_id)
    ref = reference(object_id)
    assert shipped is not None
    if ref is None:
        assert "inferred from" in shipped.description
        return
    assert (shipped.name, shipped.multiple, shipped.mandatory) == (
        ref.name,
        ref.multiple,
        ref.mandatory,
    )
    assert (shipped.version, shipped.lwm2m_version, shipped.urn) == (
        ref.version,
        ref.lwm2m_version,
        ref.urn,
    )
    assert set(ref.resources) <= set(shipped.resources), "every registry resource ships"
    for resource_id, expected in ref.resources.items():
        actual = shipped.resources[resource_id]
        where = f"/{object_id}/x/{resource_id}"
        assert actual.name == expected.name, where
        assert actual.type is expected.type, where
        assert actual.operations == expected.operations, where
        assert actual.multiple == expected.multiple, where
        assert actual.mandatory == expected.mandatory, where
        assert actual.units == expected.units, where
        assert actual.range == expected.range, where
        assert actual.enumeration == expected.enumeration, where
        if len(expected.description) > 40:
            assert actual.description != expected.description, f"{where}: copied description"
    assert shipped.description != ref.description


@needs_registry
@pytest.mark.parametrize("object_id", REQUIRED)
def test_resources_beyond_the_registry_name_their_source(object_id: int) -> None:
    shipped = builtin_registry().get(object_id)
    ref = reference(object_id)
    assert shipped is not None
    extra = set(shipped.resources) - (set() if ref is None else set(ref.resources))
    for resource_id in extra:
        description = shipped.resources[resource_id].description
        assert "inferred from" in description and ".txt" in description, resource_id
