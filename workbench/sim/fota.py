"""A simulated module's firmware update outliving its reboot.

When the client engine's Firmware Update object (:mod:`workbench.client.firmware`) applied a
package, a real module restarts as a whole: its AT side prints the boot URCs and its LwM2M
client comes back (by itself, or when the host starts it again). The new Firmware Version and
Update Result 1 are in flash, so they survive — unlike the rest of a simulator's volatile
state. :class:`FotaPersistence` does that for any :class:`~workbench.sim.base.SimulatorBase`:
it keeps both in the simulator's non-volatile settings and puts them back into each new client.
"""

from __future__ import annotations

from typing import Any

from workbench.lwm2m.paths import Path

KEY = "fota"
VERSION = Path.of(3, 0, 3)
RESULT = Path.of(5, 0, 5)


class FotaPersistence:
    """Bind a simulator's clients to its reboot (see the module docstring)."""

    def __init__(self, simulator: Any) -> None:
        self.simulator = simulator

    def attach(self, client: Any) -> None:
        """Restore an earlier update's version/result into ``client``; reboot on its next one."""
        settings = self.simulator.settings
        saved = settings.get(KEY) if KEY in settings else None
        if saved:
            client.store.set(VERSION, str(saved["version"]))
            client.store.set(RESULT, int(saved["result"]))
        firmware = getattr(client, "firmware", None)
        if firmware is not None:
            firmware.reboot = lambda downtime: self._reboot(client, downtime)

    def _reboot(self, client: Any, downtime: float) -> None:
        store = client.store
        version = store.get_or(VERSION, "")
        result = store.get_or(RESULT, 0)
        self.simulator.settings[KEY] = {
            "version": str(version),
            "result": result if isinstance(result, int) else 0,
        }
        loop = self.simulator._running_loop()
        if loop is not None:
            loop.call_later(downtime, self.simulator.reboot)
