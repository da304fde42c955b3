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

The objects frozen since the last full collection are counted as the size of the oldest
generation just before each freeze (what that freeze moves), never with
``gc.get_freeze_count()``: that walks the whole frozen list and took 40-240 ms with a million
terminal lines held, once a second (issue 17, py-spy at 1 MB/s).
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
        #: Objects frozen since the last full collection (see the module docstring).
        self.frozen_since_full = 0
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
        idle = self._clock() - self._last_activity >= IDLE_SECONDS
        if idle and self.frozen_since_full >= FULL_AFTER_FROZEN:
            gc.unfreeze()
            gc.collect()
            self.full_collections += 1
            gc.freeze()
            self.frozen_since_full = 0
            return
        gc.collect(1)
        # The young generations are empty now: what survived since the last freeze is the
        # oldest generation, and only that is walked (O(one second of traffic)).
        self.frozen_since_full += len(gc.get_objects(generation=2))
        gc.freeze()

    def stop(self) -> None:
        """Give everything back to the collector (the window is closing)."""
        self._timer.stop()
        gc.unfreeze()


def _unfreeze(*_: object) -> None:
    gc.unfreeze()
