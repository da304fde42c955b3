"""Garbage-collector policy of the window: no full collection while traffic flows.

The terminal and the timeline hold a million objects after a long capture. CPython's full
collection walks every tracked object; at 1 MB/s ingest it ran every few seconds and stopped
the window for ~250 ms each time. The objects are data without reference cycles (they go
away by reference counting when trimmed), so walking them finds nothing. Every second this
policy collects the young generations (a few thousand objects: milliseconds) and then
``gc.freeze()``\\ s what survived, so that the full collection only ever sees what arrived
since. The price: cyclic garbage that lived longer than a second before it died is not found
while frozen. So when traffic has paused for :data:`IDLE_SECONDS` and enough was frozen since,
the policy unfreezes and runs one full collection (a pause nobody is watching), and it
unfreezes everything when the window closes.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

#: How often survivors are frozen (ms).
FREEZE_EVERY_MS = 1000
#: Traffic pause after which a full collection is allowed (seconds).
IDLE_SECONDS = 5.0
#: Objects frozen since the last full collection that make one worth it when idle.
FULL_AFTER_FROZEN = 200_000


class GcPolicy(QObject):
    """Freeze survivors every second; full collection only when idle (see module docstring)."""

    def __init__(
        self, parent: QObject | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._last_activity = clock()
        self._frozen_at_full = gc.get_freeze_count()
        self.full_collections = 0
        self._timer = QTimer(self)
        self._timer.setInterval(FREEZE_EVERY_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
        if parent is not None:  # a window deleted without shutdown() must not leave a freeze
            parent.destroyed.connect(_unfreeze)

    def activity(self, *_: object) -> None:
        """Traffic arrived (connect to the context's ``lines_appended``)."""
        self._last_activity = self._clock()

    def tick(self) -> None:
        """Collect the young generations, freeze the survivors; a full pass when idle."""
        frozen = gc.get_freeze_count()
        idle = self._clock() - self._last_activity >= IDLE_SECONDS
        if idle and frozen - self._frozen_at_full >= FULL_AFTER_FROZEN:
            gc.unfreeze()
            gc.collect()
            self.full_collections += 1
            gc.freeze()
            self._frozen_at_full = gc.get_freeze_count()
            return
        gc.collect(1)
        gc.freeze()

    def stop(self) -> None:
        """Give everything back to the collector (the window is closing)."""
        self._timer.stop()
        gc.unfreeze()


def _unfreeze(*_: object) -> None:
    gc.unfreeze()
