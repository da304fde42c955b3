"""The built-in server's CoAP message log as a Qt model: rows, filter, detail text.

Rows are :meth:`workbench.server.coaplog.CoapLogEntry.to_dict` objects (already redacted:
secret-bearing payloads are masked by the server's log), appended in batches by the server
panel's timer and capped at :data:`MAX_LOG_ROWS`. Answers get the path of the request they
answer (matched by peer and token), so a ``2.01`` shows ``/rd``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from workbench.gui.theme import colours
from workbench.lwm2m.codecs.base import ContentFormat

#: Rows kept in the CoAP log view (oldest dropped beyond that).
MAX_LOG_ROWS = 50_000
LOG_COLUMNS = ["Time", "Dir", "Endpoint / peer", "Type", "Code", "MID", "Path", "Size", "Payload"]


def payload_summary(row: dict[str, Any], limit: int = 80) -> str:
    """One line for the table: decoded payload when there is one, else hex."""
    payload = row.get("payload")
    if payload is None:
        text = row.get("payload_hex") or row.get("raw_hex") or ""
    elif isinstance(payload, str):
        text = payload
    else:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_entry(row: dict[str, Any], endpoint: str = "") -> str:
    """The detail pane's text: header, options one per line, decoded payload, problems."""
    when = (
        time.strftime("%H:%M:%S", time.localtime(row["time"]))
        + f".{int(row['time'] % 1 * 1000):03d}"
    )
    arrow = "received from" if row["direction"] == "in" else "sent to"
    lines = [f"{when}  {arrow} {row['peer']}" + (f"  ({endpoint})" if endpoint else "")]
    if "code" in row:
        method = f" {row['method']}" if "method" in row else ""
        lines.append(
            f"{row.get('type', '?')} {row['code']}{method}  MID {row.get('mid')}  "
            f"token {row.get('token') or '(empty)'}  {row['size']} bytes"
        )
    if row.get("path"):
        lines.append(f"Path: {row['path']}")
    options = row.get("options") or []
    if options:
        lines.append("")
        lines.append("Options:")
        for option in options:
            value = option["value"]
            if isinstance(value, dict):
                value = json.dumps(value)
            lines.append(f"  {option['name']} ({option['number']}): {value}")
    if "content_format" in row:
        try:
            name = ContentFormat(row["content_format"]).name.replace("_", " ")
        except ValueError:
            name = "unknown"
        lines.append(f"Content format: {row['content_format']} ({name})")
    if "payload" in row and row["payload"] is not None:
        lines.append("")
        lines.append("Payload (decoded):")
        payload = row["payload"]
        text = payload if isinstance(payload, str) else json.dumps(payload, indent=2)
        lines.extend("  " + line for line in text.splitlines())
    if "payload_hex" in row:
        lines.append("")
        lines.append(f"Payload (hex): {row['payload_hex']}")
    if "raw_hex" in row:
        lines.append(f"Datagram (hex, not CoAP): {row['raw_hex']}")
    if "problem" in row:
        lines.append("")
        lines.append(f"Problem: {row['problem']}  → {row.get('action', '')}")
    return "\n".join(lines)


class CoapLogModel(QAbstractTableModel):
    """Rows of :meth:`CoapLogEntry.to_dict`, appended in batches, capped at MAX_LOG_ROWS."""

    def __init__(
        self, endpoint_of: Callable[[str], str], parent: Any = None, *, max_rows: int = MAX_LOG_ROWS
    ) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        #: The cap (settings: *View → Memory limits…*); the oldest rows beyond it are dropped.
        self.max_rows = max_rows
        #: Rows dropped because of the cap since the last clear (said in the panel).
        self.dropped = 0
        self._endpoint_of = endpoint_of
        #: (peer, token) of recent requests → their path, to name the answers' path too.
        self._asked: dict[tuple[str, str], str] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(LOG_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return LOG_COLUMNS[section]
        return None

    def append(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        for row in rows:
            key = (row["peer"], row.get("token", ""))
            if "method" in row and row.get("path"):
                self._asked[key] = row["path"]
                if len(self._asked) > 4096:
                    self._asked.pop(next(iter(self._asked)))
            elif "code" in row and not row.get("path") and key in self._asked:
                row["path"] = self._asked[key]
        overflow = len(self.rows) + len(rows) - self.max_rows
        if overflow > 0:
            self.dropped += overflow
            drop = min(overflow, len(self.rows))
            if drop:
                self.beginRemoveRows(QModelIndex(), 0, drop - 1)
                del self.rows[:drop]
                self.endRemoveRows()
            rows = rows[-self.max_rows :]
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.rows.clear()
        self.dropped = 0
        self.endResetModel()

    def describe(self) -> str:
        """``"1,234 messages"``, plus how many older ones the cap dropped."""
        text = f"{len(self.rows):,} messages"
        if self.dropped:
            text += f" · {self.dropped:,} older dropped (limit {self.max_rows:,})"
        return text

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                t = row["time"]
                return time.strftime("%H:%M:%S", time.localtime(t)) + f".{int(t % 1 * 1000):03d}"
            if column == 1:
                return "→ in" if row["direction"] == "in" else "← out"
            if column == 2:
                return self._endpoint_of(row["peer"]) or row["peer"]
            if column == 3:
                return row.get("type", "—")
            if column == 4:
                method = row.get("method")
                return f"{row['code']} {method}" if method else row.get("code", "malformed")
            if column == 5:
                return row.get("mid", "")
            if column == 6:
                return row.get("path", "")
            if column == 7:
                return row["size"]
            if column == 8:
                return payload_summary(row)
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return row["peer"]
        if role == Qt.ItemDataRole.ForegroundRole:
            code = str(row.get("code", ""))
            if "problem" in row or code[:1] in ("4", "5"):
                return colours().error
            if column == 1:
                return colours().tx if row["direction"] == "out" else colours().urc
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


class LogFilter(QSortFilterProxyModel):
    """Endpoint and direction filter over :class:`CoapLogModel`."""

    def __init__(self, endpoint_of: Callable[[str], str], parent: Any = None) -> None:
        super().__init__(parent)
        self.endpoint = ""
        self.direction = ""
        self._endpoint_of = endpoint_of

    def set_filter(self, endpoint: str, direction: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9; invalidateFilter is deprecated
            self.beginFilterChange()
            self.endpoint, self.direction = endpoint, direction
            self.endFilterChange()
        else:  # pragma: no cover - older Qt
            self.endpoint, self.direction = endpoint, direction
            self.invalidateFilter()

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        assert isinstance(model, CoapLogModel)
        row = model.rows[source_row]
        if self.direction and row["direction"] != self.direction:
            return False
        return not self.endpoint or self._endpoint_of(row["peer"]) == self.endpoint
