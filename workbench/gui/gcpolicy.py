"""Garbage-collector policy of the window: no full collection while traffic flows.

The terminal and the timeline hold a million objects after a long capture. CPython's full
collection walks every tracked object; at 1 MB/s ingest it ran every few seconds and stopped
the window for ~250 ms each time. The objects are data without reference cycles (they go
away by reference counting when trimmed), so walking them finds nothing. Every second this
policy collects the young generations (a few thousand objects: milliseconds) and then
``gc.freeze()``\\ s what survived, so that the full collection only ever sees what arrived
since. The price: cyclic garbage that lived longer than a second before it died is not found
while frozen. So when traffic has paused for :data:`IDLE_SECONDS` and enough was frozen since,
the policy unfreezes and runs one full collection, and it unfreezes everything when the
window closes. That collection walks every object (1.1 s with a million terminal lines here),
so it waits until nobody is watching: the workbench is not the active application (the user
switched to another window), or there has been no traffic for :data:`LONG_IDLE_SECONDS`. A
quiet port alone is not enough: a user reading a capture that just ended is scrolling it.

"Enough frozen since" is measured as how much the heap grew since the last full collection
(``sys.getallocatedblocks()``, a sum over the allocator's arenas: under a millisecond), never
by counting objects: ``gc.get_freeze_count()`` walks the whole frozen list (40-240 ms with a
million terminal lines held, once a second), and the size of the oldest generation before a
freeze, used until issue 17's last round, walked every object a bulk load had just promoted
there: 50-560 ms on the first tick after a session or a long capture was loaded (measured
with 600,000 terminal lines). Cyclic garbage hidden by the freeze stays allocated, so it
shows as growth too.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication

#: How often survivors are frozen (ms).
FREEZE_EVERY_MS = 1000
#: Traffic pause after which a full collection is allowed (seconds) while nobody watches.
IDLE_SECONDS = 5.0
#: Traffic pause after which it is allowed even with the window active (seconds).
LONG_IDLE_SECONDS = 600.0
#: Heap growth (allocated blocks) since the last full collection that makes one worth it when
#: idle: about 200,000 objects' worth (a terminal line is a few blocks).
FULL_AFTER_BLOCKS = 400_000


def _application_active() -> bool:
    """Whether the workbench is the application the user is working in."""
    return QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive


class GcPolicy(QObject):
    """Freeze survivors every second; full collection only when idle (see module docstring)."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        watched: Callable[[], bool] = _application_active,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._watched = watched
        self._last_activity = clock()
        #: Allocated blocks at the last full collection (see the module docstring).
        self._blocks_at_full = sys.getallocatedblocks()
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
        quiet = self._clock() - self._last_activity
        unwatched = quiet >= LONG_IDLE_SECONDS or (quiet >= IDLE_SECONDS and not self._watched())
        if unwatched and self.grown_since_full >= FULL_AFTER_BLOCKS:
            gc.unfreeze()
            gc.collect()
            self.full_collections += 1
            gc.freeze()
            self._blocks_at_full = sys.getallocatedblocks()
            return
        gc.collect(1)
        gc.freeze()

    @property
    def grown_since_full(self) -> int:
        """Allocated blocks gained since the last full collection (never below zero)."""
        return max(0, sys.getallocatedblocks() - self._blocks_at_full)

    def stop(self) -> None:
        """Give everything back to the collector (the window is closing)."""
        self._timer.stop()
        gc.unfreeze()


def _unfreeze(*_: object) -> None:
    gc.unfreeze()
