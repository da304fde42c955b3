"""The main window: connection bar, banner, terminal, dockable panels, menus, status bar.

The window owns the connections (panels only ask, through the context) and the one batch timer
that moves what the connection collected into the views: every :data:`BATCH_MS` it drains the
connection's new lines and changed state sections and emits them once — the UI is never fed per
byte or per event. Panels are listed in :data:`PANELS`; adding one is one line there. Layout and
size are saved in ``QSettings`` at exit and restored at start; *View → Reset layout* goes back to
the layout the window was built with.

Start-up: with ``defer_panels=True`` (the application does this) every dock is created at once,
so saved layouts restore, but only panels marked ``eager`` get their content; the others show
"Loading…" until :meth:`MainWindow.create_deferred_panels` builds them after the first paint
(pyqtgraph alone takes longer to import than the rest of the window to appear). Asking for a
panel in :attr:`MainWindow.panels` builds it on the spot.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workbench import __version__
from workbench.app.connection import ModuleConnection, PortError, Status
from workbench.gui import sessions
from workbench.gui.banner import Banner
from workbench.gui.context import WorkbenchContext
from workbench.gui.firstrun import StartHelp
from workbench.gui.gcpolicy import GcPolicy
from workbench.gui.limits import MemoryLimits, MemoryLimitsDialog, load_limits, save_limits
from workbench.gui.panels import PanelSpec
from workbench.gui.panels.connection import ConnectionBar
from workbench.gui.panels.module_state import ModuleStatePanel
from workbench.gui.panels.terminal import TerminalPanel
from workbench.gui.tables import fit_table
from workbench.lwm2m.tasks import TaskSet
from workbench.module.state import as_sentence, clock_text
from workbench.transport.serial_port import PortSettings

if TYPE_CHECKING:  # the loader (and with it every plugin) is imported after the first paint
    from workbench.gui.session_browser import ReplayBar, SessionBrowser
    from workbench.plugin.loader import PluginRegistry

_log = logging.getLogger(__name__)
T = TypeVar("T")

#: How often the views are fed (ms): ~30 Hz.
BATCH_MS = 33
#: Lines handed to the views per batch at most (the rest waits for the next tick).
BATCH_LINES = 50_000
#: Received bytes waiting to be decoded from which the status bar says the window is behind.
BEHIND_SHOWN_BYTES = 256 * 1024
#: How often that figure is refreshed (seconds).
BEHIND_REFRESH = 0.5
#: Bump when docks change incompatibly: an old saved layout is then ignored.
LAYOUT_VERSION = 1


def _object_tree_panel(context: WorkbenchContext) -> QWidget:
    from workbench.gui.panels.object_tree import ObjectTreePanel  # loads the definitions

    return ObjectTreePanel(context)


def _commands_panel(context: WorkbenchContext) -> QWidget:
    from workbench.gui.panels.commands import CommandsPanel

    return CommandsPanel(context)


def _has_commands_panel() -> bool:
    return importlib.util.find_spec("workbench.gui.panels.commands") is not None


def _server_panel(context: WorkbenchContext) -> QWidget:
    from workbench.gui.panels.server import ServerPanel

    return ServerPanel(context)


def _fota_panel(context: WorkbenchContext) -> QWidget:
    from workbench.gui.panels.fota import FotaPanel

    return FotaPanel(context)


def _timeline_panel(context: WorkbenchContext) -> QWidget:
    from workbench.gui.panels.timeline import TimelinePanel  # pyqtgraph loads on first use

    return TimelinePanel(context)


def _network_panel(context: WorkbenchContext) -> QWidget:
    from workbench.gui.panels.network import NetworkCardPanel

    return NetworkCardPanel(context)


def default_panels() -> list[PanelSpec]:
    """The docks of the window, in View-menu order (part 2 adds object tree, timeline...)."""
    specs = [
        PanelSpec(
            "module_state",
            "Module state",
            ModuleStatePanel,
            Qt.DockWidgetArea.RightDockWidgetArea,
            "Ctrl+2",
            eager=True,
        ),
        PanelSpec(
            "object_tree",
            "Object tree",
            _object_tree_panel,
            shortcut="Ctrl+5",
            modules=("workbench.gui.panels.object_tree",),
        ),
        PanelSpec(
            "server",
            "Server",
            _server_panel,
            shortcut="Ctrl+7",
            modules=("workbench.gui.panels.server",),
        ),
        PanelSpec(
            "fota",
            "FOTA",
            _fota_panel,
            shortcut="Ctrl+8",
            modules=("workbench.gui.panels.fota",),
        ),
        PanelSpec(
            "network",
            "Network",
            _network_panel,
            shortcut="Ctrl+9",
            modules=("workbench.gui.panels.network",),
        ),
    ]
    specs.append(
        PanelSpec(
            "timeline",
            "Timeline",
            _timeline_panel,
            Qt.DockWidgetArea.BottomDockWidgetArea,
            "Ctrl+6",
            modules=("pyqtgraph", "workbench.gui.panels.timeline"),
        )
    )
    if _has_commands_panel():
        specs.append(
            PanelSpec(
                "commands",
                "Commands",
                _commands_panel,
                Qt.DockWidgetArea.RightDockWidgetArea,
                "Ctrl+3",
                modules=("workbench.gui.panels.commands",),
            )
        )
    return specs


#: (keys, what) for Help → Keyboard shortcuts; the actions below use the same keys.
SHORTCUTS: list[tuple[str, str]] = [
    ("Ctrl+O", "Open the port in the connection bar"),
    ("Ctrl+W", "Close the port"),
    ("Ctrl+R", "Reconnect a lost port"),
    ("Ctrl+Shift+O", "Open a recorded session"),
    ("Ctrl+E", "Export the terminal log as text"),
    ("Ctrl+1", "Focus the command input"),
    ("Ctrl+2", "Show the module state"),
    ("Ctrl+3", "Show the commands panel"),
    ("Ctrl+5", "Show the object tree (there: F5 read, F2 write, F9 execute, F7 observe)"),
    ("Ctrl+7", "Show the built-in server (there: Ctrl+Shift+S start/stop, Ctrl+Shift+G connect)"),
    ("Ctrl+6", "Show the timeline (keys there: ← → pan, + − zoom, Home fit, End/F follow)"),
    ("Ctrl+8", "Show the firmware update (FOTA) panel"),
    ("Ctrl+9", "Show the network card (registration, signal, PSM/eDRX, APN, IP)"),
    ("Ctrl+F", "Find in the terminal"),
    ("Ctrl+L", "Clear the terminal view"),
    ("Up / Down", "Command history (in the command input)"),
    ("Ctrl+C", "Copy selected terminal lines"),
    ("F1", "This list"),
    ("Ctrl+Q", "Quit"),
]


async def in_daemon_thread(work: Callable[[], T]) -> T:
    """``work()`` in a daemon thread (imports, plugin discovery), awaited on the loop.

    Not ``asyncio.to_thread``: the loop's executor is joined when the loop closes, so closing
    the window during a long import would wait for it; a daemon thread is simply left behind.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = work()
        except BaseException as exc:  # handed to the awaiting task
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop may be closed by now
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="workbench-background", daemon=True).start()
    return await done


def _import_all(modules: list[str]) -> None:
    for name in modules:
        with contextlib.suppress(Exception):  # the panel's build reports a broken module
            importlib.import_module(name)


class Panels(Mapping[str, QWidget]):
    """The window's panels by name; a deferred one is built when it is first asked for."""

    def __init__(self, build: Callable[[str], QWidget]) -> None:
        self._build = build
        self._built: dict[str, QWidget] = {}
        self._pending: list[str] = []

    def add(self, name: str, widget: QWidget | None) -> None:
        """A built panel, or (``None``) one to build later."""
        if widget is None:
            self._pending.append(name)
        else:
            self._built[name] = widget

    def pending(self) -> list[str]:
        return list(self._pending)

    def built(self, name: str) -> QWidget | None:
        """The panel if it exists already (never builds it)."""
        return self._built.get(name)

    def __getitem__(self, name: str) -> QWidget:
        if name in self._built:
            return self._built[name]
        if name not in self._pending:
            raise KeyError(name)
        self._pending.remove(name)
        widget = self._build(name)
        self._built[name] = widget
        return widget

    def __iter__(self) -> Iterator[str]:
        names = list(self._built) + self._pending
        return iter(names)

    def __len__(self) -> int:
        return len(self._built) + len(self._pending)


class MainWindow(QMainWindow):
    """See the module docstring."""

    #: Emitted once the window has shut everything down and really closed.
    closed = Signal()

    def __init__(
        self,
        plugins: PluginRegistry,
        parent: QWidget | None = None,
        *,
        panels: list[PanelSpec] | None = None,
        record_sessions: bool = True,
        port_lister: Callable[[], Any] | None = None,
        defer_panels: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        #: What a window for a recorded session is built with (see open_session_window).
        self._window_options: dict[str, Any] = {"panels": panels, "port_lister": port_lister}
        #: Windows this one opened for recorded sessions (kept alive while shown).
        self.session_windows: list[MainWindow] = []
        #: A window opened for a recorded session: it never opens a port or runs a server.
        self.session_viewer = False
        #: Play / pause / speed / seek of a session window (None elsewhere).
        self.replay_bar: ReplayBar | None = None
        self.setWindowTitle("LwM2M Module Workbench")
        self.context = WorkbenchContext(plugins, self)
        self.gc_policy = GcPolicy(self)  # issue 17: no full GC pause while traffic flows
        self.context.lines_appended.connect(self.gc_policy.activity)
        self.record_sessions = record_sessions
        self.demo: Any = None
        #: The built-in server the window started for the server panel (not the demo's).
        self.server: Any = None
        self._server_unsubscribe: list[Callable[[], None]] = []
        self.session_path: Path | None = None
        self._shutting_down = False
        #: The connection replaying a recorded session (never reopened as a port).
        self._session_view: ModuleConnection | None = None
        #: The file behind :attr:`_session_view` (CoAP export reads it).
        self._session_view_path: Path | None = None
        self._status_unsubscribe: Callable[[], None] | None = None
        #: Seconds from process start to the shown window (set by the app, for the benchmark).
        self.startup_seconds = 0.0
        self._closed_for_real = False
        #: The shutdown started by closeEvent (not the context's tasks: those it cancels).
        self._closing = TaskSet(owner="window close")

        # Central area: banner above the terminal.
        self.banner = Banner(self)
        self.terminal = TerminalPanel(self.context, self)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.banner)
        self.start = StartHelp(self)  # first-run hint, New demo…, recent ports and sessions
        layout.addWidget(self.start.hint, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.terminal, 1)
        self.setCentralWidget(central)

        # Connection bar as a toolbar row.
        bar_kwargs: dict[str, Any] = {}
        if port_lister is not None:
            bar_kwargs["port_lister"] = port_lister
        self.connection_bar = ConnectionBar(self.context, self, **bar_kwargs)
        self.connection_toolbar = QToolBar("Connection", self)
        self.connection_toolbar.setObjectName("connection_toolbar")
        self.connection_toolbar.addWidget(self.connection_bar)
        self.connection_toolbar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.connection_toolbar)

        # Docks.
        self.docks: dict[str, QDockWidget] = {}
        self._shortcuts: dict[str, str] = {}
        self._specs: dict[str, PanelSpec] = {}
        self.panels = Panels(self._build_panel)
        for spec in panels if panels is not None else default_panels():
            self._add_panel(spec, defer=defer_panels and not spec.eager)

        self._build_status_bar()
        self._build_menus()
        self.resize(1280, 800)
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._restore_layout()

        self.context.message.connect(self._message)
        self.context.open_requested.connect(self.open_port)
        self.context.close_requested.connect(self.close_port)
        self.context.reconnect_requested.connect(self.reconnect)
        self.context.plugin_changed.connect(lambda *_: self._update_status_bar())
        self.context.state_changed.connect(lambda *_: self._update_status_bar())
        self.context.status_changed.connect(lambda *_: self._update_status_bar())
        # The moment a server is published or withdrawn, not when stopping it has finished.
        self.context.server_changed.connect(lambda *_: self._update_status_bar())

        self._batch = QTimer(self)
        self._batch.setInterval(BATCH_MS)
        self._batch.timeout.connect(self.pump)
        self._batch.start()
        self._update_status_bar()

    # -- construction -----------------------------------------------------------------------
    def _add_panel(self, spec: PanelSpec, *, defer: bool = False) -> None:
        dock = QDockWidget(spec.title, self)
        dock.setObjectName(f"dock_{spec.name}")
        self._specs[spec.name] = spec
        self.docks[spec.name] = dock
        if defer:
            placeholder = QLabel(f"Loading {spec.title.lower()}…", dock)
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            dock.setWidget(placeholder)
            self.panels.add(spec.name, None)
        else:
            self.panels.add(spec.name, self._build_panel(spec.name))
        self.addDockWidget(spec.area, dock)
        if not spec.visible:
            dock.hide()
        if spec.shortcut:
            self._shortcuts[spec.name] = spec.shortcut
        if len(self.docks) > 1:
            first = next(iter(self.docks.values()))
            if self.dockWidgetArea(first) == spec.area:
                self.tabifyDockWidget(first, dock)
                first.raise_()

    def _build_panel(self, name: str) -> QWidget:
        """Build panel ``name`` into its dock (a broken panel shows why, it never throws)."""
        spec = self._specs[name]
        started = time.perf_counter()
        try:
            widget = spec.factory(self.context)
        except Exception as exc:  # one broken panel must not take the window down
            _log.exception("panel %s failed", spec.name)
            widget = QLabel(f"This panel failed to start: {exc}")
            widget.setWordWrap(True)
        dock = self.docks[name]
        placeholder = dock.widget()
        dock.setWidget(widget)
        if placeholder is not None and placeholder is not widget:
            placeholder.deleteLater()
        server_panel: Any = widget
        if hasattr(server_panel, "coap_selected"):  # a CoAP event clicked on the timeline
            server_panel.coap_selected.connect(lambda _i, entry: self.show_coap_entry(entry))
        if hasattr(server_panel, "start_requested"):  # the server panel asks, the window owns
            server_panel.start_requested.connect(self.request_server_start)
            server_panel.stop_requested.connect(self.request_server_stop)
        _log.debug("panel %s built in %.3f s", name, time.perf_counter() - started)
        return widget

    async def create_deferred_panels(self) -> None:
        """Build the panels deferred at construction, one per loop turn (the window stays live).

        Their modules (pyqtgraph, the definitions loader...) are imported in a worker thread
        first: an import holds the loop for up to a second on a busy machine, long enough to
        make a click, or a close, wait. Building the widgets stays on the Qt thread.
        """
        pending = self.panels.pending()
        modules = [m for name in pending for m in self._specs[name].modules]
        if modules:
            await in_daemon_thread(lambda: _import_all(modules))
        for name in pending:
            if self._shutting_down:
                return
            self.panels.get(name)
            await asyncio.sleep(0)

    def set_plugins(self, plugins: PluginRegistry) -> None:
        """Use ``plugins`` (discovered after the first paint; see workbench.gui.app)."""
        self.context.plugins = plugins
        self.connection_bar.reload_plugins()
        self._update_status_bar()

    def _build_status_bar(self) -> None:
        #: Shown only while decoding is behind the port (see :meth:`_update_behind`).
        self.status_behind = QLabel(self)
        self.status_behind.setObjectName("status_behind")
        self.status_behind.setContentsMargins(6, 0, 6, 0)
        self.status_behind.setToolTip(
            "The module sends faster than this computer decodes and draws it. The terminal"
            " and the timeline catch up when the traffic slows down. Nothing is lost: the"
            " session file records every byte as it arrives."
        )
        self.status_behind.hide()
        self.statusBar().addPermanentWidget(self.status_behind)
        self._behind_checked = 0.0
        self.status_port = QLabel(self)
        self.status_module = QLabel(self)
        self.status_client = QLabel(self)
        self.status_server = QLabel(self)
        for label in (self.status_port, self.status_module, self.status_client, self.status_server):
            label.setContentsMargins(6, 0, 6, 0)
            self.statusBar().addPermanentWidget(label)

    def _action(
        self, menu: Any, text: str, slot: Callable[[], Any], shortcut: str | QKeySequence = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.action_open = self._action(file, "&Open port", self.open_from_bar, "Ctrl+O")
        self.action_close = self._action(file, "&Close port", self.close_port, "Ctrl+W")
        self.action_reconnect = self._action(file, "&Reconnect", self.reconnect, "Ctrl+R")
        file.addSeparator()
        self.action_open_session = self._action(
            file, "Open &session…", self.open_session_dialog, "Ctrl+Shift+O"
        )
        self.action_export = self._action(
            file, "&Export terminal log…", self.export_log_dialog, "Ctrl+E"
        )
        self.action_export_coap = self._action(
            file, "Export CoAP traffic as pcap&ng…", self.export_coap_dialog
        )
        self.action_new_demo = self.start.add_menus(
            file, self.action_reconnect, self.action_open_session
        )
        file.addSeparator()
        self._action(file, "&Quit", self.close, "Ctrl+Q")

        view = bar.addMenu("&View")
        self._action(view, "Command input", self.focus_input, "Ctrl+1")
        self._action(view, "Clear terminal", self.terminal.model.clear, "Ctrl+L")
        view.addSeparator()
        for name, dock in self.docks.items():
            view.addAction(dock.toggleViewAction())
            shortcut = self._shortcuts.get(name, "")
            if shortcut:  # "show and focus" (the toggle would hide a visible panel)
                show = QAction(f"Show {dock.windowTitle()}", self)
                show.setShortcut(QKeySequence(shortcut))
                show.triggered.connect(lambda _checked=False, d=dock: self.show_dock(d))
                self.addAction(show)
        view.addAction(self.connection_toolbar.toggleViewAction())
        view.addSeparator()
        self._action(view, "Memory limits…", self.edit_memory_limits)
        self._action(view, "Reset layout", self.reset_layout)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action(help_menu, "About", self.show_about)

    def show_coap_entry(self, entry: Any) -> None:
        """Open a CoAP message (clicked on the timeline) in the server panel's CoAP log."""
        panel: Any = self.panels.get("server")
        if panel is None or not hasattr(panel, "show_coap_entry"):
            return
        self.show_dock(self.docks["server"])
        panel.show_coap_entry(entry)

    def show_dock(self, dock: QDockWidget) -> None:
        dock.show()
        dock.raise_()
        widget = dock.widget()
        if widget is not None:
            widget.setFocus()

    # -- layout ------------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        state = settings.value("window/state")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        if isinstance(state, QByteArray | bytes):
            self.restoreState(QByteArray(state), LAYOUT_VERSION)

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState(LAYOUT_VERSION))

    def reset_layout(self) -> None:
        """Back to the layout the window was built with (all docks visible, default places)."""
        for dock in self.docks.values():
            dock.setFloating(False)
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()
        self.connection_toolbar.show()

    # -- feeding the views -----------------------------------------------------------------------
    def pump(self) -> int:
        """One batch: new lines and state changes of the connection to the panels."""
        conn = self.context.connection
        if conn is None:
            self.status_behind.hide()
            return 0
        lines = conn.drain(BATCH_LINES)
        if lines:
            self.context.lines_appended.emit(lines)
        changed = conn.drain_changes()
        if changed:
            self.context.state_changed.emit(changed)
        now = time.monotonic()
        if now - self._behind_checked >= BEHIND_REFRESH or (
            self.status_behind.isVisible() and not conn.backlog_bytes
        ):
            self._behind_checked = now
            self._update_behind(conn.backlog_bytes)
        return len(lines)

    def _update_behind(self, waiting: int) -> None:
        """Say in the status bar how far decoding is behind the port, while it is."""
        if waiting < BEHIND_SHOWN_BYTES:
            self.status_behind.hide()
            return
        self.status_behind.setText(
            f"Decoding {waiting / 1e6:.1f} MB behind the port — nothing is lost"
        )
        self.status_behind.show()

    def _update_status_bar(self) -> None:
        conn = self.context.connection
        if conn is None:
            self.status_port.setText("No port")
        else:
            self.status_port.setText(f"{conn.url}: {conn.status}")
        plugin = self.context.plugin
        if plugin is None:
            self.status_module.setText("Module: auto-detect")
        else:
            variant = f" ({self.context.variant})" if len(plugin.variants) > 1 else ""
            self.status_module.setText(f"Module: {plugin.name}{variant}")
        state = self.context.state
        client = state.client_headline if state is not None else None
        self.status_client.setText(f"Client: {client or '—'}")
        server = f"Server: {self.context.server_url}" if self.context.server_url else "Server: none"
        view = state.server_view if state is not None else None
        if view is not None and self.context.server_url:
            server += " · " + (
                f"{view.endpoint} registered"
                if view.registered
                else f"no registration since {clock_text(view.since)}, {view.state}"
            )
        disagreement = state.disagreement() if state is not None and self.context.server else None
        if disagreement is not None:
            server = "⚠ " + server  # the module and the server disagree: the tooltip says how
        self.status_server.setText(server)
        self.status_server.setToolTip(as_sentence(disagreement) if disagreement else "")
        for label in (self.status_port, self.status_module, self.status_client, self.status_server):
            label.setMinimumWidth(label.sizeHint().width())

    def _message(self, level: str, text: str) -> None:
        self.banner.show_message(level, text)

    # -- ports -------------------------------------------------------------------------------
    def open_from_bar(self) -> None:
        """Ctrl+O: open what the connection bar shows (nothing if a port is open already)."""
        conn = self.context.connection
        if conn is None or conn.status not in ("open", "opening"):
            self.connection_bar.open_or_close()

    def open_port(self, url: str, settings: PortSettings | None = None) -> ModuleConnection | None:
        """Open ``url``. Reopening the same URL (after a loss or a close) keeps the connection,
        so history, state, line numbers and the session file go on; another URL starts anew."""
        if self._refuse_live("open the port"):
            return None
        settings = settings or PortSettings()
        conn = self.context.connection
        if conn is not None and conn.status in ("open", "opening") and conn.url == url:
            return conn
        reusable = (
            conn is not None
            and conn.url == url
            and conn is not self._session_view
            and conn is not self._demo_connection()
        )
        fresh = not (conn is not None and reusable)
        if conn is not None and reusable:
            conn.settings = settings
            if conn.plugin is not self.context.plugin or conn.variant != self.context.variant:
                conn.set_plugin(self.context.plugin, self.context.variant or None)
        else:
            # Adopted (and recorded) only once open: a mistyped port must not replace the
            # terminal and timeline of the session before it, nor leave an empty session file.
            conn = ModuleConnection(
                url, self.context.plugin, self.context.variant or None, settings
            )
        try:
            conn.open()
        except PortError as exc:
            self.banner.show_message(
                "error",
                f"{exc} What was shown stays." if fresh else str(exc),
                {"Retry": lambda: self.open_port(url, settings)},
            )
            return None if fresh else conn
        if fresh:
            conn.recorder = self._start_recorder(url, settings)
            if conn.recorder is not None:
                conn.recorder.note(f"opened {url}")
            self.adopt_connection(conn)
        self.start.port_opened(url)
        self.banner.dismiss()
        return conn

    def _demo_connection(self) -> ModuleConnection | None:
        return getattr(self.demo, "connection", None)

    def adopt_connection(self, conn: ModuleConnection) -> None:
        """Make ``conn`` the window's connection (the demo hands its own in)."""
        old = self.context.connection
        if old is not None and old is not conn and self._status_unsubscribe is not None:
            self._status_unsubscribe()
            if old is not self._demo_connection():
                self.context.run_soon(self._retire(old))
        self._status_unsubscribe = conn.subscribe_status(self._connection_status)
        conn.drain()  # the terminal loads the history itself
        conn.drain_changes()
        self.context.set_connection(conn)
        self.start.hint.hide()
        self.context.status_changed.emit(conn.status, conn.reason)
        if conn.plugin is not self.context.plugin:
            self.context.set_plugin(conn.plugin, conn.variant or None)

    async def _retire(self, conn: ModuleConnection) -> None:
        """A replaced connection: close its port and finish its session file."""
        await conn.close()
        sessions.close_recorder(conn)

    def _connection_status(self, status: Status, reason: str) -> None:
        self.context.status_changed.emit(status, reason)
        if status == "lost":
            self.pump()
            self.banner.show_message(
                "error",
                f"{reason}. Everything received so far is kept. Plug the adapter back in, "
                "then reconnect.",
                {"Reconnect": self.reconnect},
            )

    def close_port(self) -> None:
        conn = self.context.connection
        if conn is not None and conn.status in ("open", "opening", "lost"):
            self.context.run_soon(conn.close())

    def reconnect(self) -> None:
        conn = self.context.connection
        if conn is None:
            return
        try:
            conn.reconnect()
        except PortError as exc:
            self.banner.show_message("error", str(exc), {"Retry": self.reconnect})
            return
        self.banner.show_message("info", f"Reconnected to {conn.url}.")

    def focus_input(self) -> None:
        self.terminal.input.setFocus()

    # -- sessions ----------------------------------------------------------------------------
    def _start_recorder(self, url: str, settings: PortSettings) -> Any:
        if not self.record_sessions:
            return None
        try:
            recorder, path = sessions.start_recording(
                url, settings, self.context.plugin, self.context.variant, self.context.server_url
            )
        except Exception as exc:  # recording is a bonus; never block opening the port
            _log.exception("session recording failed to start")
            self.banner.show_message("warning", f"Not recording this session: {exc}")
            return None
        self.session_path = path
        server = self.context.server
        for key in getattr(server, "psk", {}).values() if server is not None else ():
            recorder.add_secret(key)  # PSKs of the running server never reach the file
        return recorder

    def open_session_dialog(self) -> SessionBrowser:
        """The list of recorded sessions (module, start, duration...); "Browse…" for others."""
        # Imported here: the browser brings pyqtgraph and the server's log types, which the
        # first paint does not need (tests/gui/test_app.py checks what the window imports).
        from workbench.gui.session_browser import SessionBrowser

        browser = SessionBrowser(sessions.session_dir(), self)
        browser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        browser.accepted.connect(
            lambda: browser.chosen is not None and self.open_session_window(browser.chosen)
        )
        browser.open()
        return browser

    def live(self) -> bool:
        """A port, the demo or the built-in server is running: live data arrives here."""
        conn = self.context.connection
        port_open = (
            conn is not None
            and conn is not self._session_view
            and conn.status in ("open", "opening", "lost")
        )
        return port_open or self.demo is not None or self.server is not None

    def open_session_window(self, path: Path) -> MainWindow | None:
        """Show a recorded session in a window of its own, without touching what runs here.

        Opening it in this window closed a live port without asking and then mixed live CoAP
        into the recording's timeline. The session window has no port and no server, and
        refuses to start either (:attr:`session_viewer`), so no live data ever reaches it.
        """
        viewer = MainWindow(
            self.context.plugins,
            record_sessions=False,
            **{k: v for k, v in self._window_options.items() if v is not None},
        )
        viewer.session_viewer = True
        if viewer.open_session(path) is None:
            self.banner.show_message("error", viewer.banner.text.text())
            viewer.deleteLater()
            return None
        from workbench.gui.session_browser import attach_replay

        viewer.replay_bar = attach_replay(viewer, path)
        self.session_windows.append(viewer)
        viewer.closed.connect(lambda: self._forget_window(viewer))
        viewer.resize(self.size())
        viewer.show()
        self.start.session_opened(path)
        self.banner.show_message("info", f"{path.name} opened in its own window.")
        return viewer

    def _refuse_live(self, what: str) -> bool:
        """True (and says why) in a session window: live data must never reach a recording."""
        if not self.session_viewer:
            return False
        self.banner.show_message(
            "warning",
            f"This window shows a recorded session: {what} in the main window instead.",
        )
        return True

    def _forget_window(self, viewer: MainWindow) -> None:
        if viewer in self.session_windows:
            self.session_windows.remove(viewer)

    def open_session(self, path: Path) -> ModuleConnection | None:
        """Browse a recorded session through the same panels (read-only)."""
        try:
            conn, plugin_id = sessions.load_session(path, self.context.plugins)
        except Exception as exc:
            self.banner.show_message("error", f"Cannot open {path.name}: {exc}")
            return None
        self.adopt_connection(conn)
        self._session_view = conn
        self._session_view_path = path
        # The recorded CoAP log (and the server view built from it) on those panels too.
        for name in ("timeline", "server", "object_tree"):
            load_coap = getattr(self.panels.get(name), "load_session_coap", None)
            if load_coap is None:
                continue
            try:
                load_coap(path)
            except Exception:
                _log.exception("loading the session's CoAP log into the %s panel failed", name)
        self.setWindowTitle(f"{path.name} — LwM2M Module Workbench")
        self.banner.show_message(
            "info",
            f"Viewing recorded session {path.name} ({len(conn.history):,} lines, "
            f"module {plugin_id or 'unknown'}).",
        )
        return conn

    def export_log_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export terminal log", "terminal.log", "Text (*.log *.txt);;All files (*)"
        )
        if path:
            self.export_log(Path(path))

    def export_log(self, path: Path) -> None:
        text = self.terminal.export_text()
        try:
            path.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            self.banner.show_message("error", f"Cannot write {path}: {exc}")
            return
        self.banner.show_message(
            "info", f"Exported {self.terminal.model.rowCount():,} lines to {path}."
        )

    def export_coap_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export CoAP traffic", "coap.pcapng", "pcapng (*.pcapng);;All files (*)"
        )
        if path:
            self.context.run_soon(self.export_coap(Path(path)))

    async def export_coap(self, path: Path) -> int | None:
        """The current session's CoAP log (as recorded, secrets masked) as pcapng at ``path``.

        Reads the session file — the one being recorded, or the one being viewed — in a worker
        thread so a long session does not freeze the window.
        """
        conn = self.context.connection
        viewing = conn is not None and conn is self._session_view
        source = self._session_view_path if viewing else self.session_path
        if source is None or not source.exists():
            self.banner.show_message(
                "warning",
                "No session file to export from: CoAP traffic is exported from the session "
                "recording (start the demo or open a session with recording on, or open a "
                "recorded session).",
            )
            return None
        recorder = getattr(conn, "recorder", None)
        flush = getattr(recorder, "flush", None)
        if flush is not None:
            with contextlib.suppress(Exception):
                flush(sync=False)
        server = None if viewing else (self.context.server_url.removeprefix("coap://") or None)

        def work() -> int:
            from workbench.session.export import export_coap_pcapng
            from workbench.session.reader import SessionReader

            with SessionReader(source) as reader, path.open("wb") as out:
                return export_coap_pcapng(reader, out, server_address=server)

        try:
            count = await asyncio.to_thread(work)
        except Exception as exc:
            self.banner.show_message("error", f"Cannot export CoAP traffic to {path}: {exc}")
            return None
        self.banner.show_message("info", f"Exported {count:,} CoAP messages to {path}.")
        return count

    # -- demo --------------------------------------------------------------------------------
    def start_demo(self, plugin_id: str) -> asyncio.Task[Any]:
        """Built-in server + simulated module; the connect sequence runs visibly."""
        self.start.hint.hide()  # --demo and New demo…: the hint would only flash
        return self.context.run_soon(self._demo(plugin_id))

    async def _demo(self, plugin_id: str) -> Any:
        from workbench.app.demo import DemoSession

        if self._refuse_live("run the demo"):
            return None

        try:
            plugin = self.context.plugins.get(plugin_id)
        except LookupError as exc:
            self.banner.show_message("error", f"Demo: {exc}")
            return None
        if plugin.connect_sequence is None:
            self.banner.show_message(
                "error", f"Demo: {plugin.name} has no documented connect sequence yet."
            )
            return None
        await self.stop_demo()
        await self.stop_server()  # the demo runs (and owns) its own server
        recorder = None
        if self.record_sessions:
            with contextlib.suppress(Exception):
                recorder, self.session_path = sessions.start_recording(
                    f"sim://{plugin.id}", PortSettings(), plugin, plugin.default, ""
                )
        demo = DemoSession(plugin, recorder=recorder)
        self.demo = demo
        self.context.set_plugin(plugin)
        try:
            await demo.start()
        except Exception as exc:
            self.banner.show_message("error", f"Demo could not start: {exc}")
            await demo.stop()
            self.demo = None
            return None
        self.context.set_server(demo.server)
        assert demo.connection is not None
        self.adopt_connection(demo.connection)
        self.connection_bar.url.setText(demo.pty_path)
        self.banner.show_message(
            "info",
            f"Demo: built-in server on {demo.server_url}, simulated {plugin.name} on "
            f"{demo.pty_path}. Sending the module's documented configuration sequence…",
        )
        report = await demo.connect()
        if report.registered:
            self.banner.show_message(
                "info",
                f"Demo: {plugin.name} registered as {report.endpoint} in "
                f"{report.seconds_to_register:.2f} s. Type commands below or try the panels.",
            )
        else:
            failed = "; ".join(report.failed_commands)
            self.banner.show_message(
                "error", f"Demo: no registration ({report.error}). {failed}".strip()
            )
        self._update_status_bar()
        return report

    async def stop_demo(self) -> None:
        demo, self.demo = self.demo, None
        if demo is not None:
            await demo.stop()
            sessions.close_recorder(demo.connection)
            self.context.set_server(None)

    # -- built-in server (normal mode) --------------------------------------------------------
    def request_server_start(self, server: Any) -> None:
        """The server panel built ``server`` (unstarted): start and publish it."""
        self.context.run_soon(self.start_server(server))

    def request_server_stop(self) -> None:
        self.context.run_soon(self.stop_server())

    async def start_server(self, server: Any) -> Any:
        """Start ``server`` and publish it to the panels; problems go to the banner."""
        if self._refuse_live("start the server"):
            self.context.set_server(None)  # the server panel re-reads its state
            return None
        if self.demo is not None:
            self.banner.show_message("info", "The demo runs its own server; it stops with it.")
            self.context.set_server(self.context.server)  # panels re-read their state
            return None
        await self.stop_server()
        try:
            await server.start()
        except Exception as exc:  # address in use, DTLS unavailable, bad address...
            host, port = server.host, server.port
            self.banner.show_message("error", f"The server could not start on {host}:{port}: {exc}")
            self.context.set_server(None)
            return None
        self.server = server
        self._server_unsubscribe = [
            server.events.subscribe(lambda e: self._record_server("record_server_event", e)),
            server.coap_log.subscribe(lambda e: self._record_server("record_coap", e)),
        ]
        add_secret = getattr(getattr(self.context.connection, "recorder", None), "add_secret", None)
        for key in server.psk.values():
            if add_secret is not None:
                add_secret(key)
        self.context.set_server(server)
        self._update_status_bar()
        if self.banner.level in ("error", "warning"):  # the old failure is over: say so
            self.banner.show_message(
                "info", f"The built-in server runs on {self.context.server_url}."
            )
        return server

    def _record_server(self, method: str, item: Any) -> None:
        """The session file of the current connection also gets the server's side."""
        record = getattr(getattr(self.context.connection, "recorder", None), method, None)
        if record is not None:
            record(item)

    async def stop_server(self) -> None:
        """Stop the window's own server (idempotent; the demo's is left to the demo)."""
        server, self.server = self.server, None
        if server is None:
            return
        for unsubscribe in self._server_unsubscribe:
            unsubscribe()
        self._server_unsubscribe.clear()
        if self.context.server is server:
            self.context.set_server(None)
        # Unpublished means gone for the user: say so now, not after the sockets closed
        # (a slow stop under load left "Server: coap://..." showing for a while).
        self._update_status_bar()
        try:
            await server.stop()
        except Exception:
            _log.exception("stopping the built-in server failed")
        self._update_status_bar()

    # -- help --------------------------------------------------------------------------------
    def show_shortcuts(self) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle("Keyboard shortcuts")
        table = QTableWidget(len(SHORTCUTS), 2, dialog)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().hide()
        for row, (keys, what) in enumerate(SHORTCUTS):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(what))
        fit_table(table)
        layout = QVBoxLayout(dialog)
        layout.addWidget(table)
        dialog.resize(640, 640)
        dialog.setModal(False)
        dialog.show()
        table.resizeRowsToContents()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About LwM2M Module Workbench",
            f"<b>LwM2M Module Workbench</b> {__version__}<br>"
            "Bring up and debug the LwM2M client of cellular IoT modules: serial terminal, "
            "decoded module state, command templates and a built-in LwM2M server.",
        )

    def edit_memory_limits(self) -> None:
        """*View → Memory limits…*: ask, save, apply to the open panels at once."""
        dialog = MemoryLimitsDialog(load_limits(), self)
        if dialog.exec() == MemoryLimitsDialog.DialogCode.Accepted:
            self.apply_memory_limits(dialog.limits())

    def apply_memory_limits(self, limits: MemoryLimits) -> None:
        save_limits(limits)
        self.terminal.model.set_max_lines(limits.terminal_lines)
        timeline: Any = self.panels.get("timeline")
        if timeline is not None and hasattr(timeline, "store"):
            timeline.store.set_max_events(limits.timeline_events)
            timeline.coap_entries.set_limit(limits.timeline_coap)
            timeline.fota_events.set_limit(limits.timeline_fota)
            timeline.redraw()
        server_panel: Any = self.panels.get("server")
        if server_panel is not None and hasattr(server_panel, "log_model"):
            server_panel.log_model.max_rows = limits.coap_log

    # -- shutdown ----------------------------------------------------------------------------
    async def shutdown(self) -> None:
        """Stop everything the window started (idempotent); awaited before the loop ends."""
        if self._shutting_down:
            return
        self._shutting_down = True
        self.gc_policy.stop()
        self._batch.stop()
        self.connection_bar.shutdown()
        await self.context.cancel_tasks()
        conn = self.context.connection
        demo_conn = self._demo_connection()
        await self.stop_demo()
        await self.stop_server()
        if conn is not None and conn is not demo_conn:
            await conn.close()
        sessions.close_recorder(conn)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.isVisible():  # not once hidden for the shutdown: that layout is the user's
            self.save_layout()
        if self._closed_for_real:
            event.accept()
            return
        event.ignore()
        if self._shutting_down:
            return
        # The window goes at once; the session file and the server finish behind it.
        self.hide()
        with contextlib.suppress(RuntimeError):
            self._closing.spawn(self._close_async(), loop=asyncio.get_event_loop())

    async def _close_async(self) -> None:
        try:
            await self.shutdown()
        finally:
            self._closed_for_real = True
            self.close()
            self.closed.emit()
