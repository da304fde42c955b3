"""The object tree: a module's LwM2M objects as the built-in server sees them, or as it says.

Two views share one tree widget:

* **Server** — a client registered with the built-in server (endpoint picker): its objects and
  instances from the registration, resources named and typed from the object definitions
  (units, range, operations). From the tree: read, write (typed editors), execute with
  arguments, observe/cancel (values then update live from the observation's notifications),
  write-attributes, discover, create, delete — each with a content format of choice. Every
  request runs on the loop via ``context.run_soon``; a failure (4.04, timeout) shows on its row
  and in the banner, never as a traceback.
* **Module** — where the plugin declares AT commands for it (``Plugin.module_view``, a
  :class:`~workbench.module.moduleview.ModuleDialect`), the module's own objects and values,
  decoded by the plugin into the module state (``objects``/``values`` events) and sent through
  ``context.send``.

A reopened session (:meth:`ObjectTreePanel.load_session_coap`) shows the server view as the
recording ended — endpoints, objects and instances from the registrations, last values from the
recorded reads, notifications, Sends and acknowledged writes — marked *recorded session
(read-only)*, with every operation off until a live server or connection takes over.

Requests for host-managed objects (the plugin's ``host_answers``) are answered by the
connection's :class:`~workbench.app.hostservice.HostAnswerService` from the host values and the
tree's values; the panel's :class:`~workbench.gui.panels.object_tree_host.HostRequestsBox` is
a view of it (pending list, *Answer by hand*). With *Answer by hand* on, the pending requests wait
in the list below the tree; *Set host value…* stays a tree operation.

The widget is fed in batches: notifications and state changes only mark the data dirty; a
single-shot timer redraws at most every :data:`REFRESH_MS`.

Parts with a concern of their own live beside this module and are composed here: the
host-requests box (``object_tree_host``), the module view over AT (``object_tree_module``), the
*Definitions…* button (``object_tree_definitions``) and the client picker
(``object_tree_endpoints``).
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Awaitable, Callable
from pathlib import Path as FsPath
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.context import WorkbenchContext
from workbench.gui.panels.object_tree_definitions import (
    DefinitionsButton,
    report_definition_errors,
)
from workbench.gui.panels.object_tree_endpoints import EndpointPicker
from workbench.gui.panels.object_tree_host import HostRequestsBox
from workbench.gui.panels.object_tree_module import ModuleView
from workbench.gui.panels.tree_composite import TreeComposite
from workbench.gui.panels.value_editors import (
    AttributesDialog,
    CreateDialog,
    ExecuteDialog,
    WriteDialog,
)
from workbench.gui.theme import colours
from workbench.lwm2m.codecs.linkformat import format_links
from workbench.lwm2m.definitions import load_registry
from workbench.lwm2m.errors import PathError, ValueValidationError
from workbench.lwm2m.model import ObjectRegistry, format_text_value
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.module.hostanswer import HostAnswerer
from workbench.module.moduleview import ModuleDialect
from workbench.viewmodel.objecttree import (
    CONTENT_FORMATS,
    ObjectNode,
    ObjectTreeData,
    ResourceRow,
    session_trees,
)
from workbench.viewmodel.treeactions import TreeSelection, allowed_operations
from workbench.viewmodel.treenotes import TreeNotes

PathData = Qt.ItemDataRole.UserRole + 1
REFRESH_MS = 100
COLUMNS = ["Name", "Path", "Value", "Status", "Type", "Units", "Ops"]
COL_NAME, COL_PATH, COL_VALUE, COL_STATUS, COL_TYPE, COL_UNITS, COL_OPS = range(7)
SERVER_VIEW, MODULE_VIEW = "server", "module"
_CODE_TEXT = {
    "4.00": "Bad Request",
    "4.01": "Unauthorized",
    "4.02": "Bad Option",
    "4.03": "Forbidden",
    "4.04": "Not Found",
    "4.05": "Method Not Allowed",
    "4.06": "Not Acceptable",
    "4.13": "Request Entity Too Large",
    "4.15": "Unsupported Content-Format",
    "5.00": "Internal Server Error",
    "5.01": "Not Implemented",
    "5.03": "Service Unavailable",
}


def code_text(code: str) -> str:
    return f"{code} {_CODE_TEXT.get(code, '')}".strip()


#: Objects whose instances start closed: Security, Server and Access Control are the
#: configuration; opened, their resources pushed /3/0 (what a user reads first) off screen.
_CLOSED_AT_START = frozenset({0, 1, 2})


def queue_text(endpoint: str) -> str:
    """What a row and the status line say while a request waits for a sleeping client."""
    return f"queued: waiting for {endpoint} to wake (queue mode)"


def _open_at_start(key: str) -> bool:
    """Objects open; instances open except those of :data:`_CLOSED_AT_START`; rest closed."""
    parts = key.strip("/").split("/")
    if len(parts) == 1:
        return True
    return len(parts) == 2 and parts[0].isdigit() and int(parts[0]) not in _CLOSED_AT_START


class ObjectTreePanel(QWidget):
    """See the module docstring."""

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("object_tree")
        self.context = context
        self.registry, errors = load_registry()
        report_definition_errors(context, errors)
        #: One tree per endpoint (server view) and one for the module's own view.
        self.server_data: dict[str, ObjectTreeData] = {}
        self.module_data = ObjectTreeData(self.registry)
        self.module_view = ModuleView(context, self.module_data, self.schedule_refresh)
        #: Values the host answers with when the server reads a host-managed object (the store
        #: of every connection's host-answer service, so it outlives a reconnect).
        self.host_values: dict[str, Value] = {}
        self._busy: dict[str, str] = {}
        #: Busy texts of the requests queued until their module comes back (by path).
        self._queued: dict[str, str] = {}
        #: Paths whose request waits for a sleeping queue-mode client, and the running tasks.
        self._sleeping: set[str] = set()
        self._tasks: dict[str, Any] = {}
        self._incoming: list[tuple[str, dict[Path, Value]]] = []
        self._server_unsub: Callable[[], None] | None = None
        self._shown: tuple[Any, ...] = ()
        self._structure: tuple[str, ...] = ()
        self._items: dict[str, QTreeWidgetItem] = {}
        self._expanded: set[str] = set()
        self._collapsed: set[str] = set()
        self.last_discover = ""
        #: endpoint → what Write-Attributes and Discover said per path (the Status column).
        self.notes: dict[str, TreeNotes] = {}
        #: The session file whose server view is shown read-only ("" when live).
        self.recorded = ""
        self._recorded_conn: Any = None

        self._build()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)

        context.server_changed.connect(self._server_changed)
        context.state_changed.connect(self._state_changed)
        context.connection_changed.connect(self._connection_changed)
        context.plugin_changed.connect(lambda *_: self._plugin_changed())
        self._server_changed(context.server)
        self._plugin_changed()

    # -- construction -----------------------------------------------------------------------
    def _build(self) -> None:
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        self.view_combo = QComboBox(self)
        self.view_combo.addItem("Server view", SERVER_VIEW)
        self.view_combo.addItem("Module view (AT)", MODULE_VIEW)
        self.view_combo.setToolTip(
            "Server view: the client as the built-in server sees it.\n"
            "Module view: the module's own objects through its AT commands."
        )
        self.view_combo.currentIndexChanged.connect(lambda _i: self._view_changed())
        self.endpoint_combo = EndpointPicker(
            self.context, self, self._update_banner, self.schedule_refresh, self
        )
        self.endpoint_combo.currentIndexChanged.connect(lambda _i: self._endpoint_changed())
        self.format_combo = QComboBox(self)
        for label, number in CONTENT_FORMATS:
            self.format_combo.addItem(label, number)
        self.format_combo.setToolTip("Content format of the next requests (auto: the server picks)")
        self.definitions_button = DefinitionsButton(self.context, self._retype, self)
        self.requests_box = HostRequestsBox(
            self.context,
            self.host_values,
            lambda: self.server_data.get(self.endpoint),
            self.module_data,
            self.schedule_refresh,
            self,
        )
        # Two short rows, so the dock can be narrow (it shares the right side with others).
        top.addWidget(self.view_combo)
        top.addWidget(QLabel("Client", self))
        top.addWidget(self.endpoint_combo, 1)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(QLabel("Format", self))
        second.addWidget(self.format_combo)
        second.addWidget(self.definitions_button)
        second.addStretch(1)
        second.addWidget(self.requests_box.by_hand)
        for combo in (self.view_combo, self.endpoint_combo, self.format_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.view_combo.setMinimumContentsLength(10)
        self.format_combo.setMinimumContentsLength(9)

        self.toolbar = QToolBar(self)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.actions_: dict[str, QAction] = {}
        for key, text, shortcut, slot, tip in (
            ("refresh", "Refresh", "", self.refresh_view, "Module view: list and read again"),
            ("read", "Read", "F5", self.read_selected, "Read the selected path"),
            ("write", "Write…", "F2", self.write_selected, "Write the selected resource"),
            ("execute", "Execute…", "F9", self.execute_selected, "Execute with arguments"),
            ("observe", "Observe", "F7", self.observe_selected, "Observe the selected path"),
            ("cancel", "Cancel obs.", "Shift+F7", self.cancel_selected, "Cancel the observation"),
            ("attributes", "Attributes…", "F8", self.attributes_selected, "pmin pmax gt lt st"),
            ("discover", "Discover", "F6", self.discover_selected, "Discover the selected path"),
            ("create", "Create…", "Ins", self.create_selected, "Create an instance"),
            ("delete", "Delete", "Del", self.delete_selected, "Delete the selected instance"),
            ("host_value", "Set host value…", "", self.set_host_value_selected,
             "The value the host answers with when the server reads this resource"),
        ):  # fmt: skip
            action = QAction(text, self)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.addAction(action)
            action.triggered.connect(lambda _checked=False, s=slot: s())
            self.actions_[key] = action
            if key != "host_value":
                self.toolbar.addAction(action)

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        # Extended: Ctrl/Shift-click select several rows for the composite operations.
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.itemSelectionChanged.connect(self._update_actions)
        self.composite = TreeComposite(self)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.currentItemChanged.connect(lambda *_: self._selection_changed())
        self.tree.itemDoubleClicked.connect(lambda *_: self._double_clicked())
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_VALUE, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(COL_NAME, 210)
        self.tree.setColumnWidth(COL_PATH, 72)
        self.tree.setColumnWidth(COL_VALUE, 170)
        self.tree.setColumnWidth(COL_STATUS, 150)
        self.tree.setColumnWidth(COL_TYPE, 70)
        self.tree.setColumnWidth(COL_UNITS, 45)
        self.tree.setColumnWidth(COL_OPS, 36)

        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setMinimumHeight(self.fontMetrics().lineSpacing() * 4 + 4)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.banner = QLabel(self)  # what this view needs (no server, no module commands)
        self.banner.setWordWrap(True)
        palette = self.banner.palette()
        palette.setColor(self.banner.foregroundRole(), colours(self).note)
        self.banner.setPalette(palette)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.toolbar)
        self.cancel_queued_button = QPushButton("Cancel queued", self)
        self.cancel_queued_button.setToolTip("Cancel the requests waiting for the client to wake")
        self.cancel_queued_button.clicked.connect(self.cancel_queued)
        self.cancel_queued_button.hide()
        status_row = QHBoxLayout()
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(self.banner, 1)
        status_row.addWidget(self.cancel_queued_button)
        layout.addLayout(status_row)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.requests_box)

    # -- state of the panel -----------------------------------------------------------------
    @property
    def view(self) -> str:
        return str(self.view_combo.currentData())

    def set_view(self, view: str) -> None:
        self.view_combo.setCurrentIndex(self.view_combo.findData(view))

    @property
    def endpoint(self) -> str:
        return self.endpoint_combo.currentText()

    @property
    def content_format(self) -> int | None:
        data = self.format_combo.currentData()
        return int(data) if isinstance(data, int) else None

    def set_format(self, label: str) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findText(label))

    @property
    def dialect(self) -> ModuleDialect | None:
        return self.module_view.dialect

    def current_data(self) -> ObjectTreeData | None:
        if self.view == MODULE_VIEW:
            return self.module_data
        ep = self.endpoint
        if not ep:
            return None
        data = self.server_data.get(ep)
        if data is None:
            data = ObjectTreeData(self.registry)
            self.server_data[ep] = data
        return data

    def schedule_refresh(self) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    # -- a recorded session ---------------------------------------------------------------------
    def load_session_coap(self, path: FsPath) -> int:
        """Show the server view recorded in session file ``path``, read-only.

        Returns how many endpoints the recording has. The view stays until a server starts or
        another connection is opened (:meth:`leave_recording`).
        """
        from workbench.session.reader import SessionReader

        with SessionReader(path) as reader:
            events = list(reader.server_events())
            coap = list(reader.coap_log())
        trees = session_trees(coap, events, self.registry)
        self.recorded = FsPath(path).name
        self._recorded_conn = self.context.connection
        self.server_data = trees
        self.endpoint_combo.forget()
        self._busy.clear()
        self._queued.clear()
        self._incoming.clear()
        self.endpoint_combo.blockSignals(True)
        self.endpoint_combo.clear()
        for ep in sorted(trees):
            self.endpoint_combo.addItem(ep)
        self.endpoint_combo.blockSignals(False)
        self.endpoint_combo.setToolTip("Endpoint of the recorded session")
        self.set_view(SERVER_VIEW)
        self._shown = ()
        self._update_banner()
        self._update_actions()
        self.refresh()
        return len(trees)

    def leave_recording(self) -> None:
        """Back to the live server view (a server started, another connection opened)."""
        if not self.recorded:
            return
        self.recorded = ""
        self._recorded_conn = None
        self.server_data = {}
        self.endpoint_combo.forget()
        self.endpoint_combo.setToolTip("Registered client (endpoint name)")
        self.endpoint_combo.poll()
        self._update_banner()
        self._shown = ()
        self.refresh()
        self._update_actions()

    def _connection_changed(self, connection: Any) -> None:
        if self.recorded and connection is not self._recorded_conn:
            self.leave_recording()
        self._plugin_changed()

    # -- the server ---------------------------------------------------------------------------
    def _server_changed(self, server: Any) -> None:
        if server is not None:
            self.leave_recording()
        if self._server_unsub is not None:
            self._server_unsub()
            self._server_unsub = None
        if server is not None:
            self._server_unsub = server.events.subscribe(self._server_event)
            if self.definitions_button.extra:
                server.registry = self.registry
            else:
                self._retype(server.registry)
        self.endpoint_combo.forget()
        self.endpoint_combo.poll()

    def _server_event(self, event: Any) -> None:
        if event.kind in ("registered", "updated", "deregistered", "expired", "observe_ended"):
            self.endpoint_combo.poll()  # rare events: the endpoint list and objects follow at once
        elif event.kind == "request" and event.endpoint == self.endpoint:
            self._request_changed(event.data)

    def _request_changed(self, data: dict[str, Any]) -> None:
        """A running request of this tree waits for its module to come back, or goes again.

        The server queues a request the module's closed port refused (the module restarted:
        it registers again from a new port) instead of failing it; the row says so meanwhile.
        """
        key = str(data.get("path", ""))
        if key not in self._busy:
            return
        waiting = data.get("waiting")
        if data.get("state") == "queued" and not waiting and self._asleep(self.endpoint):
            if key not in self._queued:
                self._queued[key] = self._busy[key]
            self._busy[key] = queue_text(self.endpoint)
            self._sleeping.add(key)
            self._update_banner()
            self.schedule_refresh()
        elif data.get("state") == "queued" and waiting:
            if key not in self._queued:
                self._queued[key] = self._busy[key]
                self.context.notify(
                    "info", f"{data.get('operation', 'request').capitalize()} {key}: {waiting}."
                )
            self._busy[key] = f"{data.get('operation', 'request')} queued: module restarting…"
            self.schedule_refresh()
        elif key in self._queued and data.get("state") != "queued":
            self._busy[key] = self._queued.pop(key)
            if key in self._sleeping:
                self._sleeping.discard(key)
                self._update_banner()
            self.schedule_refresh()

    def _asleep(self, endpoint: str) -> bool:
        info = self.endpoint_combo.clients().get(endpoint)
        return info is not None and bool(info.queue_mode) and not info.awake

    def cancel_queued(self) -> None:
        """Cancel the requests waiting for a sleeping client (the status line's button)."""
        for key in list(self._sleeping):
            task = self._tasks.get(key)
            if task is not None:
                task.cancel()

    def _endpoint_changed(self) -> None:
        self._shown = ()
        self.refresh()

    # -- the module ---------------------------------------------------------------------------
    def _plugin_changed(self) -> None:
        self.requests_box.follow_host_service()
        self.requests_box.setVisible(self.answerer.supported)
        self._update_banner()
        self._update_actions()
        self._state_changed({"objects", "values", "requests"})

    def _state_changed(self, changed: Any) -> None:
        state = self.context.state
        if state is None:
            return
        sections = set(changed) if changed else set()
        if {"objects", "values"} & sections:
            self.module_view.take_state()
        if "requests" in sections or "servers" in sections:
            self.requests_box.answer_pending()

    def _view_changed(self) -> None:
        self._shown = ()
        self._update_banner()
        self._update_actions()
        self.refresh()
        if (
            self.view == MODULE_VIEW
            and self.context.connected
            and not self.module_data.object_ids()
        ):
            self.refresh_view()

    def _update_banner(self) -> None:
        text = ""
        if self.view == SERVER_VIEW and self.recorded:
            count = len(self.server_data)
            text = (
                f"Recorded session {self.recorded} (read-only): the server view as the "
                f"recording ended, {count} endpoint{'s' if count != 1 else ''}. "
                "Operations are off."
                if count
                else f"Recorded session {self.recorded} (read-only): no client registered "
                "with the built-in server in this recording."
            )
        elif self.view == SERVER_VIEW:
            if self.context.server is None:
                text = "No built-in server is running (start one, or run the demo)."
            elif not self.endpoint_combo.clients():
                text = "No client has registered with the built-in server yet."
        else:
            dialect = self.dialect
            if dialect is None:
                name = (
                    self.context.plugin.name if self.context.plugin is not None else "this module"
                )
                text = f"{name} has no AT commands that list its objects: use the server view."
            else:
                text = f"Module's own view through {dialect.note}."
        if self._sleeping and self.view == SERVER_VIEW:
            count = len(self._sleeping)
            text = (
                f"{queue_text(self.endpoint)}, {count} request{'s' if count != 1 else ''} "
                "queued. They go out when it next talks (an update or a notification)."
            )
        self.cancel_queued_button.setVisible(bool(self._sleeping))
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.endpoint_combo.setEnabled(self.view == SERVER_VIEW)

    # -- drawing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw from the current data (only what changed; structure changes rebuild)."""
        for ep, values in self._incoming:
            data = self.server_data.get(ep)
            if data is not None:
                data.apply_values(values, "notification")
        self._incoming.clear()
        data = self.current_data()
        if data is None:
            self.tree.clear()
            self._items.clear()
            self._structure = ()
            self._shown = ()
            self._update_actions()
            return
        key = (id(data), data.revision, tuple(sorted(self._busy.items())))
        if key == self._shown:
            return
        self._shown = key
        objects = data.objects()
        structure = tuple(self._paths(objects))
        if structure != self._structure:
            self._rebuild(objects)
            self._structure = structure
        else:
            self._update(objects)
        self._selection_changed()

    def _paths(self, objects: list[ObjectNode]) -> list[str]:
        out = []
        for obj in objects:
            out.append(str(obj.path))
            for inst in obj.instances:
                out.append(str(inst.path))
                for row in inst.resources:
                    out.append(str(row.path))
                    out.extend(str(c.path) for c in row.instances)
        return out

    def _remember_expansion(self) -> None:
        for key, item in self._items.items():
            if item.childCount():
                (self._expanded if item.isExpanded() else self._collapsed).add(key)
                (self._collapsed if item.isExpanded() else self._expanded).discard(key)

    def _rebuild(self, objects: list[ObjectNode]) -> None:
        selected = self.selected_path_text()
        self._remember_expansion()
        scroll = self.tree.verticalScrollBar().value()
        self.tree.clear()
        self._items.clear()
        for obj in objects:
            oitem = self._item(self.tree.invisibleRootItem(), str(obj.path))
            for inst in obj.instances:
                iitem = self._item(oitem, str(inst.path))
                for row in inst.resources:
                    ritem = self._item(iitem, str(row.path))
                    for child in row.instances:
                        self._item(ritem, str(child.path))
        self._update(objects)
        for key, item in self._items.items():
            if key in self._expanded:
                item.setExpanded(True)
            elif key in self._collapsed:
                item.setExpanded(False)
            else:
                item.setExpanded(_open_at_start(key))
        if selected and selected in self._items:
            self.tree.setCurrentItem(self._items[selected])
        self.tree.verticalScrollBar().setValue(scroll)

    def _item(self, parent: QTreeWidgetItem, key: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent)
        item.setData(0, PathData, key)
        self._items[key] = item
        return item

    def _update(self, objects: list[ObjectNode]) -> None:
        c = colours(self)
        for obj in objects:
            item = self._items.get(str(obj.path))
            if item is None:
                continue
            font = item.font(COL_NAME)
            font.setBold(True)
            item.setFont(COL_NAME, font)
            count = len(obj.instances)
            status = obj.error or ("observed" if obj.observed else f"{count} instance(s)")
            self._texts(item, [obj.label, str(obj.path), "", "", "", "", status])
            self._status_colour(item, obj.error, obj.observed, c)
            if obj.definition is not None:
                item.setToolTip(
                    COL_NAME, f"{obj.definition.description}\n({obj.definition.source})"
                )
            for inst in obj.instances:
                iitem = self._items.get(str(inst.path))
                if iitem is None:
                    continue
                status = inst.error or self._busy.get(str(inst.path), "")
                status = status or ("observed" if inst.observed else "")
                self._texts(
                    iitem,
                    [f"Instance {inst.path.instance_id}", str(inst.path), "", "", "", "", status],
                )
                self._status_colour(iitem, inst.error, inst.observed, c)
                for row in inst.resources:
                    self._row(row, c)
                    for child in row.instances:
                        self._row(child, c)

    def _row(self, row: ResourceRow, c: Any) -> None:
        item = self._items.get(str(row.path))
        if item is None:
            return
        status = self._busy.get(str(row.path), "")
        if not status:
            if row.error:
                status = row.error
            else:
                parts = []
                if row.observed:
                    parts.append("observed")
                if row.value is not None:
                    stamp = time.strftime("%H:%M:%S", time.localtime(row.value.time))
                    parts.append(f"{row.value.source} {stamp}")
                notes = self.notes.get(self.endpoint) if self.view == SERVER_VIEW else None
                if notes is not None and notes.note(row.path):
                    parts.append(notes.note(row.path))
                status = " · ".join(parts)
        whole = row.path.resource_instance_id is None
        rtype = row.type_label if whole else ""
        ops = row.ops if whole else ""
        self._texts(item, [row.name, str(row.path), row.value_text, rtype, row.units, ops, status])
        self._status_colour(item, row.error, row.observed, c)
        if row.value is None:
            item.setForeground(COL_VALUE, c.note)
        else:
            item.setForeground(COL_VALUE, c.response)
            item.setToolTip(COL_VALUE, format_text_value(row.value.value))
        d = row.definition
        if d is not None:
            tip = d.description or d.name
            if row.range_text:
                tip += f"\nRange: {row.range_text}"
            if d.units:
                tip += f"\nUnits: {d.units}"
            multiple = "Multiple" if d.multiple else "Single"
            tip += f"\n{multiple} · {'Mandatory' if d.mandatory else 'Optional'}"
            item.setToolTip(COL_NAME, tip)

    @staticmethod
    def _texts(item: QTreeWidgetItem, texts: list[str]) -> None:
        """``texts`` as name, path, value, type, units, ops, status (put in column order)."""
        name, path, value, rtype, units, ops, status = texts
        ordered = [""] * len(COLUMNS)
        for column, text in (
            (COL_NAME, name), (COL_PATH, path), (COL_VALUE, value), (COL_TYPE, rtype),
            (COL_UNITS, units), (COL_OPS, ops), (COL_STATUS, status),
        ):  # fmt: skip
            ordered[column] = text
        for column, text in enumerate(ordered):
            if item.text(column) != text:
                item.setText(column, text)
        item.setToolTip(COL_STATUS, status)

    @staticmethod
    def _status_colour(item: QTreeWidgetItem, error: str, observed: bool, c: Any) -> None:
        if error:
            item.setForeground(COL_STATUS, c.error)
        elif observed:
            item.setForeground(COL_STATUS, c.ok)
        else:
            item.setForeground(COL_STATUS, c.note)

    # -- selection ----------------------------------------------------------------------------
    def selected_path_text(self) -> str:
        item = self.tree.currentItem()
        if item is None:
            return ""
        key = item.data(0, PathData)
        return key if isinstance(key, str) else ""

    def selected_path(self) -> Path | None:
        text = self.selected_path_text()
        try:
            return Path.parse(text) if text else None
        except PathError:
            return None

    def select(self, path: str) -> bool:
        """Select the row of ``path`` (tests, keyboard navigation)."""
        self.refresh()
        item = self._items.get(path)
        if item is None:
            return False
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        return True

    def item_for(self, path: str) -> QTreeWidgetItem | None:
        return self._items.get(path)

    def value_text(self, path: str) -> str:
        item = self._items.get(path)
        return item.text(COL_VALUE) if item is not None else ""

    def status_text(self, path: str) -> str:
        item = self._items.get(path)
        return item.text(COL_STATUS) if item is not None else ""

    def _selection_changed(self) -> None:
        self._update_actions()
        path = self.selected_path()
        data = self.current_data()
        if path is None or data is None:
            self.details.setText(html.escape(self.last_discover))
            return
        lines = [f"<b>{path}</b>"]
        d = data.definition(path) if path.resource_id is not None else None
        if d is not None:
            ops = d.operations.letters or "no operations"
            lines[0] += html.escape(f" {d.name} — {d.type.label}, {ops}")
            if d.description:
                lines.append(html.escape(d.description.replace("\n", " ")[:300]))
        info = data.value_info(path)
        if info is not None:
            stamp = time.strftime("%H:%M:%S", time.localtime(info.time))
            lines.append(html.escape(f"Value from {info.source} at {stamp}"))
        if self.last_discover:
            lines.append(html.escape(self.last_discover))
        self.details.setText("<br>".join(lines))

    def _update_actions(self) -> None:
        path = self.selected_path()
        data = self.current_data()
        server_view = self.view == SERVER_VIEW
        selection = TreeSelection(
            path,
            server_view,
            live=not self.recorded,  # a recorded session is read-only
            has_client=bool(self.endpoint) and self.context.server is not None,
            module_view=self.dialect,
            definition=(
                data.definition(path)
                if data is not None and path is not None and path.resource_id is not None
                else None
            ),
            observed=data is not None and path is not None and data.is_observed(path),
            host_answering=self.answerer.supported,
        )
        for name, allowed in allowed_operations(selection).items():
            self.actions_[name].setEnabled(allowed)
        self.composite.update_actions()

    def _context_menu(self, pos: Any) -> None:
        self.context_menu().exec(self.tree.viewport().mapToGlobal(pos))

    def context_menu(self) -> QMenu:
        """The rows' context menu (with the composite operations when 2+ rows are selected)."""
        menu = QMenu(self)
        for key in ("read", "write", "execute", "observe", "cancel", "attributes", "discover",
                    "create", "delete", "host_value"):  # fmt: skip
            if key == "create":
                menu.addSeparator()
            menu.addAction(self.actions_[key])
        if self.composite.multi():
            menu.addSeparator()
            menu.addActions(list(self.composite.actions.values()))
        return menu

    def _double_clicked(self) -> None:
        if self.actions_["write"].isEnabled():
            self.write_selected()
        elif self.actions_["read"].isEnabled():
            self.read_selected()

    # -- running requests ---------------------------------------------------------------------
    def _run(
        self, path: Path, what: str, call: Callable[[Any, str], Awaitable[Any]],
        done: Callable[[Any], None],
    ) -> Any:  # fmt: skip
        """Start ``call(server, endpoint)`` on the loop; errors go to the row and the banner."""
        server, ep = self.context.server, self.endpoint
        if self.recorded:
            self.context.notify("warning", f"{self.recorded} is a recorded session (read-only).")
            return None
        if server is None or not ep:
            self.context.notify("warning", "No registered client to talk to.")
            return None
        key = str(path)
        self._busy[key] = f"{what}…"
        self.schedule_refresh()

        async def body() -> None:
            try:
                result = await call(server, ep)
            except Exception as exc:  # ServerRequestError, timeouts, encoding errors...
                text = str(exc) or type(exc).__name__
                if isinstance(exc, TimeoutError):
                    text = f"timeout ({text})" if str(exc) else "timeout"
                self._fail(ep, path, what, text)
            else:
                code = getattr(result, "code", "2.05")
                if isinstance(code, str) and not code.startswith("2."):
                    self._fail(ep, path, what, code_text(code))
                else:
                    data = self.server_data.setdefault(ep, ObjectTreeData(self.registry))
                    data.set_error(path, "")
                    done(result)
            finally:
                self._busy.pop(key, None)
                self._queued.pop(key, None)
                self._tasks.pop(key, None)
                if key in self._sleeping:
                    self._sleeping.discard(key)
                    self._update_banner()
                self.schedule_refresh()

        task = self.context.run_soon(body())
        self._tasks[key] = task
        return task

    def _fail(self, ep: str, path: Path, what: str, text: str) -> None:
        data = self.server_data.setdefault(ep, ObjectTreeData(self.registry))
        data.set_error(path, f"{what}: {text}")
        self.context.notify("warning", f"{what.capitalize()} {path} on {ep} failed: {text}")

    def _apply(self, ep: str, values: dict[Path, Value], source: str) -> None:
        data = self.server_data.setdefault(ep, ObjectTreeData(self.registry))
        data.apply_values(values, source)
        self.schedule_refresh()

    # -- operations (public: buttons, shortcuts and tests) ------------------------------------
    def read_selected(self) -> Any:
        path = self.selected_path()
        if path is None:
            return None
        if self.view == MODULE_VIEW:
            return self.module_view.read(path)
        return self.read(path)

    def read(self, path: Path | str) -> Any:
        target = Path.parse(path) if isinstance(path, str) else path
        fmt = self.content_format
        ep = self.endpoint

        def done(result: Any) -> None:
            if result.decode_error:
                self._fail(ep, target, "read", f"cannot decode: {result.decode_error}")
            self._apply(ep, dict(result.values), "read")

        return self._run(target, "read", lambda s, e: s.read(e, target, fmt), done)

    def write_selected(self) -> Any:
        path = self.selected_path()
        data = self.current_data()
        if path is None or data is None or path.resource_id is None:
            return None
        dialog = WriteDialog(path, data.definition(path), data.value(path), self)
        if dialog.exec() != WriteDialog.DialogCode.Accepted:
            return None
        if self.view == MODULE_VIEW:
            return self.module_view.write(path, dialog.result_value, self.registry)
        return self.write(path, dialog.result_value)

    def write(self, path: Path | str, value: Value) -> Any:
        target = Path.parse(path) if isinstance(path, str) else path
        fmt = self.content_format
        ep = self.endpoint
        return self._run(
            target,
            "write",
            lambda s, e: s.write(e, target, value, fmt),
            lambda _r: self._apply(ep, {target: value}, "written"),
        )

    def execute_selected(self) -> Any:
        path = self.selected_path()
        data = self.current_data()
        if path is None or data is None:
            return None
        d = data.definition(path)
        dialog = ExecuteDialog(path, d.name if d is not None else "resource", self)
        if dialog.exec() != ExecuteDialog.DialogCode.Accepted:
            return None
        return self.execute(path, dialog.arguments.text())

    def execute(self, path: Path | str, arguments: str = "") -> Any:
        target = Path.parse(path) if isinstance(path, str) else path
        return self._run(
            target,
            "execute",
            lambda s, e: s.execute(e, target, arguments),
            lambda r: self.context.notify("info", f"Executed {target}: {r.code}"),
        )

    def observe_selected(self) -> Any:
        path = self.selected_path()
        return self.observe(path) if path is not None else None

    def observe(self, path: Path | str) -> Any:
        target = Path.parse(path) if isinstance(path, str) else path
        fmt = self.content_format
        ep = self.endpoint

        def done(obs: Any) -> None:
            data = self.server_data.setdefault(ep, ObjectTreeData(self.registry))
            data.set_observed(target, True)
            self._apply(ep, dict(obs.initial.values), "observe")

        return self._run(
            target, "observe", lambda s, e: s.observe(e, target, fmt, callback=self.notified), done
        )

    def notified(self, notification: Any) -> None:
        """A notification of an observation (single or composite) started from this tree."""
        # On the loop, maybe many per second: queue, the refresh timer applies them.
        self._incoming.append((notification.endpoint, dict(notification.result.values)))
        self.schedule_refresh()

    def cancel_selected(self) -> Any:
        path = self.selected_path()
        return self.cancel_observation(path) if path is not None else None

    def cancel_observation(self, path: Path | str) -> Any:
        target = Path.parse(path) if isinstance(path, str) else path
        ep = self.endpoint

        def done(_r: Any) -> None:
            self.server_data.setdefault(ep, ObjectTreeData(self.registry)).set_observed(
                target, False
            )

        async def cancel(server: Any, endpoint: str) -> Any:
            result = await server.cancel_observation(endpoint, str(target))
            return result if result is not None else _Ok()

        return self._run(target, "cancel", cancel, done)

    def attributes_selected(self) -> Any:
        path = self.selected_path()
        if path is None:
            return None
        dialog = AttributesDialog(path, self)
        if dialog.exec() != AttributesDialog.DialogCode.Accepted:
            return None
        return self.write_attributes(path, dialog.attributes)

    def write_attributes(self, path: Path | str, attributes: dict[str, float | int | None]) -> Any:
        target = Path.parse(path) if isinstance(path, str) else path
        text = "&".join(k if v is None else f"{k}={v}" for k, v in attributes.items())
        ep = self.endpoint

        def done(result: Any) -> None:
            self.notes.setdefault(ep, TreeNotes()).written(target, attributes, result.code)
            self.context.notify("info", f"Attributes {text} on {target}: {result.code}")

        return self._run(
            target, "attributes", lambda s, e: s.write_attributes(e, target, attributes), done
        )

    def discover_selected(self) -> Any:
        path = self.selected_path()
        return self.discover(path) if path is not None else None

    def discover(self, path: Path | str) -> Any:
        target = Path.parse(path) if isinstance(path, str) else path

        ep = self.endpoint

        def done(result: Any) -> None:
            links = format_links(result.links) if result.links else "(no links)"
            self.last_discover = f"Discover {target}: {links}"
            self.notes.setdefault(ep, TreeNotes()).discovered(target, result.links or [])
            self._selection_changed()

        return self._run(target, "discover", lambda s, e: s.discover(e, target), done)

    def create_selected(self) -> Any:
        path = self.selected_path()
        data = self.current_data()
        if path is None or data is None:
            return None
        oid = path.object_id
        existing = data.instance_ids(oid)
        suggested = max(existing) + 1 if existing else 0
        dialog = CreateDialog(self.registry, oid, suggested, self)
        if dialog.exec() != CreateDialog.DialogCode.Accepted:
            return None
        instance = Path.of(oid, dialog.instance.value())
        if self.view == MODULE_VIEW:
            return self.module_view.create(instance, dialog.values, self.registry)
        return self.create_instance(instance, dialog.values)

    def create_instance(self, instance: Path | str, values: dict[Path, Value]) -> Any:
        target = Path.parse(instance) if isinstance(instance, str) else instance
        fmt = self.content_format
        ep = self.endpoint
        obj = Path.of(target.object_id)

        def done(result: Any) -> None:
            self._apply(ep, dict(values), "created")
            self.context.notify("info", f"Created {result.location or target} on {ep}")

        return self._run(obj, "create", lambda s, e: s.create(e, obj, values, fmt), done)

    def delete_selected(self, confirm: bool = True) -> Any:
        path = self.selected_path()
        if path is None or path.instance_id is None or path.resource_id is not None:
            return None
        if confirm:
            answer = QMessageBox.question(self, "Delete", f"Delete {path}?")
            if answer != QMessageBox.StandardButton.Yes:
                return None
        if self.view == MODULE_VIEW:
            return self.module_view.delete(path)
        return self.delete(path)

    def delete(self, instance: Path | str) -> Any:
        target = Path.parse(instance) if isinstance(instance, str) else instance
        ep = self.endpoint

        def done(_r: Any) -> None:
            self.server_data.setdefault(ep, ObjectTreeData(self.registry)).mark_deleted(target)

        return self._run(target, "delete", lambda s, e: s.delete(e, target), done)

    # -- module view over AT ------------------------------------------------------------------
    def refresh_view(self) -> Any:
        """Module view: list, then read every instance; server view: read every instance."""
        if self.view == SERVER_VIEW:
            data = self.current_data()
            if data is None:
                return None
            tasks = [
                self.read(Path.of(oid, iid))
                for oid in data.object_ids()
                if oid != 0  # the Security object is not readable by a server
                for iid in data.instance_ids(oid)
            ]
            return tasks
        dialect = self.dialect
        if dialect is None:
            return None
        return self.context.run_soon(self.module_view.refresh(dialect))

    # -- host-managed objects -----------------------------------------------------------------
    @property
    def answerer(self) -> HostAnswerer:
        return self.requests_box.answerer

    def set_host_value_selected(self) -> None:
        path = self.selected_path()
        data = self.current_data()
        if path is None or data is None or path.resource_id is None:
            return
        current = self.requests_box.lookup(str(path))
        dialog = WriteDialog(path, data.definition(path), current, self, title="Host value for")
        if dialog.exec() == WriteDialog.DialogCode.Accepted:
            self.set_host_value(path, dialog.result_value)

    def set_host_value(self, path: Path | str, value: Value) -> None:
        key = str(path)
        self.host_values[key] = value
        data = self.current_data()
        if data is not None:
            data.apply_values({key: value}, "host value")
        self.schedule_refresh()

    # -- definitions ----------------------------------------------------------------------------
    def add_definitions(self, path: FsPath) -> asyncio.Task[ObjectRegistry]:
        """Load a folder or a file on top of what is loaded (parsed off the GUI thread); the
        tree re-types when the returned task is done."""
        return self.definitions_button.add_definitions(path)

    def _retype(self, registry: ObjectRegistry) -> None:
        self.registry = registry
        for data in [*self.server_data.values(), self.module_data]:
            data.set_registry(self.registry)
        self._structure = ()
        self._shown = ()
        self.schedule_refresh()

    # -- teardown -------------------------------------------------------------------------------
    def closeEvent(self, event: Any) -> None:
        if self._server_unsub is not None:
            self._server_unsub()
            self._server_unsub = None
        self.requests_box.unfollow()
        super().closeEvent(event)


class _Ok:
    """A successful outcome without a CoAP answer (a passive cancel)."""

    code = "2.05"


__all__ = ["ObjectTreePanel", "ValueValidationError"]
