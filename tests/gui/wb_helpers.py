"""Helpers for the main-window tests: a qasync loop, isolated settings, screenshots."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from tests.async_helpers import until as until  # the GUI tests wait with the same helper
from workbench.gui.app import make_application
from workbench.gui.qtloop import QtLoop

if TYPE_CHECKING:
    from workbench.gui.mainwindow import MainWindow

T = TypeVar("T")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def wb_app(qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> QApplication:
    """The app with its real names, but settings and sessions in the test's folder."""
    make_application()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    QSettings().clear()
    monkeypatch.setenv("LWM2M_WORKBENCH_SESSIONS", str(tmp_path / "sessions"))
    return qapp


@pytest.fixture
def wb_loop(wb_app: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """The app's loop (:class:`QtLoop`) on the test's QApplication; leftover tasks are
    cancelled at the end and the loop's Qt objects destroyed on this (the GUI) thread."""
    loop = QtLoop(wb_app)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        asyncio.set_event_loop(None)
        nested = loop.nested_dispatches
        loop.close()
        # A coroutine that ran a nested Qt event loop (processEvents, exec, qWait) froze the
        # loop meanwhile and, under plain qasync, lost task steps: a bug in the test or the app.
        assert nested == 0, f"{nested} asyncio callback(s) came due inside a nested Qt event loop"


@pytest.fixture(autouse=True)
def gui_teardown(qapp: QApplication) -> Iterator[None]:
    """Every window and panel a test leaves is deleted on the GUI thread when it ends.

    Left alone they lived on: hidden windows kept their timers (30 Hz timeline ticks, port
    polls) running through every later test, and the windows, panels and closed loops the
    tests dropped sat in reference cycles until a collection on some other thread (the next
    test's serial reader, an executor worker) destroyed their Qt objects there, which Qt does
    not allow. So: delete what the test created, then collect its cycles here.
    """
    before = set(qapp.topLevelWidgets())
    yield
    dispose_widgets([w for w in qapp.topLevelWidgets() if w not in before])
    gc.collect()


def dispose_widgets(widgets: list[QWidget]) -> None:
    """Delete ``widgets`` (the ones Python created) now, on this thread, and their children."""
    for widget in widgets:
        if shiboken6.isValid(widget) and shiboken6.createdByPython(widget):
            widget.hide()
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def run(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[T], timeout: float = 20.0) -> T:
    """Run ``awaitable`` on the qasync loop (Qt events are processed meanwhile)."""
    return loop.run_until_complete(asyncio.wait_for(awaitable, timeout))


def shot(widget: QWidget, name: str) -> Path:
    """Save a screenshot to test-artifacts/screenshots/<name>.png (look at them!)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path


def dark_palette() -> QPalette:
    """A dark desktop palette, as a dark system theme hands it to the application."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#202124"),
        (roles.WindowText, "#e8eaed"),
        (roles.Base, "#17181a"),
        (roles.AlternateBase, "#232427"),
        (roles.Text, "#e8eaed"),
        (roles.Button, "#2d2e31"),
        (roles.ButtonText, "#e8eaed"),
        (roles.Highlight, "#3d6fb4"),
        (roles.HighlightedText, "#ffffff"),
        (roles.ToolTipBase, "#2d2e31"),
        (roles.ToolTipText, "#e8eaed"),
        (roles.PlaceholderText, "#9aa0a6"),
        (roles.Mid, "#3c4043"),
        (roles.Dark, "#111214"),
        (roles.Light, "#4a4d51"),
        (roles.Midlight, "#3a3c40"),
        (roles.Shadow, "#000000"),
        (roles.Link, "#8ab4f8"),
    ):
        palette.setColor(role, QColor(colour))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f7378"))
    return palette


def main_window(record: bool = False, size: tuple[int, int] = (1200, 760)) -> MainWindow:
    """A main window with every plugin, no port listing (the machine's ports vary) and
    ``record`` deciding whether opened ports write session files."""
    from workbench.gui.mainwindow import MainWindow
    from workbench.plugin.loader import discover_plugins

    window = MainWindow(discover_plugins(), record_sessions=record, port_lister=lambda: [])
    window.resize(*size)
    return window


def close_window(loop: asyncio.AbstractEventLoop, window: MainWindow) -> None:
    """Shut ``window`` down (ports, demo, server) and close it without the quit prompt."""
    run(loop, window.shutdown())
    window._closed_for_real = True
    window.close()
