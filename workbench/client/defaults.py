"""The objects a plain simulated client relies on, and the values its instances start with.

Definitions come from the shipped OMA files (``resources/objects/<id>.xml``, loaded by
:mod:`workbench.lwm2m.definitions`): :func:`core_definitions` reads objects 0 Security,
1 Server, 3 Device, 4 Connectivity Monitoring and 5 Firmware Update from there, so the
client works with any registry a caller passes, even one that lacks them. The XML carries
ids, names, types and operations but no values: those are :data:`DEFAULT_VALUES`, the one
table of what a fresh simulated module reports.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from typing import Final

from workbench.lwm2m.ddf import load_ddf_bytes
from workbench.lwm2m.definitions import BUILTIN_SOURCE_PREFIX, builtin_folder, builtin_registry
from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import ObjectDefinition, ObjectRegistry

SECURITY = 0
SERVER = 1
DEVICE = 3
CONNECTIVITY = 4
FIRMWARE = 5
#: The objects the engine itself depends on.
CORE_OBJECTS = (SECURITY, SERVER, DEVICE, CONNECTIVITY, FIRMWARE)

#: object → resource → value of instance 0 (a dict for multiple-instance resources, None for
#: executable ones). Device values that depend on the client (endpoint, binding, clock) are
#: filled in by :func:`device_values`. Read through the functions below, which hand out copies
#: (a client's store changes its values; the table must not change with them).
DEFAULT_VALUES: Final[Mapping[int, Mapping[int, object]]] = {
    DEVICE: {
        0: "LwM2M Workbench",
        1: "SIM-1",
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
        14: "+00:00",
        15: "Etc/UTC",
        17: "cellular module",
        18: "1.0",
        19: "1.0.0",
        20: 0,
        21: 1024,
    },
    # An NB-IoT bearer with a loopback address.
    CONNECTIVITY: {
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
    },
    # Idle: state Idle, result Initial, push and pull supported.
    FIRMWARE: {0: b"", 1: "", 2: None, 3: 0, 5: 0, 6: "", 7: "", 8: {0: 0, 1: 1}, 9: 2},
}


def core_definitions() -> list[ObjectDefinition]:
    """Objects 0, 1, 3, 4 and 5 as the shipped XML defines them.

    Raises :class:`DefinitionError` when a file is missing or broken (a packaging bug).
    """
    folder = builtin_folder()
    definitions: list[ObjectDefinition] = []
    for oid in CORE_OBJECTS:
        path = folder / f"{oid}.xml"
        source = BUILTIN_SOURCE_PREFIX + path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DefinitionError(
                f"a shipped core object definition is missing (broken installation?): "
                f"{exc.strerror or exc}",
                source,
            ) from None
        definitions += [d for d in load_ddf_bytes(data, source) if d.id == oid]
    return definitions


def default_registry() -> ObjectRegistry:
    """The shipped registry (it holds the core objects too)."""
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
    """Values for /3/0 of a simulated cellular module reached as ``endpoint`` over ``binding``."""
    values = _copy(DEVICE)
    values[2] = endpoint
    values[13] = int(time.time())
    values[16] = binding if "Q" in binding else binding + "Q"
    return dict(sorted(values.items()))


def connectivity_values() -> dict[int, object]:
    """Values for /4/0: an NB-IoT bearer with a loopback address."""
    return _copy(CONNECTIVITY)


def firmware_values() -> dict[int, object]:
    """An idle Firmware Update instance: state Idle, result Initial, push and pull supported."""
    return _copy(FIRMWARE)


def _copy(oid: int) -> dict[int, object]:
    return copy.deepcopy(dict(DEFAULT_VALUES[oid]))
