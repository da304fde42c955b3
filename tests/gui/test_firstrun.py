"""A plain start: the first-run hint, File → New demo…, recent ports and recent sessions."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu

from tests.gui.wb_helpers import close_window, main_window, run, shot, until
from workbench.app.connection import ModuleConnection
from workbench.gui.firstrun import DISMISSED_KEY, PORTS_KEY
from workbench.gui.mainwindow import MainWindow
from workbench.plugin.loader import discover_plugins
from workbench.transport.hosting import PtyHost
from workbench.transport.serial_port import PortSettings

posix_only = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals need POSIX")


@contextlib.asynccontextmanager
async def simulated_port(
    window: MainWindow, link: Path | None = None
) -> AsyncIterator[tuple[str, ModuleConnection]]:
    """A simulated BG95 on a pty, opened in ``window`` as a user opens a device.

    With ``link`` the device is opened through that symlink (like a udev name), which the
    caller can remove to make the device vanish: a stopped pty's own /dev/pts number may be
    handed to another process at once, so it cannot stand for an unplugged adapter.
    """
    plugin = discover_plugins().get("quectel-bg95")
    host = PtyHost(plugin.make_simulator(None, ""))
    await host.start()
    device = host.path
    if link is not None:
        link.symlink_to(host.path)
        device = str(link)
    try:
        window.context.set_plugin(plugin)
        conn = window.open_port(device, PortSettings())
        assert conn is not None and conn.status == "open"
        yield device, conn
    finally:
        await host.stop()
        if link is not None:
            link.unlink()


def _file_menu(window: MainWindow) -> QMenu:
    menu = window.menuBar().actions()[0].menu()
    assert isinstance(menu, QMenu)
    return menu


def _entries(menu: QMenu) -> list[QAction]:
    """The recent entries of a recent menu (not the separator, 'Clear list' or '(none yet)')."""
    return [a for a in menu.actions() if a.isEnabled() and a.text() not in ("", "Clear list")]


def test_plain_start_offers_the_demo(
    wb_loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = main_window()
    window.show()
    file = _file_menu(window)
    texts = [a.text() for a in file.actions()]
    assert "New &demo…" in texts
    assert "Recent &ports" in texts and "Recent sess&ions" in texts
    assert texts.index("New &demo…") < texts.index("Open &session…")
    hint = window.start.hint
    assert hint.isVisible()
    assert hint.demo_button.text() == "Try with a simulated module"
    assert hint.port_button.isVisible() and hint.session_button.isVisible()
    shot(window, "first_run_hint")
    file.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
    until_shown = file.isVisible()
    shot(file, "file_menu")
    file.hide()
    assert until_shown
    assert [a.text() for a in window.start.recent_ports_menu.actions()] == ["(none yet)"]

    asked: list[list[str]] = []

    def pick(_parent: Any, _title: str, _label: str, items: list[str], *_a: Any) -> Any:
        asked.append(items)
        return next(i for i in items if "(quectel-bg95)" in i), True

    monkeypatch.setattr(QInputDialog, "getItem", pick)
    hint.demo_button.click()  # the same as File → New demo… and as --demo quectel-bg95
    assert asked and len(asked[0]) >= 2  # every module with a simulator is offered
    assert not hint.isVisible()
    assert run(wb_loop, until_registered(window), timeout=60)
    assert window.demo is not None and window.context.connection is not None
    assert window.context.plugin is not None and window.context.plugin.id == "quectel-bg95"
    close_window(wb_loop, window)


async def until_registered(window: MainWindow) -> bool:
    await until(lambda: "registered as" in window.banner.text.text(), timeout=50)
    return True


def test_new_demo_menu_entry_cancelled_starts_nothing(
    wb_loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = main_window()
    window.show()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *_a: ("", False))
    window.action_new_demo.trigger()
    assert window.demo is None and window.start.hint.isVisible()
    close_window(wb_loop, window)


def test_dismissed_hint_stays_away(wb_loop: asyncio.AbstractEventLoop) -> None:
    window = main_window()
    window.show()
    assert window.start.hint.isVisible()
    window.start.hint.port_button.click()  # points at the port list, opens nothing by itself
    combo = window.connection_bar.port
    assert combo.view().isVisible() and window.context.connection is None
    combo.hidePopup()
    assert window.start.hint.isVisible()
    window.start.hint.close_button.click()
    assert not window.start.hint.isVisible()
    assert QSettings().value(DISMISSED_KEY) is not None
    close_window(wb_loop, window)
    again = main_window()
    again.show()
    assert not again.start.hint.isVisible()
    close_window(wb_loop, again)


@posix_only
def test_recent_port_reopens_and_a_vanished_one_says_so(
    wb_loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    window = main_window()
    window.show()

    async def body() -> str:
        async with simulated_port(window, tmp_path / "ttyBG95") as (device, conn):
            assert not window.start.hint.isVisible()  # a port is open: the hint is done
            entries = _entries(window.start.recent_ports_menu)
            assert [a.text() for a in entries] == [device]
            await conn.close()
            assert conn.status != "open"
            entries[0].trigger()  # File → Recent ports → the pty: reopened
            assert window.context.connection is not None
            assert window.context.connection.status == "open"
            assert window.connection_bar.url.text() == device
            assert (await window.context.send("AT")).ok
            await window.context.connection.close()
        return device

    path = run(wb_loop, body())
    assert QSettings().value(PORTS_KEY) is not None
    close_window(wb_loop, window)
    # A new window still lists it; the pty is gone now, and choosing it says so.
    again = main_window()
    again.show()
    entries = _entries(again.start.recent_ports_menu)
    assert [a.text() for a in entries] == [path]

    async def choose() -> None:  # menu actions run on the loop, as in the application
        entries[0].trigger()

    run(wb_loop, choose())
    assert again.banner.level == "warning"
    assert "no longer exists" in again.banner.text.text()
    assert again.context.connection is None
    button = again.banner.button("Remove from list")
    assert button is not None
    button.click()
    assert _entries(again.start.recent_ports_menu) == []
    close_window(wb_loop, again)


@posix_only
def test_recent_session_reopens_and_a_deleted_one_says_so(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    recorder = main_window(record=True)
    recorder.show()

    async def record() -> Path:
        async with simulated_port(recorder):
            assert (await recorder.context.send("ATI")).ok
            await recorder.shutdown()
        assert recorder.session_path is not None
        return recorder.session_path

    path = run(wb_loop, record())
    recorder._closed_for_real = True
    recorder.close()

    window = main_window()
    window.show()
    assert _entries(window.start.recent_sessions_menu) == []
    viewer = window.open_session_window(path)
    assert viewer is not None and not viewer.start.hint.isVisible()
    assert not window.start.hint.isVisible()  # a session is open
    assert [a.text() for a in _entries(window.start.recent_sessions_menu)] == [str(path)]
    close_window(wb_loop, viewer)
    close_window(wb_loop, window)

    again = main_window()
    again.show()
    entries = _entries(again.start.recent_sessions_menu)
    assert [a.text() for a in entries] == [str(path)]
    entries[0].trigger()  # File → Recent sessions → the file: opens in its own window
    assert len(again.session_windows) == 1
    reopened = again.session_windows[0]
    assert reopened.session_viewer and reopened.context.connection is not None
    assert any("ATI" in x.text for x in reopened.context.connection.history)
    close_window(wb_loop, reopened)
    path.unlink()
    _entries(again.start.recent_sessions_menu)[0].trigger()
    assert again.banner.level == "warning"
    assert f"{path.name} no longer exists" in again.banner.text.text()
    assert len(again.session_windows) <= 1
    menu = again.start.recent_sessions_menu
    next(a for a in menu.actions() if a.text() == "Clear list").trigger()
    assert [a.text() for a in menu.actions()] == ["(none yet)"]
    close_window(wb_loop, again)
