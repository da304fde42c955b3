"""The "Connect this module to the server" dialog: the plan, live progress, a verdict in words.

All logic is in :mod:`workbench.app.guided` (plan, run, diagnosis); this dialog shows the sequence
it will send for the current module and server (keys masked), runs it through the window's
connection (so every line also appears in the terminal and the session file), shows each step's
answer as it comes, what each side has said so far, and finally the diagnosis with hints.
Progress callbacks only set a flag; a ~30 Hz timer repaints.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.app.guided import (
    Diagnosis,
    GuidedConnect,
    GuidedPlan,
    editable_options,
    plan_for,
    registered_client,
)
from workbench.gui.context import WorkbenchContext
from workbench.gui.tables import fit_table
from workbench.gui.theme import colours, monospace_font
from workbench.module.words import plain

REFRESH_MS = 33
_STATUS_TEXT = {
    "pending": "…",
    "running": "sending",
    "ok": "OK",
    "failed": "FAILED",
    "skipped": "skipped",
}


class GuidedConnectDialog(QDialog):
    """See the module docstring. Non-modal: the terminal stays usable while it runs."""

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guided_connect")
        self.setWindowTitle("Connect this module to the server")
        self.setModal(False)
        self.context = context
        self.plan: GuidedPlan | None = None
        self.guide: GuidedConnect | None = None
        self.task: asyncio.Task[Diagnosis] | None = None
        self._dirty = False

        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.identity = QComboBox(self)
        self.identity.setToolTip("PSK identity the module should use (Server panel → Security)")
        self.identity.currentIndexChanged.connect(lambda _i: self.prepare())
        self.identity_row = QWidget(self)
        id_layout = QHBoxLayout(self.identity_row)
        id_layout.setContentsMargins(0, 0, 0, 0)
        id_layout.addWidget(QLabel("Security", self))
        id_layout.addWidget(self.identity, 1)
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        # What the sequence registers with, where the plugin's sequence takes it.
        self.endpoint = QLineEdit(self)
        self.lifetime = QLineEdit(self)
        self.lifetime.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,9}")))
        self.binding = QLineEdit(self)
        self.binding.setValidator(QRegularExpressionValidator(QRegularExpression(r"[UQSNT]*")))
        self.options_row = QWidget(self)
        options = QHBoxLayout(self.options_row)
        options.setContentsMargins(0, 0, 0, 0)
        for caption, edit in (
            ("Endpoint", self.endpoint),
            ("Lifetime (s)", self.lifetime),
            ("Binding", self.binding),
        ):
            options.addWidget(QLabel(caption, self))
            options.addWidget(edit, 2 if edit is self.endpoint else 1)
            edit.setPlaceholderText("the sequence's default")
            edit.editingFinished.connect(self._idle_prepare)
        self.steps = QTableWidget(0, 3, self)
        self.steps.setHorizontalHeaderLabels(["Step", "Command", "Module's answer"])
        self.steps.verticalHeader().hide()
        self.steps.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.steps.setFont(monospace_font())
        fit_table(self.steps, stretch=(1, 2))  # long commands and answers wrap, never cut
        self.module_side = QLabel(self)
        self.server_side = QLabel(self)
        for label in (self.module_side, self.server_side):
            label.setWordWrap(True)
        sides = QHBoxLayout()
        sides.addWidget(self.module_side, 1)
        sides.addWidget(self.server_side, 1)
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setMargin(8)
        self.run_button = QPushButton("Run", self)
        self.run_button.setDefault(True)
        self.run_button.setToolTip("Send the sequence and watch the registration (Ctrl+Return)")
        self.run_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.clicked.connect(self.stop)
        self.copy_button = QPushButton("Copy report", self)
        self.copy_button.clicked.connect(self.copy_report)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.identity_row)
        layout.addWidget(self.options_row)
        layout.addWidget(self.notes)
        layout.addWidget(self.steps, 1)
        layout.addLayout(sides)
        layout.addWidget(self.verdict)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.start)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh_if_dirty)
        self._timer.start()
        self.resize(860, 560)
        context.server_changed.connect(lambda _s: self._idle_prepare())
        context.plugin_changed.connect(lambda *_: self._idle_prepare())

    # -- plan --------------------------------------------------------------------------------
    def _idle_prepare(self) -> None:
        if self.task is None or self.task.done():
            self.prepare()

    def _psk_choice(self) -> tuple[str, bytes] | None:
        server = self.context.server
        psk: dict[str, bytes] = dict(getattr(server, "psk", {}) or {})
        current = self.identity.currentData()
        self.identity.blockSignals(True)
        self.identity.clear()
        self.identity.addItem("No security (plain CoAP)", "")
        for name in sorted(psk):
            self.identity.addItem(f"DTLS with PSK identity “{name}”", name)
        index = self.identity.findData(current) if current is not None else -1
        if index < 0:
            index = 1 if psk else 0
        self.identity.setCurrentIndex(index)
        self.identity.blockSignals(False)
        self.identity_row.setVisible(bool(psk))
        name = self.identity.currentData()
        return (name, psk[name]) if name else None

    def prepare(self) -> GuidedPlan | None:
        """(Re)build the plan for the current module and server and show it."""
        if self.task is not None and not self.task.done():
            return self.plan
        self.guide = None
        server = self.context.server
        plugin = self.context.plugin
        self.plan = None
        self.steps.setRowCount(0)
        self.module_side.clear()
        self.server_side.clear()
        self._set_verdict(None)
        psk = self._psk_choice()
        problem = ""
        # Every missing piece, the port first (with no port open it said "choose the module").
        missing = []
        if not self.context.connected:
            missing.append(
                "No port is open: open the module's port in the connection bar first "
                "(the module is detected when it opens), or start a demo."
            )
        if server is None:
            missing.append("The built-in server is not running: start it in the Server panel.")
        if plugin is None and self.context.connected:
            missing.append("Choose the module in the connection bar first (or let it auto-detect).")
        if plugin is None or server is None:
            problem = " ".join(missing)
        if not problem and plugin is not None:
            dtls = getattr(server, "dtls_address", None)
            dtls_url = f"coaps://{dtls[0]}:{dtls[1]}" if dtls else ""
            try:
                self.plan = plan_for(
                    plugin,
                    self.context.server_url,
                    psk=psk,
                    dtls_url=dtls_url,
                    variant=self.context.variant,
                    options=self._options(plugin),
                )
            except ValueError as exc:
                problem = str(exc)
        if self.plan is None:
            self.header.setText(f"<b>Cannot connect yet.</b> {problem}")
            self.notes.clear()
            self._update_buttons()
            return None
        plan = self.plan
        self.header.setText(
            f"Send the documented sequence of <b>{plan.plugin_name}</b> to point the module at "
            f"<b>{plan.server_url}</b>, then watch the registration arrive on both sides."
        )
        self.notes.setText("\n".join(f"• {note}" for note in plan.notes))
        self.notes.setVisible(bool(plan.notes))
        self._fill_steps([(s.shown, s.role, s.purpose, "pending", "") for s in plan.steps()])
        if not self.context.connected:
            self._set_verdict(None, "Open the module's port first (connection bar), then Run.")
        else:
            endpoint, address = registered_client(server)
            if endpoint:
                self._set_verdict(
                    None,
                    f"The server has this module already registered as “{endpoint}” (from "
                    f"{address}). Run sends the sequence again; some modules then refuse to "
                    "register twice.",
                )
        self._update_buttons()
        return plan

    def _options(self, plugin: Any) -> dict[str, str | int]:
        """Endpoint, lifetime and binding as typed, for the options the plugin takes."""
        editable = editable_options(plugin)
        fields = {"endpoint": self.endpoint, "lifetime": self.lifetime, "binding": self.binding}
        out: dict[str, str | int] = {}
        for name, edit in fields.items():
            edit.setEnabled(name in editable)
            edit.setToolTip(
                "Sent in the module's documented sequence (empty: the sequence's default)"
                if name in editable
                else f"{plugin.name}'s documented sequence does not set the {name}: set it "
                "from the Commands panel"
            )
            text = edit.text().strip()
            if text and name in editable:
                out[name] = int(text) if name == "lifetime" else text
        return out

    def _fill_steps(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        pal = colours(self)
        self.steps.setRowCount(len(rows))
        for row, (shown, role, purpose, status, detail) in enumerate(rows):
            label = f"{row + 1}. {_STATUS_TEXT.get(status, status)}"
            answer = detail or (purpose if role == "check" else "")
            for column, text in enumerate((label, shown, answer)):
                item = self.steps.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.steps.setItem(row, column, item)
                item.setText(text)
                item.setToolTip(text)
                if status == "failed":
                    item.setForeground(pal.error)
                elif status == "ok" and column == 0:
                    item.setForeground(pal.ok)
                elif status in ("skipped", "pending") or (column == 2 and not detail):
                    item.setForeground(pal.note)
                else:
                    item.setForeground(pal.response)

    # -- running -----------------------------------------------------------------------------
    def start(self) -> asyncio.Task[Diagnosis] | None:
        """Run the plan (Ctrl+Return)."""
        if self.task is not None and not self.task.done():
            return self.task
        plan = self.prepare()
        conn = self.context.connection
        if plan is None:
            return None
        if conn is None or not self.context.connected:
            self._set_verdict(None, "No port is open: open the module's port first.")
            return None
        recorder = getattr(conn, "recorder", None)
        add_secret = getattr(recorder, "add_secret", None)
        if add_secret is not None:
            for secret in plan.secrets:
                add_secret(secret)
        guide = GuidedConnect(plan, self.context.send, self.context.server, on_update=self._mark)
        guide.attach(conn)
        self.guide = guide
        self._set_verdict(None, "Running…")
        self.task = self.context.run_soon(guide.run())
        self.task.add_done_callback(lambda _t: self._finished())
        self._update_buttons()
        return self.task

    def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()

    def _mark(self, _guide: GuidedConnect) -> None:
        self._dirty = True

    def _finished(self) -> None:
        self._dirty = True
        self._refresh_if_dirty()
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.task is not None and not self.task.done()
        self.run_button.setEnabled(not running and self.plan is not None)
        self.run_button.setText("Run again" if self.guide is not None and not running else "Run")
        self.stop_button.setEnabled(running)
        self.copy_button.setEnabled(self.guide is not None and self.guide.diagnosis is not None)

    def _refresh_if_dirty(self) -> None:
        if not self._dirty or self.guide is None:
            return
        self._dirty = False
        guide = self.guide
        self._fill_steps([(s.shown, s.role, s.purpose, s.status, s.detail) for s in guide.steps])
        seen = guide.seen
        if seen.module_registered is not None:
            module = (
                f"registered (line {seen.module_registered.line}: {seen.module_registered.raw})"
            )
        elif seen.module_failed is not None:
            module = f"failed (line {seen.module_failed.line}: {seen.module_failed.raw})"
        elif seen.bootstrap_failed is not None:
            module = f"bootstrap failed ({seen.bootstrap_failed.raw})"
        else:
            module = "nothing yet"
        network = ""
        if seen.network_state is not None:
            network = f"<br>Network: {plain(seen.network_state)}"
        if seen.addresses is not None:
            network += f"<br>IP address: {', '.join(seen.addresses) or 'none'}"
        self.module_side.setText(f"<b>Module says:</b> {module}{network}")
        if seen.server_registered is not None:
            address = seen.server_registered.get("address", "?")
            server = f"registered “{seen.server_endpoint}” from {address}"
        elif seen.server_refusal:
            server = f"refused: {seen.server_refusal}"
        elif seen.existing_endpoint:
            server = (
                f"“{seen.existing_endpoint}” registered from {seen.existing_address} before "
                f"this run; {seen.server_requests} request(s) since, no new registration"
            )
        elif seen.server_requests:
            server = f"{seen.server_requests} request(s), no registration yet"
        else:
            server = "nothing" if guide.diagnosis is not None else "nothing received yet"
        self.server_side.setText(f"<b>Server saw:</b> {server}")
        if guide.diagnosis is not None:
            self._set_verdict(guide.diagnosis)
        elif guide.phase == "waiting":
            self._set_verdict(None, "Sequence sent. Waiting for the registration…")
        self._update_buttons()

    def _set_verdict(self, diagnosis: Diagnosis | None, text: str = "") -> None:
        pal = colours(self)
        if diagnosis is None:
            self.verdict.setStyleSheet("")
            self.verdict.setText(text)
            self.verdict.setVisible(bool(text))
            return
        background = pal.info_bg if diagnosis.ok else pal.error_bg
        if diagnosis.outcome == "cancelled":
            background = pal.warning_bg
        self.verdict.setStyleSheet(
            f"QLabel {{ background: {background.name()}; color: {pal.banner_text.name()}; "
            "border-radius: 4px; }"
        )
        hints = "".join(f"<li>{_html(h)}</li>" for h in diagnosis.hints)
        seconds = f" in {diagnosis.seconds:.2f} s" if diagnosis.seconds is not None else ""
        self.verdict.setText(
            f"<b>{_html(diagnosis.title)}{seconds}</b><br>{_html(diagnosis.explanation)}"
            + (f"<ul style='margin-top:4px'>{hints}</ul>" if hints else "")
        )
        self.verdict.setVisible(True)

    def copy_report(self) -> str:
        """The plan, each step's answer and the verdict, as text on the clipboard."""
        guide = self.guide
        if guide is None or guide.diagnosis is None:
            return ""
        lines = [f"{guide.plan.plugin_name} → {guide.plan.server_url}"]
        for index, step in enumerate(guide.steps, 1):
            lines.append(f"{index}. [{step.status}] {step.shown} → {step.detail}")
        lines += ["", guide.diagnosis.text()]
        text = "\n".join(lines)
        QGuiApplication.clipboard().setText(text)
        return text

    def closeEvent(self, event: Any) -> None:
        # Closing the window does not stop a run: the module is mid-sequence. Stop does.
        super().closeEvent(event)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
