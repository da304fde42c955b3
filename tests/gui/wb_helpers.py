"""Helpers for the main-window tests: a qasync loop, isolated settings, screenshots."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from workbench.gui.app import make_application

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
    """A qasync loop on the test's QApplication; leftover tasks are cancelled at the end."""
    loop = qasync.QEventLoop(wb_app)
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
        loop.close()


def run(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[T], timeout: float = 20.0) -> T:
    """Run ``awaitable`` on the qasync loop (Qt events are processed meanwhile)."""
    return loop.run_until_complete(asyncio.wait_for(awaitable, timeout))


async def until(check: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Wait (letting Qt and asyncio run) until ``check()`` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.02)


def shot(widget: QWidget, name: str) -> Path:
    """Save a screenshot to test-artifacts/screenshots/<name>.png (look at them!)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path
