"""Tables whose texts are read, not skimmed: no text cut off, however narrow the window.

The shortcut list and guided connect's steps elided their longest lines ("F2 write, F9 exe…");
:func:`fit_table` wraps the last column instead and keeps every row as tall as its text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget


def fit_table(table: QTableWidget, stretch: tuple[int, ...] = ()) -> None:
    """Columns as wide as their contents except ``stretch`` (default: the last one), which
    share the rest and wrap; rows grow to their wrapped text and follow the table's width."""
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    header = table.horizontalHeader()
    shared = stretch or (table.columnCount() - 1,)
    for column in range(table.columnCount()):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column in shared
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)


__all__ = ["fit_table"]
