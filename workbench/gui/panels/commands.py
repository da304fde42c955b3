"""The Commands panel: the current module's AT command templates as forms, and sequences.

Left, the plugin's templates (``Plugin.templates_for(variant)``) in a filterable tree grouped by
the template's own ``group``. Right, a form for the chosen template with one typed editor per
parameter: spin boxes for bounded integers, combo boxes for enumerations (value and label),
check boxes for booleans, line edits with validators for hex, IP, URL, path, JSON and text.
Optional parameters have a tick box: unticked, the parameter is left out of the line.

Validation is the template's own (:meth:`Param.validate` per field, then
:meth:`CommandTemplate.render`), so the preview is exactly the line that will be sent and the
error next to a field is the message the CLI would print. Send stays disabled while anything is
invalid. The second tab holds the sequence editor (:mod:`.sequences`); "Add to sequence" appends
the previewed command as a step with the template's timeout.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QEvent, QRegularExpression, Qt, QTimer
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QKeySequence,
    QRegularExpressionValidator,
    QResizeEvent,
    QShortcut,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.app.sequences import SendStep
from workbench.at.syntax import CommandForm
from workbench.at.types import CommandResult, ResultStatus
from workbench.gui.context import NotConnected, WorkbenchContext
from workbench.gui.panels.sequences import SequencePanel, mono_font, tone
from workbench.module.templates import CommandTemplate, Param, ParamType, TemplateError
from workbench.plugin.api import Plugin

_TEMPLATE_ROLE = Qt.ItemDataRole.UserRole
_GENERAL = "General"

_PLACEHOLDERS: dict[ParamType, str] = {
    ParamType.HEX: "hex bytes, e.g. 68656C6C6F",
    ParamType.IP: "IPv4 or IPv6 address",
    ParamType.URL: "coap://host:5683",
    ParamType.JSON: 'JSON, e.g. {"key": 1}',
    ParamType.PATH: "/object/instance/resource, e.g. /3/0/1",
    ParamType.FLOAT: "number",
    ParamType.INT: "integer",
}


def command_display(template: CommandTemplate) -> str:
    """How the tree shows a template: ``AT+X?``, ``AT+X=?``, ``AT+X``, ``AT+X=…`` — with
    leading fixed parameters written out (``AT+XCFG="server",…``), because vendors pack
    many sub-commands into one AT command and the sub-command is what tells them apart."""
    base = "AT" + template.command
    if template.form is CommandForm.READ:
        return base + "?"
    if template.form is CommandForm.TEST:
        return base + "=?"
    if not template.params:
        return base
    fixed: list[str] = []
    for param in template.params:
        if param.type is not ParamType.ENUM or len(param.choices) != 1:
            break
        fixed.append(param.render(param.choices[0].value))
    rest = len(fixed) < len(template.params)
    args = ",".join(fixed) + ((",…" if fixed else "…") if rest else "")
    if template.form is CommandForm.ACTION:
        return base + args
    return f"{base}={args}"


def command_title(template: CommandTemplate) -> str:
    """The form's heading: the command with its syntax sigil (``AT+X=``, ``AT+X?``, ``ATE``)."""
    base = "AT" + template.command
    suffix = {CommandForm.READ: "?", CommandForm.TEST: "=?", CommandForm.SET: "="}
    return base + (
        suffix.get(template.form, "")
        if template.params or template.form in (CommandForm.READ, CommandForm.TEST)
        else ""
    )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _range_hint(param: Param) -> str:
    if param.type in (ParamType.INT, ParamType.FLOAT) and (
        param.min is not None or param.max is not None
    ):
        low = "…" if param.min is None else _num(param.min)
        high = "…" if param.max is None else _num(param.max)
        return f"{low} – {high}"
    if param.max_length is not None:
        unit = "bytes" if param.type is ParamType.HEX else "characters"
        return f"at most {param.max_length} {unit}"
    return ""


class ParamField:
    """The editor of one parameter: widget, optional tick box, and the hint/error line."""

    def __init__(self, param: Param, on_change: Any, server_url: str = "") -> None:
        self.param = param
        self.error = ""
        self.include: QCheckBox | None = None
        self.editor = self._make_editor(on_change)
        self.container = QWidget()
        column = QVBoxLayout(self.container)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.editor, 1)
        self.server_button: QToolButton | None = None
        if param.type is ParamType.URL and server_url:
            button = QToolButton()
            button.setText("Built-in server")
            button.setToolTip(f"Use the built-in server: {server_url}")
            button.clicked.connect(lambda: self.set_value(server_url))
            row.addWidget(button)
            self.server_button = button
        column.addLayout(row)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.hint)
        self.default_hint = "  ·  ".join(x for x in (_range_hint(param), param.help) if x)
        self.focused = False
        self.label = QLabel(param.name)
        if param.optional:
            self.include = QCheckBox(param.name)
            self.include.setToolTip("Optional: untick to leave this parameter out of the line")
            self.include.setChecked(param.default is not None)
            self.include.toggled.connect(self._include_toggled)
            self.include.toggled.connect(on_change)
            self._include_toggled(self.include.isChecked())
        tip = param.help or param.name
        self.editor.setToolTip(tip if not _range_hint(param) else f"{tip} ({_range_hint(param)})")
        self.set_error("")

    @property
    def label_widget(self) -> QWidget:
        return self.include if self.include is not None else self.label

    def _make_editor(self, on_change: Any) -> QWidget:
        p = self.param
        if p.type is ParamType.ENUM:
            combo = QComboBox()
            for choice in p.choices:
                text = str(choice.value)
                if choice.label and choice.label != text:
                    text = f"{choice.value} — {choice.label}"
                combo.addItem(text, choice.value)
            if p.default is not None:
                for i, choice in enumerate(p.choices):
                    if str(choice.value) == str(p.default):
                        combo.setCurrentIndex(i)
            combo.setEnabled(len(p.choices) > 1)
            combo.currentIndexChanged.connect(on_change)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)
            return combo
        if p.type is ParamType.BOOL:
            box = QCheckBox("enabled")
            on = p.true_false[0]
            box.setChecked(p.default is not None and p.validate(p.default) == on)
            box.toggled.connect(on_change)
            return box
        # Integers too get a line edit: a spin box put its previous value back when focus
        # left an out-of-range entry (10 silently became 86400); here the entry stays and the
        # hint under it says why it is refused.
        edit = QLineEdit()
        edit.setPlaceholderText(_PLACEHOLDERS.get(p.type, ""))
        if p.type is ParamType.INT:
            edit.setValidator(
                QRegularExpressionValidator(QRegularExpression(r"-?(0x)?[0-9A-Fa-f]*"))
            )
        elif p.type is ParamType.HEX:
            edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9A-Fa-f ]*")))
            edit.setFont(mono_font(edit.font()))
        elif p.type is ParamType.PATH:
            edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"/?(\d+/?){0,4}")))
        elif p.type is ParamType.JSON:
            edit.setFont(mono_font(edit.font()))
        if p.max_length is not None and p.type is not ParamType.HEX:
            edit.setMaxLength(max(p.max_length, 1) + (0 if p.type is ParamType.STR else 64))
        if p.default is not None:
            edit.setText(str(p.default))
        edit.textChanged.connect(on_change)
        return edit

    def _include_toggled(self, on: bool) -> None:
        self.editor.setEnabled(
            on and not (isinstance(self.editor, QComboBox) and self.editor.count() <= 1)
        )
        if self.server_button is not None:
            self.server_button.setEnabled(on)

    @property
    def included(self) -> bool:
        return self.include is None or self.include.isChecked()

    def raw_value(self) -> Any:
        """What the user entered, as :meth:`Param.validate` takes it; None = left out.

        Raises :class:`TemplateError` for an empty required entry."""
        if not self.included:
            return None
        editor = self.editor
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        assert isinstance(editor, QLineEdit)
        text = editor.text()
        if self.param.type is not ParamType.STR:
            text = text.strip()
        if text == "" and self.param.type is not ParamType.STR:
            raise TemplateError(
                f"parameter '{self.param.name}': enter a value"
                + (" or untick it to leave it out" if self.param.optional else ""),
                self.param.name,
            )
        return text

    def reset(self) -> None:
        """Back to the parameter's default (empty, or left out, when it has none)."""
        p = self.param
        if self.include is not None:
            self.include.setChecked(p.default is not None)
        editor = self.editor
        if p.default is not None:
            self.set_value(p.default)
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(0)
        elif isinstance(editor, QCheckBox):
            editor.setChecked(False)
        elif isinstance(editor, QLineEdit):
            editor.clear()

    def set_value(self, value: Any) -> None:
        """Put ``value`` in the editor (tests and "use built-in server")."""
        if self.include is not None:
            self.include.setChecked(value is not None)
        if value is None:
            return
        editor = self.editor
        if isinstance(editor, QComboBox):
            for i in range(editor.count()):
                if str(editor.itemData(i)) == str(value):
                    editor.setCurrentIndex(i)
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))

    def set_error(self, message: str) -> None:
        self.error = message
        if message:
            self.hint.setText(f"⚠ {message}")
            self.hint.setStyleSheet(f"color: {tone(self.container, 'bad').name()};")
            self.hint.show()
        else:
            self.hint.setText(self.default_hint)
            self.hint.setStyleSheet(f"color: {tone(self.container, 'muted').name()};")
            # The range/help line shows for the field being edited only (and in the tooltips):
            # under every field it halved the rows a dock could show.
            self.hint.setVisible(bool(self.default_hint) and self.focused)

    def set_focused(self, focused: bool) -> None:
        if focused != self.focused:
            self.focused = focused
            self.set_error(self.error)


class TemplateForm(QWidget):
    """Header, parameter fields, preview and actions for one template."""

    def __init__(self, template: CommandTemplate, server_url: str = "") -> None:
        super().__init__()
        self.template = template
        self.fields: list[ParamField] = []
        # Header (command, summary, reference) and footer (preview, actions, result) stay put;
        # only the parameters scroll, so Send never disappears below a long form.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        header = QWidget()
        layout = QVBoxLayout(header)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.setSpacing(4)
        outer.addWidget(header)

        title = QLabel(command_title(template))
        title_font = mono_font(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        title.setFont(title_font)
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title.setWordWrap(True)
        layout.addWidget(title)
        self.summary = QLabel(template.summary or template.id)
        summary_font = self.summary.font()
        summary_font.setBold(True)
        self.summary.setFont(summary_font)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.doc = QLabel()
        self.doc.setWordWrap(True)
        self.doc.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if template.doc is not None:
            self.doc.setText(f"Reference: {template.doc}")
            self.doc.setToolTip("Vendor document (in the specs folder) and section")
        else:
            self.doc.setText("No document reference")
        layout.addWidget(self.doc)
        layout.addWidget(_rule())

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(6)
        self.body_scroll = QScrollArea()
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.help = QLabel(template.help)
        self.help.setWordWrap(True)
        self.help.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.help.setVisible(bool(template.help))
        layout.addWidget(self.help)

        if template.params:
            form = QFormLayout()
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            # In a narrow dock a long label goes above its field instead of clipping it.
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            form.setHorizontalSpacing(10)
            form.setVerticalSpacing(6)
            for param in template.params:
                field = ParamField(param, self.update_preview, server_url)
                self.fields.append(field)
                form.addRow(field.label_widget, field.container)
            layout.addLayout(form)
        else:
            note = QLabel("This command takes no parameters.")
            layout.addWidget(note)
            self.no_params = note
        layout.addStretch(1)
        self.body_scroll.setWidget(body)
        outer.addWidget(self.body_scroll, 1)

        footer = QWidget()
        layout = QVBoxLayout(footer)
        layout.setContentsMargins(10, 0, 10, 8)
        layout.setSpacing(6)
        outer.addWidget(footer)
        layout.addWidget(_rule())
        preview_row = QHBoxLayout()
        preview_row.setSpacing(4)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setFont(mono_font(self.preview.font()))
        self.preview.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.preview.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.preview.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.preview.setTabChangesFocus(True)
        self.preview.setToolTip("The exact line that Send writes (without the line ending)")
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the command line")
        self.copy_button.clicked.connect(self._copy)
        preview_row.addWidget(self.preview, 1)
        preview_row.addWidget(self.copy_button)
        layout.addLayout(preview_row)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)

        buttons = QHBoxLayout()
        self.reset_button = QPushButton("Defaults")
        self.reset_button.setToolTip("Put every parameter back to its default")
        self.reset_button.setVisible(bool(template.params))
        self.add_button = QPushButton("Add to sequence")
        self.add_button.setToolTip(
            "Append this command as a step of the sequence (Ctrl+Shift+Return)"
        )
        self.send_button = QPushButton("Send")
        self.send_button.setDefault(True)
        self.send_button.setToolTip("Send the command (Ctrl+Return)")
        self.send_button.setMinimumWidth(96)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.send_button)
        layout.addLayout(buttons)

        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setFont(mono_font(self.result.font()))
        self.result.hide()
        layout.addWidget(self.result)
        self.reset_button.clicked.connect(self.reset_defaults)
        self.line = ""
        self.valid = False
        self.update_preview()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        for field in self.fields:
            field.set_focused(now is not None and field.container.isAncestorOf(now))

    # -- values ----------------------------------------------------------------------------
    def field(self, name: str) -> ParamField:
        for field in self.fields:
            if field.param.name == name:
                return field
        raise KeyError(name)

    def values(self) -> dict[str, Any]:
        """Raw values of every field as :meth:`CommandTemplate.render` takes them (None for a
        left-out optional parameter); fields that cannot even be read are omitted."""
        out: dict[str, Any] = {}
        for field in self.fields:
            try:
                out[field.param.name] = field.raw_value()
            except TemplateError:
                continue
        return out

    def update_preview(self, *_args: object) -> None:
        """Validate every field, show errors next to them, and render the preview."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for field in self.fields:
            try:
                raw = field.raw_value()
                if raw is not None:
                    field.param.validate(raw)
                values[field.param.name] = raw
            except TemplateError as exc:
                errors[field.param.name] = _short(str(exc), field.param.name)
        line = ""
        problem = ""
        if not errors:
            try:
                line = self.template.render(values)
            except TemplateError as exc:
                if exc.param is not None and any(f.param.name == exc.param for f in self.fields):
                    errors[exc.param] = _short(str(exc), exc.param)
                else:
                    problem = str(exc)
        for field in self.fields:
            field.set_error(errors.get(field.param.name, ""))
        if errors:
            first = next(f for f in self.fields if f.param.name in errors)
            count = len(errors)
            problem = (
                f"{first.param.name}: {errors[first.param.name]}"
                if count == 1
                else f"{count} parameters need attention (first: {first.param.name})"
            )
        self.line = line
        self.valid = bool(line) and not problem
        self.preview.setPlainText(line)
        self.preview.setPlaceholderText("" if line else "(fix the highlighted parameters)")
        self._fit_preview()
        self.copy_button.setEnabled(self.valid)
        self.add_button.setEnabled(self.valid)
        self.problem.setText(f"⚠ {problem}" if problem else "")
        self.problem.setStyleSheet(f"color: {tone(self, 'bad').name()};")
        self.problem.setVisible(bool(problem))

    def _fit_preview(self) -> None:
        """One to five visual lines, enough for the whole command without a scroll bar."""
        metrics = self.preview.fontMetrics()
        width = max(self.preview.viewport().width() - 8, 80)
        text = self.preview.toPlainText() or " "
        lines = max(1, -(-metrics.horizontalAdvance(text) // width))
        lines = min(lines, 5)
        margins = self.preview.contentsMargins()
        frame = 2 * self.preview.frameWidth() + margins.top() + margins.bottom()
        doc_margin = int(2 * self.preview.document().documentMargin())
        self.preview.setFixedHeight(lines * metrics.lineSpacing() + frame + doc_margin + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_preview()

    def reset_defaults(self) -> None:
        for field in self.fields:
            field.reset()
        self.update_preview()

    def _copy(self) -> None:
        if self.line:
            QGuiApplication.clipboard().setText(self.line)

    def show_result(self, text: str, kind: str) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(f"color: {tone(self, kind).name()};")
        self.result.setProperty("tone", kind)
        self.result.setVisible(bool(text))

    def retint(self) -> None:
        """Re-apply palette-derived colours (after a light/dark switch)."""
        self.update_preview()
        kind = self.result.property("tone")
        if kind:
            self.result.setStyleSheet(f"color: {tone(self, str(kind)).name()};")
        self.doc.setStyleSheet(f"color: {tone(self, 'muted').name()};")
        self.help.setStyleSheet("")


def _short(message: str, name: str) -> str:
    """Drop the ``parameter 'x': `` prefix where the message sits next to field x."""
    prefix = f"parameter '{name}': "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class CommandsPanel(QWidget):
    """Templates as forms plus the sequence editor; everything goes through ``context``."""

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form: TemplateForm | None = None
        self._items: dict[str, QTreeWidgetItem] = {}
        self._send_task: asyncio.Task[Any] | None = None
        self._build()
        context.plugin_changed.connect(self._plugin_changed)
        context.status_changed.connect(lambda *_: self._update_send())
        context.connection_changed.connect(lambda *_: self._update_send())
        self._plugin_changed(context.plugin, context.variant)

    # -- construction -------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        outer.addWidget(self.tabs)

        commands = QWidget()
        self.tabs.addTab(commands, "Commands")
        layout = QVBoxLayout(commands)
        layout.setContentsMargins(6, 6, 6, 6)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(4)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter commands (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.apply_filter)
        self.filter.returnPressed.connect(self._select_first_visible)
        left_layout.addWidget(self.filter)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Command", "Description"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setStretchLastSection(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._current_changed)
        left_layout.addWidget(self.tree, 1)
        self.count_label = QLabel()
        left_layout.addWidget(self.count_label)
        self.splitter.addWidget(left)

        self.stack = QStackedWidget()
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setMargin(24)
        self.stack.addWidget(self.placeholder)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([380, 560])
        left.setMinimumWidth(200)
        self.stack.setMinimumWidth(260)
        self.stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.sequence = SequencePanel(self.context)
        self.tabs.addTab(self.sequence, "Sequence")
        self.sequence.steps_changed.connect(self._steps_changed)

        shortcut_context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            (QKeySequence("Ctrl+Return"), self.send),
            (QKeySequence("Ctrl+Enter"), self.send),
            (QKeySequence("Ctrl+Shift+Return"), self.add_to_sequence),
            (QKeySequence.StandardKey.Find, self._focus_filter),
        ):
            shortcut = QShortcut(keys, commands)
            shortcut.setContext(shortcut_context)
            shortcut.activated.connect(slot)

    # -- templates ----------------------------------------------------------------------
    def _plugin_changed(self, plugin: Plugin | None, variant: str) -> None:
        keep = self.form.template.id if self.form is not None else None
        self.tree.clear()
        self._items.clear()
        templates = self.context.templates()
        groups: dict[str, QTreeWidgetItem] = {}
        bold = QFont(self.tree.font())
        bold.setBold(True)
        mono = mono_font(self.tree.font())
        for template in templates:
            group = template.group or _GENERAL
            parent = groups.get(group)
            if parent is None:
                parent = QTreeWidgetItem(self.tree, [group])
                parent.setFont(0, bold)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parent.setFirstColumnSpanned(True)
                groups[group] = parent
            item = QTreeWidgetItem(parent, [command_display(template), template.summary])
            item.setFont(0, mono)
            item.setData(0, _TEMPLATE_ROLE, template.id)
            tip = template.summary
            if template.doc is not None:
                tip += f"\n{template.doc}"
            item.setToolTip(0, tip)
            item.setToolTip(1, tip)
            self._items[template.id] = item
        self.tree.expandAll()
        if plugin is None:
            self._show_placeholder(
                "No module chosen.\nPick the module family in the connection bar to see its "
                "AT commands as forms."
            )
        elif not templates:
            self._show_placeholder(f"{plugin.name} declares no command templates.")
        else:
            variant_text = f" ({variant})" if variant and len(plugin.variants) > 1 else ""
            self._show_placeholder(
                f"{plugin.name}{variant_text}: {len(templates)} commands.\n"
                "Choose one on the left to fill in its parameters."
            )
        self.apply_filter(self.filter.text())
        if keep is not None and keep in self._items:
            self.select_template(keep)

    def _show_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.placeholder.setStyleSheet(f"color: {tone(self, 'muted').name()};")
        self.stack.setCurrentWidget(self.placeholder)
        if self.form is not None:
            self.stack.removeWidget(self.form)
            self.form.deleteLater()
        self.form = None

    def apply_filter(self, text: str) -> None:
        """Show templates whose command, summary, id, group or help contain every word."""
        words = text.lower().split()
        shown = 0
        for group, children in self._groups():
            visible_children = 0
            for item in children:
                template = self._template_of(item)
                haystack = " ".join(
                    (
                        command_display(template),
                        template.id,
                        template.summary,
                        template.group or _GENERAL,
                        template.help,
                    )
                ).lower()
                match = all(word in haystack for word in words)
                item.setHidden(not match)
                visible_children += match
            group.setHidden(visible_children == 0)
            shown += visible_children
        total = len(self._items)
        if total == 0:
            self.count_label.setText("")
        elif words:
            self.count_label.setText(f"{shown} of {total} commands")
        else:
            self.count_label.setText(f"{total} commands")
        self.count_label.setStyleSheet(f"color: {tone(self, 'muted').name()};")

    def visible_templates(self) -> list[str]:
        """Ids of the templates the filter shows, in tree order."""
        out: list[str] = []
        for group, children in self._groups():
            if group.isHidden():
                continue
            out.extend(str(i.data(0, _TEMPLATE_ROLE)) for i in children if not i.isHidden())
        return out

    def _groups(self) -> list[tuple[QTreeWidgetItem, list[QTreeWidgetItem]]]:
        """Top-level group items with their template items."""
        out: list[tuple[QTreeWidgetItem, list[QTreeWidgetItem]]] = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            if group is None:
                continue
            children = [group.child(c) for c in range(group.childCount())]
            out.append((group, [c for c in children if c is not None]))
        return out

    def _select_first_visible(self) -> None:
        visible = self.visible_templates()
        if visible:
            self.select_template(visible[0])

    def _focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def _template_of(self, item: QTreeWidgetItem) -> CommandTemplate:
        template_id = item.data(0, _TEMPLATE_ROLE)
        for template in self.context.templates():
            if template.id == template_id:
                return template
        raise KeyError(template_id)

    def select_template(self, template_id: str) -> TemplateForm:
        """Select a template in the tree and show its form."""
        item = self._items[template_id]
        self.tree.setCurrentItem(item)
        assert self.form is not None
        return self.form

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        if item is None or item.data(0, _TEMPLATE_ROLE) is None:
            return
        self._show_form(self._template_of(item))

    def _show_form(self, template: CommandTemplate) -> None:
        form = TemplateForm(template, self.context.server_url)
        form.send_button.clicked.connect(self.send)
        form.add_button.clicked.connect(self.add_to_sequence)
        for field in form.fields:
            field.editor.installEventFilter(self)
        old = self.form
        self.stack.addWidget(form)
        self.stack.setCurrentWidget(form)
        if old is not None:
            self.stack.removeWidget(old)
            old.deleteLater()
        self.form = form
        form.retint()
        # Re-check Send whenever the preview changes (validity) — the form does not know
        # about the connection.
        for field in form.fields:
            _connect_change(field, self._update_send)
        self._update_send()

    # -- sending ------------------------------------------------------------------------
    def _update_send(self) -> None:
        form = self.form
        if form is None:
            return
        connected = self.context.connected
        sending = self._send_task is not None and not self._send_task.done()
        form.send_button.setEnabled(form.valid and connected and not sending)
        if not form.valid:
            form.send_button.setToolTip("Fix the parameters marked in red first")
        elif not connected:
            form.send_button.setToolTip("Not connected: open a port in the connection bar")
        else:
            form.send_button.setToolTip("Send the command (Ctrl+Return)")

    def send(self) -> asyncio.Task[Any] | None:
        """Send the previewed line through the context (returns the task, for tests)."""
        form = self.form
        if form is None or not form.valid:
            return None
        if not self.context.connected:
            form.show_result("Not connected: open a port in the connection bar first.", "bad")
            return None
        if self._send_task is not None and not self._send_task.done():
            return None
        line, timeout = form.line, form.template.timeout
        form.show_result(f"… {line}", "run")
        task = self.context.run_soon(self._send(form, line, timeout))
        self._send_task = task
        task.add_done_callback(lambda _t: self._update_send())
        self._update_send()
        return task

    async def _send(self, form: TemplateForm, line: str, timeout: float) -> CommandResult | None:
        try:
            result = await self.context.send(line, timeout)
        except NotConnected as exc:
            if form is self.form:
                form.show_result(str(exc), "bad")
            return None
        if form is self.form:
            text, kind = describe_result(result, timeout)
            form.show_result(text, kind)
        return result

    def add_to_sequence(self) -> None:
        form = self.form
        if form is None or not form.valid:
            return
        index = self.sequence.add_step(SendStep(form.line, form.template.timeout), select=True)
        form.show_result(f"Added as step {index + 1} of the sequence.", "muted")

    def _steps_changed(self, count: int) -> None:
        self.tabs.setTabText(1, f"Sequence ({count})" if count else "Sequence")

    # -- events ---------------------------------------------------------------------------
    #: Below this width the tree goes above the form (a dock beside the terminal is narrow).
    STACK_BELOW = 760

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wanted = (
            Qt.Orientation.Vertical
            if event.size().width() < self.STACK_BELOW
            else Qt.Orientation.Horizontal
        )
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)
            # Sizes only make sense once the splitter has its new geometry.
            QTimer.singleShot(0, self._balance_splitter)

    def _balance_splitter(self) -> None:
        """Tree 40 %, form 60 % of the splitter's length in its current orientation."""
        vertical = self.splitter.orientation() is Qt.Orientation.Vertical
        total = self.splitter.height() if vertical else self.splitter.width()
        if total > 0:
            first = int(total * 0.4)
            self.splitter.setSizes([first, total - first])

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        # Wheel events over spin boxes/combos inside a scrolled form change values by
        # accident; let them scroll the form unless the editor has focus.
        wheel = event.type() == QEvent.Type.Wheel
        if wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "tree"):
            if self.form is not None:
                self.form.retint()
                for field in self.form.fields:
                    field.set_error(field.error)
            else:
                self.placeholder.setStyleSheet(f"color: {tone(self, 'muted').name()};")
            self.apply_filter(self.filter.text())


def _connect_change(field: ParamField, slot: Any) -> None:
    editor = field.editor
    if isinstance(editor, QComboBox):
        editor.currentIndexChanged.connect(slot)
    elif isinstance(editor, QCheckBox):
        editor.toggled.connect(slot)
    elif isinstance(editor, QLineEdit):
        editor.textChanged.connect(slot)
    if field.include is not None:
        field.include.toggled.connect(slot)


def describe_result(result: CommandResult, timeout: float) -> tuple[str, str]:
    """One short text for the form's result line, and its tone."""
    lines = result.texts
    body = "\n".join(lines[:6]) + ("\n…" if len(lines) > 6 else "")
    if result.status is ResultStatus.OK:
        head = "✓ OK"
        kind = "ok"
    elif result.status is ResultStatus.ERROR:
        final = result.final.text if result.final is not None else "ERROR"
        head = f"✗ {final}"
        kind = "bad"
    elif result.status is ResultStatus.TIMEOUT:
        head = f"⚠ no final result within {timeout:g} s"
        kind = "bad"
    else:
        head = f"✗ {result.status}: {result.error_text or 'no final result'}"
        kind = "bad"
    return (f"{head}\n{body}" if body else head), kind


__all__ = ["CommandsPanel", "ParamField", "TemplateForm", "command_display", "describe_result"]
