"""A test object registry with every resource type, and hypothesis strategies for content.

Shared by the round-trip tests of every codec so that all formats are held to the same values.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from workbench.lwm2m.model import (
    ObjectDefinition,
    ObjectRegistry,
    Operations,
    ResourceDefinition,
    ResourceType,
)
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import INT64_MAX, INT64_MIN, UINT64_MAX, ObjectLink, Value

#: Object 30000 of the test registry: resource id == position in this list, single and multiple.
TEST_OBJECT_ID = 30000
TYPES = [
    ResourceType.STRING,
    ResourceType.INTEGER,
    ResourceType.UNSIGNED_INTEGER,
    ResourceType.FLOAT,
    ResourceType.BOOLEAN,
    ResourceType.OPAQUE,
    ResourceType.TIME,
    ResourceType.OBJLNK,
    ResourceType.CORELNK,
]


def make_test_registry() -> ObjectRegistry:
    """Object 30000: resources 0..8 single-instance (one per type), 100..108 multi-instance."""
    resources: dict[int, ResourceDefinition] = {}
    for index, rtype in enumerate(TYPES):
        resources[index] = ResourceDefinition(
            index, f"single {rtype.label}", rtype, Operations.READ | Operations.WRITE
        )
        resources[100 + index] = ResourceDefinition(
            100 + index,
            f"multiple {rtype.label}",
            rtype,
            Operations.READ | Operations.WRITE,
            multiple=True,
        )
    resources[200] = ResourceDefinition(200, "execute", ResourceType.NONE, Operations.EXECUTE)
    return ObjectRegistry(
        [ObjectDefinition(TEST_OBJECT_ID, "Test types", multiple=True, resources=resources)]
    )


def values_of(rtype: ResourceType) -> st.SearchStrategy[Value]:
    """Every value a resource of ``rtype`` may hold."""
    if rtype in (ResourceType.STRING, ResourceType.CORELNK):
        return st.text(max_size=40)
    if rtype in (ResourceType.INTEGER, ResourceType.TIME):
        return st.integers(INT64_MIN, INT64_MAX)
    if rtype is ResourceType.UNSIGNED_INTEGER:
        return st.integers(0, UINT64_MAX)
    if rtype is ResourceType.FLOAT:
        return st.floats(allow_nan=False, allow_infinity=False).filter(math.isfinite)
    if rtype is ResourceType.BOOLEAN:
        return st.booleans()
    if rtype is ResourceType.OPAQUE:
        return st.binary(max_size=64)
    if rtype is ResourceType.OBJLNK:
        return st.builds(ObjectLink, st.integers(0, 65535), st.integers(0, 65535))
    raise AssertionError(rtype)


@st.composite
def resource_content(draw: st.DrawFn, instance: int = 0) -> dict[Path, Value]:
    """Content of one resource of the test object (single or multiple), with its path."""
    index = draw(st.integers(0, len(TYPES) - 1))
    rtype = TYPES[index]
    if draw(st.booleans()):
        path = Path.of(TEST_OBJECT_ID, instance, index)
        return {path: draw(values_of(rtype))}
    ris = draw(st.lists(st.integers(0, 65534), min_size=1, max_size=4, unique=True))
    return {
        Path.of(TEST_OBJECT_ID, instance, 100 + index, ri): draw(values_of(rtype)) for ri in ris
    }


@st.composite
def instance_content(draw: st.DrawFn, instance: int = 0) -> dict[Path, Value]:
    """Content of one object instance: a few resources."""
    content: dict[Path, Value] = {}
    for part in draw(st.lists(resource_content(instance), min_size=1, max_size=5)):
        # Two draws may pick the same resource; keep a whole resource from one draw only.
        resource_paths = {Path.of(*p.ids[:3]) for p in part}
        if any(Path.of(*p.ids[:3]) in resource_paths for p in content):
            continue
        content.update(part)
    return content


@st.composite
def object_content(draw: st.DrawFn) -> dict[Path, Value]:
    """Content of a whole object: one or more instances."""
    instances = draw(st.lists(st.integers(0, 65534), min_size=1, max_size=3, unique=True))
    content: dict[Path, Value] = {}
    for inst in instances:
        content.update(draw(instance_content(inst)))
    return content
