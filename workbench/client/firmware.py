"""Default Connectivity Monitoring and a minimal Firmware Update (object 5) state machine.

Enough for a server's FOTA flow to run end to end against a simulated client: writing a
package (push) or a package URI (pull) moves State to Downloaded (pull passes through
Downloading for ``download_time`` seconds); Update in Downloaded moves to Updating and, after
``update_time``, back to Idle with Update Result 1 (success). Update in any other state is
refused with 4.05, as the object definition describes it as valid only in Downloaded.
Writing an empty package or URI cancels (State Idle, Update Result 0).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from workbench.client.defaults import CONNECTIVITY, FIRMWARE, connectivity_values, firmware_values
from workbench.client.errors import not_allowed
from workbench.client.store import ObjectStore
from workbench.lwm2m.paths import Path

IDLE, DOWNLOADING, DOWNLOADED, UPDATING = 0, 1, 2, 3

Spawn = Callable[[Awaitable[Any]], None]


def install_defaults(
    store: ObjectStore, spawn: Spawn, download_time: float = 0.2, update_time: float = 0.2
) -> None:
    """Create /4/0 and /5/0 (when defined and absent) and wire the FOTA behaviour."""
    if CONNECTIVITY in store.registry and not store.instance_ids(CONNECTIVITY):
        store.create_instance(CONNECTIVITY, 0, connectivity_values())
    if FIRMWARE not in store.registry or store.instance_ids(FIRMWARE):
        return
    if store.is_host_object(FIRMWARE):
        return
    store.create_instance(FIRMWARE, 0, firmware_values())
    state = Path.of(FIRMWARE, 0, 3)
    result = Path.of(FIRMWARE, 0, 5)

    async def later(delay: float, new_state: int, new_result: int | None = None) -> None:
        await asyncio.sleep(delay)
        store.set(state, new_state)
        if new_result is not None:
            store.set(result, new_result)

    def written(path: Path) -> None:
        package = store.get_or(Path.of(FIRMWARE, 0, 0), b"")
        uri = store.get_or(Path.of(FIRMWARE, 0, 1), "")
        if path.contains(Path.of(FIRMWARE, 0, 0)) and package:
            store.set(state, DOWNLOADED)
            store.set(result, 0)
        elif path.contains(Path.of(FIRMWARE, 0, 1)) and uri:
            store.set(state, DOWNLOADING)
            store.set(result, 0)
            spawn(later(download_time, DOWNLOADED))
        elif not package and not uri:
            store.set(state, IDLE)
            store.set(result, 0)

    def execute(path: Path, arguments: str) -> None:
        if store.get_or(state) != DOWNLOADED:
            raise not_allowed("Update is only valid in state Downloaded (2)")
        store.set(state, UPDATING)
        spawn(later(update_time, IDLE, 1))

    store.on_write(Path.of(FIRMWARE, 0), written)
    store.on_execute(Path.of(FIRMWARE, 0, 2), execute)
