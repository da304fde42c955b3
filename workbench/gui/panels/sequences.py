"""The Sequence half of the Commands panel: edit, load/save and run command sequences.

All sequence logic (the ``.atseq`` format, running, judging results) is in the pure
:mod:`workbench.app.sequences`; this widget only shows the steps, lets the user edit them (each
row's step is its ``.atseq`` line, edited in place and re-parsed, so the file and the table never
disagree) and drives a :class:`~workbench.app.sequences.SequenceRunner` on the qasync loop through
the window's :class:`~workbench.gui.context.WorkbenchContext`. Runner callbacks arrive once per
step, so the table is updated directly, not through the batch timer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.app.scenario import ScenarioExecutor
from workbench.app.scenario_steps import LWM2M_STEP_TYPES
from workbench.app.sequences import (
    DEFAULT_WAIT_TIMEOUT,
    SUFFIX,
    CommandSequence,
    CommentStep,
    DelayStep,
    Outcome,
    ReceivedLine,
    SendStep,
    SequenceError,
    SequenceRunner,
    Step,
    StepResult,
    WaitStep,
    format_step,
    parse_step,
)
from workbench.at.types import CommandResult
from workbench.gui.context import WorkbenchContext
from workbench.gui.theme import colours, is_dark, monospace_font

FILE_FILTER = f"AT sequences (*{SUFFIX});;Text files (*.txt);;All files (*)"

_COL_NUM, _COL_STEP, _COL_STATUS, _COL_RESULT = range(4)

_STATUS_TEXT: dict[Outcome, str] = {
    Outcome.PENDING: "",
    Outcome.RUNNING: "● running",
    Outcome.PASSED: "✓ passed",
    Outcome.FAILED: "✗ failed",
    Outcome.TIMEOUT: "⚠ timeout",
    Outcome.CANCELLED: "■ stopped",
    Outcome.SKIPPED: "– skipped",
}


def tone(widget: QWidget, name: str) -> QColor:
    """A status colour for ``widget``'s palette from the window's tuned light/dark sets
    (:mod:`workbench.gui.theme`): ``ok``, ``bad``, ``warn``, ``run``, ``muted``."""
    if name == "warn":  # the theme has warning backgrounds only; a readable foreground here
        return QColor("#fdd663" if is_dark(widget.palette()) else "#a15c00")
    scheme = colours(widget)
    table = {"ok": scheme.ok, "bad": scheme.error, "run": scheme.tx, "muted": scheme.note}
    return QColor(table.get(name, scheme.note))


def _outcome_tone(outcome: Outcome) -> str:
    if outcome is Outcome.PASSED:
        return "ok"
    if outcome.bad:
        return "bad"
    if outcome is Outcome.RUNNING:
        return "run"
    if outcome is Outcome.CANCELLED:
        return "warn"
    return "muted"


class ContextTarget:
    """Adapts the window's context to the runner's :class:`~workbench.app.sequences.AtTarget`:
    sends through ``context.send`` (so every command shows in the terminal) and watches the
    lines of whatever connection is current, re-subscribing when the window replaces it."""

    def __init__(self, context: WorkbenchContext) -> None:
        self._context = context
        self._callbacks: list[Callable[[ReceivedLine], None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        context.connection_changed.connect(self._on_connection_changed)

    async def send(self, command: str, timeout: float | None = 10.0) -> CommandResult:
        return await self._context.send(command, timeout)

    def subscribe_lines(self, callback: Callable[[ReceivedLine], None]) -> Callable[[], None]:
        self._callbacks.append(callback)
        self._attach()

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._callbacks.remove(callback)
            if not self._callbacks:
                self._detach()

        return unsubscribe

    def _attach(self) -> None:
        connection = self._context.connection
        if self._unsubscribe is None and connection is not None:
            self._unsubscribe = connection.subscribe(self._on_line)

    def _detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_line(self, line: Any) -> None:
        for callback in list(self._callbacks):
            callback(line)

    def _on_connection_changed(self, _connection: object) -> None:
        self._detach()
        if self._callbacks:
            self._attach()

    def dispose(self) -> None:
        self._callbacks.clear()
        self._detach()
        with contextlib.suppress(RuntimeError, TypeError):
            self._context.connection_changed.disconnect(self._on_connection_changed)


class SequencePanel(QWidget):
    """Steps table, add-step row, file actions and run controls for one sequence."""

    #: Emitted whenever the number of steps changes (the Commands panel shows it in its tab).
    steps_changed = Signal(int)

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.sequence = CommandSequence()
        self.path: Path | None = None
        self.modified = False
        self._runner: SequenceRunner | None = None
        self._target: ContextTarget | None = None
        #: Runs a scenario's LwM2M steps against the built-in server (None: plain sequence).
        self._executor: ScenarioExecutor | None = None
        self._task: asyncio.Task[Any] | None = None
        self._outcomes: dict[int, StepResult] = {}
        self._running_index: int | None = None
        self._populating = False
        self._build()
        self._refresh_table()
        self._update_actions()
        context.status_changed.connect(lambda *_: self._connection_changed())
        context.connection_changed.connect(lambda *_: self._connection_changed())
        context.plugin_changed.connect(lambda *_: self._update_actions())

    # -- construction -------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)

        files = QHBoxLayout()
        files.setSpacing(4)
        self.name_label = QLabel()
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)
        files.addWidget(self.name_label, 1)
        self.open_button = self._tool("Open…", "Open a sequence file (Ctrl+O)", self._open_clicked)
        self.save_button = self._tool("Save…", "Save the sequence (Ctrl+S)", self._save_clicked)
        self.connect_button = self._tool(
            "Connect sequence",
            "Replace the steps with the current module's documented sequence that points it "
            "at an LwM2M server and starts registration",
            self._connect_clicked,
        )
        self.clear_button = self._tool("Clear", "Remove every step", self._clear_clicked)
        for button in (self.open_button, self.save_button, self.connect_button, self.clear_button):
            files.addWidget(button)
        layout.addLayout(files)

        run = QHBoxLayout()
        run.setSpacing(4)
        self.run_button = self._tool(
            "▶ Run all", "Run every step from the current one (F5)", self.run_all
        )
        self.step_button = self._tool("Step", "Run the next step only (F10)", self.run_next_step)
        self.stop_button = self._tool("■ Stop", "Cancel the step in progress (Shift+F5)", self.stop)
        self.reset_button = self._tool(
            "Reset", "Forget the results and start again at the first step", self.reset_run
        )
        self.stop_on_failure = QCheckBox("Stop on failure")
        self.stop_on_failure.setChecked(True)
        self.stop_on_failure.setToolTip("Skip the remaining steps after a failed or timed-out one")
        for widget in (self.run_button, self.step_button, self.stop_button, self.reset_button):
            run.addWidget(widget)
        run.addSpacing(8)
        run.addWidget(self.stop_on_failure)
        run.addStretch(1)
        self.summary = QLabel()
        run.addWidget(self.summary)
        layout.addLayout(run)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["#", "Step", "Status", "Result"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(_COL_NUM, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_COL_STEP, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(_COL_STATUS, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_COL_RESULT, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(_COL_RESULT, 230)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().lineSpacing() + 8)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._update_actions)
        self.table.setToolTip(
            "Double-click a step to edit its line: send AT… timeout=10 expect=ok|error|any, "
            "wait REGEX timeout=60, delay 2s, # comment, or an LwM2M step checked against the "
            "built-in server: connect, state F=V, read PATH [== V], write PATH V, execute PATH, "
            "observe PATH, notify PATH [== V], cancel PATH"
        )
        layout.addWidget(self.table, 1)

        add = QHBoxLayout()
        add.setSpacing(4)
        self.add_kind = QComboBox()
        self.add_kind.addItem("Wait for line", "wait")
        self.add_kind.addItem("Delay", "delay")
        self.add_kind.addItem("Command", "send")
        self.add_kind.addItem("Comment", "comment")
        self.add_kind.addItem("LwM2M step", "lwm2m")
        self.add_kind.currentIndexChanged.connect(self._add_kind_changed)
        self.add_text = QLineEdit()
        self.add_text.returnPressed.connect(self.add_from_row)
        self.add_time = QDoubleSpinBox()
        self.add_time.setDecimals(1)
        self.add_time.setRange(0.0, 86400.0)
        self.add_time.setSuffix(" s")
        self.add_time.setValue(DEFAULT_WAIT_TIMEOUT)
        self.add_button = QPushButton("Add step")
        self.add_button.clicked.connect(self.add_from_row)
        self.remove_button = self._tool("Remove", "Remove the selected step (Del)", self.remove)
        self.up_button = self._tool("▲", "Move the selected step up", lambda: self.move_step(-1))
        self.down_button = self._tool("▼", "Move the selected step down", lambda: self.move_step(1))
        add.addWidget(self.add_kind)
        add.addWidget(self.add_text, 1)
        add.addWidget(self.add_time)
        add.addWidget(self.add_button)
        add.addSpacing(8)
        for button in (self.up_button, self.down_button, self.remove_button):
            add.addWidget(button)
        layout.addLayout(add)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)
        self._add_kind_changed()

        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            (QKeySequence("F5"), self.run_all),
            (QKeySequence("F10"), self.run_next_step),
            (QKeySequence("Shift+F5"), self.stop),
            (QKeySequence.StandardKey.Open, self._open_clicked),
            (QKeySequence.StandardKey.Save, self._save_clicked),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove)

    def _tool(self, text: str, tip: str, slot: Callable[[], object]) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setAutoRaise(False)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _add_kind_changed(self) -> None:
        kind = self.add_kind.currentData()
        placeholders = {
            "wait": r"Regular expression, e.g. \+CEREG: [15]",
            "delay": "",
            "send": "AT command, e.g. AT+CFUN=1",
            "comment": "Note for whoever runs this",
            "lwm2m": "read /3/0/0 == Quectel, observe /3/0/13, state registration=registered…",
        }
        self.add_text.setPlaceholderText(placeholders[kind])
        self.add_text.setEnabled(kind != "delay")
        self.add_time.setEnabled(kind not in ("comment", "lwm2m"))
        self.add_time.setToolTip("Duration of the delay" if kind == "delay" else "Timeout")
        defaults = {"wait": DEFAULT_WAIT_TIMEOUT, "delay": 1.0, "send": 10.0}
        if kind in defaults:
            self.add_time.setValue(defaults[kind])

    # -- editing ------------------------------------------------------------------------
    @property
    def steps(self) -> list[Step]:
        return self.sequence.steps

    def set_sequence(self, sequence: CommandSequence, path: Path | None = None) -> None:
        """Show ``sequence`` (replacing the current one) and forget any run."""
        self._drop_runner()
        self.sequence = sequence
        self.path = path
        self.modified = False
        self._outcomes.clear()
        self._refresh_table()
        self._show_message("")

    def add_step(self, step: Step, *, select: bool = True) -> int:
        """Append ``step`` (or insert it after the selected row); returns its index."""
        row = self._selected_row()
        index = len(self.steps) if row is None else row + 1
        self.steps.insert(index, step)
        self._edited()
        if select:
            self.table.selectRow(index)
        return index

    def add_from_row(self) -> None:
        """The add-step row: build a step from the kind, text and time the user chose."""
        kind = self.add_kind.currentData()
        text = self.add_text.text().strip()
        seconds = self.add_time.value()
        try:
            step: Step
            if kind == "wait":
                step = WaitStep(text, seconds)
            elif kind == "delay":
                step = DelayStep(seconds)
            elif kind == "send":
                step = SendStep(text, seconds)
            elif kind == "lwm2m":
                parsed = parse_step(text)
                if not isinstance(parsed, LWM2M_STEP_TYPES):
                    raise SequenceError("not an LwM2M step: " + (text or "empty"))
                step = parsed
            else:
                step = CommentStep(text)
        except SequenceError as exc:
            self._show_message(exc.message, "bad")
            return
        self.add_step(step)
        self.add_text.clear()
        self._show_message("")

    def remove(self) -> None:
        row = self._selected_row()
        if row is None or self.running:
            return
        del self.steps[row]
        self._edited()
        if self.steps:
            self.table.selectRow(min(row, len(self.steps) - 1))

    def move_step(self, delta: int) -> None:
        row = self._selected_row()
        if row is None or self.running:
            return
        target = row + delta
        if not 0 <= target < len(self.steps):
            return
        self.steps[row], self.steps[target] = self.steps[target], self.steps[row]
        self._edited()
        self.table.selectRow(target)

    def _edited(self) -> None:
        self.modified = True
        self._drop_runner()
        self._outcomes.clear()
        self._refresh_table()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._populating or item.column() != _COL_STEP:
            return
        row = item.row()
        try:
            step = parse_step(item.text())
            if step is None:
                raise SequenceError("empty line: use Remove to delete a step")
        except SequenceError as exc:
            self._show_message(f"Step {row + 1}: {exc.message}", "bad")
            self._refresh_table()
            return
        self.steps[row] = step
        self._edited()
        self._show_message("")

    def _selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    # -- files ----------------------------------------------------------------------------
    def load_file(self, path: str | Path) -> bool:
        """Load a sequence file; a bad file is reported (file:line: what) and changes nothing."""
        try:
            sequence = CommandSequence.load(path)
        except SequenceError as exc:
            self._show_message(f"Could not open {exc}", "bad")
            return False
        self.set_sequence(sequence, Path(path))
        self._show_message(f"Opened {Path(path).name}: {len(sequence)} steps", "muted")
        return True

    def save_file(self, path: str | Path) -> bool:
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(SUFFIX)
        try:
            self.sequence.save(target)
        except OSError as exc:
            self._show_message(f"Could not save {target.name}: {exc.strerror or exc}", "bad")
            return False
        self.sequence.name = target.stem
        self.path = target
        self.modified = False
        self._update_title()
        self._show_message(f"Saved {target.name}", "muted")
        return True

    def load_connect_sequence(self, server_url: str | None = None) -> bool:
        """Replace the steps with the current plugin's connect sequence for ``server_url``
        (default: the built-in server)."""
        plugin = self.context.plugin
        if plugin is None:
            self._show_message("Choose a module first: the connect sequence is per module.", "bad")
            return False
        url = server_url if server_url is not None else self.context.server_url
        try:
            sequence = CommandSequence.from_plugin(plugin, url, variant=self.context.variant)
        except SequenceError as exc:
            self._show_message(exc.message, "bad")
            return False
        self.set_sequence(sequence)
        self.modified = True
        self._update_title()
        self._show_message(f"{len(sequence) - 1} commands for {url}", "muted")
        return True

    def _confirm_discard(self) -> bool:
        if not self.modified or not self.steps:
            return True
        answer = QMessageBox.question(
            self,
            "Replace sequence",
            "The current sequence has unsaved changes. Replace it anyway?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def _open_clicked(self) -> None:
        if self.running or not self._confirm_discard():
            return
        start = str(self.path.parent) if self.path is not None else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open sequence", start, FILE_FILTER)
        if path:
            self.load_file(path)

    def _save_clicked(self) -> None:
        start = str(self.path) if self.path is not None else f"{self.sequence.name or 'sequence'}"
        path, _ = QFileDialog.getSaveFileName(self, "Save sequence", start, FILE_FILTER)
        if path:
            self.save_file(path)

    def _connect_clicked(self) -> None:
        if self.running or not self._confirm_discard():
            return
        url = self.context.server_url
        if not url:
            url, accepted = QInputDialog.getText(
                self,
                "Connect sequence",
                "LwM2M server URL (the built-in server is not running):",
                QLineEdit.EchoMode.Normal,
                "coap://127.0.0.1:5683",
            )
            if not accepted:
                return
        self.load_connect_sequence(url)

    def _clear_clicked(self) -> None:
        if self.running or not self._confirm_discard():
            return
        self.set_sequence(CommandSequence())

    # -- running ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def _ensure_runner(self) -> SequenceRunner | None:
        if not self.steps:
            self._show_message("Add steps first.", "bad")
            return None
        if not self.context.connected:
            self._show_message("Not connected: open a port in the connection bar first.", "bad")
            return None
        if self.sequence.uses_lwm2m and self.context.server is None:
            self._show_message(
                "This scenario has LwM2M steps: start the built-in server (Server panel) first.",
                "bad",
            )
            return None
        if self._runner is None or self._runner.finished:
            self._drop_runner()
            self._outcomes.clear()
            self._target = ContextTarget(self.context)
            if self.sequence.uses_lwm2m:
                context = self.context
                self._executor = ScenarioExecutor(
                    context.server,
                    context.plugin,
                    lambda command, timeout: context.send(command, timeout),
                    lambda: context.connection,
                )
            self._runner = SequenceRunner(
                self.sequence,
                self._target,
                stop_on_failure=self.stop_on_failure.isChecked(),
                on_step_started=self._step_started,
                on_step_finished=self._step_finished,
                lwm2m=self._executor,
            )
            self._refresh_table()
        self._runner.stop_on_failure = self.stop_on_failure.isChecked()
        return self._runner

    def run_all(self) -> asyncio.Task[Any] | None:
        """Run from the current step to the end; returns the task (tests await it)."""
        if self.running:
            return None
        runner = self._ensure_runner()
        if runner is None:
            return None
        return self._start(runner.run())

    def run_next_step(self) -> asyncio.Task[Any] | None:
        """Run one step (comments before it are passed over)."""
        if self.running:
            return None
        runner = self._ensure_runner()
        if runner is None:
            return None
        return self._start(runner.run_step())

    def stop(self) -> None:
        if self._runner is not None and self.running:
            self._runner.cancel()

    def reset_run(self) -> None:
        if self.running:
            return
        self._drop_runner()
        self._outcomes.clear()
        self._refresh_table()
        self._show_message("")

    def _start(self, coro: Any) -> asyncio.Task[Any]:
        self._show_message("")
        task = self.context.run_soon(coro)
        self._task = task
        task.add_done_callback(lambda _t: self._finished())
        self._update_actions()
        return task

    def _finished(self) -> None:
        self._running_index = None
        self._task = None
        self._refresh_table()
        self._update_actions()

    def _drop_runner(self) -> None:
        if self._runner is not None:
            if self.running:
                self._runner.cancel()
            self._runner.close()
        self._runner = None
        if self._target is not None:
            self._target.dispose()
            self._target = None
        executor, self._executor = self._executor, None
        if executor is not None:
            with contextlib.suppress(RuntimeError):  # no loop any more (window closing)
                self.context.run_soon(executor.close())

    def _step_started(self, index: int) -> None:
        self._running_index = index
        self._outcomes.pop(index, None)
        self._refresh_row(index)
        item = self.table.item(index, _COL_STEP)
        if item is not None:
            self.table.scrollToItem(item)

    def _step_finished(self, result: StepResult) -> None:
        self._outcomes[result.index] = result
        if self._running_index == result.index:
            self._running_index = None
        self._refresh_row(result.index)
        self._update_summary()

    def outcome(self, index: int) -> Outcome:
        """The status shown for step ``index``."""
        if index == self._running_index:
            return Outcome.RUNNING
        result = self._outcomes.get(index)
        return result.outcome if result is not None else Outcome.PENDING

    # -- display --------------------------------------------------------------------------
    def _refresh_table(self) -> None:
        self._populating = True
        try:
            self.table.setRowCount(len(self.steps))
            for row in range(len(self.steps)):
                self._fill_row(row)
        finally:
            self._populating = False
        self._update_title()
        self._update_summary()
        self._update_actions()
        self.steps_changed.emit(len(self.steps))

    def _refresh_row(self, row: int) -> None:
        if 0 <= row < self.table.rowCount():
            self._populating = True
            try:
                self._fill_row(row)
            finally:
                self._populating = False

    def _fill_row(self, row: int) -> None:
        step = self.steps[row]
        outcome = self.outcome(row)
        result = self._outcomes.get(row)
        next_row = self._runner.position if self._runner is not None else None
        marker = "▸" if next_row == row and not self.running and row < len(self.steps) else ""
        num = QTableWidgetItem(f"{marker}{row + 1}")
        num.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        num.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        line = QTableWidgetItem(format_step(step))
        line.setFont(mono_font(self.table.font()))
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.running:
            flags |= Qt.ItemFlag.ItemIsEditable
        line.setFlags(flags)
        line.setToolTip(_describe(step))
        if isinstance(step, CommentStep):
            line.setForeground(tone(self, "muted"))
            font = line.font()
            font.setItalic(True)
            line.setFont(font)
        status = QTableWidgetItem(_STATUS_TEXT[outcome])
        status.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        status.setForeground(tone(self, _outcome_tone(outcome)))
        if outcome is Outcome.RUNNING or outcome.bad:
            font = status.font()
            font.setBold(True)
            status.setFont(font)
        message = ""
        tip = ""
        if result is not None:
            message = result.message
            timed = (
                isinstance(step, (SendStep, WaitStep, *LWM2M_STEP_TYPES))
                and result.outcome is Outcome.PASSED
            )
            if timed and result.elapsed >= 0.001:
                message = f"{message}  ({_fmt_elapsed(result.elapsed)})"
            tip = "\n".join(result.lines) or result.message
            if result.outcome.bad and result.lines:  # the verdict above its evidence
                tip = f"{result.message}\n\n{tip}"
        if isinstance(step, CommentStep) and outcome is Outcome.SKIPPED:
            status.setText("")
            message = ""
        detail = QTableWidgetItem(message)
        detail.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        detail.setToolTip(tip)
        if result is not None and result.outcome.bad:
            detail.setForeground(tone(self, "bad"))
        self.table.setItem(row, _COL_NUM, num)
        self.table.setItem(row, _COL_STEP, line)
        self.table.setItem(row, _COL_STATUS, status)
        self.table.setItem(row, _COL_RESULT, detail)

    def _update_title(self) -> None:
        name = self.sequence.name or (self.path.stem if self.path else "Untitled sequence")
        self.name_label.setText(f"{name}{' •' if self.modified else ''}")
        self.name_label.setToolTip(str(self.path) if self.path else "Not saved yet")

    def _update_summary(self) -> None:
        results = [r for r in self._outcomes.values() if not isinstance(r.step, CommentStep)]
        runnable = sum(not isinstance(s, CommentStep) for s in self.steps)
        if self.running and self._running_index is not None:
            text = f"Running step {self._running_index + 1} of {len(self.steps)}…"
            colour = "run"
        elif not results:
            text = f"{runnable} step{'s' if runnable != 1 else ''}" if self.steps else "No steps"
            if self.steps and not self.context.connected:
                text += " · connect to run"
            colour = "muted"
        else:
            passed = sum(r.outcome is Outcome.PASSED for r in results)
            bad = sum(r.outcome.bad for r in results)
            stopped = any(r.outcome is Outcome.CANCELLED for r in results)
            text = f"{passed} of {runnable} passed"
            if bad:
                text += f" · {bad} failed"
            if stopped:
                text += " · stopped"
            colour = "bad" if bad else "warn" if stopped else "ok"
        self.summary.setText(text)
        self.summary.setStyleSheet(f"color: {tone(self, colour).name()};")

    def _update_actions(self) -> None:
        running = self.running
        has_steps = bool(self.steps)
        row = self._selected_row()
        finished = self._runner is None or self._runner.finished
        for widget in (self.open_button, self.connect_button, self.clear_button, self.add_button):
            widget.setEnabled(not running)
        self.connect_button.setEnabled(
            not running
            and self.context.plugin is not None
            and self.context.plugin.connect_sequence is not None
        )
        self.save_button.setEnabled(has_steps)
        can_run = has_steps and not running and self.context.connected
        self.run_button.setEnabled(can_run)
        self.step_button.setEnabled(can_run)
        self.stop_button.setEnabled(running)
        self.reset_button.setEnabled(not running and (bool(self._outcomes) or not finished))
        self.remove_button.setEnabled(not running and row is not None)
        self.up_button.setEnabled(not running and row is not None and row > 0)
        self.down_button.setEnabled(not running and row is not None and row < len(self.steps) - 1)
        tip = "" if self.context.connected else "Not connected: open a port first"
        for button in (self.run_button, self.step_button):
            button.setStatusTip(tip)

    def _connection_changed(self) -> None:
        self._update_actions()
        self._update_summary()

    def _show_message(self, text: str, kind: str = "muted") -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setProperty("tone", kind)
        self.message.setStyleSheet(f"color: {tone(self, kind).name()};")

    def changeEvent(self, event: QEvent) -> None:
        """Re-tune status colours when the user switches between light and dark themes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "table"):
            self._refresh_table()
            kind = self.message.property("tone") or "muted"
            self.message.setStyleSheet(f"color: {tone(self, str(kind)).name()};")

    def shutdown(self) -> None:
        """Cancel a run and drop subscriptions (the window calls it when closing)."""
        self._drop_runner()


def _fmt_elapsed(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _describe(step: Step) -> str:
    if isinstance(step, SendStep):
        return f"Send {step.command}; pass on {step.expect.upper()}, timeout {step.timeout:g} s"
    if isinstance(step, WaitStep):
        return f"Wait up to {step.timeout:g} s for a received line matching /{step.pattern}/"
    if isinstance(step, DelayStep):
        return f"Pause {step.seconds:g} s"
    if isinstance(step, LWM2M_STEP_TYPES):
        return f"LwM2M step against the built-in server: {step.describe()}"
    return "Comment (not run)"


def mono_font(base: QFont) -> QFont:
    """The window's fixed-width font at ``base``'s size (same face as the terminal)."""
    font = monospace_font()
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF())
    font.setBold(base.bold())
    return font


__all__ = ["FILE_FILTER", "ContextTarget", "SequencePanel", "mono_font", "tone"]
