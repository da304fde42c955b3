"""The simulator hosts move bytes both ways over real ptys and TCP sockets, opened by pyserial."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import time

import pytest
import serial

from tests.fixtures.plugins_ok.example import PLUGINS
from tests.serial_helpers import read_until
from workbench.transport.hosting import PtyHost, TcpHost
from workbench.transport.loopthread import LoopThread

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX-only")


@pytest.fixture
def loop_thread() -> object:
    thread = LoopThread()
    yield thread
    thread.stop()


def test_pty_host_answers_at_and_survives_reopen(loop_thread: LoopThread) -> None:
    host = PtyHost(PLUGINS[0].make_simulator())
    loop_thread.run(host.start())
    try:
        with serial.Serial(host.path, 115200, timeout=0.1) as port:
            port.write(b"AT\r\n")
            assert b"OK\r\n" in read_until(port, b"OK\r\n")
        # A terminal program closes and reopens the port: the module is still there.
        with serial.Serial(host.path, 115200, timeout=0.1) as port:
            port.write(b"AT+CGMI\r\n")
            reply = read_until(port, b"OK\r\n")
            assert b"OK\r\n" in reply and b"AT+CGMI" in reply  # echo on by default
        # A terminal still holding the port when the host stops sees the line hang up.
        held = os.open(host.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        with contextlib.suppress(BlockingIOError):
            while os.read(held, 4096):  # drain anything still in flight
                pass
    finally:
        loop_thread.run(host.stop())
    try:
        # Linux says EIO once the master side is closed, other systems end of file; a host
        # that left the pty open would say "nothing yet" (EAGAIN) instead.
        try:
            assert os.read(held, 1) == b""
        except OSError as exc:
            assert exc.errno == errno.EIO, exc
    finally:
        os.close(held)


def test_pty_host_does_not_block_when_nobody_reads(loop_thread: LoopThread) -> None:
    simulator = PLUGINS[0].make_simulator()
    host = PtyHost(simulator)
    loop_thread.run(host.start())
    try:

        async def flood() -> float:
            start = time.monotonic()
            for _ in range(2000):
                simulator.send_urc("+XLWEVT: 1,0" + "x" * 500)  # type: ignore[attr-defined]
            await asyncio.sleep(0)
            return time.monotonic() - start

        assert loop_thread.run(flood()) < 5.0
        with serial.Serial(host.path, 115200, timeout=0.1) as port:
            port.reset_input_buffer()
            port.write(b"AT\r\n")
            assert b"OK" in read_until(port, b"OK\r\n", timeout=10)
    finally:
        loop_thread.run(host.stop())


def test_tcp_host_serves_one_host_at_a_time(loop_thread: LoopThread) -> None:
    host = TcpHost(PLUGINS[0].make_simulator(), "127.0.0.1", 0)
    loop_thread.run(host.start())
    try:
        url = f"socket://127.0.0.1:{host.port}"
        with serial.serial_for_url(url, timeout=0.1) as port:
            port.write(b"ATE0\r\n")
            assert b"OK" in read_until(port, b"OK\r\n")
            # pyserial's socket:// drops what arrives while it opens, so use a plain socket.
            with socket.create_connection(("127.0.0.1", host.port), timeout=3) as second:
                assert b"busy" in second.recv(200)
            port.write(b"AT\r\n")
            assert read_until(port, b"OK\r\n").strip().endswith(b"OK")
    finally:
        loop_thread.run(host.stop())
