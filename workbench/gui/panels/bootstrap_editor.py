"""The bootstrap configuration editor: a form with validation that saves the JSON the built-in
server's bootstrap loads (:mod:`workbench.server.bootstrap`), so nobody has to read a source
file to learn the format. The form's rules live in :mod:`workbench.viewmodel.bootstrapform`.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.theme import colours, monospace_font
from workbench.server.bootstrap import BootstrapConfigError
from workbench.viewmodel.bootstrapform import (
    FORMATS,
    SECURITY_MODES,
    BootstrapForm,
    dumps,
    form_from_json,
    validate,
)


class BootstrapEditor(QDialog):
    """Edit one endpoint's bootstrap provisioning; :attr:`saved` carries the file written."""

    #: ``(Path)`` — the configuration was written there.
    saved = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bootstrap_editor")
        self.setWindowTitle("Bootstrap configuration")
        self.path: Path | None = None
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        tips = {
            "endpoint": 'Endpoint name this applies to; "*" for any endpoint',
            "server_uri": "The LwM2M server the client is given (/0/x/0)",
            "short_id": "Short server ID (/1/x/0, /0/x/10), 1-65534",
            "lifetime": "Registration lifetime in seconds (/1/x/1)",
            "binding": "Binding (/1/x/7): U, UQ, N, UQS…",
            "psk_identity": "PSK identity (/0/x/3), text",
            "psk_key": "PSK key (/0/x/5), hex; never shown in the log",
            "delete": "Bootstrap-Delete these paths first, comma-separated",
        }
        labels = {
            "endpoint": "Endpoint",
            "server_uri": "Server URI",
            "short_id": "Short server ID",
            "lifetime": "Lifetime (s)",
            "binding": "Binding",
            "psk_identity": "PSK identity",
            "psk_key": "PSK key (hex)",
            "delete": "Delete first",
        }
        self.mode = QComboBox(self)
        for value, text in SECURITY_MODES.items():
            self.mode.addItem(text, value)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.format = QComboBox(self)
        for value, text in FORMATS.items():
            self.format.addItem(f"{text} ({value})", value)
        self.discover = QCheckBox("Bootstrap-Discover / before writing (LwM2M 1.1)", self)
        for name, label in labels.items():
            edit = QLineEdit(self)
            edit.setObjectName(f"bootstrap_{name}")
            edit.setToolTip(tips[name])
            edit.textChanged.connect(self.check)
            self.edits[name] = edit
            if name == "psk_identity":
                form.addRow("Security", self.mode)
            error = QLabel(self)
            error.setWordWrap(True)
            error.hide()
            self.errors[name] = error
            # The field and its error in one cell: a hidden error takes no room.
            cell = QWidget(self)
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(1)
            column.addWidget(edit)
            column.addWidget(error)
            form.addRow(label, cell)
        form.addRow("Write format", self.format)
        form.addRow("", self.discover)
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setFont(monospace_font())
        self.preview.setToolTip("The JSON that is saved (what the server loads)")
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save_dialog)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.notes)
        layout.addWidget(QLabel("Saved as:", self))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.buttons)
        self.format.currentIndexChanged.connect(lambda *_: self.check())
        self.discover.toggled.connect(lambda *_: self.check())
        self.set_form(BootstrapForm())
        self.resize(560, 720)

    # -- form <-> widgets -------------------------------------------------------------------------
    def set_form(self, form: BootstrapForm) -> None:
        for name, edit in self.edits.items():
            edit.blockSignals(True)
            edit.setText(str(getattr(form, name)))
            edit.blockSignals(False)
        self.mode.setCurrentIndex(max(self.mode.findData(form.security_mode), 0))
        self.format.setCurrentIndex(max(self.format.findData(form.content_format), 0))
        self.discover.setChecked(form.discover)
        self.notes.setText("; ".join(form.notes))
        self.notes.setVisible(bool(form.notes))
        self._mode_changed()

    def form(self) -> BootstrapForm:
        text = {name: edit.text() for name, edit in self.edits.items()}
        return BootstrapForm(
            endpoint=text["endpoint"],
            server_uri=text["server_uri"],
            short_id=text["short_id"],
            lifetime=text["lifetime"],
            binding=text["binding"],
            security_mode=int(self.mode.currentData()),
            psk_identity=text["psk_identity"],
            psk_key=text["psk_key"],
            delete=text["delete"],
            content_format=int(self.format.currentData()),
            discover=self.discover.isChecked(),
        )

    def load(self, path: Path) -> bool:
        """Fill the form from a configuration file; False (and why, in the notes) if it cannot."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            form = form_from_json(data)
        except (OSError, ValueError, BootstrapConfigError) as exc:
            self.notes.setText(f"Could not open {path.name}: {exc}")
            self.notes.show()
            return False
        self.path = path
        self.set_form(form)
        return True

    def _mode_changed(self, *_: object) -> None:
        psk = self.mode.currentData() == 0
        for name in ("psk_identity", "psk_key"):
            self.edits[name].setEnabled(psk)
        self.check()

    # -- validation and saving --------------------------------------------------------------------
    def check(self, *_: object) -> dict[str, str]:
        """Show each field's problem under it; the Save button only for a valid form."""
        errors = validate(self.form())
        pal = colours(self)
        for name, label in self.errors.items():
            text = errors.get(name, "")
            label.setText(text)
            label.setStyleSheet(f"color: {pal.error.name()};")
            label.setVisible(bool(text))
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(not errors)
        if errors:
            self.preview.setPlainText("(fix the fields marked in red)")
        else:
            self.preview.setPlainText(dumps(self.form()))
        return errors

    def save_dialog(self) -> None:
        start = str(self.path) if self.path is not None else "bootstrap.json"
        title = "Save bootstrap configuration"
        path, _ = QFileDialog.getSaveFileName(self, title, start, "JSON (*.json)")
        if path:
            self.save(Path(path))

    def save(self, path: Path) -> bool:
        """Write the configuration to ``path`` (only a valid form); emits :attr:`saved`."""
        if self.check():
            return False
        try:
            path.write_text(dumps(self.form()), encoding="utf-8")
        except OSError as exc:
            self.notes.setText(f"Not saved: {exc.strerror or exc}")
            self.notes.show()
            return False
        self.path = path
        self.saved.emit(path)
        self.accept()
        return True
