"""The connection bar: pick a port (real, simulated or a URL), its settings, and the module.

Real ports come from ``serial.tools.list_ports`` polled every :data:`POLL_MS` in a worker
thread (pyserial has no hot-plug events; on some systems the scan touches the devices, so it
never runs on the GUI thread); an adapter coming or going updates the list without losing the
selection. Every plugin with a simulator is listed as ``sim://ID``. The URL field is what gets
opened: picking a port fills it, and it accepts anything pyserial does (``socket://host:port``,
``sim://ID?variant=..&server=..``, ``rfc2217://``...).

The module box starts at *Auto-detect*: after opening, the bar asks the module who it is
(``ATI``/``AT+CGMM``) and preselects the matching plugin; the user can override at any time.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from workbench.app.connection import Detection, ModuleConnection
from workbench.gui.context import WorkbenchContext
from workbench.transport.serial_port import PortSettings
from workbench.viewmodel.formchecks import in_use_label

if TYPE_CHECKING:  # at run time only the loader imports plugins (start-up time)
    from workbench.plugin.api import Plugin

POLL_MS = 1500
BAUD_RATES = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 3000000)
PARITIES = {"None": "N", "Even": "E", "Odd": "O", "Mark": "M", "Space": "S"}
STOP_BITS = {"1": 1.0, "1.5": 1.5, "2": 2.0}


@dataclass(frozen=True, slots=True)
class PortInfo:
    """One entry of the port list."""

    device: str
    description: str = ""

    @property
    def label(self) -> str:
        if self.description and self.description != "n/a":
            return f"{self.device} — {self.description}"
        return self.device


def list_serial_ports() -> list[PortInfo]:
    """The system's serial ports (runs in a worker thread)."""
    from serial.tools import list_ports

    return sorted(
        (PortInfo(p.device, p.description or "") for p in list_ports.comports()),
        key=lambda p: p.device,
    )


class ConnectionBar(QWidget):
    """See the module docstring. Opening/closing goes through the context's requests."""

    def __init__(
        self,
        context: WorkbenchContext,
        parent: QWidget | None = None,
        *,
        port_lister: Callable[[], list[PortInfo]] = list_serial_ports,
        poll_ms: int = POLL_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connection_bar")
        self.context = context
        self._lister = port_lister
        self._ports: list[PortInfo] = []
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="port-scan")
        self._scan: concurrent.futures.Future[list[PortInfo]] | None = None
        self._settings = QSettings()
        self._detecting = False

        self.port = QComboBox(self)
        self.port.setToolTip("Serial ports found on this computer, and simulated modules")
        self.port.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.port.setMinimumContentsLength(18)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("/dev/ttyUSB0, COM3, socket://host:port, sim://ID")
        self.url.setToolTip(
            "What will be opened: a device, or a URL (socket://host:port,"
            " sim://ID?variant=V&server=coap://host:port)"
        )
        self.url.setMinimumWidth(220)
        self.url.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.url.returnPressed.connect(self.open_or_close)
        self.baud = QComboBox(self)
        self.baud.setEditable(True)
        self.baud.addItems([str(b) for b in BAUD_RATES])
        self.baud.setToolTip("Baud rate (type any value)")

        # Less-used line settings live in a drop-down next to the baud rate.
        self.data_bits = QComboBox(self)
        self.data_bits.addItems(["8", "7", "6", "5"])
        self.parity = QComboBox(self)
        self.parity.addItems(list(PARITIES))
        self.stop_bits = QComboBox(self)
        self.stop_bits.addItems(list(STOP_BITS))
        self.rtscts = QCheckBox("RTS/CTS hardware flow control", self)
        self.xonxoff = QCheckBox("XON/XOFF software flow control", self)
        form_widget = QWidget(self)
        form = QFormLayout(form_widget)
        form.addRow("Data bits", self.data_bits)
        form.addRow("Parity", self.parity)
        form.addRow("Stop bits", self.stop_bits)
        form.addRow(self.rtscts)
        form.addRow(self.xonxoff)
        self.line_settings = QToolButton(self)
        self.line_settings.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.line_settings.setToolTip("Data bits, parity, stop bits and flow control")
        menu = QMenu(self.line_settings)
        action = QWidgetAction(menu)
        action.setDefaultWidget(form_widget)
        menu.addAction(action)
        self.line_settings.setMenu(menu)

        self.module = QComboBox(self)
        self.module.setToolTip("Module family: decides the AT dialect, decoder and templates")
        self._fill_modules()
        self.variant = QComboBox(self)
        self.variant.setToolTip("Firmware / product variant")
        self.detect_button = QToolButton(self)
        self.detect_button.setText("Detect")
        self.detect_button.setToolTip("Ask the module who it is (ATI, AT+CGMM) and pick the plugin")
        self.detect_button.clicked.connect(self.detect)
        self.open_button = QPushButton("Open", self)
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.open_or_close)
        self.status = QLabel(self)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Port", self))
        layout.addWidget(self.port)
        layout.addWidget(self.url, 2)
        layout.addWidget(self.baud)
        layout.addWidget(self.line_settings)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Module", self))
        layout.addWidget(self.module)
        layout.addWidget(self.variant)
        layout.addWidget(self.detect_button)
        layout.addSpacing(12)
        layout.addWidget(self.open_button)
        layout.addWidget(self.status)

        self._restore()
        self._rebuild_ports()
        self._update_line_summary()
        self._update_variants()
        self._status(context.connection.status if context.connection is not None else "closed", "")

        self.port.activated.connect(self._port_chosen)
        for combo in (self.data_bits, self.parity, self.stop_bits):
            combo.currentIndexChanged.connect(self._update_line_summary)
        self.baud.currentTextChanged.connect(self._update_line_summary)
        self.rtscts.toggled.connect(self._update_line_summary)
        self.xonxoff.toggled.connect(self._update_line_summary)
        self.module.currentIndexChanged.connect(self._module_chosen)
        self.variant.currentIndexChanged.connect(self._variant_chosen)
        context.plugin_changed.connect(self._plugin_changed)
        context.status_changed.connect(self._status)
        context.connection_changed.connect(self._connection_changed)

        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self.poll_ports)
        self._poll.start()
        self.poll_ports()

    # -- ports ------------------------------------------------------------------------------
    def poll_ports(self) -> None:
        """Collect a finished scan and start the next one (never blocks the GUI thread)."""
        scan = self._scan
        if scan is not None:
            if not scan.done():
                return
            self._scan = None
            try:
                ports = scan.result()
            except Exception:
                ports = self._ports
            if ports != self._ports:
                self._ports = ports
                self._rebuild_ports()
        try:
            self._scan = self._pool.submit(self._lister)
        except RuntimeError:  # pool shut down at exit
            self._scan = None

    def _rebuild_ports(self) -> None:
        """Refill the combo, keeping the current choice (by device/URL) selected."""
        current = self.port.currentData()
        self.port.blockSignals(True)
        self.port.clear()
        for info in self._ports:
            self.port.addItem(info.label, info.device)
        if not self._ports:
            self.port.addItem("(no serial ports found)", "")
        self.port.insertSeparator(self.port.count())
        for plugin in self.context.plugins.plugins:
            if plugin.simulator_factory is not None:
                self.port.addItem(
                    f"Simulated {plugin.name}  (sim://{plugin.id})", f"sim://{plugin.id}"
                )
        index = self.port.findData(current) if current else -1
        if index < 0:
            index = self.port.findData(self.url.text().split("?")[0])
        if index >= 0:
            self.port.setCurrentIndex(index)
        self.port.blockSignals(False)
        self._show_in_use()

    def _show_in_use(self) -> None:
        """The combo names the open port even when it is not a port found here (the demo's
        pseudo-terminal, a socket URL): a greyed ``/dev/ttyS0`` beside an open pty was untrue."""
        conn = self.context.connection
        if conn is None or conn.status not in ("open", "opening", "lost"):
            # Closed: the entry stays (it is what was open) but no longer says "in use".
            for index in range(self.port.count()):
                text = self.port.itemText(index)
                if text.endswith(" (in use)"):
                    self.port.setItemText(index, text.removesuffix(" (in use)"))
            return
        url = conn.url.split("?")[0]
        index = self.port.findData(url)
        if index < 0:
            self.port.blockSignals(True)
            self.port.insertItem(0, in_use_label(url), url)
            self.port.blockSignals(False)
            index = 0
        if self.port.currentIndex() != index:
            self.port.blockSignals(True)
            self.port.setCurrentIndex(index)
            self.port.blockSignals(False)

    def ports(self) -> list[str]:
        """Devices/URLs currently offered (tests)."""
        return [
            str(self.port.itemData(i)) for i in range(self.port.count()) if self.port.itemData(i)
        ]

    def _port_chosen(self, index: int) -> None:
        device = self.port.itemData(index)
        if not device:
            return
        url = str(device)
        if url.startswith("sim://"):
            plugin_id = url[len("sim://") :]
            if self.context.server_url:
                url += f"?server={self.context.server_url}"
            self._select_module(plugin_id)
        self.url.setText(url)

    def _select_module(self, plugin_id: str) -> None:
        index = self.module.findData(plugin_id)
        if index >= 0:
            self.module.setCurrentIndex(index)

    # -- settings ------------------------------------------------------------------------------
    def port_settings(self) -> PortSettings:
        try:
            baud = int(self.baud.currentText())
        except ValueError:
            baud = 115200
        return PortSettings(
            baudrate=baud,
            bytesize=int(self.data_bits.currentText()),
            parity=PARITIES[self.parity.currentText()],
            stopbits=STOP_BITS[self.stop_bits.currentText()],
            rtscts=self.rtscts.isChecked(),
            xonxoff=self.xonxoff.isChecked(),
        )

    def _update_line_summary(self) -> None:
        s = self.port_settings()
        flow = " RTS/CTS" if s.rtscts else ""
        flow += " XON/XOFF" if s.xonxoff else ""
        stop = STOP_BITS_LABEL.get(s.stopbits, str(s.stopbits))
        self.line_settings.setText(f"{s.bytesize}{s.parity}{stop}{flow}")

    def _restore(self) -> None:
        st = self._settings
        self.url.setText(str(st.value("connection/url", "")))
        self.baud.setCurrentText(str(st.value("connection/baud", "115200")))
        self.data_bits.setCurrentText(str(st.value("connection/data_bits", "8")))
        self.parity.setCurrentText(str(st.value("connection/parity", "None")))
        self.stop_bits.setCurrentText(str(st.value("connection/stop_bits", "1")))
        self.rtscts.setChecked(bool(st.value("connection/rtscts", False, type=bool)))
        self.xonxoff.setChecked(bool(st.value("connection/xonxoff", False, type=bool)))

    def _save(self) -> None:
        st = self._settings
        st.setValue("connection/url", self.url.text())
        st.setValue("connection/baud", self.baud.currentText())
        st.setValue("connection/data_bits", self.data_bits.currentText())
        st.setValue("connection/parity", self.parity.currentText())
        st.setValue("connection/stop_bits", self.stop_bits.currentText())
        st.setValue("connection/rtscts", self.rtscts.isChecked())
        st.setValue("connection/xonxoff", self.xonxoff.isChecked())

    # -- module --------------------------------------------------------------------------------
    def _fill_modules(self) -> None:
        current = self.module.currentData()
        self.module.blockSignals(True)
        self.module.clear()
        self.module.addItem("Auto-detect", None)
        for plugin in self.context.plugins.plugins:
            self.module.addItem(plugin.name, plugin.id)
        self.module.setCurrentIndex(max(0, self.module.findData(current)))
        self.module.blockSignals(False)

    def reload_plugins(self) -> None:
        """The context's plugins changed (discovered after the first paint): refill the lists."""
        self._fill_modules()
        self._rebuild_ports()
        self._update_variants()

    def _plugin(self) -> Plugin | None:
        plugin_id = self.module.currentData()
        if not plugin_id:
            return None
        try:
            return self.context.plugins.get(str(plugin_id))
        except LookupError:
            return None

    def _update_variants(self) -> None:
        plugin = self._plugin()
        self.variant.blockSignals(True)
        self.variant.clear()
        if plugin is not None:
            for v in plugin.variants:
                self.variant.addItem(v.name or v.id, v.id)
                if v.description:
                    self.variant.setItemData(self.variant.count() - 1, v.description, 3)
            self.variant.setCurrentIndex(
                max(0, self.variant.findData(self.context.variant or plugin.default))
            )
        self.variant.setEnabled(plugin is not None and len(plugin.variants) > 1)
        self.variant.setVisible(plugin is not None)
        self.variant.blockSignals(False)

    def _module_chosen(self, _index: int) -> None:
        plugin = self._plugin()
        self._update_variants()
        self.context.set_plugin(plugin, plugin.default if plugin is not None else None)

    def _variant_chosen(self, _index: int) -> None:
        plugin = self._plugin()
        if plugin is not None:
            self.context.set_plugin(plugin, str(self.variant.currentData() or plugin.default))

    def _plugin_changed(self, plugin: Plugin | None, variant: str) -> None:
        self.module.blockSignals(True)
        self.module.setCurrentIndex(max(0, self.module.findData(plugin.id if plugin else None)))
        self.module.blockSignals(False)
        self._update_variants()

    def _connection_changed(self, conn: ModuleConnection | None) -> None:
        """Show what is open (the demo or a session may have opened it, not the bar)."""
        if conn is not None and self.url.text() != conn.url:
            self.url.setText(conn.url)
        self._show_in_use()

    @property
    def auto_detect(self) -> bool:
        return self.module.currentData() is None

    # -- open / close --------------------------------------------------------------------------
    def open_or_close(self) -> None:
        conn = self.context.connection
        if conn is not None and conn.status in ("open", "opening"):
            self.context.request_close()
            return
        url = self.url.text().strip()
        if not url:
            self.context.notify("warning", "Choose a port or type a URL first.")
            return
        self._save()
        self.context.request_open(url, self.port_settings())

    def _status(self, status: str, reason: str) -> None:
        is_open = status in ("open", "opening")
        self.open_button.setText("Close" if is_open else "Open")
        self.open_button.setToolTip(
            "Close the port (Ctrl+W)" if is_open else "Open the port (Ctrl+O)"
        )
        for w in (self.port, self.url, self.baud, self.line_settings):
            w.setEnabled(not is_open)
        self._show_in_use()
        self.detect_button.setEnabled(status == "open")
        self.status.setText({"open": "● open", "lost": "● lost", "opening": "…"}.get(status, ""))
        if status == "open" and self.auto_detect and self.context.plugin is None:
            self.detect()

    def detect(self) -> None:
        """Identify the module and preselect its plugin (the user may override)."""
        conn = self.context.connection
        if conn is None or conn.status != "open" or self._detecting:
            return
        self._detecting = True
        self.context.run_soon(self._detect(conn))

    async def _detect(self, conn: ModuleConnection) -> Detection:
        try:
            detection = await conn.detect(self.context.plugins.plugins)
        finally:
            self._detecting = False
        plugin = detection.suggestion
        first_line = detection.text.splitlines()[0] if detection.text else ""
        if plugin is not None:
            self.context.set_plugin(plugin)
            others = ", ".join(p.id for p in detection.candidates[1:])
            extra = f" (also matches: {others})" if others else ""
            self.context.notify(
                "info",
                f"Detected “{first_line}”: decoding as {plugin.name}{extra}. "
                "Change it in the Module box if that is wrong.",
            )
        elif detection.text:
            self.context.notify(
                "warning",
                f"The module says “{first_line}”, which no plugin recognises: "
                "choose the module family in the Module box.",
            )
        else:
            self.context.notify(
                "warning", f"Auto-detection got no answer ({detection.error}); choose the module."
            )
        return detection

    def shutdown(self) -> None:
        """Stop polling (window close)."""
        self._poll.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)


STOP_BITS_LABEL = {1.0: "1", 1.5: "1.5", 2.0: "2"}
