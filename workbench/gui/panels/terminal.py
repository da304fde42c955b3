"""The serial terminal: every line sent and received, coloured, searchable, with decoded meaning.

Model/view rather than a text widget: at 1 MB/s a module prints 10,000-40,000 lines a second,
and a table view over a list model only formats the rows on screen. Rows are
:class:`~workbench.app.connection.TerminalLine` objects straight from the connection, appended in
the window's ~30 Hz batches; the model keeps at most :data:`MAX_LINES` of them and says how many
older ones it trimmed (the connection's session file keeps everything).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.app.connection import LINE_ENDINGS, ModuleConnection, TerminalLine
from workbench.at.syntax import CommandForm
from workbench.gui.context import WorkbenchContext
from workbench.gui.limits import load_limits
from workbench.gui.theme import colours, monospace_font

if TYPE_CHECKING:  # at run time only the loader imports plugins (start-up time)
    from workbench.plugin.api import CommandTemplate

#: Rows kept in the view; beyond this the oldest are trimmed (in chunks, see below).
MAX_LINES = 200_000
#: When trimming, drop this fraction at once so the view does not relayout every batch.
TRIM_CHUNK = 0.05
#: Commands remembered by the input line (persisted).
HISTORY_SIZE = 500
#: Custom role returning the :class:`TerminalLine` itself.
LineRole = Qt.ItemDataRole.UserRole + 1

_ARROWS = {"tx": "→", "rx": "←", "note": "•"}


def _timestamp(t: float) -> str:
    return datetime.datetime.fromtimestamp(t).strftime("%H:%M:%S.%f")[:-3]


def describe_events(line: TerminalLine) -> str:
    """The decoded meaning of a line for its tooltip (plain text, one event per paragraph)."""
    parts: list[str] = []
    for event in line.events:
        data = event.to_dict()
        fields = {k: v for k, v in data.items() if k not in ("kind", "line", "raw")}
        detail = ", ".join(f"{k}={v}" for k, v in fields.items())
        suffix = " (inferred)" if event.inferred else ""
        parts.append(f"{event.kind}: {detail}{suffix}" if detail else f"{event.kind}{suffix}")
    head = f"line {line.seq} · {line.kind}"
    if line.command:
        head += f" · while {line.command}"
    if line.direction == "tx":
        head = f"line {line.seq} · sent {len(line.raw)} bytes: {line.raw.hex(' ')}"
    return "\n".join([head, *parts]) if parts else head


def template_completions(templates: Sequence[CommandTemplate]) -> list[str]:
    """Command-line prefixes a user may want to complete to, from the plugin's templates."""
    out: set[str] = set()
    for t in templates:
        base = "AT" + t.command
        if t.form is CommandForm.READ:
            out.add(base + "?")
        elif t.form is CommandForm.TEST:
            out.add(base + "=?")
        elif t.form is CommandForm.SET:
            out.add(base + "=")
            try:
                out.add(t.render_defaults())
            except ValueError:
                pass
        else:
            out.add(base)
    return sorted(out, key=str.upper)


class TerminalModel(QAbstractListModel):
    """Terminal rows; a list with a moving start so trimming the oldest rows is cheap."""

    trimmed_changed = Signal(int)

    def __init__(self, max_lines: int = MAX_LINES, parent: Any = None) -> None:
        super().__init__(parent)
        self.max_lines = max_lines
        self._rows: list[TerminalLine] = []
        self._start = 0
        #: Rows shown (``len(_rows) - _start``), kept as a number: Qt asks for it a lot.
        self._count = 0
        self.trimmed = 0
        #: Bytes of received lines that reached the model (for the benchmark and the status).
        self.rx_bytes = 0
        self.show_time = True
        self.hex_view = False
        self.highlight_seq: int | None = None
        self._colours = colours()
        self._italic = QFont()
        self._italic.setItalic(True)

    # -- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        row = index.row()
        if row < 0 or row >= self._count:
            return None
        line = self._rows[self._start + row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.format(line)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(line)
        if role == Qt.ItemDataRole.ToolTipRole:
            return describe_events(line)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._colours.highlight if line.seq == self.highlight_seq else None
        if role == Qt.ItemDataRole.FontRole:
            return self._italic if line.direction == "note" else None
        if role == LineRole:
            return line
        return None

    # -- content -----------------------------------------------------------------------------
    def format(self, line: TerminalLine) -> str:
        """The row text as shown (and copied)."""
        body = line.raw.hex(" ").upper() if self.hex_view and line.raw else line.text
        arrow = _ARROWS.get(line.direction, " ")
        if self.show_time:
            return f"{line.seq:>7}  {_timestamp(line.host_time)}  {arrow} {body}"
        return f"{arrow} {body}"

    def _foreground(self, line: TerminalLine) -> Any:
        c = self._colours
        if line.direction == "tx":
            return c.tx
        if line.direction == "note":
            return c.note
        if line.failed or any(e.kind == "error" for e in line.events):
            return c.error
        if line.kind == "urc":
            return c.urc
        if line.kind == "echo":
            return c.echo
        return c.response

    def append(self, lines: Sequence[TerminalLine]) -> None:
        if self._count and lines and lines[0].seq <= self._rows[-1].seq:
            last = self._rows[-1].seq  # already shown (history loaded, then drained)
            lines = [line for line in lines if line.seq > last]
        if not lines:
            return
        if self._count and lines[0].seq > self._rows[-1].seq + 1:
            # The connection's queue keeps one history's worth: a window further behind than
            # that never got the lines between. They are in the session file; say so.
            self.trimmed += lines[0].seq - self._rows[-1].seq - 1
            self.trimmed_changed.emit(self.trimmed)
        first = self._count
        self.beginInsertRows(QModelIndex(), first, first + len(lines) - 1)
        self._rows.extend(lines)
        self._count += len(lines)
        self.endInsertRows()
        self.rx_bytes += sum(len(line.raw) for line in lines if line.direction == "rx")
        excess = self.rowCount() - self.max_lines
        if excess > 0:
            self.trim(excess + int(self.max_lines * TRIM_CHUNK))

    def trim(self, count: int) -> None:
        """Drop the ``count`` oldest rows."""
        count = min(count, self.rowCount())
        if count <= 0:
            return
        self.beginRemoveRows(QModelIndex(), 0, count - 1)
        self._start += count
        self._count -= count
        if self._start > len(self._rows) // 2:
            del self._rows[: self._start]
            self._start = 0
        self.endRemoveRows()
        self.trimmed += count
        self.trimmed_changed.emit(self.trimmed)

    def set_max_lines(self, max_lines: int) -> None:
        """Change the cap; rows beyond it are trimmed at once (oldest first, counted)."""
        if max_lines < 1:
            raise ValueError("the terminal must keep at least one line")
        self.max_lines = max_lines
        excess = self.rowCount() - max_lines
        if excess > 0:
            self.trim(excess)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._start = 0
        self._count = 0
        self.trimmed = 0
        self.rx_bytes = 0
        self.highlight_seq = None
        self.endResetModel()
        self.trimmed_changed.emit(0)

    def line_at(self, row: int) -> TerminalLine:
        return self._rows[self._start + row]

    def lines(self) -> list[TerminalLine]:
        return self._rows[self._start :]

    def row_of(self, seq: int) -> int | None:
        """The row showing line ``seq`` (rows are in seq order; usually contiguous)."""
        n = self.rowCount()
        if n == 0:
            return None
        guess = seq - self._rows[self._start].seq
        if 0 <= guess < n and self._rows[self._start + guess].seq == seq:
            return guess
        lo, hi = 0, n - 1
        while lo <= hi:  # gaps (plugin changes do not make any, but be safe)
            mid = (lo + hi) // 2
            value = self._rows[self._start + mid].seq
            if value == seq:
                return mid
            if value < seq:
                lo = mid + 1
            else:
                hi = mid - 1
        return None

    def set_view_options(
        self, *, show_time: bool | None = None, hex_view: bool | None = None
    ) -> None:
        if show_time is not None:
            self.show_time = show_time
        if hex_view is not None:
            self.hex_view = hex_view
        self._refresh()

    def set_highlight(self, seq: int | None) -> None:
        self.highlight_seq = seq
        self._refresh()

    def refresh_colours(self) -> None:
        self._colours = colours()
        self._refresh()

    def _refresh(self) -> None:
        n = self.rowCount()
        if n:
            self.dataChanged.emit(self.index(0, 0), self.index(n - 1, 0))

    def find(self, text: str, start: int, backwards: bool = False) -> int | None:
        """Next row (wrapping) whose text contains ``text`` (case-insensitive)."""
        needle = text.casefold()
        n = self.rowCount()
        if not needle or n == 0:
            return None
        rows = self._rows
        base = self._start
        step = -1 if backwards else 1
        for i in range(1, n + 1):
            row = (start + step * i) % n
            if needle in rows[base + row].text.casefold():
                return row
        return None


class HistoryLineEdit(QLineEdit):
    """Command input: Up/Down walk through earlier commands (kept across runs)."""

    def __init__(
        self, settings_key: str = "terminal/history", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._key = settings_key
        raw = QSettings().value(settings_key, [])
        self.history: list[str] = [str(x) for x in raw] if isinstance(raw, list) else []
        self._index = len(self.history)
        self._draft = ""

    def remember(self, command: str) -> None:
        if command and (not self.history or self.history[-1] != command):
            self.history.append(command)
            del self.history[:-HISTORY_SIZE]
            QSettings().setValue(self._key, self.history)
        self._index = len(self.history)
        self._draft = ""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        completer = self.completer()
        popup = completer.popup() if completer is not None else None
        popup_open = popup is not None and popup.isVisible()
        if not popup_open and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._walk(-1 if event.key() == Qt.Key.Key_Up else 1)
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        """Tab completes (the placeholder promises it); Qt would move the focus on instead."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and self.text()
            and self.complete_now()
        ):
            return True
        return super().event(event)

    def complete_now(self) -> bool:
        """Extend the text to what every completion shares, or list them; False: none."""
        completer = self.completer()
        completer.setCompletionPrefix(self.text())
        count = completer.completionCount()
        if count == 0:
            return False
        matches = []
        for row in range(count):
            completer.setCurrentRow(row)
            matches.append(completer.currentCompletion())
        shared = matches[0].upper()
        for match in matches[1:]:
            while not match.upper().startswith(shared):
                shared = shared[:-1]
        if len(shared) > len(self.text()):
            self.setText(matches[0][: len(shared)])
        if count > 1:
            completer.complete()
        return True

    def _walk(self, step: int) -> None:
        if not self.history:
            return
        if self._index == len(self.history):
            self._draft = self.text()
        self._index = max(0, min(len(self.history), self._index + step))
        self.setText(self.history[self._index] if self._index < len(self.history) else self._draft)


class TerminalView(QTableView):
    """The rows: one column, fixed row height, multi-selection, copy as text.

    A table rather than a ``QListView``: the list view lays out every row again when rows are
    inserted (calling back into Python for each), while a table with fixed-height sections
    only grows its header — O(batch) instead of O(rows) per batch of 1,000 lines.
    """

    def __init__(self, model: TerminalModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self._terminal_model = model
        self.setFont(monospace_font())
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(False)
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setMinimumSectionSize(1)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 2)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self._chars = 0
        model.modelReset.connect(self._reset_width)
        self._reset_width()

    def fit_width(self, chars: int) -> None:
        """Widen the column to ``chars`` characters (never narrower than the viewport)."""
        if chars > self._chars:
            self._chars = chars
        width = self.fontMetrics().horizontalAdvance("M") * (self._chars + 2)
        self.setColumnWidth(0, max(width, self.viewport().width()))

    def _reset_width(self) -> None:
        self._chars = 0
        self.fit_width(0)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit_width(0)

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.selectionModel().selectedRows()})

    def selected_text(self) -> str:
        model = self._terminal_model
        return "\n".join(model.format(model.line_at(row)) for row in self.selected_rows())

    def copy_selection(self) -> None:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        super().keyPressEvent(event)

    def _menu(self, pos: Any) -> None:
        menu = QMenu(self)
        menu.addAction("Copy", self.copy_selection).setEnabled(bool(self.selected_rows()))
        menu.addAction("Select all", self.selectAll)
        menu.exec(self.viewport().mapToGlobal(pos))


class FindBar(QWidget):
    """Ctrl+F: find text in the terminal (Enter: next, Shift+Enter: previous, Esc: close)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Find in terminal…")
        self.edit.setClearButtonEnabled(True)
        self.prev_button = QToolButton(self)
        self.prev_button.setText("▲")
        self.prev_button.setToolTip("Previous match (Shift+Enter)")
        self.next_button = QToolButton(self)
        self.next_button.setText("▼")
        self.next_button.setToolTip("Next match (Enter)")
        self.status = QLabel(self)
        self.status.setMinimumWidth(self.status.fontMetrics().horizontalAdvance("line 0000000"))
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Close (Esc)")
        close.clicked.connect(self.hide)
        layout.addWidget(QLabel("Find:", self))
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.prev_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.status)
        layout.addWidget(close)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)


class TerminalPanel(QWidget):
    """Terminal panel: options row, find bar, the view, and the command input."""

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("terminal")
        self.context = context
        self.model = TerminalModel(load_limits().terminal_lines, parent=self)
        self.view = TerminalView(self.model, self)
        self._follow = True
        self._settings = QSettings()

        # Options row.
        self.line_ending = QComboBox(self)
        self.line_ending.addItems(list(LINE_ENDINGS))
        self.line_ending.setToolTip("Line ending appended to commands you send")
        saved = str(self._settings.value("terminal/line_ending", "CR"))
        self.line_ending.setCurrentText(saved if saved in LINE_ENDINGS else "CR")
        self.timestamps = QCheckBox("Timestamps", self)
        self.timestamps.setToolTip("Line numbers and host time of each line")
        self.timestamps.setChecked(
            bool(self._settings.value("terminal/timestamps", True, type=bool))
        )
        self.hex = QCheckBox("Hex", self)
        self.hex.setToolTip("Show the raw bytes of each line in hexadecimal")
        self.hex.setChecked(bool(self._settings.value("terminal/hex", False, type=bool)))
        self.trim_note = QLabel(self)
        self.trim_note.setVisible(False)
        self.count_label = QLabel(self)
        clear = QToolButton(self)
        clear.setText("Clear")
        clear.setToolTip("Clear the view (the session file keeps everything)")
        clear.clicked.connect(self.model.clear)
        find = QToolButton(self)
        find.setText("Find")
        find.setToolTip("Find in terminal (Ctrl+F)")
        find.clicked.connect(self.show_find)
        options = QHBoxLayout()
        options.setContentsMargins(0, 0, 0, 0)
        options.addWidget(QLabel("Line ending:", self))
        options.addWidget(self.line_ending)
        options.addWidget(self.timestamps)
        options.addWidget(self.hex)
        options.addStretch(1)
        options.addWidget(self.trim_note)
        options.addWidget(self.count_label)
        options.addWidget(find)
        options.addWidget(clear)

        self.find_bar = FindBar(self)
        self.find_bar.hide()
        self.find_bar.edit.returnPressed.connect(self._find_from_edit)
        self.find_bar.next_button.clicked.connect(lambda: self.find_next(backwards=False))
        self.find_bar.prev_button.clicked.connect(lambda: self.find_next(backwards=True))

        # Input row.
        self.input = HistoryLineEdit(parent=self)
        self.input.setFont(monospace_font())
        self.input.setPlaceholderText("AT command — Enter sends, ↑/↓ history, Tab completes")
        self.completer = QCompleter(self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setModel(QStringListModel(self))
        self.input.setCompleter(self.completer)
        self.input.returnPressed.connect(self.send_input)
        self.send_button = QPushButton("Send", self)
        self.send_button.clicked.connect(self.send_input)
        entry = QHBoxLayout()
        entry.setContentsMargins(0, 0, 0, 0)
        entry.addWidget(self.input, 1)
        entry.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(options)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.view, 1)
        layout.addLayout(entry)

        find_action = QAction("Find", self)
        find_action.setShortcut(QKeySequence.StandardKey.Find)
        find_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find_action.triggered.connect(self.show_find)
        self.addAction(find_action)

        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.timeout.connect(lambda: self.model.set_highlight(None))

        self.model.set_view_options(
            show_time=self.timestamps.isChecked(), hex_view=self.hex.isChecked()
        )
        self.timestamps.toggled.connect(self._options_changed)
        self.hex.toggled.connect(self._options_changed)
        self.line_ending.currentTextChanged.connect(self._line_ending_changed)
        self.model.trimmed_changed.connect(self._trimmed)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)

        context.lines_appended.connect(self.append_lines)
        context.connection_changed.connect(self._connection_changed)
        context.plugin_changed.connect(lambda *_: self._update_completions())
        context.line_requested.connect(self.show_line)
        self._update_completions()
        self._update_count()

    # -- data ------------------------------------------------------------------------------
    def append_lines(self, lines: Sequence[TerminalLine]) -> None:
        """One batch from the window's timer."""
        self.model.append(lines)
        longest = max((len(line.text) for line in lines), default=0)
        if self.model.hex_view:
            longest = max((len(line.raw) * 3 for line in lines), default=0)
        self.view.fit_width(longest + 40)
        if self._follow:
            self.view.scrollToBottom()
        self._update_count()

    def _connection_changed(self, connection: ModuleConnection | None) -> None:
        self.model.clear()
        if connection is not None:
            connection.line_ending = LINE_ENDINGS[self.line_ending.currentText()]
            self.model.append(list(connection.history))
            self._refit()
            self.view.scrollToBottom()
        self._update_count()

    def _scrolled(self, value: int) -> None:
        bar = self.view.verticalScrollBar()
        self._follow = value >= bar.maximum() - 2

    def _trimmed(self, count: int) -> None:
        self.trim_note.setVisible(count > 0)
        self.trim_note.setText(
            f"{count:,} older lines trimmed from view (limit {self.model.max_lines:,}; "
            "the session file keeps them)"
        )

    def _update_count(self) -> None:
        self.count_label.setText(f"{self.model.rowCount():,} lines")

    # -- options -----------------------------------------------------------------------------
    def _options_changed(self) -> None:
        self._settings.setValue("terminal/timestamps", self.timestamps.isChecked())
        self._settings.setValue("terminal/hex", self.hex.isChecked())
        self.model.set_view_options(
            show_time=self.timestamps.isChecked(), hex_view=self.hex.isChecked()
        )
        self._refit()

    def _refit(self) -> None:
        """Column width for the longest row (once per option change or new connection)."""
        lines = self.model.lines()
        if self.model.hex_view:
            longest = max((len(line.raw) * 3 for line in lines), default=0)
        else:
            longest = max((len(line.text) for line in lines), default=0)
        self.view._chars = 0
        self.view.fit_width(longest + 40)

    def _line_ending_changed(self, name: str) -> None:
        self._settings.setValue("terminal/line_ending", name)
        if self.context.connection is not None:
            self.context.connection.line_ending = LINE_ENDINGS[name]

    def _update_completions(self) -> None:
        model = self.completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(template_completions(self.context.templates()))

    # -- commands ---------------------------------------------------------------------------
    def send_input(self) -> None:
        command = self.input.text().strip()
        if not command:
            return
        self.input.remember(command)
        self.input.clear()
        self._follow = True
        self.context.send_soon(command, timeout=_timeout_for(command, self.context.templates()))

    # -- navigation --------------------------------------------------------------------------
    def show_line(self, seq: int) -> bool:
        """Scroll to line ``seq``, select it and flash its background; False if trimmed."""
        row = self.model.row_of(seq)
        if row is None:
            self.context.notify("info", f"Line {seq} is no longer in the terminal's scrollback.")
            return False
        index = self.model.index(row, 0)
        self._follow = False
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.model.set_highlight(seq)
        self._highlight_timer.start(2500)
        return True

    def show_find(self) -> None:
        self.find_bar.show()
        self.find_bar.edit.setFocus()
        self.find_bar.edit.selectAll()

    def _find_from_edit(self) -> None:
        backwards = bool(QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier)
        self.find_next(backwards=backwards)

    def find_next(self, backwards: bool = False) -> int | None:
        text = self.find_bar.edit.text()
        current = self.view.currentIndex()
        start = current.row() if current.isValid() else (self.model.rowCount() if backwards else -1)
        row = self.model.find(text, start, backwards)
        if row is None:
            self.find_bar.status.setText("not found" if text else "")
            return None
        self.find_bar.status.setText(f"line {self.model.line_at(row).seq}")
        index = self.model.index(row, 0)
        self._follow = False
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return row

    def export_text(self) -> str:
        """The whole view as text, one row per line, as shown (export / copy all)."""
        return "\n".join(self.model.format(line) for line in self.model.lines())


def _timeout_for(command: str, templates: Sequence[CommandTemplate]) -> float:
    """Typed commands get their template's timeout when one matches (LwM2M ones are slow)."""
    upper = command.upper()
    best = 10.0
    for t in templates:
        if upper.startswith("AT" + t.command.upper()) and t.command:
            best = max(best, t.timeout)
    return best
