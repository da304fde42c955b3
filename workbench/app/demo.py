"""The demo: the built-in server and a simulated module on a pty, connected as a user would.

Everything is real: the server listens on 127.0.0.1, the simulated module sits behind a
pseudo-terminal (on Windows, which has none, behind a loopback TCP port that pyserial opens
as ``socket://127.0.0.1:PORT``), the workbench opens that port with pyserial (reader thread,
batched), sends the plugin's documented configuration sequence through the AT engine,
decodes every line with the plugin's decoder into the module state, and watches the
registration arrive on the server. For a plugin with host-managed objects
(``Plugin.host_demo``), :meth:`DemoSession.host_read` then has the server read a resource only
the host knows, answered by the connection's host-answer service.
The headless ``lwm2m-workbench demo`` command, the window's ``--demo`` and ``--self-test`` all
drive this one class.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.app.connection import ModuleConnection, Recorder, TerminalLine
from workbench.app.hostservice import HostAnswerReport
from workbench.at.types import ClassifiedLine, CommandResult
from workbench.module.events import Event
from workbench.module.state import ModuleState
from workbench.plugin.api import Plugin
from workbench.server import LwM2MServer, ServerRequestError
from workbench.server.coaplog import ServerEvent
from workbench.sim.base import Simulator
from workbench.transport.hosting import PtyHost, TcpHost

DEFAULT_PLUGIN = "quectel-bg95"
#: How the simulated module is hosted: a pseudo-terminal or a loopback TCP port.
Hosting = Literal["pty", "tcp"]
#: How long after the server saw the registration the module's URC may take to say so.
MODULE_REPORT_SECONDS = 5.0


@dataclass
class DemoCallbacks:
    """Where the demo reports; every callback runs on the loop and must not block."""

    on_tx: Callable[[str], None] = lambda text: None
    on_line: Callable[[ClassifiedLine], None] = lambda line: None
    on_event: Callable[[Event], None] = lambda event: None
    on_server_event: Callable[[ServerEvent], None] = lambda event: None
    on_note: Callable[[str], None] = lambda text: None
    on_host_answer: Callable[[HostAnswerReport], None] = lambda report: None


@dataclass
class DemoReport:
    """What a run achieved, for the CLI verdict and ``--self-test``."""

    plugin: str
    registered: bool = False
    #: The module's own decoded URCs said "registered" too (both sides agree).
    module_registered: bool = False
    endpoint: str = ""
    seconds_to_register: float | None = None
    device: dict[str, Any] = field(default_factory=dict)
    failed_commands: list[str] = field(default_factory=list)
    error: str = ""
    #: What the server's read of a host-managed resource returned (:meth:`DemoSession.host_read`).
    host_read: dict[str, Any] = field(default_factory=dict)
    #: The host's answers the module accepted, as sent.
    host_answers: list[str] = field(default_factory=list)


def default_hosting(platform: str | None = None) -> Hosting:
    """``"tcp"`` on Windows (no pseudo-terminals), ``"pty"`` everywhere else."""
    return "tcp" if (platform or sys.platform) == "win32" else "pty"


async def host_simulator(simulator: Simulator, hosting: Hosting) -> tuple[PtyHost | TcpHost, str]:
    """Start ``simulator`` behind a pty or a loopback TCP port; the host and the port to open.

    The port is a pty path or ``socket://127.0.0.1:PORT`` (what pyserial's
    ``serial_for_url`` opens).
    """
    if hosting == "tcp":
        tcp = TcpHost(simulator, "127.0.0.1", 0)
        await tcp.start()
        return tcp, f"socket://127.0.0.1:{tcp.port}"
    if hosting == "pty":
        pty = PtyHost(simulator)
        await pty.start()
        return pty, pty.path
    raise ValueError(f"unknown hosting {hosting!r}; use 'pty' or 'tcp'")


class DemoSession:
    """Server + simulated module + :class:`~workbench.app.connection.ModuleConnection`, for one
    plugin.

    The connection is the same object the window's terminal shows, so the GUI's ``--demo``
    adopts :attr:`connection` and the user watches the sequence being sent. ``hosting``
    chooses how the simulator is reached (default: :func:`default_hosting`); :attr:`pty_path`
    is then a pty path or ``socket://127.0.0.1:PORT``.
    """

    def __init__(
        self,
        plugin: Plugin,
        variant: str | None = None,
        *,
        server_port: int = 0,
        callbacks: DemoCallbacks | None = None,
        recorder: Recorder | None = None,
        hosting: Hosting | None = None,
    ) -> None:
        if plugin.connect_sequence is None:
            raise ValueError(f"plugin {plugin.id!r} has no documented connect sequence")
        self.plugin = plugin
        self.variant = plugin.resolve_variant(variant)
        self.cb = callbacks or DemoCallbacks()
        self.server = LwM2MServer("127.0.0.1", server_port)
        self.report = DemoReport(plugin.id)
        self.server_url = ""
        self.pty_path = ""
        self.recorder = recorder
        self.hosting: Hosting = hosting or default_hosting()
        #: The module connection (created by :meth:`start`).
        self.connection: ModuleConnection | None = None
        self._state = ModuleState()
        self._host: PtyHost | TcpHost | None = None
        self._registered = asyncio.Event()
        self._unsubscribe: list[Callable[[], None]] = []

    @property
    def state(self) -> ModuleState:
        """The decoded module state (the connection's once started)."""
        return self.connection.state if self.connection is not None else self._state

    async def start(self) -> None:
        """Start the server and the simulated module, and open the module's port."""
        await self.server.start()
        host, port = self.server.address
        self.server_url = f"coap://{host}:{port}"
        self._unsubscribe.append(self.server.events.subscribe(self._server_event))
        recorder = self.recorder
        # A session recorder also gets the server's side: its events and the CoAP log.
        if recorder is not None and hasattr(recorder, "record_server_event"):
            self._unsubscribe.append(self.server.events.subscribe(recorder.record_server_event))
        if recorder is not None and hasattr(recorder, "record_coap"):
            self._unsubscribe.append(self.server.coap_log.subscribe(recorder.record_coap))
        simulator = self.plugin.make_simulator(self.variant, self.server_url)
        self._host, self.pty_path = await host_simulator(simulator, self.hosting)
        conn = ModuleConnection(self.pty_path, self.plugin, self.variant, recorder=recorder)
        self.connection = conn
        self._unsubscribe.append(conn.subscribe_decoded(self._line))
        self._unsubscribe.append(conn.subscribe(self._tx))
        self._unsubscribe.append(conn.subscribe_status(self._status))
        # The state shows the server's side too (registered / expired / deregistered).
        self._unsubscribe.append(conn.attach_server(self.server.events))
        self._unsubscribe.append(conn.host_answers.subscribe(self._host_answer))
        conn.open()
        where = f"simulated {self.plugin.id} on {self.pty_path}"
        self.cb.on_note(f"server on {self.server_url}; {where}")

    def _tx(self, line: TerminalLine) -> None:
        if line.direction == "tx":
            self.cb.on_tx(line.text)

    def _status(self, status: str, reason: str) -> None:
        if status == "lost":
            self.report.error = reason
            self.cb.on_note(reason)

    def _line(self, line: ClassifiedLine, events: list[Event]) -> None:
        self.cb.on_line(line)
        for event in events:
            self.cb.on_event(event)

    def _host_answer(self, report: HostAnswerReport) -> None:
        if report.sent and report.answer is not None:
            self.report.host_answers.extend(report.answer.commands)
        self.cb.on_host_answer(report)

    def _server_event(self, event: ServerEvent) -> None:
        self.cb.on_server_event(event)
        if event.kind == "registered" and event.endpoint:
            self.report.endpoint = event.endpoint
            self._registered.set()

    async def send(self, command: str, timeout: float = 10.0) -> CommandResult:
        """Send one AT command through the engine, as the terminal does."""
        assert self.connection is not None
        return await self.connection.send(command, timeout=timeout)

    async def connect(self, register_timeout: float = 30.0) -> DemoReport:
        """Send the documented sequence, wait for the registration, read ``/3/0``."""
        assert self.plugin.connect_sequence is not None
        started = time.monotonic()
        for command in self.plugin.connect_lines(self.server_url, variant=self.variant):
            result = await self.send(command)
            if not result.ok:
                self.report.failed_commands.append(f"{command} -> {result.status.name.lower()}")
        try:
            async with asyncio.timeout(register_timeout):  # not wait_for (3.11 cancel race)
                await self._registered.wait()
        except TimeoutError:
            self.report.error = f"no registration within {register_timeout:.0f} s"
            return self.report
        self.report.registered = True
        self.report.seconds_to_register = round(time.monotonic() - started, 3)
        # The module's own URCs must say so too (they may trail the server's 2.01 a little).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MODULE_REPORT_SECONDS
        while not self._module_registered() and loop.time() < deadline:
            await asyncio.sleep(0.02)
        self.report.module_registered = self._module_registered()
        try:
            read = await self.server.read(self.report.endpoint, "/3/0")
        except ServerRequestError as exc:
            self.report.error = f"reading /3/0 failed: {exc}"
            return self.report
        self.report.device = {str(path): value for path, value in read.values.items()}
        return self.report

    async def host_read(self) -> bool:
        """The plugin's host-object demo: create the object, read it from the server.

        Sends ``Plugin.host_demo``'s commands (they add a host-managed object to the module),
        puts its values into the connection's host value store and has the server read one
        resource. The module asks the host; the connection's
        :class:`~workbench.app.hostservice.HostAnswerService` answers from the store, and the
        read's values land in :attr:`DemoReport.host_read`. False (with ``report.error``) when
        the plugin has no such demo or a step failed.
        """
        demo = self.plugin.host_demo
        conn = self.connection
        if demo is None or self.plugin.host_answers is None or conn is None:
            self.report.error = f"{self.plugin.id} has no host-managed object demo"
            return False
        for definition in demo.definitions:  # a host-defined object the server cannot know
            self.server.registry.add(definition)
        conn.host_answers.values.update(demo.values)
        for command in demo.commands:
            result = await self.send(command)
            if not result.ok:
                failure = f"{command} -> {result.status.name.lower()}"
                self.report.failed_commands.append(failure)
                self.report.error = f"creating the host-managed object failed: {failure}"
                return False
        try:
            read = await self.server.read(self.report.endpoint, demo.read)
        except ServerRequestError as exc:
            self.report.error = f"reading host-managed {demo.read} failed: {exc}"
            return False
        self.report.host_read = {str(path): value for path, value in read.values.items()}
        # The module's OK to the host's answer may trail the server's 2.05 a little.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MODULE_REPORT_SECONDS
        while not self.report.host_answers and loop.time() < deadline:
            await asyncio.sleep(0.02)
        return bool(self.report.host_read)

    def _module_registered(self) -> bool:
        return any(server.registered for server in self.state.servers.values())

    async def stop(self) -> None:
        """Stop everything (idempotent); the order keeps the module's last words readable."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self.connection is not None:
            await self.connection.close()
        if self._host is not None:
            with contextlib.suppress(Exception):
                await self._host.stop()
            self._host = None
        await self.server.stop()
