"""A burst into the real window over a real pty, and the port killed in the middle of it:
every byte the port delivered reaches the terminal and the session file, lines and decoded
events in order (issue 17: decoding in slices, events encoded by the session's flusher)."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from tests.gui.wb_helpers import main_window, run, shot, until
from workbench.session import SessionReader
from workbench.transport.serial_port import PortSettings

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals need POSIX")

LINES = [
    b'+QLWURC: "event",100,2,"REG_READY"',
    b'+QLWURC: "report",3303,0,5700,1',
    b"+CESQ: 99,99,255,255,28,55",
    b'+QLWURC: "observe",0,0,3303,0,5700',
    b"OK",
]


def test_a_port_killed_mid_burst_keeps_every_byte(wb_loop: asyncio.AbstractEventLoop) -> None:
    import termios
    import tty

    window = main_window(record=True)
    window.show()
    master, slave = os.openpty()
    tty.setraw(slave, termios.TCSANOW)
    block = b"".join(line + b"\r\n" for line in LINES) * 40  # ~5 KB of whole lines
    blocks = 300  # ~1.5 MB, as fast as the reader takes it

    def burst_then_kill() -> None:
        for _ in range(blocks):
            os.write(master, block)
        os.close(master)  # the port dies with the burst still in flight

    async def body() -> None:
        window.context.set_plugin(window.context.plugins.get("quectel-bg95"))
        conn = window.open_port(os.ttyname(slave), PortSettings())
        assert conn is not None and conn.status == "open"
        shown_at_loss: list[int] = []
        model = window.terminal.model
        conn.subscribe_status(
            lambda status, _: shown_at_loss.append(model.rowCount()) if status == "lost" else None
        )
        writer = threading.Thread(target=burst_then_kill, daemon=True)
        writer.start()
        try:
            await until(lambda: conn.status == "lost", 30, "the port lost")
            # The view was still behind when the port died; it catches up with every line.
            await until(
                lambda: model.rowCount() and model.lines()[-1].seq == conn.history[-1].seq,
                30,
                "the terminal caught up",
            )
            assert shown_at_loss and shown_at_loss[0] < model.rowCount()
        finally:
            await window.shutdown()
            writer.join(10)
            os.close(slave)

    run(wb_loop, body(), timeout=90)
    conn = window.context.connection
    assert conn is not None and window.session_path is not None
    with SessionReader(window.session_path) as reader:
        recorded = reader.serial_bytes("rx")
        events = list(reader.events())
    window._closed_for_real = True
    window.close()

    assert len(recorded) == conn.bytes_in  # every delivered byte is in the session file
    whole = recorded[: recorded.rfind(b"\n") + 1]  # a torn last line never completed
    shown = [line for line in window.terminal.model.lines() if line.direction == "rx"]
    assert [line.raw for line in shown] == whole.split(b"\r\n")[:-1]
    assert window.terminal.model.rx_bytes == len(whole) - 2 * whole.count(b"\r\n")
    decoded = [event for line in shown for event in line.events]
    assert len(decoded) > 1000
    assert [(e.line, e.kind) for e in events] == [(e.line, e.kind) for e in decoded]


def test_the_status_bar_says_when_decoding_is_behind(wb_loop: asyncio.AbstractEventLoop) -> None:
    """A burst faster than the window decodes: the status bar says how far behind it is (and
    that nothing is lost) while it catches up, and says nothing once it has."""
    import termios
    import tty

    window = main_window(record=False)
    window.show()
    master, slave = os.openpty()
    tty.setraw(slave, termios.TCSANOW)
    block = b"".join(line + b"\r\n" for line in LINES) * 40

    async def body() -> None:
        window.context.set_plugin(window.context.plugins.get("quectel-bg95"))
        conn = window.open_port(os.ttyname(slave), PortSettings())
        assert conn is not None and conn.status == "open"
        label = window.status_behind
        try:
            assert not label.isVisible()
            # As the reader thread hands a burst over: ~1.5 MB queued at once.
            for _ in range(300):
                conn._on_data(block)
            window._behind_checked = 0.0
            window.pump()
            assert label.isVisible(), label.text()
            assert "MB behind the port" in label.text() and "nothing is lost" in label.text()
            assert "session file" in label.toolTip()
            shot(window.statusBar(), "status_bar_decoding_behind")
            await until(lambda: conn.backlog_bytes == 0, 60, "decoding caught up")
            window.pump()
            assert not label.isVisible()
        finally:
            await window.shutdown()
            os.close(master)
            os.close(slave)

    run(wb_loop, body(), timeout=90)
    window._closed_for_real = True
    window.close()
