"""The OMA objects the specification's worked examples use (Server, Access Control, Device),
added to the all-types test registry, so spec vectors and round trips share one registry.

Only the resources the examples touch need exact types; names follow the OMA registry.
"""

from __future__ import annotations

from tests.lwm2m.codecs.strategies import make_test_registry
from workbench.lwm2m.model import (
    ObjectDefinition,
    ObjectRegistry,
    Operations,
    ResourceDefinition,
    ResourceType,
)

S = ResourceType.STRING
I = ResourceType.INTEGER  # noqa: E741
RW = Operations.READ | Operations.WRITE


def _object(
    object_id: int, name: str, multiple: bool, items: list[tuple[int, str, ResourceType, bool]]
) -> ObjectDefinition:
    resources = {
        rid: ResourceDefinition(
            rid,
            rname,
            rtype,
            Operations.EXECUTE if rtype is ResourceType.NONE else RW,
            multiple=many,
        )
        for rid, rname, rtype, many in items
    }
    return ObjectDefinition(object_id, name, multiple=multiple, resources=resources)


SERVER = _object(
    1,
    "LwM2M Server",
    True,
    [
        (0, "Short Server ID", I, False),
        (1, "Lifetime", I, False),
        (2, "Default Minimum Period", I, False),
        (3, "Default Maximum Period", I, False),
        (4, "Disable", ResourceType.NONE, False),
        (5, "Disable Timeout", I, False),
        (6, "Notification Storing When Disabled or Offline", ResourceType.BOOLEAN, False),
        (7, "Binding", S, False),
        (8, "Registration Update Trigger", ResourceType.NONE, False),
    ],
)

ACCESS_CONTROL = _object(
    2,
    "LwM2M Access Control",
    True,
    [
        (0, "Object ID", I, False),
        (1, "Object Instance ID", I, False),
        (2, "ACL", I, True),
        (3, "Access Control Owner", I, False),
    ],
)

DEVICE = _object(
    3,
    "Device",
    False,
    [
        (0, "Manufacturer", S, False),
        (1, "Model Number", S, False),
        (2, "Serial Number", S, False),
        (3, "Firmware Version", S, False),
        (4, "Reboot", ResourceType.NONE, False),
        (5, "Factory Reset", ResourceType.NONE, False),
        (6, "Available Power Sources", I, True),
        (7, "Power Source Voltage", I, True),
        (8, "Power Source Current", I, True),
        (9, "Battery Level", I, False),
        (10, "Memory Free", I, False),
        (11, "Error Code", I, True),
        (12, "Reset Error Code", ResourceType.NONE, False),
        (13, "Current Time", ResourceType.TIME, False),
        (14, "UTC Offset", S, False),
        (15, "Timezone", S, False),
        (16, "Supported Binding and Modes", S, False),
        (22, "ExtDevInfo", ResourceType.OBJLNK, True),
    ],
)


def make_spec_registry() -> ObjectRegistry:
    """The all-types test object 30000 plus objects 1, 2 and 3."""
    registry = make_test_registry()
    for definition in (SERVER, ACCESS_CONTROL, DEVICE):
        registry.add(definition)
    return registry
