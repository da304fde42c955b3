"""What the window keeps in memory, set by the user (*View → Memory limits…*).

A day-long capture is millions of lines; the window shows the most recent ones and says how
many older ones it dropped, while the session file keeps everything. The limits live in
``QSettings`` so they hold for every window and survive restarts.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

TERMINAL_KEY = "limits/terminal_lines"
TIMELINE_KEY = "limits/timeline_events"
COAP_LOG_KEY = "limits/server_coap_log"
TIMELINE_COAP_KEY = "limits/timeline_coap"
TIMELINE_FOTA_KEY = "limits/timeline_fota"

#: Smallest values accepted: below these the panels would be useless.
MINIMUM = 1_000
#: Largest values offered (a QSpinBox holds a C int).
MAXIMUM = 2_000_000_000


@dataclass(frozen=True, slots=True)
class MemoryLimits:
    """Per-panel caps; the oldest entries beyond them are dropped and counted."""

    #: Terminal rows (a row is ~0.5 kB with its decoded events).
    terminal_lines: int = 200_000
    #: Timeline events over all lanes (~21 bytes each in the columnar store).
    timeline_events: int = 10_000_000
    #: Entries of the built-in server's CoAP log.
    coap_log: int = 50_000
    #: CoAP messages the timeline keeps for its marks' details (issue 17).
    timeline_coap: int = 50_000
    #: FOTA steps and Send reports the timeline keeps for its marks' details (issue 17).
    timeline_fota: int = 10_000


def _read(settings: QSettings, key: str, default: int) -> int:
    try:
        value = int(str(settings.value(key, default)))
    except ValueError:
        return default
    return min(max(value, MINIMUM), MAXIMUM)


def load_limits(settings: QSettings | None = None) -> MemoryLimits:
    """The limits saved in settings (defaults where none or nonsense is stored)."""
    s = settings if settings is not None else QSettings()
    d = MemoryLimits()
    return MemoryLimits(
        terminal_lines=_read(s, TERMINAL_KEY, d.terminal_lines),
        timeline_events=_read(s, TIMELINE_KEY, d.timeline_events),
        coap_log=_read(s, COAP_LOG_KEY, d.coap_log),
        timeline_coap=_read(s, TIMELINE_COAP_KEY, d.timeline_coap),
        timeline_fota=_read(s, TIMELINE_FOTA_KEY, d.timeline_fota),
    )


def save_limits(limits: MemoryLimits, settings: QSettings | None = None) -> None:
    s = settings if settings is not None else QSettings()
    s.setValue(TERMINAL_KEY, limits.terminal_lines)
    s.setValue(TIMELINE_KEY, limits.timeline_events)
    s.setValue(COAP_LOG_KEY, limits.coap_log)
    s.setValue(TIMELINE_COAP_KEY, limits.timeline_coap)
    s.setValue(TIMELINE_FOTA_KEY, limits.timeline_fota)


class MemoryLimitsDialog(QDialog):
    """One spin box per limit; :meth:`limits` is what the user chose."""

    def __init__(self, current: MemoryLimits, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memory_limits")
        self.setWindowTitle("Memory limits")
        layout = QVBoxLayout(self)
        note = QLabel(
            "What the window keeps in memory. Beyond these, the oldest entries are dropped "
            "from view and counted; the session file keeps everything.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.terminal_lines = self._spin(current.terminal_lines)
        self.timeline_events = self._spin(current.timeline_events)
        self.coap_log = self._spin(current.coap_log)
        self.timeline_coap = self._spin(current.timeline_coap)
        self.timeline_fota = self._spin(current.timeline_fota)
        form.addRow("Terminal lines", self.terminal_lines)
        form.addRow("Timeline events", self.timeline_events)
        form.addRow("Server CoAP log entries", self.coap_log)
        form.addRow("Timeline CoAP message details", self.timeline_coap)
        form.addRow("Timeline FOTA / Send details", self.timeline_fota)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _spin(self, value: int) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(MINIMUM, MAXIMUM)
        spin.setSingleStep(10_000)
        spin.setGroupSeparatorShown(True)
        spin.setValue(value)
        return spin

    def limits(self) -> MemoryLimits:
        return MemoryLimits(
            terminal_lines=self.terminal_lines.value(),
            timeline_events=self.timeline_events.value(),
            coap_log=self.coap_log.value(),
            timeline_coap=self.timeline_coap.value(),
            timeline_fota=self.timeline_fota.value(),
        )
