"""FOTA: update a registered module's firmware from the built-in server (object 5).

The update itself runs headless (:class:`workbench.server.fota.FotaJob`, the same one the
server CLI's ``fota`` command runs); this panel picks the endpoint, the file, the method
(auto/pull/push) and whether Update is executed as soon as the package is Downloaded, and
shows the job's ``fota`` events: a progress bar with bytes, rate and ETA, the verdict in the
TS's words (OMA-TS-LightweightM2M Core E.6, Update Result 0-9) and the State/Result history.
Cancel executes /5/0/10 where the client has it, else writes an empty Package URI.

Events are queued by the bus callback and folded into
:class:`workbench.viewmodel.fotaview.FotaBoard`
by a ~30 Hz timer, never per event.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
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
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.context import WorkbenchContext
from workbench.gui.theme import colours
from workbench.viewmodel.fotaview import FotaBoard, FotaProgress

BATCH_MS = 33
_HISTORY_COLUMNS = ["Time", "Step", "State", "Result", "Meaning"]


class FotaPanel(QWidget):
    """See the module docstring."""

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fota_panel")
        self.context = context
        self.board = FotaBoard()
        self.job: Any = None
        self._server: Any = None
        self._pending: deque[Any] = deque()
        self._unsubscribe: Callable[[], None] | None = None
        self._shown_history = 0
        self._build()
        context.server_changed.connect(self._server_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(BATCH_MS)
        self._timer.timeout.connect(self.pump)
        self._timer.start()
        self._server_changed(context.server)

    # -- construction ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.endpoint = QComboBox(self)
        self.endpoint.setEditable(True)
        self.endpoint.setToolTip("A client registered with the built-in server")
        self.file = QLineEdit(self)
        self.file.setPlaceholderText("firmware package file")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.method = QComboBox(self)
        self.method.addItems(["auto", "pull", "push"])
        self.method.setToolTip(
            "pull: the module downloads coap://<server>/fw/<file> block-wise; "
            "push: the server writes /5/0/0 with Block1; auto: what /5/0/9 allows (pull first)"
        )
        self.uri = QLineEdit(self)
        self.uri.setPlaceholderText(
            "empty: served by the built-in server; or coap://, coaps://, http(s):// elsewhere"
        )
        self.uri.setToolTip(
            "A package you host elsewhere: written to /5/0/1 as typed (pull only). The file above "
            "is still read, to check the new firmware version against its hash."
        )
        self.auto_update = QCheckBox("Execute Update (/5/0/2) as soon as it is downloaded", self)
        self.auto_update.setChecked(True)
        form = QFormLayout()
        form.addRow("Endpoint", self.endpoint)
        form.addRow("Package", file_row)
        form.addRow("Method", self.method)
        form.addRow("Package URI", self.uri)
        form.addRow("", self.auto_update)

        self.start_button = QPushButton("Start update", self)
        self.start_button.clicked.connect(self.start)
        self.update_button = QPushButton("Update now", self)
        self.update_button.setToolTip("Execute /5/0/2 (the package is Downloaded)")
        self.update_button.clicked.connect(self.confirm)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Execute /5/0/10, or write an empty Package URI")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.update_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.summary = QLabel("No update yet.", self)
        self.verdict = QLabel("", self)
        self.verdict.setWordWrap(True)
        self.history = QTableWidget(0, len(_HISTORY_COLUMNS), self)
        self.history.setHorizontalHeaderLabels(_HISTORY_COLUMNS)
        self.history.verticalHeader().setVisible(False)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.verdict)
        layout.addWidget(self.history, 1)
        self._update_controls()

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Firmware package")
        if path:
            self.file.setText(path)

    # -- server --------------------------------------------------------------------------------
    def _server_changed(self, server: Any) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._server = server
        if server is not None:
            self._unsubscribe = server.events.subscribe(self._on_event)
        self._update_controls()

    def _on_event(self, event: Any) -> None:
        if event.kind == "fota" or event.kind in ("registered", "deregistered"):
            self._pending.append(event)

    # -- actions -----------------------------------------------------------------------------------
    def start(self) -> bool:
        """Start an update with what the form says; ``False`` (and a message) when it cannot."""
        from workbench.server.fota import (
            EXTERNAL_SCHEMES,
            FirmwarePackage,
            FotaError,
            FotaOptions,
        )

        server = self._server
        endpoint = self.endpoint.currentText().strip()
        if server is None:
            return self._refuse("Start the built-in server first.")
        if not endpoint:
            return self._refuse("Choose the endpoint of a registered module.")
        try:
            package = FirmwarePackage.from_file(self.file.text().strip())
        except OSError as exc:
            return self._refuse(f"Cannot read the package: {exc.strerror or exc}")
        method = self.method.currentText()
        uri = self.uri.text().strip() or None
        if uri is not None:
            if not uri.startswith(EXTERNAL_SCHEMES):
                return self._refuse(
                    f"The package URI must start with {', '.join(EXTERNAL_SCHEMES)}."
                )
            if method == "push":
                return self._refuse("A package URI is for pull; push sends the file itself.")
            method = "pull"
        options = FotaOptions(method=method, auto_update=self.auto_update.isChecked(), uri=uri)
        try:
            self.job = server.fota.job(endpoint, package, options)
        except FotaError as exc:
            return self._refuse(str(exc))
        self._shown_history = 0
        self.history.setRowCount(0)
        self.context.run_soon(self.job.run())
        self._update_controls()
        return True

    def _refuse(self, text: str) -> bool:
        self.verdict.setText(text)
        self.context.notify("error", text)
        return False

    def confirm(self) -> None:
        if self.job is not None:
            self.job.confirm()

    def cancel(self) -> None:
        if self.job is not None and not self.job.done:
            self.context.run_soon(self.job.cancel())

    # -- batches ---------------------------------------------------------------------------------
    def pump(self) -> None:
        """Fold queued events and redraw what changed (~30 Hz)."""
        if self._pending:
            endpoints = False
            while self._pending:
                event = self._pending.popleft()
                if event.kind == "fota":
                    self.board.feed(event.kind, event.endpoint, dict(event.data), event.time)
                else:
                    endpoints = True
            if endpoints:
                self.refresh_endpoints()
            self._show(self.current)
        elif self.endpoint.count() == 0 and self._server is not None:
            self.refresh_endpoints()

    @property
    def current(self) -> FotaProgress | None:
        if self.job is not None:
            return self.board.endpoints.get(self.job.endpoint)
        return self.board.endpoints.get(self.endpoint.currentText().strip())

    def refresh_endpoints(self) -> None:
        server = self._server
        names = sorted(server.clients) if server is not None and server.running else []
        text = self.endpoint.currentText()
        self.endpoint.blockSignals(True)
        self.endpoint.clear()
        self.endpoint.addItems(names)
        self.endpoint.setEditText(text or (names[0] if names else ""))
        self.endpoint.blockSignals(False)

    def _show(self, progress: FotaProgress | None) -> None:
        self._update_controls()
        if progress is None:
            return
        self.progress.setValue(progress.percent)
        self.progress.setFormat(f"%p% · {progress.state}")
        self.summary.setText(progress.summary())
        self.verdict.setText(progress.verdict())
        c = colours(self)
        tone = c.ok if progress.ok else c.error if progress.step == "failed" else None
        self.verdict.setStyleSheet(f"color: {tone.name()};" if tone is not None else "")
        for row in progress.history[self._shown_history :]:
            index = self.history.rowCount()
            self.history.insertRow(index)
            cells = [
                time.strftime("%H:%M:%S", time.localtime(row.time)),
                row.step,
                row.state,
                "" if row.result is None else str(row.result),
                row.result_text,
            ]
            for column, text in enumerate(cells):
                self.history.setItem(index, column, QTableWidgetItem(text))
        if len(progress.history) != self._shown_history:
            self._shown_history = len(progress.history)
            self.history.scrollToBottom()

    def _update_controls(self) -> None:
        running = self.job is not None and not self.job.done
        self.start_button.setEnabled(self._server is not None and not running)
        progress = self.current
        waiting = progress is not None and progress.step == "awaiting_confirmation"
        self.update_button.setEnabled(running and waiting)
        self.cancel_button.setEnabled(running)

    def shutdown(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._timer.stop()
