"""The built-in LwM2M server: start/stop, address, PSKs, bootstrap, clients, CoAP log.

The panel never starts or stops a server itself (see :mod:`workbench.gui.context`): it builds an
unstarted :class:`~workbench.server.LwM2MServer` from what the user set and emits
:attr:`ServerPanel.start_requested`; the window starts it, publishes it with
``context.set_server`` and stops it at exit. In demo mode the demo owns the server: the panel
shows it but offers no stop. The panel knows which server is its own because it built it.

What it shows is fed in batches: server events only set a "clients changed" flag and CoAP log
entries are queued by the bus callback; a ~30 Hz timer moves them into the models. PSK keys are
masked as soon as they are entered, live only in memory, and are registered as secrets with the
session recorder so they never reach a session file in clear.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QRegularExpression,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.context import WorkbenchContext
from workbench.gui.limits import load_limits
from workbench.gui.panels.bootstrap_editor import BootstrapEditor
from workbench.gui.panels.coap_log import CoapLogModel, LogFilter, describe_entry
from workbench.gui.panels.server_tabs import ObservationsTab, SendTab
from workbench.gui.theme import colours, monospace_font
from workbench.server import LwM2MServer
from workbench.server.bootstrap import BootstrapConfig, BootstrapConfigError
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.server.security import psk_entry
from workbench.viewmodel.formchecks import port_error

#: How often queued log entries and client changes reach the views (ms): ~30 Hz.
BATCH_MS = 33
#: Entries moved into the model per tick at most (the rest waits for the next tick).
LOG_BATCH = 5_000
DEFAULT_PORT = 5683
MASKED_KEY = "••••••••"
ALL_INTERFACES_WARNING = (
    "⚠ Listening on every network interface: anyone who can reach this computer can register "
    "with the server and read what modules send. Use it only on a network you trust."
)
#: What the Bootstrap tab shows while nothing is loaded: a file the server accepts as it is.
BOOTSTRAP_EXAMPLE = """{
  "endpoints": {
    "*": {
      "delete": ["/0", "/1"],
      "servers": [{"short_id": 101, "lifetime": 300, "binding": "U"}],
      "security": [{"instance": 0, "uri": "coap://127.0.0.1:5683",
                    "bootstrap": false, "mode": 3, "short_id": 101}],
      "format": 11542
    }
  }
}"""
_CLIENT_COLUMNS = [
    "Endpoint",
    "Address",
    "Lifetime",
    "Binding",
    "Queue mode",
    "Last seen",
    "LwM2M",
    "Security",
    "Strict peers",
]
#: Column of the conformance summary (what a strict server of the client's version rejects).
_CONFORMANCE_COLUMN = len(_CLIENT_COLUMNS) - 1


def ago(seconds: float) -> str:
    """``3 s ago``, ``2 min ago``, ``1 h ago``."""
    s = max(0, int(seconds))
    if s < 2:
        return "just now"
    if s < 60:
        return f"{s} s ago"
    if s < 3600:
        return f"{s // 60} min ago"
    return f"{s // 3600} h ago"


def conformance_summary(findings: list[dict[str, Any]]) -> str:
    """The client row's cell: ``ok`` or the newest finding's plain-words line and a count."""
    if not findings:
        return "ok"
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
    latest = findings[-1]
    return f"⚠ {latest['plain']} [{latest['fragment']}]{more}"


def conformance_details(findings: list[dict[str, Any]]) -> str:
    """Tooltip: every finding with the message, rule and specification section."""
    if not findings:
        return "Nothing a strict server of this client's LwM2M version would reject."
    return "\n\n".join(
        f"{f['message']}\n{f['plain']}\noffending: {f['fragment']} · rule {f['rule']} · "
        f"{f['section']}"
        for f in findings
    )


class ServerPanel(QWidget):
    """See the module docstring."""

    #: An unstarted :class:`LwM2MServer` the window should start and publish.
    start_requested = Signal(object)
    #: The window should stop the server this panel started.
    stop_requested = Signal()
    #: The user asked for the guided connect flow (the panel opens the dialog itself too).
    guided_requested = Signal()

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("server_panel")
        self.context = context
        self.psk: dict[str, bytes] = {}
        #: identity → the endpoint it is bound to (absent: bound at its first registration).
        self.psk_endpoints: dict[str, str] = {}
        #: Security refusals, failed handshakes and caps hit since the server started.
        self.notices: list[ServerEvent] = []
        self.bootstrap: BootstrapConfig | None = None
        self.bootstrap_path = ""
        #: The server this panel built (to tell it from the demo's).
        self.own_server: LwM2MServer | None = None
        self._server: Any = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._pending: deque[CoapLogEntry] = deque()
        self._clients_dirty = True
        #: peer address → endpoint name (kept after deregistration: old log rows stay named).
        self.endpoints: dict[str, str] = {}
        self._guided: Any = None
        self._build()
        self._load_settings()
        context.server_changed.connect(self._server_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(BATCH_MS)
        self._timer.timeout.connect(self.pump)
        self._timer.start()
        self._second = QTimer(self)
        self._second.setInterval(1000)
        self._second.timeout.connect(self._mark_clients)
        self._second.start()
        self._server_changed(context.server)

    # -- construction --------------------------------------------------------------------
    def _build(self) -> None:
        self.host = QLineEdit("127.0.0.1", self)
        self.host.setToolTip("Address to listen on; 127.0.0.1 keeps the server on this computer")
        # A line edit, not a spin box: a spin box silently dropped the fifth digit of 70000;
        # here the number stays as typed and Start says why it is refused.
        self.port = QLineEdit(str(DEFAULT_PORT), self)
        self.port.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,6}"), self))
        self.port.setMaximumWidth(self.port.fontMetrics().horizontalAdvance("0000000") + 16)
        self.port.setToolTip(
            "UDP port (0 picks a free one); DTLS uses the next port (a free one with 0)"
        )
        #: The port the user chose (the field shows the one in use while a server runs).
        self._chosen_port = str(DEFAULT_PORT)
        self._showing_in_use = False
        self.all_interfaces = QCheckBox("All interfaces", self)
        self.all_interfaces.toggled.connect(self._interfaces_toggled)
        self.start_button = QPushButton("Start", self)
        self.start_button.setToolTip("Start or stop the built-in server (Ctrl+Shift+S)")
        self.start_button.clicked.connect(self.toggle)
        self.guided_button = QPushButton("Connect this module to the server…", self)
        self.guided_button.setToolTip(
            "Send the module's documented sequence for this server and watch it register "
            "(Ctrl+Shift+G)"
        )
        self.guided_button.clicked.connect(self.open_guided)
        row = QHBoxLayout()
        row.addWidget(QLabel("Address", self))
        row.addWidget(self.host, 2)
        row.addWidget(QLabel("Port", self))
        row.addWidget(self.port)
        row.addWidget(self.all_interfaces)
        row.addWidget(self.start_button)
        self.warning = QLabel(ALL_INTERFACES_WARNING, self)
        self.warning.setWordWrap(True)
        self.warning.setObjectName("all_interfaces_warning")
        self.warning.hide()
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.guided_button)
        self.notice = QLabel(self)
        self.notice.setObjectName("server_notice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_clients(), "Clients")
        self.tabs.addTab(self._build_log(), "CoAP log")
        self.tabs.addTab(self._build_psk(), "Security (PSK)")
        self.tabs.addTab(self._build_bootstrap(), "Bootstrap")
        self.observations_tab = ObservationsTab(self.context, self)
        self.tabs.addTab(self.observations_tab, "Observations")
        self.send_tab = SendTab(self.context, self)
        self.tabs.addTab(self.send_tab, "Send (/dp)")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.warning)
        layout.addLayout(status_row)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        QShortcut(QKeySequence("Ctrl+Shift+S"), self, self.toggle)
        QShortcut(QKeySequence("Ctrl+Shift+G"), self, self.open_guided)

    def _build_clients(self) -> QWidget:
        self.clients = QTableWidget(0, len(_CLIENT_COLUMNS), self)
        self.clients.setHorizontalHeaderLabels(_CLIENT_COLUMNS)
        self.clients.verticalHeader().hide()
        self.clients.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.clients.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.clients.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.clients.setAlternatingRowColors(True)
        header = self.clients.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.clients_empty = QLabel("No client registered yet.", self)
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.clients_empty)
        layout.addWidget(self.clients, 1)
        return page

    def _build_log(self) -> QWidget:
        self.log_model = CoapLogModel(self.endpoint_of, self, max_rows=load_limits().coap_log)
        self.log_filter = LogFilter(self.endpoint_of, self)
        self.log_filter.setSourceModel(self.log_model)
        self.log = QTableView(self)
        self.log.setModel(self.log_filter)
        self.log.setFont(monospace_font())
        self.log.verticalHeader().hide()
        self.log.verticalHeader().setDefaultSectionSize(self.log.fontMetrics().height() + 4)
        self.log.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.log.setWordWrap(False)
        self.log.setAlternatingRowColors(True)
        self.log.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.log.horizontalHeader()
        widths = [96, 52, 150, 40, 92, 50, 70, 44]
        for column, width in enumerate(widths):
            self.log.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        self.log.selectionModel().currentRowChanged.connect(self._show_detail)
        self.detail = QPlainTextEdit(self)
        self.detail.setReadOnly(True)
        self.detail.setFont(monospace_font())
        self.detail.setPlaceholderText("Select a message to see its options and decoded payload.")
        self.endpoint_filter = QComboBox(self)
        self.endpoint_filter.addItem("All endpoints", "")
        self.endpoint_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.direction_filter = QComboBox(self)
        for label, value in (
            ("Both directions", ""),
            ("Received (in)", "in"),
            ("Sent (out)", "out"),
        ):
            self.direction_filter.addItem(label, value)
        self.endpoint_filter.currentIndexChanged.connect(self._filter_changed)
        self.direction_filter.currentIndexChanged.connect(self._filter_changed)
        self.follow = QCheckBox("Follow", self)
        self.follow.setChecked(True)
        self.follow.setToolTip("Keep the newest message in view")
        clear = QPushButton("Clear", self)
        clear.clicked.connect(self.clear_log)
        self.log_count = QLabel(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show", self))
        bar.addWidget(self.endpoint_filter)
        bar.addWidget(self.direction_filter)
        bar.addWidget(self.follow)
        bar.addStretch(1)
        bar.addWidget(self.log_count)
        bar.addWidget(clear)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.log)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self.log_page = page
        return page

    def _build_psk(self) -> QWidget:
        self.psk_table = QTableWidget(0, 3, self)
        self.psk_table.setHorizontalHeaderLabels(["Identity", "Key", "Endpoint"])
        self.psk_table.verticalHeader().hide()
        self.psk_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.psk_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.psk_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.psk_identity = QLineEdit(self)
        self.psk_identity.setPlaceholderText("identity, e.g. the module's IMEI")
        self.psk_key = QLineEdit(self)
        self.psk_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.psk_key.setPlaceholderText("key in hex, e.g. 0011…eeff")
        self.psk_key.returnPressed.connect(self.add_psk_from_fields)
        self.psk_endpoint = QLineEdit(self)
        self.psk_endpoint.setPlaceholderText("optional: bound at its first DTLS registration")
        self.psk_endpoint.setToolTip(
            "The only endpoint name this identity may register. An endpoint with a key can "
            "register only over DTLS with its own identity (plain CoAP gets 4.03)."
        )
        self.psk_endpoint.returnPressed.connect(self.add_psk_from_fields)
        add = QPushButton("Add", self)
        add.clicked.connect(self.add_psk_from_fields)
        remove = QPushButton("Remove selected", self)
        remove.clicked.connect(self.remove_selected_psk)
        self.psk_message = QLabel(self)
        self.psk_message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Identity", self.psk_identity)
        form.addRow("Key (hex)", self.psk_key)
        form.addRow("Endpoint", self.psk_endpoint)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        note = QLabel(
            "With at least one key the server also listens for DTLS (port + 1). Each identity "
            "registers one endpoint only, and that endpoint only over DTLS. Keys are masked "
            "once entered, kept in memory only and masked in session files. Changes apply "
            "when the server (re)starts.",
            self,
        )
        note.setWordWrap(True)
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.psk_message)
        layout.addWidget(self.psk_table, 1)
        layout.addWidget(note)
        return page

    def _build_bootstrap(self) -> QWidget:
        load = QPushButton("Load configuration…", self)
        load.clicked.connect(self.load_bootstrap_dialog)
        clear = QPushButton("Clear", self)
        clear.clicked.connect(lambda: self.set_bootstrap(None, ""))
        edit = QPushButton("New / edit…", self)
        edit.setToolTip("A form for the configuration, saved as the JSON loaded here")
        edit.clicked.connect(self.edit_bootstrap)
        self.bootstrap_label = QLabel(self)
        self.bootstrap_label.setWordWrap(True)
        self.bootstrap_view = QPlainTextEdit(self)
        self.bootstrap_view.setReadOnly(True)
        self.bootstrap_view.setFont(monospace_font())
        buttons = QHBoxLayout()
        buttons.addWidget(edit)
        buttons.addWidget(load)
        buttons.addWidget(clear)
        buttons.addStretch(1)
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.bootstrap_label)
        layout.addWidget(self.bootstrap_view, 1)
        self.set_bootstrap(None, "")
        return page

    # -- settings (address and port only: keys are never saved) -------------------------------
    def _load_settings(self) -> None:
        settings = QSettings()
        host = settings.value("server/host", "127.0.0.1")
        port = settings.value("server/port", DEFAULT_PORT)
        if isinstance(host, str) and host:
            self.host.setText(host)
        if str(port).isdigit():
            self.port.setText(str(port))

    def _save_settings(self) -> None:
        settings = QSettings()
        settings.setValue("server/host", self.host.text().strip())
        settings.setValue("server/port", self.port.text().strip())

    # -- start / stop ----------------------------------------------------------------------
    def _interfaces_toggled(self, checked: bool) -> None:
        self.warning.setVisible(checked)
        self.host.setEnabled(not checked)
        pal = colours(self)
        self.warning.setStyleSheet(
            f"QLabel {{ background: {pal.warning_bg.name()}; color: {pal.banner_text.name()}; "
            "padding: 4px; border-radius: 3px; }"
        )

    def build_server(self) -> LwM2MServer:
        """An unstarted server with the panel's settings; ValueError with a message if wrong."""
        host = self.host.text().strip() or "127.0.0.1"
        problem = port_error(self.port.text())
        if problem:
            raise ValueError(problem)
        port = int(self.port.text().strip())
        return LwM2MServer(
            host,
            port,
            # Port 0 picks a free port; its neighbour (the default DTLS port) may be taken.
            dtls_port=0 if port == 0 else None,
            all_interfaces=self.all_interfaces.isChecked(),
            psk=dict(self.psk) or None,
            bootstrap=self.bootstrap,
            psk_endpoints=dict(self.psk_endpoints),
        )

    def toggle(self) -> None:
        """Start when stopped, stop when running (Ctrl+Shift+S)."""
        server = self.context.server
        if server is not None and server is self.own_server:
            self.stop_requested.emit()
            return
        if server is not None:
            self.context.notify("info", "The demo runs its own server; it stops with the demo.")
            return
        try:
            built = self.build_server()
        except ValueError as exc:
            self.context.notify("error", f"Cannot start the server: {exc}")
            return
        self.own_server = built
        self._save_settings()
        self.status.setText("Starting…")
        self.start_requested.emit(built)

    # -- following the server ----------------------------------------------------------------
    def _server_changed(self, server: Any) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if server is not self._server:
            self.notices.clear()
            self.notice.hide()
        self._server = server
        if server is not None:
            self._unsubscribe.append(server.events.subscribe(self._on_event))
            self._unsubscribe.append(server.coap_log.subscribe(self._pending.append))
        self._clients_dirty = True
        self._update_controls()
        self.pump()

    def _update_controls(self) -> None:
        server = self._server
        own = server is not None and server is self.own_server
        for widget in (self.port, self.all_interfaces, self.host):
            widget.setEnabled(server is None)
        self._show_port_in_use(server)
        if server is None:
            self.host.setEnabled(not self.all_interfaces.isChecked())
        self.start_button.setText("Stop" if own else "Start")
        self.start_button.setEnabled(server is None or own)
        self.guided_button.setEnabled(server is not None)
        if server is None:
            self.status.setText("Stopped. Start the server, then connect a module to it.")
            return
        host, _port = server.address
        scope = "all interfaces" if host in ("::", "0.0.0.0") else "this computer only"
        text = f"Running on <b>{self.context.server_url}</b> ({scope})"
        dtls = getattr(server, "dtls_address", None)
        if dtls is not None:
            text += f", DTLS on port {dtls[1]} ({len(server.psk)} PSK identities)"
        if getattr(server, "bootstrap_config", None) is not None:
            text += ", bootstrap configured"
        if not own:
            text += " — owned by the demo"
        self.status.setText(text)

    def _show_port_in_use(self, server: Any) -> None:
        """While a server runs the field shows its real port (0 and the demo pick a random one;
        a greyed 5683 beside it was untrue); once stopped, the user's choice comes back."""
        address = getattr(server, "address", None) if server is not None else None
        if address is not None:
            if not self._showing_in_use:
                self._chosen_port = self.port.text()
                self._showing_in_use = True
            self.port.setText(str(address[1]))
        elif self._showing_in_use:
            self._showing_in_use = False
            self.port.setText(self._chosen_port)

    def _on_event(self, event: ServerEvent) -> None:
        if event.kind == "limit" or (event.kind == "security" and event.data.get("problem")):
            self.show_notice(event)
        if event.kind in ("registered", "updated", "deregistered", "expired", "conformance"):
            self._clients_dirty = True
            address = event.data.get("address")
            if isinstance(address, dict):
                address = address.get("new")
            if event.endpoint and isinstance(address, str):
                self.endpoints[address] = event.endpoint

    def show_notice(self, event: ServerEvent) -> None:
        """Show the latest security refusal, failed handshake or cap hit above the tabs."""
        self.notices.append(event)
        del self.notices[:-100]
        data = event.data
        if event.kind == "limit":
            title = f"Limit reached ({data.get('limit')} → {data.get('answer')})"
            detail = str(data.get("text", ""))
            hits = data.get("hits")
            if hits:
                detail += f" — {hits} refused so far"
        else:
            title = f"Security: {data.get('problem')}"
            detail = str(data.get("summary") or "")
            who = [f"identity {data['identity']!r}"] if data.get("identity") else []
            who += [str(data["address"])] if data.get("address") else []
            if who:
                detail = (detail + " — " if detail else "") + ", ".join(who)
            detail += f". {data.get('cause', '')}".rstrip(". ")
        if event.endpoint:
            title += f", endpoint {event.endpoint}"
        pal = colours(self)
        self.notice.setStyleSheet(
            f"QLabel {{ background: {pal.warning_bg.name()}; color: {pal.banner_text.name()}; "
            "padding: 4px; border-radius: 3px; }"
        )
        count = len(self.notices)
        more = f" ({count} notices since the server started)" if count > 1 else ""
        self.notice.setText(f"<b>{escape(title)}</b>: {escape(detail)}{more}")
        self.notice.show()

    def _mark_clients(self) -> None:
        self._clients_dirty = True  # "last seen" and awake/asleep move with the clock

    def endpoint_of(self, peer: str) -> str:
        return self.endpoints.get(peer, "")

    def load_session_coap(self, path: Path) -> int:
        """Show the CoAP log recorded in session file ``path`` (a reopened session)."""
        from workbench.session.reader import SessionReader

        with SessionReader(path) as reader:
            rows = [entry.to_dict() for entry in reader.coap_log()]
        self._pending.clear()
        self.log_model.clear()
        self.log_model.append(rows)
        return len(rows)

    def pump(self) -> None:
        """One batch: queued CoAP log entries into the model, the clients table if changed."""
        if self._pending:
            count = min(len(self._pending), LOG_BATCH)
            rows = [self._pending.popleft().to_dict() for _ in range(count)]
            self.log_model.append(rows)
            self.log_count.setText(self.log_model.describe())
            if self.follow.isChecked():
                self.log.scrollToBottom()
        if self._clients_dirty:
            self._clients_dirty = False
            self.refresh_clients()

    def refresh_clients(self) -> None:
        server = self._server
        clients = list(server.clients.values()) if server is not None and server.running else []
        self.clients.setRowCount(len(clients))
        self.clients_empty.setVisible(not clients)
        now = time.time()
        pal = colours(self)
        known = set()
        for row, info in enumerate(sorted(clients, key=lambda c: c.endpoint)):
            self.endpoints[info.address] = info.endpoint
            known.add(info.endpoint)
            queue = ("awake" if info.awake else "asleep") if info.queue_mode else "off"
            values = [
                info.endpoint,
                info.address,
                f"{info.lifetime} s",
                info.binding,
                queue,
                ago(now - info.last_seen),
                info.lwm2m_version,
                "DTLS" if info.secure else "none",
            ]
            findings = server.conformance(info.endpoint)
            values.append(conformance_summary(findings))
            for column, value in enumerate(values):
                item = self.clients.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.clients.setItem(row, column, item)
                item.setText(value)
                if column == 4 and info.queue_mode:
                    item.setForeground(pal.ok if info.awake else pal.note)
                if column == _CONFORMANCE_COLUMN:
                    item.setForeground(pal.error if findings else pal.ok)
                    item.setToolTip(conformance_details(findings))
        current = {self.endpoint_filter.itemData(i) for i in range(self.endpoint_filter.count())}
        for name in sorted(set(self.endpoints.values()) - current):
            self.endpoint_filter.addItem(name, name)

    # -- CoAP log ----------------------------------------------------------------------------
    def _filter_changed(self) -> None:
        self.log_filter.set_filter(
            str(self.endpoint_filter.currentData() or ""),
            str(self.direction_filter.currentData() or ""),
        )

    def show_coap_entry(self, entry: Any) -> bool:
        """Select ``entry`` (a CoapLogEntry, e.g. clicked on the timeline) in the CoAP log
        and show its detail; False when the log no longer holds it."""
        self.pump()  # entries still queued for the model
        wanted = entry.to_dict() if hasattr(entry, "to_dict") else dict(entry)
        key = (wanted.get("time"), wanted.get("direction"), wanted.get("peer"), wanted.get("mid"))
        rows = self.log_model.rows
        found = next(
            (
                i
                for i in range(len(rows) - 1, -1, -1)
                if (rows[i].get("time"), rows[i].get("direction"), rows[i].get("peer")) == key[:3]
                and rows[i].get("mid") == key[3]
            ),
            None,
        )
        self.tabs.setCurrentIndex(self.tabs.indexOf(self.log_page))
        if found is None:
            return False
        self.follow.setChecked(False)  # the selected row must not scroll away
        index = self.log_filter.mapFromSource(self.log_model.index(found, 0))
        if not index.isValid():  # hidden by the filters: show everything
            self.endpoint_filter.setCurrentIndex(0)
            self.direction_filter.setCurrentIndex(0)
            index = self.log_filter.mapFromSource(self.log_model.index(found, 0))
        self.log.setCurrentIndex(index)
        self.log.scrollTo(index)
        return True

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        row = self.log_filter.data(current, Qt.ItemDataRole.UserRole)
        if isinstance(row, dict):
            self.detail.setPlainText(describe_entry(row, self.endpoint_of(row["peer"])))

    def clear_log(self) -> None:
        self.log_model.clear()
        self.detail.clear()
        self.log_count.setText("")

    # -- PSK ---------------------------------------------------------------------------------
    def add_psk(self, identity: str, key_hex: str, endpoint: str = "") -> bool:
        """Add (or replace) one identity/key (bound to ``endpoint`` when given); False with a
        message when the input is wrong.

        The fields are parsed by the same :func:`~workbench.server.security.psk_entry` as
        the CLI's ``--psk`` and the bootstrap file, so a key accepted here works there too.
        """
        try:
            entry = psk_entry(identity, key_hex, endpoint.strip() or None)
        except ValueError as exc:
            return self._psk_error(f"{exc}.")
        identity, key, endpoint = entry.identity, entry.key, entry.endpoint or ""
        owner = next((i for i, ep in self.psk_endpoints.items() if ep == endpoint), None)
        if endpoint and owner is not None and owner != identity:
            return self._psk_error(f"Endpoint {endpoint} is already bound to identity {owner}.")
        self.psk[identity] = key
        if endpoint:
            self.psk_endpoints[identity] = endpoint
        else:
            self.psk_endpoints.pop(identity, None)
        self.protect(key)
        self._psk_error("")
        self._fill_psk_table()
        if self._server is not None and self._server is self.own_server:
            self.psk_message.setText("Restart the server to use the new key.")
        return True

    def _psk_error(self, text: str) -> bool:
        pal = colours(self)
        self.psk_message.setStyleSheet(f"color: {pal.error.name()};" if text else "")
        self.psk_message.setText(text)
        return False

    def add_psk_from_fields(self) -> None:
        if self.add_psk(self.psk_identity.text(), self.psk_key.text(), self.psk_endpoint.text()):
            self.psk_identity.clear()
            self.psk_key.clear()
            self.psk_endpoint.clear()

    def remove_selected_psk(self) -> None:
        rows = sorted({i.row() for i in self.psk_table.selectedIndexes()}, reverse=True)
        for row in rows:
            item = self.psk_table.item(row, 0)
            if item is not None:
                self.psk.pop(item.text(), None)
                self.psk_endpoints.pop(item.text(), None)
        self._fill_psk_table()

    def _fill_psk_table(self) -> None:
        self.psk_table.setRowCount(len(self.psk))
        for row, (identity, key) in enumerate(sorted(self.psk.items())):
            self.psk_table.setItem(row, 0, QTableWidgetItem(identity))
            self.psk_table.setItem(row, 1, QTableWidgetItem(f"{MASKED_KEY} ({len(key)} bytes)"))
            bound = self.psk_endpoints.get(identity, "(first to register)")
            self.psk_table.setItem(row, 2, QTableWidgetItem(bound))

    def protect(self, secret: bytes) -> None:
        """Register ``secret`` with the current session recorder (masked in the file)."""
        conn = self.context.connection
        recorder = getattr(conn, "recorder", None)
        add_secret = getattr(recorder, "add_secret", None)
        if add_secret is not None:
            add_secret(secret)

    # -- bootstrap ---------------------------------------------------------------------------
    def load_bootstrap_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Bootstrap configuration", "", "JSON (*.json);;All files (*)"
        )
        if path:
            self.load_bootstrap(Path(path))

    def load_bootstrap(self, path: Path) -> bool:
        """Load a JSON bootstrap configuration (see :mod:`workbench.server.bootstrap`)."""
        try:
            config = BootstrapConfig.load(path)
        except BootstrapConfigError as exc:
            pal = colours(self)
            self.bootstrap_label.setStyleSheet(f"color: {pal.error.name()};")
            self.bootstrap_label.setText(f"Not loaded: {exc}")
            return False
        self.set_bootstrap(config, str(path))
        return True

    def set_bootstrap(self, config: BootstrapConfig | None, path: str) -> None:
        self.bootstrap = config
        self.bootstrap_path = path
        self.bootstrap_label.setStyleSheet("")
        own = self.own_server
        if own is not None and self._server is own:
            own.bootstrap_config = config  # read at every Bootstrap-Request
        if config is None:
            self.bootstrap_label.setText(
                "No bootstrap configuration: Bootstrap-Requests are answered 4.04. Load a "
                'JSON file like the example below ("*" is any endpoint; an endpoint name '
                'gets its own entry; "psk_identity"/"psk_key" in a security entry set '
                "DTLS keys and are never shown)."
            )
            self.bootstrap_view.setPlainText(BOOTSTRAP_EXAMPLE)
            return
        self.bootstrap_label.setText(f"Loaded {Path(path).name}: {len(config.plans)} endpoint(s).")
        lines: list[str] = []
        for name, plan in sorted(config.plans.items()):
            lines.append(f"{'any endpoint' if name == '*' else name}:")
            lines.append(f"  delete   {', '.join(plan.delete) or '—'}")
            for base, values in plan.writes:
                lines.append(f"  write    {base} ({len(values)} values)")
            for read in plan.reads:
                lines.append(f"  read     {read}")
            for discover in plan.discovers:
                lines.append(f"  discover {discover}")
            lines.append(f"  format   {plan.content_format}")
        self.bootstrap_view.setPlainText("\n".join(lines))
        if self._server is not None:
            self._update_controls()

    def edit_bootstrap(self) -> BootstrapEditor:
        """Open the bootstrap editor (on the loaded file, if any); saving loads the result."""
        editor = BootstrapEditor(self)
        if self.bootstrap_path:
            editor.load(Path(self.bootstrap_path))
        editor.saved.connect(self.load_bootstrap)
        editor.show()
        return editor

    # -- guided connect ----------------------------------------------------------------------
    def open_guided(self) -> Any:
        """Open (or raise) the "Connect this module to the server" dialog."""
        from workbench.gui.panels.guided_connect import GuidedConnectDialog

        self.guided_requested.emit()
        if self._guided is None:
            self._guided = GuidedConnectDialog(self.context, self)
        self._guided.prepare()
        self._guided.show()
        self._guided.raise_()
        return self._guided

    def shutdown(self) -> None:
        """Stop listening to the server (window exit)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self._timer.stop()
        self._second.stop()
        self.send_tab.shutdown()
