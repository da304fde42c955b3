"""Serve a simulated module's AT interface on a pty, a TCP port or stdio, from asyncio.

The simulator is sans-I/O (bytes in via ``receive``, bytes out via its output callback); these
classes only move bytes. Writes never block the loop: output is queued and flushed when the
file descriptor is writable, and a reader that stops reading loses the oldest bytes beyond
:data:`MAX_PENDING` (with a warning) instead of stalling the simulated module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from types import TracebackType
from typing import Self

from workbench.sim.base import Simulator

_log = logging.getLogger(__name__)

#: Bytes kept for a host that does not read; beyond this the oldest are dropped.
MAX_PENDING = 4 * 1024 * 1024


class _FdWriter:
    """Non-blocking writes to a file descriptor through the loop's writer callbacks."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        self._loop = loop
        self._fd = fd
        self._pending = bytearray()
        self._watching = False
        self.dropped = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        self._pending += data
        if len(self._pending) > MAX_PENDING:
            excess = len(self._pending) - MAX_PENDING
            del self._pending[:excess]
            self.dropped += excess
            _log.warning("host is not reading; dropped %d bytes of module output", excess)
        self._flush()

    def _flush(self) -> None:
        while self._pending and not self.closed:
            try:
                written = os.write(self._fd, self._pending)
            except BlockingIOError:
                break
            except OSError as exc:
                _log.info("output closed: %s", exc)
                self.close()
                return
            del self._pending[:written]
        if self._pending and not self._watching:
            self._loop.add_writer(self._fd, self._flush)
            self._watching = True
        elif not self._pending and self._watching:
            self._loop.remove_writer(self._fd)
            self._watching = False

    def close(self) -> None:
        if self._watching:
            self._loop.remove_writer(self._fd)
            self._watching = False
        self.closed = True


class PtyHost:
    """A simulator behind a pseudo-terminal: any terminal program or pyserial opens :attr:`path`.

    The host keeps its own handle on the slave side, so a terminal program may close and reopen
    the port (as users do) without the module seeing a hang-up.
    """

    def __init__(self, simulator: Simulator) -> None:
        if sys.platform == "win32":  # pragma: no cover - POSIX only
            raise OSError("pseudo-terminals need a POSIX system; use --tcp on Windows")
        self.simulator = simulator
        self.path = ""
        self._master = -1
        self._slave = -1
        self._writer: _FdWriter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        import termios
        import tty

        self._loop = asyncio.get_running_loop()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave, termios.TCSANOW)
        self.path = os.ttyname(self._slave)
        os.set_blocking(self._master, False)
        self._writer = _FdWriter(self._loop, self._master)
        self.simulator.set_output(self._writer.write)
        self._loop.add_reader(self._master, self._on_readable)
        await self.simulator.start()

    def _on_readable(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO: no process has the slave open; ours keeps it open
            _log.debug("pty read: %s", exc)
            return
        if data:
            self.simulator.receive(data)

    async def stop(self) -> None:
        await self.simulator.stop()
        if self._loop is not None and self._master >= 0:
            self._loop.remove_reader(self._master)
        if self._writer is not None:
            self._writer.close()
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


class TcpHost:
    """A simulator behind a TCP port (pyserial's ``socket://H:P`` opens it).

    One host connection at a time, like a UART; a second connection is told so and closed.
    While nobody is connected the module's output is kept (up to :data:`MAX_PENDING`) and
    delivered to the next connection.
    """

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._backlog = bytearray()

    async def start(self) -> None:
        self.simulator.set_output(self._output)
        self._server = await asyncio.start_server(self._on_client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        await self.simulator.start()

    def _output(self, data: bytes) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(data)
            return
        self._backlog += data
        if len(self._backlog) > MAX_PENDING:
            del self._backlog[: len(self._backlog) - MAX_PENDING]

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None and not self._writer.is_closing():
            writer.write(b"\r\nbusy: another host is connected to this simulated module\r\n")
            writer.close()
            return
        self._writer = writer
        if self._backlog:
            writer.write(bytes(self._backlog))
            self._backlog.clear()
        try:
            while data := await reader.read(65536):
                self.simulator.receive(data)
        except (ConnectionError, OSError) as exc:
            _log.info("host connection lost: %s", exc)
        finally:
            if self._writer is writer:
                self._writer = None
            writer.close()

    async def stop(self) -> None:
        await self.simulator.stop()
        if self._writer is not None:
            self._writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class StdioHost:
    """A simulator on this process's stdin/stdout (for pipes and ``socat``)."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.eof = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: _FdWriter | None = None
        self._in = sys.stdin.fileno()
        self._out = sys.stdout.fileno()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        os.set_blocking(self._out, False)
        self._writer = _FdWriter(self._loop, self._out)
        self.simulator.set_output(self._writer.write)
        os.set_blocking(self._in, False)
        self._loop.add_reader(self._in, self._on_readable)
        await self.simulator.start()

    def _on_readable(self) -> None:
        try:
            data = os.read(self._in, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            assert self._loop is not None
            self._loop.remove_reader(self._in)
            self.eof.set()
            return
        self.simulator.receive(data)

    async def stop(self) -> None:
        await self.simulator.stop()
        if self._loop is not None:
            self._loop.remove_reader(self._in)
        if self._writer is not None:
            self._writer.close()
