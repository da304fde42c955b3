"""Core object definitions and default instances of a plain simulated client.

The shared definition loader (:func:`workbench.lwm2m.definitions.builtin_registry`) is the
preferred source of definitions; :func:`core_definitions` is a compact, hand-written copy of
the objects the engine itself depends on (0 Security, 1 Server, 3 Device, 4 Connectivity
Monitoring, 5 Firmware Update) so that the client works with any registry a caller passes,
even one that lacks them. Resource ids, types and operations follow the OMA 1.1 definitions.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from workbench.lwm2m.model import (
    ObjectDefinition,
    ObjectRegistry,
    Operations,
    ResourceDefinition,
    ResourceType,
)

SECURITY = 0
SERVER = 1
DEVICE = 3
CONNECTIVITY = 4
FIRMWARE = 5

_T = ResourceType
_OPS = {"": Operations.NONE, "R": Operations.READ, "W": Operations.WRITE}
_OPS["RW"] = Operations.READ | Operations.WRITE
_OPS["E"] = Operations.EXECUTE

# (id, name, type, operations, multiple)
_Row = tuple[int, str, ResourceType, str, bool]

_SECURITY: list[_Row] = [
    (0, "LWM2M Server URI", _T.STRING, "", False),
    (1, "Bootstrap-Server", _T.BOOLEAN, "", False),
    (2, "Security Mode", _T.INTEGER, "", False),
    (3, "Public Key or Identity", _T.OPAQUE, "", False),
    (4, "Server Public Key", _T.OPAQUE, "", False),
    (5, "Secret Key", _T.OPAQUE, "", False),
    (6, "SMS Security Mode", _T.INTEGER, "", False),
    (7, "SMS Binding Key Parameters", _T.OPAQUE, "", False),
    (8, "SMS Binding Secret Key(s)", _T.OPAQUE, "", False),
    (9, "LwM2M Server SMS Number", _T.STRING, "", False),
    (10, "Short Server ID", _T.INTEGER, "", False),
    (11, "Client Hold Off Time", _T.INTEGER, "", False),
    (12, "Bootstrap-Server Account Timeout", _T.INTEGER, "", False),
]
_SERVER: list[_Row] = [
    (0, "Short Server ID", _T.INTEGER, "R", False),
    (1, "Lifetime", _T.INTEGER, "RW", False),
    (2, "Default Minimum Period", _T.INTEGER, "RW", False),
    (3, "Default Maximum Period", _T.INTEGER, "RW", False),
    (4, "Disable", _T.NONE, "E", False),
    (5, "Disable Timeout", _T.INTEGER, "RW", False),
    (6, "Notification Storing When Disabled or Offline", _T.BOOLEAN, "RW", False),
    (7, "Binding", _T.STRING, "RW", False),
    (8, "Registration Update Trigger", _T.NONE, "E", False),
    (9, "Bootstrap-Request Trigger", _T.NONE, "E", False),
    (22, "Preferred Transport", _T.STRING, "RW", False),
    (23, "Mute Send", _T.BOOLEAN, "RW", False),
]
_DEVICE: list[_Row] = [
    (0, "Manufacturer", _T.STRING, "R", False),
    (1, "Model Number", _T.STRING, "R", False),
    (2, "Serial Number", _T.STRING, "R", False),
    (3, "Firmware Version", _T.STRING, "R", False),
    (4, "Reboot", _T.NONE, "E", False),
    (5, "Factory Reset", _T.NONE, "E", False),
    (6, "Available Power Sources", _T.INTEGER, "R", True),
    (7, "Power Source Voltage", _T.INTEGER, "R", True),
    (8, "Power Source Current", _T.INTEGER, "R", True),
    (9, "Battery Level", _T.INTEGER, "R", False),
    (10, "Memory Free", _T.INTEGER, "R", False),
    (11, "Error Code", _T.INTEGER, "R", True),
    (12, "Reset Error Code", _T.NONE, "E", False),
    (13, "Current Time", _T.TIME, "RW", False),
    (14, "UTC Offset", _T.STRING, "RW", False),
    (15, "Timezone", _T.STRING, "RW", False),
    (16, "Supported Binding and Modes", _T.STRING, "R", False),
    (17, "Device Type", _T.STRING, "R", False),
    (18, "Hardware Version", _T.STRING, "R", False),
    (19, "Software Version", _T.STRING, "R", False),
    (20, "Battery Status", _T.INTEGER, "R", False),
    (21, "Memory Total", _T.INTEGER, "R", False),
]
_CONNECTIVITY: list[_Row] = [
    (0, "Network Bearer", _T.INTEGER, "R", False),
    (1, "Available Network Bearer", _T.INTEGER, "R", True),
    (2, "Radio Signal Strength", _T.INTEGER, "R", False),
    (3, "Link Quality", _T.INTEGER, "R", False),
    (4, "IP Addresses", _T.STRING, "R", True),
    (5, "Router IP Addresses", _T.STRING, "R", True),
    (6, "Link Utilization", _T.INTEGER, "R", False),
    (7, "APN", _T.STRING, "R", True),
    (8, "Cell ID", _T.INTEGER, "R", False),
    (9, "SMNC", _T.INTEGER, "R", False),
    (10, "SMCC", _T.INTEGER, "R", False),
]
_FIRMWARE: list[_Row] = [
    (0, "Package", _T.OPAQUE, "W", False),
    (1, "Package URI", _T.STRING, "RW", False),
    (2, "Update", _T.NONE, "E", False),
    (3, "State", _T.INTEGER, "R", False),
    (5, "Update Result", _T.INTEGER, "R", False),
    (6, "PkgName", _T.STRING, "R", False),
    (7, "PkgVersion", _T.STRING, "R", False),
    (8, "Firmware Update Protocol Support", _T.INTEGER, "R", True),
    (9, "Firmware Update Delivery Method", _T.INTEGER, "R", False),
]


def _object(
    oid: int, name: str, rows: Iterable[_Row], multiple: bool, version: str = "1.0"
) -> ObjectDefinition:
    resources = {
        rid: ResourceDefinition(rid, rname, rtype, _OPS[ops], multiple=multi)
        for rid, rname, rtype, ops, multi in rows
    }
    return ObjectDefinition(
        oid,
        name,
        multiple=multiple,
        mandatory=oid in (SECURITY, SERVER, DEVICE),
        version=version,
        resources=resources,
        source="workbench.client.defaults",
    )


def core_definitions() -> list[ObjectDefinition]:
    """Definitions of objects 0, 1, 3, 4 and 5 (the subset the engine relies on)."""
    return [
        _object(SECURITY, "LWM2M Security", _SECURITY, True),
        _object(SERVER, "LwM2M Server", _SERVER, True),
        _object(DEVICE, "Device", _DEVICE, False),
        _object(CONNECTIVITY, "Connectivity Monitoring", _CONNECTIVITY, False),
        _object(FIRMWARE, "Firmware Update", _FIRMWARE, False),
    ]


def default_registry() -> ObjectRegistry:
    """The shared built-in registry when available, else the core definitions alone."""
    try:
        from workbench.lwm2m.definitions import builtin_registry
    except ImportError:
        return ObjectRegistry(core_definitions())
    return with_core_objects(builtin_registry())


def with_core_objects(registry: ObjectRegistry) -> ObjectRegistry:
    """``registry`` plus any of the core objects it lacks (a new registry; input untouched)."""
    if all(oid in registry for oid in (SECURITY, SERVER, DEVICE)):
        return registry
    merged = ObjectRegistry(core_definitions())
    for definition in registry:
        merged.add(definition)
    return merged


def device_values(endpoint: str, binding: str) -> dict[int, object]:
    """Plausible values for /3/0 of a simulated cellular module."""
    return {
        0: "LwM2M Workbench",
        1: "SIM-1",
        2: endpoint,
        3: "1.0.0",
        4: None,
        5: None,
        6: {0: 1, 1: 5},  # internal battery, USB
        7: {0: 3800, 1: 5000},
        8: {0: 120, 1: 900},
        9: 87,
        10: 512,
        11: {0: 0},
        12: None,
        13: int(time.time()),
        14: "+00:00",
        15: "Etc/UTC",
        16: binding.replace("Q", "") + "Q" if "Q" not in binding else binding,
        17: "cellular module",
        18: "1.0",
        19: "1.0.0",
        20: 0,
        21: 1024,
    }


def connectivity_values() -> dict[int, object]:
    """Plausible values for /4/0: an NB-IoT bearer with a loopback address."""
    return {
        0: 7,  # NB-IoT
        1: {0: 6, 1: 7},  # LTE-M, NB-IoT
        2: -85,
        3: 20,
        4: {0: "127.0.0.1"},
        5: {0: "127.0.0.1"},
        6: 5,
        7: {0: "internet"},
        8: 0x1A2B3C,
        9: 1,
        10: 1,
    }


def firmware_values() -> dict[int, object]:
    """An idle Firmware Update instance: state Idle, result Initial, push and pull supported."""
    return {0: b"", 1: "", 2: None, 3: 0, 5: 0, 6: "", 7: "", 8: {0: 0, 1: 1}, 9: 2}
