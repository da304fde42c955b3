"""The network card: registration and reject cause in words, signal, PSM/eDRX requested vs
granted, APN and IP — the radio side next to the LwM2M sessions (Cellular Monitor's card).

The rows come from :func:`workbench.viewmodel.networkcard.card_rows` (Qt-free); this panel
only draws them, marks the ones worth attention, shows the raw answer as a tooltip, jumps to
the answer's terminal line on double-click and sends the "Refresh network info" template.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.at.types import CommandResult
from workbench.gui.context import WorkbenchContext
from workbench.module.netinfo import REFRESH_NETWORK_INFO
from workbench.viewmodel.networkcard import UNKNOWN, CardRow, card_rows

#: State sections that change the card.
_SECTIONS = frozenset({"cellular", "identity", "network"})
#: Warning rows: a red that reads on light and dark palettes.
_WARNING = QColor(200, 40, 40)
#: Shortest time between two redraws while the state keeps changing (ms): a module polled for
#: its signal changes the card on every batch (30 Hz), and rebuilding the table each time was
#: ~5 % of the window's time at 1 MB/s (issue 17). The first change after a quiet spell is
#: drawn at once.
REFRESH_MS = 250


class NetworkCardPanel(QWidget):
    """The card; see the module docstring."""

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("network_card")
        self.context = context
        self.rows: list[CardRow] = []

        self.headline = QLabel(self)
        font = QFont(self.headline.font())
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh network info", self)
        self.refresh_button.setToolTip(REFRESH_NETWORK_INFO.help)
        self.refresh_button.clicked.connect(self.refresh_from_module)

        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["", "Value"])
        self.table.horizontalHeader().setVisible(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.cellDoubleClicked.connect(self._activated)

        bar = QHBoxLayout()
        bar.addWidget(self.headline, 1)
        bar.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self._pending = False
        self._refreshed = 0.0
        context.state_changed.connect(self._state_changed)
        context.connection_changed.connect(lambda *_: self.refresh())
        context.status_changed.connect(lambda *_: self._update_button())
        self.refresh()

    # -- drawing ----------------------------------------------------------------------------------
    def _state_changed(self, changed: Any) -> None:
        if self._pending or not _SECTIONS.intersection(changed or ()):
            return
        self._pending = True
        since = (time.monotonic() - self._refreshed) * 1000
        QTimer.singleShot(max(0, int(REFRESH_MS - since)), self.refresh)

    def refresh(self) -> None:
        """Redraw the card from the current connection's state (only the rows that changed)."""
        self._pending = False
        self._refreshed = time.monotonic()
        state = self.context.state
        old = self.rows
        self.rows = card_rows(state) if state is not None else []
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            if index >= len(old) or old[index] != row:
                self._set_row(index, row)
        self.headline.setText(self._headline_text())
        self._update_button()

    def _set_row(self, index: int, row: CardRow) -> None:
        label = QTableWidgetItem(row.label)
        value = QTableWidgetItem(row.text)
        if row.line is not None:
            tip = f"line {row.line}: {row.raw}"
        elif row.hint:
            tip = f"not reported yet — {row.hint} tells"
        else:
            tip = ""
        for item in (label, value):
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.UserRole, row.line)
        if row.warning:
            value.setForeground(QBrush(_WARNING))
            bold = QFont(value.font())
            bold.setBold(True)
            value.setFont(bold)
        elif row.text == UNKNOWN:
            value.setForeground(self.palette().placeholderText())
        self.table.setItem(index, 0, label)
        self.table.setItem(index, 1, value)

    def _headline_text(self) -> str:
        if self.context.state is None:
            return "No module connected"
        by_key = {row.key: row for row in self.rows}
        registration = by_key.get("registration")
        if registration is None or registration.text == UNKNOWN:
            return "Network: not reported yet — Refresh network info asks the module"
        text = f"Network: {registration.text.split(' · ')[0]}"
        reject = by_key.get("reject")
        if reject is not None and reject.warning:
            text += f" — rejected: {reject.text}"
        return text

    def _update_button(self) -> None:
        self.refresh_button.setEnabled(self.context.connected)

    # -- actions ----------------------------------------------------------------------------------
    def refresh_from_module(self) -> asyncio.Task[CommandResult | None]:
        """Send the "Refresh network info" template (its answers update the card)."""
        template = REFRESH_NETWORK_INFO
        return self.context.send_soon(template.render(), timeout=template.timeout)

    def _activated(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        line = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(line, int):
            self.context.show_line(line)

    def value_text(self, key: str) -> str:
        """The text of row ``key`` (tests and the status bar)."""
        for row in self.rows:
            if row.key == key:
                return row.text
        raise KeyError(key)
