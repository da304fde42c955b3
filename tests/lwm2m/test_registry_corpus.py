"""Every file of the public OMA registry corpus loads, and loads what the file says.

The corpus lives outside the repository (``../shared/lwm2m-registry`` next to the checkout, the
registry at commit b62ffc2); the tests are skipped, visibly, on machines that do not have it.
"""

from __future__ import annotations

import collections
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree
import pytest

from tests.peers import needs_peer
from workbench.lwm2m.ddf import load_ddf_bytes, load_ddf_folder
from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import ObjectDefinition, ResourceType

REPO_ROOT = Path(__file__).resolve().parents[2]
REGISTRY = REPO_ROOT.parent / "shared" / "lwm2m-registry"

pytestmark = needs_peer(
    REGISTRY.is_dir(), f"OMA registry corpus at {REGISTRY} (../shared/lwm2m-registry)"
)

#: Files of the corpus that are not object definitions (and must be refused clearly).
NOT_OBJECTS = {"Common.xml", "DDF.xml", "LWM2M_senml_units.xml"}


def object_files() -> list[Path]:
    if not REGISTRY.is_dir():
        return []
    return sorted(
        (p for p in REGISTRY.glob("*.xml") if p.name not in NOT_OBJECTS),
        key=lambda p: int(p.stem),
    )


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[ObjectDefinition]]:
    return {p.name: load_ddf_bytes(p.read_bytes(), p.name) for p in object_files()}


def test_corpus_has_321_object_files() -> None:
    assert len(object_files()) == 321


def test_every_object_file_loads_one_object_named_like_the_file(
    corpus: dict[str, list[ObjectDefinition]],
) -> None:
    for name, definitions in corpus.items():
        assert [d.id for d in definitions] == [int(Path(name).stem)], name
        assert definitions[0].name, name
        assert definitions[0].resources, name


def test_loader_agrees_with_a_plain_reading_of_the_xml(
    corpus: dict[str, list[ObjectDefinition]],
) -> None:
    """A second, naive reading of each file finds the same ids, names, types and operations."""
    for path in object_files():
        root = SafeElementTree.fromstring(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
        items = root.find("Object").find("Resources").findall("Item")
        (definition,) = corpus[path.name]
        assert sorted(int(i.get("ID")) for i in items) == list(definition.resources), path.name
        for element in items:
            resource = definition.resources[int(element.get("ID"))]
            assert resource.name == " ".join((element.findtext("Name") or "").split())
            assert resource.type.value == (element.findtext("Type") or "").strip()
            assert resource.operations.letters == (element.findtext("Operations") or "").strip()
            multiple = (element.findtext("MultipleInstances") or "").strip() == "Multiple"
            assert resource.multiple == multiple, (path.name, resource.id)


def test_files_out_of_xsd_order_and_with_bom_load(
    corpus: dict[str, list[ObjectDefinition]],
) -> None:
    with_bom = [p.name for p in object_files() if p.read_bytes().startswith(b"\xef\xbb\xbf")]
    assert len(with_bom) >= 10
    for name in with_bom:
        assert corpus[name]
    # 10299.xml puts Description2 before ObjectID; many items put Type before Operations.
    assert corpus["10299.xml"][0].name == "HostDevice"


def test_counts_of_types_seen(corpus: dict[str, list[ObjectDefinition]]) -> None:
    counts = collections.Counter(
        r.type for definitions in corpus.values() for d in definitions for r in d.resources.values()
    )
    assert set(counts) == set(ResourceType), "every type of the XSD is used somewhere"
    assert counts == {
        ResourceType.INTEGER: 1010,
        ResourceType.FLOAT: 739,
        ResourceType.STRING: 579,
        ResourceType.BOOLEAN: 278,
        ResourceType.NONE: 271,
        ResourceType.TIME: 178,
        ResourceType.UNSIGNED_INTEGER: 136,
        ResourceType.OPAQUE: 117,
        ResourceType.OBJLNK: 68,
        ResourceType.CORELNK: 20,
    }


def test_ranges_are_mostly_understood(corpus: dict[str, list[ObjectDefinition]]) -> None:
    resources = [
        r for definitions in corpus.values() for d in definitions for r in d.resources.values()
    ]
    with_text = [r for r in resources if r.range_text]
    understood = [r for r in with_text if r.range is not None or r.enumeration]
    assert len(with_text) > 700
    assert len(understood) / len(with_text) > 0.97
    for r in understood:
        if r.range is not None and r.range.low is not None and r.range.high is not None:
            assert r.range.low <= r.range.high


def test_executable_resources_have_no_type(corpus: dict[str, list[ObjectDefinition]]) -> None:
    for definitions in corpus.values():
        for d in definitions:
            for r in d.resources.values():
                if r.executable:
                    assert r.type is ResourceType.NONE, (d.id, r.id)


def test_non_object_files_are_refused_clearly() -> None:
    for name in sorted(NOT_OBJECTS):
        path = REGISTRY / name
        if not path.exists():
            continue
        with pytest.raises(DefinitionError, match="not an") as info:
            load_ddf_bytes(path.read_bytes(), name)
        assert info.value.source == name


def test_whole_folder_loads_with_only_the_non_object_files_reported() -> None:
    definitions, errors = load_ddf_folder(REGISTRY)
    assert len(definitions) == 321
    assert {Path(e.source or "").name for e in errors} <= NOT_OBJECTS
