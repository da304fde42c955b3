"""The window's asyncio loop: qasync's, with two of its Qt-side behaviours corrected.

**Closing.** qasync's ``QEventLoop.close()`` stops its timer object without killing the Qt
timers of the ``call_later`` handles still pending (a server's expiry timer, an aiocoap
retransmission), and leaves that object and the socket notifiers to Python's garbage collector.
The closed loop sits in reference cycles, so they are destroyed whenever a cyclic collection
runs, and that can be on any thread that allocates: the serial port's reader thread, a worker
of the loop's executor (seen in the GUI tests: a collection on an executor thread freed a closed
loop's timer object). A QObject destroyed off its own thread cannot unregister its timers (Qt
prints "QObject::~QObject: Timers cannot be stopped from another thread"), and the GUI thread's
event dispatcher later fires one at freed memory: SIGSEGV inside the Qt event loop.
:class:`QtLoop` destroys those objects in ``close()``, on the GUI thread, where Qt unregisters
their timers and notifiers properly; what the garbage collector frees later, on whatever
thread, is only their empty Python wrappers.

**Nesting.** qasync runs each asyncio callback from a Qt timer event. When a callback starts a
nested Qt event loop (``QApplication.processEvents()``, ``QDialog.exec()``, ``QTest.qWait``
inside a coroutine), Qt delivers the other callbacks' timer events *inside* it, while the first
callback's task is still the loop's current task. A callback there that steps another task
fails in asyncio's ``_enter_task`` ("Cannot enter into task … while another task … is being
executed"): the exception goes to the loop's exception handler and that step is gone, so the
task never resumes and whatever awaits it waits forever, with the loop idle and no timer left
to wake it. That was the GUI test that hung one run in three: a table check called
``processEvents()`` from inside the guided-connect test's coroutine, and an aiocoap request's
task lost its wake-up. asyncio's own loops cannot nest (``run_until_complete`` refuses), so
:class:`LoopTimer` keeps that rule: a callback whose time comes while another is running waits,
in order, until the running one returns; nothing is dropped. Each such nesting is counted in
:attr:`QtLoop.nested_dispatches` and logged once per episode, because it also freezes the
loop (the server, the serial reader's deliveries) for as long as the nested loop runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import qasync
import shiboken6
from PySide6.QtCore import QObject, QTimerEvent

log = logging.getLogger(__name__)


class LoopTimer(QObject):
    """The loop's scheduler: one Qt timer per pending callback, never one callback inside another.

    It replaces qasync's ``_SimpleTimer`` (same three methods: ``add_callback``, ``stop``,
    ``set_debug``). Besides refusing to nest, it kills a timer and forgets its handle *before*
    running the handle, so a timer id Qt hands out again while the handle runs can never be
    confused with the one that fired.
    """

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[int, asyncio.Handle] = {}
        self._stopped = False
        self._debug = False
        self._running: asyncio.Handle | None = None
        self._waiting: list[asyncio.Handle] = []
        #: Callbacks that came due while another was running (see the module docstring).
        self.nested_dispatches = 0

    def add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        timer_id = self.startTimer(int(max(0.0, delay) * 1000))
        if timer_id == 0:  # Qt refused (a call off the GUI thread): say so, do not lose it
            raise RuntimeError("asyncio callback scheduled from a thread other than the GUI's")
        self._handles[timer_id] = handle
        return handle

    def timerEvent(self, event: QTimerEvent) -> None:
        timer_id = event.timerId()
        self.killTimer(timer_id)
        handle = self._handles.pop(timer_id, None)
        if handle is None or self._stopped or handle.cancelled():
            return
        if self._running is not None:
            if not self._waiting:
                log.warning(
                    "a Qt event loop ran inside the asyncio callback %r; the callbacks that "
                    "came due meanwhile wait until it returns",
                    self._running,
                )
            self.nested_dispatches += 1
            self._waiting.append(handle)
            return
        self._run(handle)
        while self._waiting and not self._stopped:
            waiting, self._waiting = self._waiting, []
            for later in waiting:
                if not later.cancelled():
                    self._run(later)

    def _run(self, handle: asyncio.Handle) -> None:
        self._running = handle
        started = time.perf_counter() if self._debug else 0.0
        try:
            handle._run()
        finally:
            self._running = None
        if self._debug:
            took = time.perf_counter() - started
            loop = asyncio.get_event_loop()
            if took >= loop.slow_callback_duration:
                log.warning("executing %r took %.3f seconds", handle, took)

    def stop(self) -> None:
        self._stopped = True
        for timer_id in list(self._handles):
            self.killTimer(timer_id)
        self._handles.clear()
        self._waiting.clear()

    def set_debug(self, enabled: bool) -> None:
        self._debug = enabled


class QtLoop(qasync.QEventLoop):  # type: ignore[misc]
    """A qasync loop that never nests callbacks and destroys its Qt objects in ``close()``."""

    _timer: QObject

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qasync_timer = self._timer
        self._timer = LoopTimer()
        if isinstance(qasync_timer, QObject) and shiboken6.isValid(qasync_timer):
            shiboken6.delete(qasync_timer)  # nothing was scheduled on it yet

    @property
    def nested_dispatches(self) -> int:
        """How many callbacks came due inside another one's nested Qt event loop."""
        timer = self._timer
        return timer.nested_dispatches if isinstance(timer, LoopTimer) else 0

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
