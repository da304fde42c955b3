"""A non-modal message strip above the terminal (port lost, port busy, module detected...).

Dialogs would stop the user mid-session and hide the data they need to judge the problem; the
banner says what happened, offers the fix (Reconnect, Retry) as a button, and goes away on
its own for plain information.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QToolButton,
    QWidget,
)

from workbench.gui.theme import colours

_ICONS = {
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
}
#: Information disappears by itself after this many ms; warnings and errors stay.
INFO_TIMEOUT_MS = 8000


class Banner(QFrame):
    """One message at a time, with optional action buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.icon = QLabel(self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 4, 4)
        self._layout.addWidget(self.icon)
        self._layout.addWidget(self.text, 1)
        self._buttons: list[QPushButton] = []
        self._layout.addWidget(self.close_button)
        self.level = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def show_message(
        self, level: str, text: str, actions: dict[str, Callable[[], object]] | None = None
    ) -> None:
        """Show ``text``; ``actions`` maps button labels to callables (each also dismisses)."""
        self.level = level
        c = colours(self)
        background = {"error": c.error_bg, "warning": c.warning_bg}.get(level, c.info_bg)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, background)
        palette.setColor(QPalette.ColorRole.WindowText, c.banner_text)
        self.setPalette(palette)
        icon = self.style().standardIcon(_ICONS.get(level, _ICONS["info"]))
        size = self.fontMetrics().height() + 4
        self.icon.setPixmap(icon.pixmap(size, size))
        self.text.setText(text)
        for button in self._buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        for label, callback in (actions or {}).items():
            button = QPushButton(label, self)
            button.clicked.connect(self.dismiss)
            button.clicked.connect(callback)
            self._layout.insertWidget(self._layout.count() - 1, button)
            self._buttons.append(button)
        self.show()
        if level == "info" and not actions:
            self._timer.start(INFO_TIMEOUT_MS)
        else:
            self._timer.stop()

    def button(self, label: str) -> QPushButton | None:
        return next((b for b in self._buttons if b.text() == label), None)

    def dismiss(self) -> None:
        self._timer.stop()
        self.hide()
        self.level = ""
