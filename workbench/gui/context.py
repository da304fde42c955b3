"""What every panel gets: the one :class:`WorkbenchContext` of a main window.

Panels never reach into the main window or into each other. They receive this object in their
constructor (``SomePanel(context, parent=None)``) and use only what is here:

* **the module** — :attr:`WorkbenchContext.plugin` / :attr:`WorkbenchContext.variant` (may be
  ``None`` / ``""`` while no module is chosen), :meth:`WorkbenchContext.templates` for the
  command templates that apply to the current variant, and :attr:`plugins` (all discovered);
* **the connection** — :attr:`WorkbenchContext.connection` (a pure-core
  :class:`~workbench.app.connection.ModuleConnection`, or ``None``), its decoded
  :attr:`WorkbenchContext.state` and :attr:`server_url` (the built-in server when one runs,
  used by sequences that point the module at a server);
* **sending** — ``await context.send("AT+CGMI", timeout=10.0)`` returns the
  :class:`~workbench.at.types.CommandResult` (never raises for a module-side failure; raises
  :class:`NotConnected` when no port is open). The command appears in the terminal as TX because
  the connection records it, whoever sent it. :meth:`send_soon` does the same from a Qt slot and
  returns the task (errors end up in the window's banner, not in a traceback);
* **signals** — :attr:`plugin_changed` ``(plugin | None, variant)``, :attr:`connection_changed`
  ``(connection | None)``, :attr:`status_changed` ``(status, reason)`` (``closed``, ``opening``,
  ``open``, ``lost``), :attr:`state_changed` ``(set of section names)`` emitted at most ~30 times a
  second from the window's batch timer (sections as returned by
  :meth:`~workbench.module.state.ModuleState.apply`: ``client``, ``servers``, ``requests``,
  ``error``...),
  :attr:`lines_appended` ``(list[TerminalLine])`` the batch of new terminal lines, and
  :attr:`message` ``(level, text)`` for the window's non-modal banner;
* **port requests** — :meth:`request_open` / :meth:`request_close` / :meth:`request_reconnect`
  (the window owns connections; panels only ask);
* **navigation** — :meth:`show_line` asks the terminal to scroll to and highlight a line
  (``seq`` of a :class:`~workbench.app.connection.TerminalLine`), :meth:`notify` shows a banner.

The context holds no widgets and does no I/O itself; the main window owns one, creates the
connection and drives the batch timer. Tests build a context with no window at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from workbench.app.connection import ModuleConnection, TerminalLine
from workbench.at.types import CommandResult
from workbench.lwm2m.tasks import TaskSet
from workbench.module.state import ModuleState
from workbench.transport.serial_port import PortSettings

if TYPE_CHECKING:  # at run time only the loader imports plugins (start-up time)
    from workbench.plugin.api import CommandTemplate, Plugin
    from workbench.plugin.loader import PluginRegistry

_log = logging.getLogger(__name__)
T = TypeVar("T")


class NotConnected(RuntimeError):
    """A command was sent while no port is open; the message is for the user."""


class WorkbenchContext(QObject):
    """Shared, observable state of one main window (see the module docstring)."""

    #: ``(plugin | None, variant id)`` — the user (or auto-detection) picked another module.
    plugin_changed = Signal(object, str)
    #: ``(ModuleConnection | None)`` — a connection was opened, replaced or dropped.
    connection_changed = Signal(object)
    #: ``(status, reason)`` — ``closed`` / ``opening`` / ``open`` / ``lost``; reason for humans.
    status_changed = Signal(str, str)
    #: ``(set[str])`` — sections of the module state that changed since the last batch.
    state_changed = Signal(object)
    #: ``(list[TerminalLine])`` — new terminal lines of the current connection, in order.
    lines_appended = Signal(object)
    #: ``(seq)`` — somebody asked the terminal to show and highlight line ``seq``.
    line_requested = Signal(int)
    #: ``(level, text)`` — ``info`` / ``warning`` / ``error`` message for the window's banner.
    message = Signal(str, str)
    #: ``(url, PortSettings)`` — the connection bar asks the window to open a port.
    open_requested = Signal(str, object)
    #: The connection bar (or a shortcut) asks the window to close / reopen the port.
    close_requested = Signal()
    reconnect_requested = Signal()
    #: ``(LwM2MServer | None)`` — the built-in server started, was replaced or stopped.
    server_changed = Signal(object)

    def __init__(self, plugins: PluginRegistry, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plugins = plugins
        self._plugin: Plugin | None = None
        self._variant = ""
        self._connection: ModuleConnection | None = None
        #: ``coap://127.0.0.1:PORT`` of the built-in server when one runs, else "".
        self.server_url = ""
        #: The built-in server object when one runs (part 2's server panel), else None.
        self.server: Any = None
        self._tasks = TaskSet(self._task_failed, owner="window")

    # -- built-in server --------------------------------------------------------------------
    def set_server(self, server: Any) -> None:
        """Publish the running built-in server (or None when it stopped) to every panel.

        Panels read :attr:`server` and subscribe to its ``events`` / ``coap_log`` buses when
        :attr:`server_changed` fires; they never start or stop it themselves.
        """
        self.server = server
        if server is None:
            self.server_url = ""
        else:
            host, port = server.address
            self.server_url = f"coap://{host}:{port}"
        self._follow_server()
        self.server_changed.emit(server)

    # -- module ----------------------------------------------------------------------------
    @property
    def plugin(self) -> Plugin | None:
        return self._plugin

    @property
    def variant(self) -> str:
        return self._variant

    def set_plugin(self, plugin: Plugin | None, variant: str | None = None) -> None:
        """Select the module family/variant (also re-decodes with it if a connection is open)."""
        resolved = plugin.resolve_variant(variant) if plugin is not None else ""
        if plugin is self._plugin and resolved == self._variant:
            return
        self._plugin = plugin
        self._variant = resolved
        conn = self._connection
        if conn is not None and (conn.plugin is not plugin or conn.variant != resolved):
            conn.set_plugin(plugin, resolved or None)
        self.plugin_changed.emit(plugin, resolved)

    def templates(self) -> list[CommandTemplate]:
        """Command templates of the current module and variant ([] with no module chosen)."""
        if self._plugin is None:
            return []
        return self._plugin.templates_for(self._variant or None)

    # -- connection ------------------------------------------------------------------------
    @property
    def connection(self) -> ModuleConnection | None:
        return self._connection

    @property
    def state(self) -> ModuleState | None:
        """The decoded module state of the current connection (None with no connection)."""
        return self._connection.state if self._connection is not None else None

    @property
    def connected(self) -> bool:
        return self._connection is not None and self._connection.status == "open"

    def set_connection(self, connection: ModuleConnection | None) -> None:
        """Called by the main window only."""
        if self._connection is not None and self._connection is not connection:
            self._connection.detach_server()
        self._connection = connection
        self._follow_server()
        self.connection_changed.emit(connection)

    def _follow_server(self) -> None:
        """The connection's state follows the built-in server's events (both sides, issue 12)."""
        conn = self._connection
        if conn is None:
            return
        if self.server is None:
            conn.detach_server()
        else:
            conn.attach_server(self.server.events)

    async def send(self, command: str, timeout: float | None = 10.0) -> CommandResult:
        """Send one AT command line through the connection's AT engine and await its result."""
        conn = self._connection
        if conn is None or conn.status != "open":
            raise NotConnected("No port is open: open one in the connection bar first.")
        return await conn.send(command, timeout=timeout)

    def send_soon(
        self,
        command: str,
        timeout: float | None = 10.0,
        on_result: Callable[[CommandResult], None] | None = None,
    ) -> asyncio.Task[CommandResult | None]:
        """:meth:`send` from a Qt slot; problems go to the banner via :attr:`message`."""
        return self.run_soon(self._send_reporting(command, timeout, on_result))

    async def _send_reporting(
        self,
        command: str,
        timeout: float | None,
        on_result: Callable[[CommandResult], None] | None,
    ) -> CommandResult | None:
        try:
            result = await self.send(command, timeout)
        except NotConnected as exc:
            self.notify("warning", str(exc))
            return None
        if on_result is not None:
            on_result(result)
        return result

    def run_soon(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start ``coro`` on the running (qasync) loop; the task is kept and cancelled at exit."""
        return self._tasks.spawn(coro, loop=asyncio.get_event_loop())

    def _task_failed(self, _name: str, exc: BaseException) -> None:
        _log.error("background task failed", exc_info=exc)
        self.notify("error", f"{type(exc).__name__}: {exc}")

    async def cancel_tasks(self) -> None:
        """Cancel everything started by :meth:`run_soon` (window shutdown)."""
        await self._tasks.close()

    def request_open(self, url: str, settings: PortSettings | None = None) -> None:
        """Ask the window to open ``url`` (it creates the connection and reports problems)."""
        self.open_requested.emit(url, settings or PortSettings())

    def request_close(self) -> None:
        self.close_requested.emit()

    def request_reconnect(self) -> None:
        self.reconnect_requested.emit()

    # -- navigation ------------------------------------------------------------------------
    def show_line(self, seq: int) -> None:
        """Ask the terminal to scroll to and highlight terminal line ``seq``."""
        self.line_requested.emit(seq)

    def notify(self, level: str, text: str) -> None:
        """Show ``text`` in the window's non-modal banner (``info``/``warning``/``error``)."""
        self.message.emit(level, text)


__all__ = ["NotConnected", "TerminalLine", "WorkbenchContext"]
