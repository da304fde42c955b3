"""The demo: the built-in server and a simulated module on a pty, connected as a user would.

Everything is real: the server listens on 127.0.0.1, the simulated module sits behind a
pseudo-terminal, the workbench opens that pty with pyserial (reader thread, batched), sends the
plugin's documented configuration sequence through the AT engine, decodes every line with the
plugin's decoder into the module state, and watches the registration arrive on the server.
The headless ``lwm2m-workbench demo`` command, the window's ``--demo`` and ``--self-test`` all
drive this one class.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.at.client import AtClient
from workbench.at.types import ClassifiedLine, CommandResult
from workbench.events import Event
from workbench.plugin_api import Plugin
from workbench.server import LwM2MServer
from workbench.server.coaplog import ServerEvent
from workbench.state import ModuleState
from workbench.transport.hosting import PtyHost
from workbench.transport.serial_port import SerialConnection

DEFAULT_PLUGIN = "quectel-bg95"


@dataclass
class DemoCallbacks:
    """Where the demo reports; every callback runs on the loop and must not block."""

    on_tx: Callable[[str], None] = lambda text: None
    on_line: Callable[[ClassifiedLine], None] = lambda line: None
    on_event: Callable[[Event], None] = lambda event: None
    on_server_event: Callable[[ServerEvent], None] = lambda event: None
    on_note: Callable[[str], None] = lambda text: None


@dataclass
class DemoReport:
    """What a run achieved, for the CLI verdict and ``--self-test``."""

    plugin: str
    registered: bool = False
    endpoint: str = ""
    seconds_to_register: float | None = None
    device: dict[str, Any] = field(default_factory=dict)
    failed_commands: list[str] = field(default_factory=list)
    error: str = ""


class DemoSession:
    """Server + simulated module + AT connection, for one plugin."""

    def __init__(
        self,
        plugin: Plugin,
        variant: str | None = None,
        *,
        server_port: int = 0,
        callbacks: DemoCallbacks | None = None,
    ) -> None:
        if plugin.connect_sequence is None:
            raise ValueError(f"plugin {plugin.id!r} has no documented connect sequence")
        self.plugin = plugin
        self.variant = plugin.resolve_variant(variant)
        self.cb = callbacks or DemoCallbacks()
        self.server = LwM2MServer("127.0.0.1", server_port)
        self.state = ModuleState()
        self.report = DemoReport(plugin.id)
        self.server_url = ""
        self.pty_path = ""
        self._host: PtyHost | None = None
        self._port: SerialConnection | None = None
        self._at: AtClient | None = None
        self._decoder = plugin.make_decoder(self.variant)
        self._registered = asyncio.Event()
        self._unsubscribe: list[Callable[[], None]] = []

    async def start(self) -> None:
        """Start the server and the simulated module, and open the module's pty."""
        await self.server.start()
        host, port = self.server.address
        self.server_url = f"coap://{host}:{port}"
        self._unsubscribe.append(self.server.events.subscribe(self._server_event))
        simulator = self.plugin.make_simulator(self.variant, self.server_url)
        self._host = PtyHost(simulator)
        await self._host.start()
        self.pty_path = self._host.path
        self._at = AtClient(self._write, dialect=self.plugin.dialect())
        self._unsubscribe.append(self._at.subscribe_lines(self._line))
        self._port = SerialConnection(self.pty_path, on_data=self._at.feed, on_lost=self._lost)
        self._port.open()
        where = f"simulated {self.plugin.id} on {self.pty_path}"
        self.cb.on_note(f"server on {self.server_url}; {where}")

    def _write(self, data: bytes) -> None:
        if self._port is not None:
            self._port.write(data)

    def _lost(self, reason: str) -> None:
        self.report.error = reason
        self.cb.on_note(reason)

    def _line(self, line: ClassifiedLine) -> None:
        self.cb.on_line(line)
        for event in self._decoder.decode(line):
            self.state.apply(event)
            self.cb.on_event(event)

    def _server_event(self, event: ServerEvent) -> None:
        self.cb.on_server_event(event)
        if event.kind == "registered" and event.endpoint:
            self.report.endpoint = event.endpoint
            self._registered.set()

    async def send(self, command: str, timeout: float = 10.0) -> CommandResult:
        """Send one AT command through the engine, as the terminal does."""
        assert self._at is not None
        self.cb.on_tx(command)
        return await self._at.send(command, timeout=timeout)

    async def connect(self, register_timeout: float = 30.0) -> DemoReport:
        """Send the documented sequence, wait for the registration, read ``/3/0``."""
        assert self.plugin.connect_sequence is not None
        started = time.monotonic()
        for command in self.plugin.connect_sequence(self.server_url):
            result = await self.send(command)
            if not result.ok:
                self.report.failed_commands.append(f"{command} -> {result.status.name.lower()}")
        try:
            await asyncio.wait_for(self._registered.wait(), register_timeout)
        except TimeoutError:
            self.report.error = f"no registration within {register_timeout:.0f} s"
            return self.report
        self.report.registered = True
        self.report.seconds_to_register = round(time.monotonic() - started, 3)
        read = await self.server.read(self.report.endpoint, "/3/0")
        self.report.device = {str(path): value for path, value in read.values.items()}
        return self.report

    async def stop(self) -> None:
        """Stop everything (idempotent); the order keeps the module's last words readable."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._at is not None:
            await self._at.close()
        if self._port is not None:
            self._port.close()
        if self._host is not None:
            with contextlib.suppress(Exception):
                await self._host.stop()
        await self.server.stop()
