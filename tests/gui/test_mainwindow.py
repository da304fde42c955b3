"""The main window: docks and layout memory, menus, shortcuts, missing/lost ports, sessions."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from tests.gui.wb_helpers import run, shot, until
from workbench.gui import sessions
from workbench.gui.mainwindow import SHORTCUTS, MainWindow
from workbench.plugin.loader import discover_plugins
from workbench.transport.hosting import PtyHost
from workbench.transport.serial_port import PortSettings

posix_only = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals need POSIX")


def _window(record: bool = False, resize: bool = True) -> MainWindow:
    window = MainWindow(discover_plugins(), record_sessions=record, port_lister=lambda: [])
    if resize:
        window.resize(1200, 760)
    return window


def _close(loop: asyncio.AbstractEventLoop, window: MainWindow) -> None:
    run(loop, window.shutdown())
    window._closed_for_real = True
    window.close()


def test_docks_menus_and_layout_memory(wb_loop: asyncio.AbstractEventLoop) -> None:
    window = _window()
    window.show()
    assert "module_state" in window.docks
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&View", "&Help"]
    file_actions = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    for wanted in ("&Open port", "&Close port", "Open &session…", "&Export terminal log…"):
        assert wanted in file_actions
    view_actions = [a.text() for a in window.menuBar().actions()[1].menu().actions()]
    assert "Module state" in view_actions and "Reset layout" in view_actions
    assert window.status_port.text() == "No port"
    assert window.status_server.text() == "Server: none"
    # Move the state dock to the left and hide it; the next window remembers.
    dock = window.docks["module_state"]
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    dock.hide()
    window.resize(1000, 640)
    _close(wb_loop, window)
    assert QSettings().value("window/state") is not None
    again = _window(resize=False)
    again.show()
    assert again.dockWidgetArea(again.docks["module_state"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert again.docks["module_state"].isHidden()
    assert again.height() == 640 and abs(again.width() - 1000) < 60  # frame-dependent
    again.reset_layout()
    assert (
        again.dockWidgetArea(again.docks["module_state"]) == Qt.DockWidgetArea.RightDockWidgetArea
    )
    assert not again.docks["module_state"].isHidden()
    _close(wb_loop, again)


def test_keyboard_shortcuts(wb_loop: asyncio.AbstractEventLoop, qtbot: object) -> None:
    window = _window()
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)  # type: ignore[attr-defined]
    window.terminal.view.setFocus()
    qtbot.waitUntil(lambda: window.terminal.view.hasFocus(), timeout=2000)  # type: ignore[attr-defined]
    QTest.keyClick(window.terminal.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.terminal.find_bar.isVisible()
    QTest.keyClick(window.terminal.find_bar.edit, Qt.Key.Key_Escape)
    assert not window.terminal.find_bar.isVisible()
    QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.terminal.input.hasFocus(), timeout=2000)  # type: ignore[attr-defined]
    window.docks["module_state"].hide()
    QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.docks["module_state"].isVisible()
    QTest.keyClick(window, Qt.Key.Key_F1)
    dialogs = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
    ]
    assert dialogs and dialogs[-1].windowTitle() == "Keyboard shortcuts"
    shot(dialogs[-1], "shortcuts")
    dialogs[-1].close()
    # Every documented shortcut is bound to an action of the window.
    bound = {a.shortcut().toString() for a in window.findChildren(type(window.action_open))}
    for keys, _what in SHORTCUTS:
        if "/" not in keys and keys not in ("Ctrl+C", "Ctrl+F"):
            assert keys in bound, keys
    _close(wb_loop, window)


def test_missing_port_shows_a_banner_not_a_crash(
    wb_loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    window = _window()
    window.show()
    missing = str(tmp_path / "ttyGONE")

    async def body() -> None:
        assert window.open_port(missing, PortSettings()) is None

    run(wb_loop, body())
    assert window.banner.isVisible() and window.banner.level == "error"
    assert "does not exist" in window.banner.text.text()
    assert window.banner.button("Retry") is not None
    window.pump()
    assert window.context.connection is None  # nothing replaced what was shown (issue 13.4)
    shot(window, "window_missing_port")
    _close(wb_loop, window)


@posix_only
def test_lost_port_keeps_data_and_reconnects(
    wb_loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    plugins = discover_plugins()
    plugin = plugins.get("quectel-bg95")
    window = _window()
    window.show()
    link = tmp_path / "ttyUSB7"

    async def body() -> None:
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        link.symlink_to(host.path)
        window.context.set_plugin(plugin)
        conn = window.open_port(str(link), PortSettings())
        assert conn is not None and conn.status == "open"
        try:
            result = await window.context.send("AT+CGMM")
            assert result.ok
            await until(lambda: any("BG95" in x.text for x in window.terminal.model.lines()))
            rows_before = window.terminal.model.rowCount()
            # Unplug: the simulator and its pty go away under the running window.
            await host.stop()
            await until(
                lambda: window.banner.isVisible() and window.banner.level == "error", what="banner"
            )
            assert "lost" in window.banner.text.text() and "kept" in window.banner.text.text()
            assert window.banner.button("Reconnect") is not None
            assert conn.status == "lost" and "lost" in window.status_port.text()
            await until(lambda: window.terminal.model.rowCount() > rows_before)
            assert any("BG95" in x.text for x in window.terminal.model.lines())  # data kept
            shot(window, "window_lost_port")
            # Plug back in (same name), press Reconnect.
            host = PtyHost(plugin.make_simulator(None, ""))
            await host.start()
            link.unlink()
            link.symlink_to(host.path)
            button = window.banner.button("Reconnect")
            assert button is not None
            button.click()
            assert conn.status == "open"
            assert window.context.connection is conn
            assert (await window.context.send("AT")).ok
            await until(lambda: window.terminal.model.lines()[-1].text == "OK")
            assert any("BG95" in x.text for x in window.terminal.model.lines())
        finally:
            await window.shutdown()
            await host.stop()

    run(wb_loop, body())
    window._closed_for_real = True
    window.close()


@posix_only
def test_sessions_record_reopen_and_export(
    wb_loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    assert sessions.available()  # the recorder ships with every build
    plugins = discover_plugins()
    plugin = plugins.get("quectel-bg95")
    window = _window(record=True)
    window.show()

    async def body() -> Path:
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        try:
            window.context.set_plugin(plugin)
            conn = window.open_port(host.path, PortSettings())
            assert conn is not None and conn.recorder is not None
            assert (await window.context.send("ATI")).ok
            assert (await window.context.send('AT+QLWCFG="bogus"')).status.value == "error"
            await until(lambda: window.terminal.model.lines()[-1].text == "ERROR")
        finally:
            await window.shutdown()
            await host.stop()
        assert window.session_path is not None
        return window.session_path

    path = run(wb_loop, body())
    assert path.exists() and path.parent == tmp_path / "sessions"
    live = [(x.direction, x.text) for x in window.terminal.model.lines()]
    window._closed_for_real = True
    window.close()

    viewer = _window()
    viewer.show()
    conn = viewer.open_session(path)
    assert conn is not None
    viewer.pump()
    replayed = [(x.direction, x.text) for x in viewer.terminal.model.lines()]
    # The same conversation, through the same panels (notes of opening/closing included).
    assert [x for x in replayed if x[0] != "note"] == [x for x in live if x[0] != "note"]
    assert viewer.context.plugin is plugin
    assert viewer.context.state is not None and viewer.context.state.last_error is not None
    assert "Viewing recorded session" in viewer.banner.text.text()
    shot(viewer, "window_session")
    out = tmp_path / "terminal.log"
    viewer.export_log(out)
    text = out.read_text(encoding="utf-8")
    assert "→ ATI" in text and "← BG95-M3" in text and "ERROR" in text
    _close(wb_loop, viewer)
