"""A registry for the JSON/CBOR codec tests: the all-types test object and the OMA/IPSO
resources the vendor examples use. Each test module wraps it in its own ``registry`` fixture."""

from __future__ import annotations

from tests.lwm2m.codecs.strategies import make_test_registry
from workbench.lwm2m.model import (
    ObjectDefinition,
    ObjectRegistry,
    Operations,
    ResourceDefinition,
    ResourceType,
)

RW = Operations.READ | Operations.WRITE
T = ResourceType


def _obj(
    object_id: int, name: str, *resources: tuple[int, str, ResourceType, bool]
) -> ObjectDefinition:
    return ObjectDefinition(
        object_id,
        name,
        multiple=True,
        resources={
            rid: ResourceDefinition(rid, rname, rtype, RW, multiple=multi)
            for rid, rname, rtype, multi in resources
        },
    )


def oma_registry() -> ObjectRegistry:
    """The resources of objects 0, 1, 2, 3 and IPSO 3300 that the vendor examples touch
    (types from the OMA/IPSO definitions), plus the all-types test object 30000."""
    registry = make_test_registry()
    for definition in (
        _obj(
            0,
            "LwM2M Security",
            (0, "LwM2M Server URI", T.STRING, False),
            (1, "Bootstrap-Server", T.BOOLEAN, False),
            (2, "Security Mode", T.INTEGER, False),
            (3, "Public Key or Identity", T.OPAQUE, False),
            (4, "Server Public Key", T.OPAQUE, False),
            (5, "Secret Key", T.OPAQUE, False),
            (10, "Short Server ID", T.INTEGER, False),
        ),
        _obj(
            1,
            "LwM2M Server",
            (0, "Short Server ID", T.INTEGER, False),
            (1, "Lifetime", T.INTEGER, False),
            (2, "Default Minimum Period", T.INTEGER, False),
            (3, "Default Maximum Period", T.INTEGER, False),
            (5, "Disable Timeout", T.INTEGER, False),
            (6, "Notification Storing", T.BOOLEAN, False),
            (7, "Binding", T.STRING, False),
            (8, "Registration Update Trigger", T.NONE, False),
            (10, "APN Link", T.OBJLNK, False),
            (22, "Preferred Transport", T.STRING, False),
        ),
        _obj(
            2,
            "LwM2M Access Control",
            (0, "Object ID", T.INTEGER, False),
            (1, "Object Instance ID", T.INTEGER, False),
            (2, "ACL", T.INTEGER, True),
            (3, "Access Control Owner", T.INTEGER, False),
        ),
        _obj(
            3,
            "Device",
            (0, "Manufacturer", T.STRING, False),
            (1, "Model Number", T.STRING, False),
            (2, "Serial Number", T.STRING, False),
            (3, "Firmware Version", T.STRING, False),
            (4, "Reboot", T.NONE, False),
            (6, "Available Power Sources", T.INTEGER, True),
            (7, "Power Source Voltage", T.INTEGER, True),
            (9, "Battery Level", T.INTEGER, False),
            (11, "Error Code", T.INTEGER, True),
            (13, "Current Time", T.TIME, False),
            (14, "UTC Offset", T.STRING, False),
            (16, "Supported Binding and Modes", T.STRING, False),
        ),
        _obj(
            3300,
            "Generic Sensor",
            (5601, "Min Measured Value", T.FLOAT, False),
            (5602, "Max Measured Value", T.FLOAT, False),
            (5603, "Min Range Value", T.FLOAT, False),
            (5604, "Max Range Value", T.FLOAT, False),
            (5700, "Sensor Value", T.FLOAT, False),
            (5701, "Sensor Units", T.STRING, False),
            (5750, "Application Type", T.STRING, False),
            (5751, "Sensor Type", T.STRING, False),
        ),
    ):
        registry.add(definition)
    return registry
