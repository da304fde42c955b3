"""pyserial URL handler ``sim://ID[?variant=V&server=coap://H:P]``: a simulated module in-process.

After :func:`workbench.transport.register_url_handlers`, ``serial.serial_for_url("sim://st-st87mxx")``
returns this :class:`Serial`. The simulator runs on a private loop thread (one per port);
``read``/``write`` behave like a UART: reads honour the port's timeout, writes never block.
Modelled on pyserial's own ``loop://`` handler.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from typing import Any

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from workbench.sim.base import Simulator
from workbench.transport.loopthread import LoopThread


def parse_sim_url(url: str) -> tuple[str, dict[str, str]]:
    """``sim://ID?variant=..&server=..`` → (plugin id, options). Raises SerialException."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "sim":
        raise SerialException(f"expected a sim://ID URL, got {url!r}")
    plugin_id = (parts.netloc + parts.path).strip("/")
    if not plugin_id:
        raise SerialException(f"{url!r}: no module id (e.g. sim://quectel-bg95)")
    options: dict[str, str] = {}
    for key, values in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items():
        if key not in ("variant", "server"):
            raise SerialException(f"{url!r}: unknown option {key!r} (known: variant, server)")
        options[key] = values[-1]
    return plugin_id, options


def make_simulator(plugin_id: str, variant: str | None, server: str) -> Simulator:
    """Build the simulator of a discovered plugin; a clear SerialException otherwise."""
    from workbench.plugin.loader import discover_plugins

    registry = discover_plugins()
    try:
        plugin = registry.get(plugin_id)
        return plugin.make_simulator(variant or None, server)
    except (LookupError, ValueError) as exc:
        known = ", ".join(registry.ids) or "none"
        raise SerialException(f"cannot simulate {plugin_id!r}: {exc} (modules: {known})") from exc


class Serial(SerialBase):  # type: ignore[misc]
    """A serial port whose far end is a simulated module."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._buffer = bytearray()
        self._cond = threading.Condition()
        self._thread: LoopThread | None = None
        self._simulator: Simulator | None = None
        self._cancel_read = False
        self.is_open: bool = False
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        plugin_id, options = parse_sim_url(self.portstr)
        simulator = make_simulator(plugin_id, options.get("variant"), options.get("server", ""))
        simulator.set_output(self._on_output)
        thread = LoopThread(name=f"sim:{plugin_id}")
        try:
            thread.run(simulator.start())
        except Exception as exc:
            thread.stop()
            raise SerialException(f"simulated module {plugin_id!r} failed to start: {exc}") from exc
        self._thread, self._simulator = thread, simulator
        self.is_open = True

    def _on_output(self, data: bytes) -> None:
        with self._cond:
            self._buffer += data
            self._cond.notify_all()

    def close(self) -> None:
        if self._thread is not None and self._simulator is not None:
            try:
                self._thread.run(self._simulator.stop(), timeout=10.0)
            except Exception:  # the port closes whatever the simulator says
                pass
            self._thread.stop()
        self._thread = self._simulator = None
        self.is_open = False
        with self._cond:
            self._cond.notify_all()

    def _reconfigure_port(self) -> None:
        """Baud rate, parity etc. mean nothing to a simulated UART; accept any."""

    @property
    def in_waiting(self) -> int:
        if not self.is_open:
            raise PortNotOpenError()
        with self._cond:
            return len(self._buffer)

    def read(self, size: int = 1) -> bytes:
        if not self.is_open:
            raise PortNotOpenError()
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        with self._cond:
            self._cancel_read = False
            while len(self._buffer) < size and not self._cancel_read and self.is_open:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._cond.wait(remaining)
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data

    def cancel_read(self) -> None:
        with self._cond:
            self._cancel_read = True
            self._cond.notify_all()

    def write(self, data: bytes) -> int:
        if not self.is_open or self._thread is None or self._simulator is None:
            raise PortNotOpenError()
        payload = bytes(data)
        self._thread.call_soon(self._simulator.receive, payload)
        return len(payload)

    def reset_input_buffer(self) -> None:
        with self._cond:
            self._buffer.clear()

    def reset_output_buffer(self) -> None:
        """Writes are handed to the simulator at once; nothing is buffered here."""

    @property
    def out_waiting(self) -> int:
        return 0

    def _update_break_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return True
