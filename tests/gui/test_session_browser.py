"""File → Open session lists the recorded sessions; the session window replays them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.gui.wb_helpers import close_window, run, shot, until
from workbench.gui import sessions
from workbench.gui.mainwindow import MainWindow
from workbench.gui.session_browser import COLUMNS, SessionBrowser
from workbench.module.events import Event
from workbench.module.state import REGISTERED_STATES
from workbench.plugin.loader import discover_plugins
from workbench.session import SessionMeta, SessionWriter
from workbench.session.browse import newest_first, summarize

T0 = 1_790_000_000.0
REG = b'\r\n+QLWURC: "event",123,2,"REG_READY"\r\n'


def _record(path: Path, *, start: float, register: bool) -> Path:
    """A BG95 session by the real writer: ATI, then (maybe) a registration 20 s later."""
    meta = SessionMeta(plugin="quectel-bg95", variant=None, port="/dev/ttyUSB0", started=start)
    writer = SessionWriter(path, meta, write_interval=0.005, sync_interval=0.02)
    writer.record_tx(b"ATI\r\n", t=start + 1)
    writer.record_rx(
        b"\r\nQuectel\r\nBG95-M3\r\nRevision: BG95M3LAR02A03\r\n\r\nOK\r\n", start + 1.2
    )
    if register:  # the live window records the decoded event next to the bytes
        writer.record_rx(REG, t=start + 20)
        fields = {"server": 123, "state": "registered", "code": 2, "state_string": "REG_READY"}
        event = Event("registration", 7, REG.decode().strip(), fields, timestamp=start + 20)
        writer.record_event(event, t=start + 20)
    writer.record_rx(b"\r\n+CSQ: 21,99\r\n", t=start + 30)
    writer.close()
    return path


def _folder() -> Path:
    folder = sessions.session_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _window() -> MainWindow:
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    window.resize(1200, 760)
    return window


def _registered(window: MainWindow) -> bool:
    state = window.context.state
    return state is not None and any(
        s.registration is not None and s.registration.value in REGISTERED_STATES
        for s in state.servers.values()
    )


def test_open_session_lists_the_sessions_folder(wb_loop: asyncio.AbstractEventLoop) -> None:
    folder = _folder()
    long_name = "20261203-101500-dev_serial_by-id_usb-u-blox_AG_LEXI-R10_cellular-if00.wbs"
    _record(folder / "old.wbs", start=T0, register=False)
    _record(folder / long_name, start=T0 + 7200, register=True)
    cut = _record(folder / "killed.wbs", start=T0 + 3600, register=True)
    with cut.open("r+b") as handle:  # a killed writer: the last record is cut short
        handle.truncate(cut.stat().st_size - 5)
    (folder / "garbage.wbs").write_bytes(b"not a session")
    window = _window()
    window.show()

    browser = window.open_session_dialog()
    assert isinstance(browser, SessionBrowser) and browser.isVisible()
    run(wb_loop, until(browser.loaded, what="the session list"))
    table = browser.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == list(COLUMNS)
    rows = [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]
    # Newest first; the full name is in the row (and its tooltip), never cut.
    assert [r[-1].split(" — ")[0] for r in rows] == [
        long_name,
        "killed.wbs",
        "old.wbs",
        "garbage.wbs",
    ]
    newest, killed, old, garbage = rows
    assert newest[0] == "quectel-bg95" and newest[2] == "0:30" and newest[3] == "yes"
    assert old[3] == "no" and old[4].endswith("B")
    assert killed[3] == "yes" and "killed" in killed[-1]
    assert garbage[3] == "—" and "not a session" in garbage[-1]
    assert long_name in table.item(0, 5).toolTip()
    shot(browser, "session_browser")

    # Sorting by a column works on its value, not its text.
    table.sortItems(4, Qt.SortOrder.AscendingOrder)
    assert table.item(0, 5).text().startswith("garbage.wbs")

    table.sortItems(1, Qt.SortOrder.DescendingOrder)
    table.selectRow(0)
    browser.open_selected()
    assert len(window.session_windows) == 1
    viewer = window.session_windows[0]
    assert viewer.windowTitle().startswith(long_name)
    assert viewer.replay_bar is not None
    close_window(wb_loop, viewer)
    close_window(wb_loop, window)


def test_replay_controls_play_pause_and_seek(wb_loop: asyncio.AbstractEventLoop) -> None:
    path = _record(_folder() / "reg.wbs", start=T0, register=True)
    window = _window()
    window.show()
    viewer = window.open_session_window(path)
    assert viewer is not None and viewer.replay_bar is not None
    bar = viewer.replay_bar
    viewer.pump()
    # Opened at its end, as before: registered, every line there.
    assert _registered(viewer)
    assert any("REG_READY" in x.text for x in viewer.terminal.model.lines())

    bar.seek(T0 + 10)  # before the registration
    viewer.pump()
    assert not _registered(viewer)
    assert not any("REG_READY" in x.text for x in viewer.terminal.model.lines())
    assert any("BG95-M3" in x.text for x in viewer.terminal.model.lines())
    assert bar.slider.value() == round(1000 * (10 - 1) / 29)

    bar.seek(T0 + 25)  # after it
    viewer.pump()
    assert _registered(viewer)

    # Play from before the registration at max speed: the window reaches the end.
    bar.seek(T0 + 5)
    bar.speed.setCurrentIndex(bar.speed.count() - 1)
    assert bar.speed.currentText() == "max"
    bar.play()
    assert bar.play_button.text().startswith("⏸")
    run(wb_loop, until(lambda: not bar.player.playing, what="the replay to finish"))
    viewer.pump()
    assert _registered(viewer) and bar.play_button.text().startswith("▶")

    # Pause holds the position: at 1× nothing moves once paused.
    bar.speed.setCurrentIndex(0)
    bar.seek(T0 + 5)
    bar.play()
    bar.pause()
    held = bar.player.position
    run(wb_loop, asyncio.sleep(0.5))
    assert bar.player.position == held and not _registered(viewer)

    # Clicking the timeline seeks (the timeline maps its x to session time).
    timeline = viewer.panels["timeline"]
    timeline.show_time(T0, T0 + 31)
    viewer.pump()
    bottom = timeline.view.viewRange()[1][0]
    scene = timeline.view.mapViewToScene(QPointF(T0 + 12 - timeline.origin, bottom + 0.1))
    where = timeline.plot_widget.mapFromScene(scene)
    QTest.mouseClick(timeline.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=where)
    viewer.pump()
    assert abs(bar.player.position - (T0 + 12)) < 1.0, bar.player.position - T0
    assert not _registered(viewer)
    bar.seek(T0 + 25)
    viewer.pump()
    marks = [i for i in timeline.view.childGroup.childItems() if isinstance(i, pg.InfiniteLine)]
    assert len(marks) == 1 and abs(marks[0].value() + timeline.origin - (T0 + 25)) < 1e-3
    # Forward from +12 s the same view went on (no rebuild): the panels show it all the same.
    assert _registered(viewer)
    run(wb_loop, asyncio.sleep(0.3))  # the panels' own coalescing timers (≤ 30 Hz)
    timeline.tick()
    assert timeline.count_label.text().startswith("1 event · "), timeline.count_label.text()
    summary = viewer.panels["module_state"].summary.text()
    assert summary.startswith("Registered"), summary
    shot(viewer, "session_window_replay")
    close_window(wb_loop, viewer)
    close_window(wb_loop, window)


def test_no_sessions_yet_says_so_and_rows_keep_the_selection(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    window = _window()
    window.show()
    browser = window.open_session_dialog()
    run(wb_loop, until(browser.loaded, what="the session list"))
    assert browser.table.rowCount() == 0 and not browser.open_button.isEnabled()
    assert "No recorded sessions" in browser.status.text()
    # Rows that arrive later (a big folder is read file by file) keep what the user selected.
    folder = _folder()
    first = summarize(_record(folder / "a.wbs", start=T0, register=False))
    browser.set_entries([first])
    second = summarize(_record(folder / "b.wbs", start=T0 + 60, register=True))
    browser.set_entries(newest_first([first, second]))
    assert browser.selected_path() == folder / "a.wbs"
    assert browser.table.item(0, 5).text() == "b.wbs"
    browser.reject()
    close_window(wb_loop, window)
