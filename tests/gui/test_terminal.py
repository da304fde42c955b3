"""The terminal panel: rows, colours, hex/timestamps, find, trimming, history, completion, send."""

from __future__ import annotations

import asyncio
import time

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from tests.gui.wb_helpers import run, shot, until
from workbench.app.connection import ModuleConnection, TerminalLine
from workbench.gui.context import WorkbenchContext
from workbench.gui.panels.terminal import (
    HistoryLineEdit,
    LineRole,
    TerminalModel,
    TerminalPanel,
    describe_events,
    template_completions,
)
from workbench.module.events import Event
from workbench.plugin.loader import discover_plugins
from workbench.transport.hosting import PtyHost


def _line(
    seq: int, direction: str = "rx", text: str = "OK", kind: str = "final", **kw: object
) -> TerminalLine:
    raw = text.encode() + (b"\r" if direction == "tx" else b"")
    return TerminalLine(seq, direction, text, raw, time.time(), kind, **kw)  # type: ignore[arg-type]


def _sample() -> list[TerminalLine]:
    reg = Event(
        "registration",
        4,
        '+QLWURC: "event",100,2,"REG_READY"',
        {"server": 100, "state": "registered", "code": 2},
    )
    err = Event("error", 6, "+CME ERROR: 50", {"text": "Incorrect parameters", "code": 50})
    return [
        _line(1, "note", "opened /dev/ttyUSB0", "note"),
        _line(2, "tx", 'AT+QLWSVC="reg"', "tx"),
        _line(3, "rx", "OK", "final"),
        _line(4, "rx", '+QLWURC: "event",100,2,"REG_READY"', "urc", events=(reg,)),
        _line(5, "tx", 'AT+QLWCFG="bogus"', "tx"),
        _line(6, "rx", "+CME ERROR: 50", "final", events=(err,), failed=True),
        _line(7, "rx", "+CSQ: 24,99", "info", command="AT+CSQ"),
    ]


def test_model_rows_colours_tooltips_and_options(wb_app: QApplication) -> None:
    model = TerminalModel()
    model.append(_sample())
    assert model.rowCount() == 7
    assert model.rx_bytes == sum(len(x.raw) for x in _sample() if x.direction == "rx")
    display = model.data(model.index(1, 0), Qt.ItemDataRole.DisplayRole)
    assert display.endswith('→ AT+QLWSVC="reg"') and display.lstrip().startswith("2 ")
    fg = {row: model.data(model.index(row, 0), Qt.ItemDataRole.ForegroundRole) for row in range(7)}
    assert fg[1] != fg[2] and fg[3] != fg[2] and fg[5] != fg[2]  # tx, urc, error differ from OK
    assert isinstance(fg[5], QColor)
    tip = model.data(model.index(3, 0), Qt.ItemDataRole.ToolTipRole)
    assert "registration: server=100, state=registered, code=2" in tip
    assert "line 4" in tip
    assert model.data(model.index(6, 0), LineRole).command == "AT+CSQ"
    model.set_view_options(show_time=False, hex_view=True)
    assert model.data(model.index(2, 0), Qt.ItemDataRole.DisplayRole) == "← 4F 4B"
    assert model.row_of(6) == 5 and model.row_of(99) is None
    assert model.find("cme", start=-1) == 5
    assert model.find("ok", start=5) == 2  # wraps around
    assert model.find("AT+", start=5, backwards=True) == 4


def test_model_trims_oldest_rows_with_a_count(wb_app: QApplication) -> None:
    model = TerminalModel(max_lines=100)
    trimmed: list[int] = []
    model.trimmed_changed.connect(trimmed.append)
    model.append([_line(i) for i in range(1, 151)])
    assert model.rowCount() <= 100
    assert model.trimmed == 150 - model.rowCount() and trimmed[-1] == model.trimmed
    assert model.line_at(0).seq == model.trimmed + 1
    assert model.row_of(model.trimmed + 1) == 0 and model.row_of(1) is None
    model.append([_line(i) for i in range(151, 400)])
    assert model.line_at(model.rowCount() - 1).seq == 399


def test_lines_the_window_never_got_to_count_as_trimmed(wb_app: QApplication) -> None:
    """A window more than a history's worth behind its port gets only the newest lines (the
    connection's queue keeps that many); the gap in line numbers is counted, not hidden."""
    conn = ModuleConnection("loop://", history=5)
    model = TerminalModel(max_lines=100)
    trimmed: list[int] = []
    model.trimmed_changed.connect(trimmed.append)
    for _ in range(3):
        conn.note("shown")
    model.append(conn.drain())
    for _ in range(12):  # the window is busy: 12 lines arrive, the queue keeps 5
        conn.note("busy")
    model.append(conn.drain())
    assert model.rowCount() == 8
    assert model.trimmed == 7 and trimmed[-1] == 7
    assert [model.line_at(r).seq for r in range(model.rowCount())] == [1, 2, 3, 11, 12, 13, 14, 15]


def test_describe_events_and_completions() -> None:
    plugin = discover_plugins().get("quectel-bg95")
    items = template_completions(plugin.templates_for(None))
    assert "AT+CGMM" in items and any(i.startswith("AT+QLWCFG=") for i in items)
    assert describe_events(_line(3)) == "line 3 · final"


def test_history_walks_and_persists(wb_app: QApplication) -> None:
    edit = HistoryLineEdit()
    edit.remember("AT")
    edit.remember("AT+CGMM")
    edit.setText("draft")
    edit._walk(-1)
    assert edit.text() == "AT+CGMM"
    edit._walk(-1)
    assert edit.text() == "AT"
    edit._walk(+1)
    edit._walk(+1)
    assert edit.text() == "draft"
    again = HistoryLineEdit()
    assert again.history == ["AT", "AT+CGMM"]
    assert QSettings().value("terminal/history") == ["AT", "AT+CGMM"]


def test_panel_talks_to_a_simulated_module(
    wb_loop: asyncio.AbstractEventLoop, qtbot: object
) -> None:
    plugins = discover_plugins()
    plugin = plugins.get("quectel-bg95")
    context = WorkbenchContext(plugins)
    context.set_plugin(plugin)
    panel = TerminalPanel(context)
    panel.resize(900, 420)
    panel.show()

    async def body() -> None:
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        conn = ModuleConnection(host.path, plugin)
        try:
            conn.open()
            context.set_connection(conn)

            def pump() -> bool:
                lines = conn.drain()
                if lines:
                    context.lines_appended.emit(lines)
                return True

            panel.line_ending.setCurrentText("CRLF")
            assert conn.line_ending == b"\r\n"
            for done, command in enumerate(("ATI", "AT+CGMM", 'AT+QLWCFG="bogus"'), start=1):
                panel.input.setText(command)
                panel.send_input()

                def finished(done: int = done) -> bool:
                    pump()
                    return sum(x.kind == "final" for x in panel.model.lines()) >= done

                await until(finished, what=command)
            assert panel.input.history[-3:] == ["ATI", "AT+CGMM", 'AT+QLWCFG="bogus"']
            # The completer offers the plugin's templates.
            assert "AT+CGMM" in panel.completer.model().stringList()
            # Find moves the selection.
            panel.show_find()
            panel.find_bar.edit.setText("BG95")
            row = panel.find_next()
            assert row is not None and "BG95" in panel.model.line_at(row).text
            assert panel.view.currentIndex().row() == row
            shot(panel, "terminal")
            panel.hex.setChecked(True)
            shot(panel, "terminal_hex")
            panel.hex.setChecked(False)
            # Copy as text.
            panel.view.selectAll()
            text = panel.view.selected_text()
            assert "AT+CGMM" in text and text.count("\n") == panel.model.rowCount() - 1
            panel.view.copy_selection()
            assert QApplication.clipboard().text() == text
            # show_line highlights and selects.
            tx = next(x for x in panel.model.lines() if x.direction == "tx")
            assert panel.show_line(tx.seq)
            assert panel.model.highlight_seq == tx.seq
        finally:
            await conn.close()
            await host.stop()
        tx_lines = [x for x in conn.history if x.direction == "tx"]
        assert all(x.raw.endswith(b"\r\n") for x in tx_lines)
        failed = [x for x in conn.history if x.failed]
        assert failed, "the bogus command should end in an error line"

    run(wb_loop, body())


def test_send_without_a_port_explains(wb_loop: asyncio.AbstractEventLoop) -> None:
    context = WorkbenchContext(discover_plugins())
    panel = TerminalPanel(context)
    messages: list[tuple[str, str]] = []
    context.message.connect(lambda level, text: messages.append((level, text)))
    panel.input.setText("AT")
    panel.send_input()

    async def body() -> None:
        await until(lambda: bool(messages))

    run(wb_loop, body())
    assert messages[0][0] == "warning" and "No port is open" in messages[0][1]


@pytest.mark.parametrize("dark", [False, True])
def test_colours_follow_the_palette(wb_app: QApplication, dark: bool) -> None:
    from PySide6.QtGui import QPalette

    from workbench.gui.theme import colours, is_dark

    palette = QPalette()
    if dark:  # what a dark desktop theme hands the application
        for role, colour in (
            (QPalette.ColorRole.Window, "#2b2b2b"),
            (QPalette.ColorRole.WindowText, "#e8e8e8"),
            (QPalette.ColorRole.Base, "#1e1e1e"),
            (QPalette.ColorRole.AlternateBase, "#262626"),
            (QPalette.ColorRole.Text, "#eeeeee"),
            (QPalette.ColorRole.Button, "#3a3a3a"),
            (QPalette.ColorRole.ButtonText, "#e8e8e8"),
            (QPalette.ColorRole.PlaceholderText, "#8a8a8a"),
        ):
            palette.setColor(role, QColor(colour))
    else:
        palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
        palette.setColor(QPalette.ColorRole.Text, QColor("#111111"))
    old = QApplication.palette()
    QApplication.setPalette(palette)
    try:
        assert is_dark() is dark
        c = colours()
        base = palette.color(QPalette.ColorRole.Base)
        # Every foreground stays readable on the base colour.
        for colour in (c.tx, c.urc, c.error, c.response, c.note):
            assert abs(colour.lightnessF() - base.lightnessF()) > 0.3, colour.name()
        model = TerminalModel()
        model.append(_sample())
        context = WorkbenchContext(discover_plugins())
        panel = TerminalPanel(context)
        panel.append_lines(_sample())
        panel.resize(700, 240)
        shot(panel, f"terminal_{'dark' if dark else 'light'}")
    finally:
        QApplication.setPalette(old)
