"""Two tabs of the Server panel that Leshan users expect: the active observations per client
(with cancel) and the data clients pushed with Send (POST /dp).

Each tab follows the context's server by itself (``server_changed``), so the Server panel only
adds them. The models are Qt-free: :mod:`workbench.viewmodel.observations` and
:mod:`workbench.viewmodel.senddata`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.context import WorkbenchContext
from workbench.gui.theme import colours
from workbench.viewmodel.observations import ObservationRow, observation_rows
from workbench.viewmodel.senddata import SendLog, SentValue

#: How often the observation list is compared with the server's (ms).
POLL_MS = 250
ALL_CLIENTS = "All clients"


def _clock(t: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t)) if t else "—"


def _table(parent: QWidget, columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            item = table.item(r, c)
            if item is None:
                item = QTableWidgetItem()
                table.setItem(r, c, item)
            item.setText(text)
            item.setToolTip(text)


class _ClientFilter(QComboBox):
    """ "All clients" plus each endpoint seen; keeps the choice when endpoints are added."""

    def set_endpoints(self, endpoints: list[str]) -> None:
        known = [self.itemText(i) for i in range(1, self.count())]
        if self.count() == 0:
            self.addItem(ALL_CLIENTS)
        for name in endpoints:
            if name not in known:
                self.addItem(name)

    @property
    def endpoint(self) -> str | None:
        text = self.currentText()
        return None if not text or text == ALL_CLIENTS else text


class ObservationsTab(QWidget):
    """Active observations of the built-in server, per client, with cancel."""

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("observations_tab")
        self.context = context
        self.rows: list[ObservationRow] = []
        self._signature: tuple[Any, ...] = ()
        self.client_filter = _ClientFilter(self)
        self.client_filter.set_endpoints([])
        self.client_filter.currentIndexChanged.connect(lambda *_: self.refresh(force=True))
        self.cancel_button = QPushButton("Cancel observation", self)
        self.cancel_button.setToolTip(
            "Cancel the selected observations (a GET with Observe=1, so the client stops notifying)"
        )
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.table = _table(self, ["Client", "Path", "Notifications", "Last value", "Last"])
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.empty = QLabel("No active observation. Observe a resource from the object tree.")
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Client", self))
        bar.addWidget(self.client_filter, 1)
        bar.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh(force=True)

    def _observations(self) -> list[Any]:
        server = self.context.server
        if server is None or not getattr(server, "running", False):
            return []
        return list(server.observations)

    def refresh(self, force: bool = False) -> None:
        """Redraw when the server's observations (or their counts) changed."""
        observations = self._observations()
        self.client_filter.set_endpoints(sorted({o.endpoint for o in observations}))
        rows = observation_rows(observations, self.client_filter.endpoint)
        signature = tuple((r.endpoint, r.key, r.notifications, r.last_value) for r in rows)
        if signature == self._signature and not force:
            return
        self._signature = signature
        selected = {self.rows[i.row()].key for i in self._selected() if i.row() < len(self.rows)}
        self.rows = rows
        _fill(
            self.table,
            [
                [r.endpoint, r.path, str(r.notifications), r.last_value, _clock(r.last_time)]
                for r in rows
            ],
        )
        for index, row in enumerate(rows):
            if row.key in selected:
                self.table.selectRow(index)
        self.empty.setVisible(not rows)
        self._update_buttons()

    def _selected(self) -> list[Any]:
        return self.table.selectionModel().selectedRows()

    def _update_buttons(self) -> None:
        self.cancel_button.setEnabled(bool(self._selected()))

    def select(self, endpoint: str, path: str) -> None:
        """Select the row of ``path`` on ``endpoint`` (tests, and links from the tree)."""
        self.refresh(force=True)
        for index, row in enumerate(self.rows):
            if row.endpoint == endpoint and row.key == path:
                self.table.selectRow(index)
                return
        raise KeyError(f"{endpoint} {path} is not observed")

    def cancel_selected(self) -> asyncio.Task[None] | None:
        """Cancel the selected observations; the status line says how each went."""
        server = self.context.server
        targets = [self.rows[i.row()] for i in self._selected() if i.row() < len(self.rows)]
        if server is None or not targets:
            return None
        return self.context.run_soon(self._cancel(server, targets))

    async def _cancel(self, server: Any, targets: list[ObservationRow]) -> None:
        said = []
        failed = False
        for row in targets:
            try:
                result = await server.cancel_observation(row.endpoint, row.key)
            except Exception as exc:  # the client's answer or a timeout: said, not raised
                failed = True
                said.append(f"{row.path}: not cancelled ({exc})")
                continue
            code = getattr(result, "code", None)
            said.append(f"{row.path} on {row.endpoint}: cancelled" + (f" ({code})" if code else ""))
        pal = colours(self)
        self.status.setStyleSheet(f"color: {(pal.error if failed else pal.ok).name()};")
        self.status.setText("; ".join(said))
        self.refresh(force=True)


class SendTab(QWidget):
    """What clients pushed with Send (POST /dp): every value, or the latest per path."""

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("send_tab")
        self.context = context
        self.log = SendLog()
        self.shown: list[SentValue] = []
        self._pending: deque[Any] = deque()
        self._unsubscribe: Callable[[], None] | None = None
        self._drawn = -1
        self.client_filter = _ClientFilter(self)
        self.client_filter.set_endpoints([])
        self.client_filter.currentIndexChanged.connect(lambda *_: self.redraw(force=True))
        self.latest_only = QCheckBox("Latest value per path", self)
        self.latest_only.toggled.connect(lambda *_: self.redraw(force=True))
        self.summary = QLabel(self)
        self.table = _table(self, ["Time", "Client", "Path", "Value", "Format"])
        self.empty = QLabel(
            "Nothing received yet. A LwM2M 1.1 client pushes values with Send (POST /dp); "
            "they are listed here and marked on the timeline."
        )
        self.empty.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Client", self))
        bar.addWidget(self.client_filter, 1)
        bar.addWidget(self.latest_only)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.pump)
        self._timer.start()
        context.server_changed.connect(self._server_changed)
        self._server_changed(context.server)

    def _server_changed(self, server: Any) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if server is not None:
            self._unsubscribe = server.events.subscribe(
                lambda ev: self._pending.append(ev) if ev.kind == "send" else None
            )

    def pump(self) -> None:
        """Take the Sends the server reported since the last tick."""
        while self._pending:
            self.log.add(self._pending.popleft())
        self.redraw()

    def redraw(self, force: bool = False) -> None:
        if self.log.version == self._drawn and not force:
            return
        self._drawn = self.log.version
        self.client_filter.set_endpoints(self.log.endpoints)
        endpoint = self.client_filter.endpoint
        if self.latest_only.isChecked() and endpoint:
            values = sorted(self.log.latest(endpoint).values(), key=lambda v: v.path)
        elif self.latest_only.isChecked():
            values = [v for name in self.log.endpoints for v in self.log.latest(name).values()]
        else:
            values = self.log.values(endpoint)
        self.shown = values
        _fill(
            self.table,
            [[_clock(v.time), v.endpoint, v.path, v.value_text, v.format] for v in values],
        )
        names = [endpoint] if endpoint else self.log.endpoints
        counts = ", ".join(f"{self.log.count(n)} from {n}" for n in names)
        self.summary.setText(f"Sends received: {counts}" if counts else "")
        self.empty.setVisible(not values)

    def shutdown(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._timer.stop()
