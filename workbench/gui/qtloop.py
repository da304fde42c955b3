"""The window's asyncio loop: qasync's, closed so that none of its Qt objects outlives it.

qasync's ``QEventLoop.close()`` stops its timer object without killing the Qt timers of the
``call_later`` handles still pending (a server's expiry timer, an aiocoap retransmission), and
leaves that object and the socket notifiers to Python's garbage collector. The closed loop sits
in reference cycles, so they are destroyed whenever a cyclic collection runs, and that can be
on any thread that allocates: the serial port's reader thread, a worker of the loop's executor
(seen in the GUI tests: a collection on an executor thread freed a closed loop's timer object).
A QObject destroyed off its own thread cannot unregister its timers (Qt prints
"QObject::~QObject: Timers cannot be stopped from another thread"), and the GUI thread's event
dispatcher later fires one at freed memory: SIGSEGV inside the Qt event loop.

:class:`QtLoop` destroys those objects in ``close()``, on the GUI thread, where Qt unregisters
their timers and notifiers properly; what the garbage collector frees later, on whatever
thread, is only their empty Python wrappers.
"""

from __future__ import annotations

from typing import Any

import qasync
import shiboken6
from PySide6.QtCore import QObject


class QtLoop(qasync.QEventLoop):  # type: ignore[misc]
    """A qasync loop whose ``close()`` destroys its timer object and notifiers right away."""

    def close(self) -> None:
        owned = self._qt_objects()
        super().close()
        for obj in owned:
            if shiboken6.isValid(obj):
                shiboken6.delete(obj)

    def _qt_objects(self) -> list[QObject]:
        """The objects qasync registers with the GUI thread's event dispatcher."""
        found: list[Any] = [getattr(self, "_timer", None)]
        for name in ("_read_notifiers", "_write_notifiers"):
            notifiers = getattr(self, name, None) or {}
            found.extend(notifiers.values())
        return [obj for obj in found if isinstance(obj, QObject)]
