"""Typed editors and small dialogs of the object tree (write, execute, attributes, create).

One editor per LwM2M type, so the user never types a wire format: opaque as hex or loaded from
a file, time as a UTC date-time, an object link as two ids, an enumeration as a combo, a boolean
as a check box, numbers and strings as text with the definition's range checked. Every editor's
:meth:`ValueEditor.value` returns a typed, validated value or raises
:class:`~workbench.lwm2m.errors.ValueValidationError` with a message for the user; the dialogs
show it inline and keep OK disabled until the input is valid.
"""

from __future__ import annotations

from pathlib import Path as FsPath

from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.theme import colours, monospace_font
from workbench.lwm2m.errors import ValueValidationError
from workbench.lwm2m.model import ObjectRegistry, ResourceDefinition, ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value
from workbench.viewmodel.objecttree import (
    ATTRIBUTES,
    check_value,
    display_value,
    parse_attributes,
    parse_create_values,
    parse_value,
)

#: Opaque files larger than this are refused (a write goes in one request, Block1 or not).
MAX_OPAQUE_FILE = 64 * 1024


class ValueEditor(QWidget):
    """Base: ``value()`` returns the typed value or raises ValueValidationError."""

    def __init__(self, definition: ResourceDefinition | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.definition = definition
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)

    def value(self) -> Value:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_value(self, value: Value) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class TextEditor(ValueEditor):
    """Strings, integers, floats (range shown as a hint and checked)."""

    def __init__(self, definition: ResourceDefinition | None, parent: QWidget | None = None):
        super().__init__(definition, parent)
        self.edit = QLineEdit(self)
        hint = ""
        if definition is not None:
            hint = definition.type.label
            if definition.range is not None:
                hint += f" in {definition.range}"
            if definition.units:
                hint += f" ({definition.units})"
        self.edit.setPlaceholderText(hint)
        self.layout_.addWidget(self.edit)

    def value(self) -> Value:
        return parse_value(self.definition, self.edit.text())

    def set_value(self, value: Value) -> None:
        if value is not None:
            self.edit.setText(str(value) if not isinstance(value, float) else repr(value))


class OpaqueEditor(ValueEditor):
    """Hex digits (spaces allowed) or the bytes of a file."""

    def __init__(self, definition: ResourceDefinition | None, parent: QWidget | None = None):
        super().__init__(definition, parent)
        self.edit = QLineEdit(self)
        self.edit.setFont(monospace_font())
        self.edit.setPlaceholderText("hex, e.g. 01 02 0A FF")
        self.file_button = QPushButton("From file…", self)
        self.file_button.clicked.connect(self._choose_file)
        self.layout_.addWidget(self.edit, 1)
        self.layout_.addWidget(self.file_button)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Opaque value from a file")
        if path:
            self.load_file(FsPath(path))

    def load_file(self, path: FsPath) -> None:
        data = path.read_bytes()
        if len(data) > MAX_OPAQUE_FILE:
            raise ValueValidationError(f"{path.name} is larger than {MAX_OPAQUE_FILE} bytes")
        self.edit.setText(data.hex(" ").upper())

    def value(self) -> Value:
        text = "".join(self.edit.text().split())
        try:
            data = bytes.fromhex(text)
        except ValueError:
            raise ValueValidationError("hex digits expected (pairs, spaces allowed)") from None
        return check_value(self.definition, data)

    def set_value(self, value: Value) -> None:
        if isinstance(value, bytes | bytearray):
            self.edit.setText(bytes(value).hex(" ").upper())


class TimeEditor(ValueEditor):
    """A UTC date-time; the value is seconds since the epoch."""

    def __init__(self, definition: ResourceDefinition | None, parent: QWidget | None = None):
        super().__init__(definition, parent)
        self.edit = QDateTimeEdit(self)
        self.edit.setTimeZone(QTimeZone.utc())
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self.edit.setCalendarPopup(True)
        self.edit.setDateTime(QDateTime.currentDateTimeUtc())
        self.now_button = QPushButton("Now", self)
        self.now_button.clicked.connect(
            lambda: self.edit.setDateTime(QDateTime.currentDateTimeUtc())
        )
        self.layout_.addWidget(self.edit, 1)
        self.layout_.addWidget(self.now_button)

    def value(self) -> Value:
        return check_value(self.definition, int(self.edit.dateTime().toSecsSinceEpoch()))

    def set_value(self, value: Value) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.edit.setDateTime(QDateTime.fromSecsSinceEpoch(value, QTimeZone.utc()))


class ObjlnkEditor(ValueEditor):
    """Object id and instance id."""

    def __init__(self, definition: ResourceDefinition | None, parent: QWidget | None = None):
        super().__init__(definition, parent)
        self.object_id = QSpinBox(self)
        self.instance_id = QSpinBox(self)
        for box in (self.object_id, self.instance_id):
            box.setRange(0, 65535)
        self.layout_.addWidget(QLabel("Object", self))
        self.layout_.addWidget(self.object_id)
        self.layout_.addWidget(QLabel("Instance", self))
        self.layout_.addWidget(self.instance_id)
        self.layout_.addStretch(1)

    def value(self) -> Value:
        link = ObjectLink(self.object_id.value(), self.instance_id.value())
        return check_value(self.definition, link)

    def set_value(self, value: Value) -> None:
        if isinstance(value, ObjectLink):
            self.object_id.setValue(value.object_id)
            self.instance_id.setValue(value.instance_id)


class BoolEditor(ValueEditor):
    def __init__(self, definition: ResourceDefinition | None, parent: QWidget | None = None):
        super().__init__(definition, parent)
        self.check = QCheckBox("true", self)
        self.layout_.addWidget(self.check)
        self.layout_.addStretch(1)

    def value(self) -> Value:
        return check_value(self.definition, self.check.isChecked())

    def set_value(self, value: Value) -> None:
        self.check.setChecked(bool(value))


class EnumEditor(ValueEditor):
    """The definition's enumeration as a combo."""

    def __init__(self, definition: ResourceDefinition, parent: QWidget | None = None):
        super().__init__(definition, parent)
        self.combo = QComboBox(self)
        for item in definition.enumeration:
            self.combo.addItem(str(item), item)
        self.layout_.addWidget(self.combo, 1)

    def value(self) -> Value:
        return parse_value(self.definition, str(self.combo.currentData()))

    def set_value(self, value: Value) -> None:
        index = self.combo.findText(str(value))
        if index >= 0:
            self.combo.setCurrentIndex(index)


def make_editor(
    definition: ResourceDefinition | None, parent: QWidget | None = None
) -> ValueEditor:
    """The editor for ``definition``'s type (a text editor for unknown resources)."""
    rtype = definition.type if definition is not None else None
    if definition is not None and definition.enumeration:
        return EnumEditor(definition, parent)
    if rtype is ResourceType.OPAQUE:
        return OpaqueEditor(definition, parent)
    if rtype is ResourceType.TIME:
        return TimeEditor(definition, parent)
    if rtype is ResourceType.OBJLNK:
        return ObjlnkEditor(definition, parent)
    if rtype is ResourceType.BOOLEAN:
        return BoolEditor(definition, parent)
    return TextEditor(definition, parent)


class _Dialog(QDialog):
    """A form with an inline error line and OK enabled only for valid input."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.form = QFormLayout()
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        palette = self.error.palette()
        palette.setColor(self.error.foregroundRole(), colours(self).error)
        self.error.setPalette(palette)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _accept(self) -> None:
        try:
            self.validate()
        except ValueValidationError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def validate(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class WriteDialog(_Dialog):
    """Write one resource: the typed editor plus what the definition says about it."""

    def __init__(
        self,
        path: Path,
        definition: ResourceDefinition | None,
        current: Value = None,
        parent: QWidget | None = None,
        title: str = "Write",
    ) -> None:
        name = definition.name if definition is not None else "unknown resource"
        super().__init__(f"{title} {path} — {name}", parent)
        self.path = path
        self.editor = make_editor(definition, self)
        if current is not None:
            self.editor.set_value(current)
        about = "type " + (definition.type.label if definition is not None else "unknown")
        if definition is not None:
            if definition.range is not None:
                about += f", range {definition.range}"
            if definition.units:
                about += f", units {definition.units}"
            if definition.enumeration:
                about += ", one of " + ", ".join(str(x) for x in definition.enumeration)
        info = QLabel(about, self)
        info.setWordWrap(True)
        self.form.addRow("Resource", QLabel(f"{path}  {name}", self))
        self.form.addRow("", info)
        if current is not None:
            rtype = definition.type if definition is not None else None
            self.form.addRow("Current", QLabel(display_value(current, rtype), self))
        self.form.addRow("New value", self.editor)
        self.result_value: Value = None

    def showEvent(self, event: QShowEvent) -> None:
        """Focus on the editor with its text selected: F2, type, Enter writes what was typed
        (with the focus on OK, the keys went nowhere and Enter wrote the old value)."""
        super().showEvent(event)
        edit = self.editor.findChild(QLineEdit)
        target: QWidget = edit if edit is not None else self.editor
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        if edit is not None:
            edit.selectAll()

    def validate(self) -> None:
        self.result_value = self.editor.value()


class AttributesDialog(_Dialog):
    """pmin, pmax, gt, lt, st; empty = not sent, ``-`` = clear."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(f"Write attributes {path}", parent)
        self.fields: dict[str, QLineEdit] = {}
        hints = {
            "pmin": "minimum period, s",
            "pmax": "maximum period, s",
            "gt": "notify above",
            "lt": "notify below",
            "st": "notify on a step of",
        }
        for name in ATTRIBUTES:
            edit = QLineEdit(self)
            edit.setPlaceholderText(f"{hints[name]} (empty: not sent, -: clear)")
            self.fields[name] = edit
            self.form.addRow(name, edit)
        self.attributes: dict[str, float | int | None] = {}

    def validate(self) -> None:
        self.attributes = parse_attributes({k: e.text() for k, e in self.fields.items()})
        if not self.attributes:
            raise ValueValidationError("set at least one attribute")


class ExecuteDialog(_Dialog):
    def __init__(self, path: Path, name: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Execute {path} — {name}", parent)
        self.arguments = QLineEdit(self)
        self.arguments.setPlaceholderText("optional, e.g. 0='a',1")
        self.form.addRow("Arguments", self.arguments)

    def validate(self) -> None:
        if not self.arguments.text().isascii():
            raise ValueValidationError("execute arguments are plain ASCII")


class CreateDialog(_Dialog):
    """Create an instance: its id and ``resource=value`` lines, typed from the definitions."""

    def __init__(
        self, registry: ObjectRegistry, object_id: int, suggested: int,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        obj = registry.get(object_id)
        name = obj.name if obj is not None else f"Object {object_id}"
        super().__init__(f"Create an instance of /{object_id} — {name}", parent)
        self.registry = registry
        self.object_id = object_id
        self.instance = QSpinBox(self)
        self.instance.setRange(0, 65534)
        self.instance.setValue(suggested)
        self.text = QPlainTextEdit(self)
        self.text.setFont(monospace_font())
        self.text.setMinimumHeight(120)
        if obj is not None:
            lines = [
                f"# {rid} {res.name} ({res.type.label}{', mandatory' if res.mandatory else ''})"
                for rid, res in sorted(obj.resources.items())
                if res.writable
            ]
            self.text.setPlaceholderText("\n".join(["RESOURCE=VALUE per line", *lines[:12]]))
        self.form.addRow("Instance id", self.instance)
        self.form.addRow("Values", self.text)
        self.values: dict[Path, Value] = {}

    def validate(self) -> None:
        self.values = parse_create_values(
            self.registry, self.object_id, self.instance.value(), self.text.toPlainText()
        )


__all__ = [
    "AttributesDialog",
    "CreateDialog",
    "ExecuteDialog",
    "ValueEditor",
    "WriteDialog",
    "make_editor",
]
