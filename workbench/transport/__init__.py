"""Byte transports between a host (terminal, pyserial, tests) and a simulated module.

* :mod:`.hosting` — serve a :class:`~workbench.sim.base.Simulator` on a pseudo-terminal, a TCP
  port or stdin/stdout, from an asyncio loop (``lwm2m-workbench simulate``).
* :mod:`.protocol_sim` — the ``sim://ID?variant=..&server=..`` URL handler for pyserial's
  ``serial_for_url``; the simulator runs in-process on a private loop thread.
"""

from __future__ import annotations


def register_url_handlers() -> None:
    """Make ``serial.serial_for_url("sim://...")`` work (idempotent).

    pyserial finds URL handlers by importing ``<package>.protocol_<scheme>`` for each package in
    ``serial.protocol_handler_packages``; that list is pyserial's own global, so appending our
    package once is the documented way in.
    """
    import serial

    if __name__ not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(__name__)
