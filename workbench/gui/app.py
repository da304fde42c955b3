"""Start the window: QApplication + qasync loop, and a clean shutdown.

One asyncio loop (qasync) runs on the Qt thread, so the built-in server, the AT client and the
widgets share it. Shutdown follows ECOSYSTEM.md: closing the window first cancels the tasks it
started, closes the port and stops the server (awaiting the aiocoap contexts) and only then
lets the loop end — no "Task was destroyed but it is pending", no socket left open.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from workbench import __version__

ORGANISATION = "LwM2M Workbench"
ORGANISATION_DOMAIN = "lwm2m-workbench.invalid"
APPLICATION = "lwm2m-workbench"


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


async def _run_window(demo: str | None, started: float) -> int:
    from workbench.gui.mainwindow import MainWindow
    from workbench.plugins_loader import discover_plugins

    window = MainWindow(discover_plugins())
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.show()
    window.startup_seconds = time.perf_counter() - started
    if demo is not None:
        window.start_demo(demo)
    await closed.wait()
    return 0


def run(demo: str | None = None, argv: Sequence[str] | None = None) -> int:
    """Open the main window (with the demo of plugin ``demo`` if given); returns the exit code."""
    from workbench.gui.qtloop import QtLoop  # its Qt objects die with it, on this thread

    started = time.perf_counter()
    make_application(argv)
    return asyncio.run(_run_window(demo, started), loop_factory=QtLoop)
