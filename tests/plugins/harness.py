"""End-to-end harness: the built-in server and a simulated module on a real pty, via pyserial.

Everything runs for real: the server on UDP 127.0.0.1, the simulator's LwM2M client talking to
it over the wire, the AT side on a pseudo-terminal opened with pyserial, and a reader thread
collecting every received byte. Tests talk AT through :meth:`ModuleBench.at` and drive the
server with :meth:`ModuleBench.run`::

    with ModuleBench("st-st87mxx") as bench:
        bench.at("AT#LWSTART")
        bench.wait_line(r"#LWREG: 1")
        result = bench.run(lambda server: server.read("ep", "/3/0"))
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import serial

from workbench.app.pipeline import decode_log, events_of
from workbench.module.events import Event
from workbench.plugin.loader import discover_plugins
from workbench.plugin_api import Plugin
from workbench.server import LwM2MServer
from workbench.transport.hosting import PtyHost
from workbench.transport.loopthread import LoopThread

FINAL = re.compile(r"^(OK|ERROR|\+CME ERROR:.*|\+CMS ERROR:.*|NO CARRIER|ABORTED)$")


class ModuleBench:
    """A built-in server plus one simulated module of ``plugin_id`` on a pty."""

    def __init__(
        self,
        plugin_id: str,
        variant: str | None = None,
        **sim_options: Any,
    ) -> None:
        self.plugin: Plugin = discover_plugins(user=False, entry_points=False).get(plugin_id)
        self.variant = variant
        self.sim_options = sim_options
        self._thread = LoopThread(name=f"bench:{plugin_id}")
        self.server = LwM2MServer("127.0.0.1", 0)
        self._host: PtyHost | None = None
        self.serial: serial.Serial | None = None
        self._received = bytearray()
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None
        self._closing = False
        self._cursor = 0

    # -- life cycle ----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        try:
            self._thread.run(self.server.start())
            port = self.server.address[1]
            self.server_url = f"coap://127.0.0.1:{port}"
            options = self.sim_options
            simulator = self.plugin.make_simulator(self.variant, self.server_url, **options)
            self._host = PtyHost(simulator)
            self._thread.run(self._host.start())
            self.serial = serial.Serial(self._host.path, 115200, timeout=0.05)
            self._reader = threading.Thread(target=self._read_loop, daemon=True)
            self._reader.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing = True
        if self._reader is not None:
            self._reader.join(2)
        if self.serial is not None:
            self.serial.close()
        try:
            if self._host is not None:
                self._thread.run(self._host.stop(), timeout=15)
            self._thread.run(self.server.stop(), timeout=15)
        finally:
            self._thread.stop()

    def _read_loop(self) -> None:
        assert self.serial is not None
        pending = b""
        while not self._closing:
            try:
                data = self.serial.read(4096)
            except (serial.SerialException, OSError, TypeError):
                return
            if not data:
                continue
            pending += data
            with self._cond:
                self._received += data
                *complete, pending = re.split(rb"\r\n|\n|\r", pending)
                for raw in complete:
                    if raw.strip():
                        self._lines.append(raw.decode("utf-8", "replace"))
                if pending.endswith(b"> ") or pending == b">":
                    self._lines.append(pending.decode())
                    pending = b""
                self._cond.notify_all()

    # -- AT side ---------------------------------------------------------------------------

    def send(self, text: str, ending: str = "\r\n") -> None:
        """Write a command (or raw text) without waiting."""
        assert self.serial is not None
        with self._cond:
            self._cursor = len(self._lines)
        self.serial.write((text + ending).encode())

    def at(self, command: str, timeout: float = 5.0) -> list[str]:
        """Send ``command`` and return the lines received up to and including its final result."""
        self.send(command)
        start = self._cursor
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index in range(start, len(self._lines)):
                    if FINAL.match(self._lines[index].strip()):
                        self._cursor = index + 1
                        return self._lines[start : index + 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{command!r}: no final result in {timeout} s; got {self._lines[start:]}"
                    )
                self._cond.wait(remaining)

    def wait_line(self, pattern: str, timeout: float = 10.0, *, since_start: bool = False) -> str:
        """The next received line (after the last command sent) that matches ``pattern``."""
        regex = re.compile(pattern)
        start = 0 if since_start else self._cursor
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index in range(start, len(self._lines)):
                    if regex.search(self._lines[index]):
                        self._cursor = index + 1
                        return self._lines[index]
                start = len(self._lines)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no line matching {pattern!r} within {timeout} s")
                self._cond.wait(remaining)

    def lines(self) -> list[str]:
        with self._cond:
            return list(self._lines)

    def transcript(self) -> str:
        """Everything the module sent so far, as text."""
        with self._cond:
            return self._received.decode("utf-8", "replace")

    def events(self) -> list[Event]:
        """The transcript decoded by the plugin's own decoder."""
        with self._cond:
            data = bytes(self._received)
        return list(events_of(decode_log(data, self.plugin, self.variant)))

    # -- server side -----------------------------------------------------------------------

    def run(self, action: Callable[[LwM2MServer], Awaitable[Any]], timeout: float = 15.0) -> Any:
        """Run ``action(server)`` on the server's loop and return its result."""

        async def call() -> Any:
            return await action(self.server)

        return self._thread.run(call(), timeout=timeout)

    def wait_registered(self, timeout: float = 15.0) -> str:
        """Wait until a client is registered with the server; return its endpoint name."""

        async def endpoints() -> list[str]:
            return list(self.server.clients)

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            registered = self._thread.run(endpoints())
            if registered:
                return registered[0]
            time.sleep(0.05)
        raise TimeoutError(f"no registration within {timeout} s")
