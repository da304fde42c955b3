"""Start the window: QApplication + qasync loop, and a clean shutdown.

One asyncio loop (qasync) runs on the Qt thread, so the built-in server, the AT client and the
widgets share it. Shutdown follows ECOSYSTEM.md: closing the window first cancels the tasks it
started, closes the port and stops the server (awaiting the aiocoap contexts) and only then
lets the loop end — no "Task was destroyed but it is pending", no socket left open.

SIGTERM and SIGINT (Ctrl+C in the launching terminal, ``kill``, a session logout) take the same
path as File → Quit, so the session file is finished and the process exits 0. Python runs a
signal handler only when the interpreter gets control, and under Qt's event loop it may not
for a long time; :class:`SignalWakeup` therefore points ``signal.set_wakeup_fd`` at one end of
a socket pair and lets a ``QSocketNotifier`` on the other end wake the loop.

Start-up is tuned for the first paint (issue 10: a mapped window within a second): the window
is built with its heavy panels deferred (see ``MainWindow(defer_panels=True)``), shown, and
only after the first paint are those panels built and the demo started.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QSettings, QSocketNotifier
from PySide6.QtWidgets import QApplication

from workbench import __version__

ORGANISATION = "LwM2M Workbench"
ORGANISATION_DOMAIN = "lwm2m-workbench.invalid"
APPLICATION = "lwm2m-workbench"

#: Signals that close the window cleanly (where the platform has them).
CLOSING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication with the names QSettings uses (one instance per process)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setOrganizationDomain(ORGANISATION_DOMAIN)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("LwM2M Module Workbench")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)  # the loop ends when shutdown has finished
    return app


class SignalWakeup(QObject):
    """Run ``on_signal(signum)`` on the Qt thread for SIGTERM/SIGINT/SIGHUP.

    The first signal asks for a clean close; the handlers are then reset to the default, so a
    second Ctrl+C (or SIGTERM) ends a shutdown that hangs, as a user expects.
    """

    def __init__(self, on_signal: Callable[[int], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_signal = on_signal
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous: dict[int, Any] = {}
        for signum in CLOSING_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        for other in CLOSING_SIGNALS:
            signal.signal(other, signal.SIG_DFL)
        self._on_signal(signum)

    def _drain(self) -> None:
        # The bytes are signal numbers; reading them is all that is needed: waking the loop
        # lets Python run the handler it has queued.
        try:
            while self._reader.recv(64):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def close(self) -> None:
        """Restore the previous handlers and wakeup fd (idempotent)."""
        if not self._previous:
            return
        self._notifier.setEnabled(False)
        for signum, handler in self._previous.items():
            if signal.getsignal(signum) in (self._handle, signal.SIG_DFL):
                signal.signal(signum, handler)
        self._previous.clear()
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()


async def _run_window(demo: str | None, started: float) -> int:
    from workbench.gui.mainwindow import MainWindow, in_daemon_thread

    # An empty registry for the first paint; the plugins are discovered right after it.
    window = MainWindow(_empty_registry(), defer_panels=True)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    loop = asyncio.get_running_loop()

    def close_on_signal(_signum: int) -> None:
        loop.call_soon_threadsafe(window.close)

    wakeup = SignalWakeup(close_on_signal, window)
    try:
        window.show()
        window.startup_seconds = time.perf_counter() - started

        async def after_first_paint() -> None:
            # Let the first paint happen before anything heavy: plugins, pyqtgraph, definitions.
            await asyncio.sleep(0.01)
            window.set_plugins(await in_daemon_thread(_discover))
            await window.create_deferred_panels()
            if demo is not None:
                window.start_demo(demo)

        # A task of the window's: a close meanwhile cancels it instead of waiting for it.
        window.context.run_soon(after_first_paint())
        await closed.wait()
    finally:
        wakeup.close()
    return 0


def _empty_registry() -> Any:
    from workbench.plugin.loader import PluginRegistry

    return PluginRegistry()


def _discover() -> Any:
    from workbench.plugin.loader import discover_plugins

    return discover_plugins()


def end_process(code: int) -> None:
    """Exit now, skipping the interpreter's teardown of Qt and pyqtgraph objects.

    Called once the window's shutdown has finished everything that matters (session file
    closed, server stopped, port closed). Tearing down thousands of Qt wrappers and pyqtgraph's
    exit clean-up took about 0.3 s more here for nothing a user keeps. Settings still pending in
    any ``QSettings`` are written first (one ``sync`` flushes the shared file), then logging
    and the standard streams.
    """
    QSettings().sync()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def run(
    demo: str | None = None, argv: Sequence[str] | None = None, *, exit_process: bool = True
) -> int:
    """Open the main window (with the demo of plugin ``demo`` if given); returns the exit code.

    With ``exit_process`` (the command line) the process ends here once the window has shut
    down (see :func:`end_process`); otherwise the code is returned.
    """
    from workbench.gui.qtloop import QtLoop  # its Qt objects die with it, on this thread

    started = time.perf_counter()
    make_application(argv)
    # asyncio.Runner, not asyncio.run(loop_factory=...): the latter is new in 3.12.
    with asyncio.Runner(loop_factory=QtLoop) as runner:
        code = runner.run(_run_window(demo, started))
    if exit_process:
        end_process(code)
    return code
