"""A pyserial port read by its own thread and handed to an asyncio loop in batches.

pyserial has no asyncio API that works everywhere (ECOSYSTEM.md: pyserial-asyncio polls on
Windows and cannot wrap URL handlers), so each open port gets one reader thread doing blocking
``read(timeout)``. Bytes go to the loop with ``call_soon_threadsafe`` at most every
:data:`BATCH_SECONDS`, never per byte. A port that vanishes (adapter unplugged, simulator
killed) ends the thread with a clear reason; every byte received before stays delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import serial

#: How long the reader collects bytes before handing a batch to the loop.
BATCH_SECONDS = 0.01


@dataclass(frozen=True, slots=True)
class PortSettings:
    """What the connection bar lets a user choose; defaults suit every module in scope."""

    baudrate: int = 115200
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    rtscts: bool = False
    xonxoff: bool = False


class PortError(Exception):
    """Opening or using a port failed; the message is for the user as it is."""


def explain_open_error(url: str, exc: BaseException) -> str:
    """Turn pyserial's open errors into what the user should do."""
    # Judge by errno first: the message repeats the port's name, which may contain any word.
    code = getattr(exc, "errno", None)
    busy = f"{url} is busy: another program (a terminal, ModemManager?) has it open"
    missing = f"{url} does not exist (unplugged? a different name after re-plugging?)"
    denied = f"no permission to open {url} (on Linux: add yourself to the dialout group)"
    by_errno = {errno.EBUSY: busy, errno.ENOENT: missing, errno.EACCES: denied}
    if code in by_errno:
        return by_errno[code]
    text = str(exc).replace(url, "<port>")
    if "Could not exclusively lock" in text or "busy" in text.lower():
        return busy
    if "No such file" in text or "could not open port" in text.lower():
        return missing
    if "Permission denied" in text:
        return denied
    text = str(exc)
    return f"cannot open {url}: {text}"


class SerialConnection:
    """Owns one pyserial port: a reader thread feeding ``on_data`` on the loop, and writes."""

    def __init__(
        self,
        url: str,
        settings: PortSettings | None = None,
        *,
        on_data: Callable[[bytes], None],
        on_lost: Callable[[str], None],
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.url = url
        self.settings = settings or PortSettings()
        self._on_data = on_data
        self._on_lost = on_lost
        self._loop = loop
        self._port: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._write_lock = threading.Lock()
        self.bytes_in = 0
        self.bytes_out = 0

    @property
    def is_open(self) -> bool:
        return self._port is not None and not self._stopping.is_set()

    def open(self) -> None:
        """Open the port (raises :class:`PortError` with an explanation) and start reading."""
        from workbench.transport import register_url_handlers

        register_url_handlers()
        loop = self._loop or asyncio.get_running_loop()
        self._loop = loop
        s = self.settings
        try:
            self._port = serial.serial_for_url(
                self.url,
                baudrate=s.baudrate,
                bytesize=s.bytesize,
                parity=s.parity,
                stopbits=s.stopbits,
                rtscts=s.rtscts,
                xonxoff=s.xonxoff,
                timeout=BATCH_SECONDS,
                exclusive=True if "://" not in self.url else None,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortError(explain_open_error(self.url, exc)) from exc
        self._stopping.clear()
        self._thread = threading.Thread(target=self._read_loop, name=f"serial:{self.url}")
        self._thread.daemon = True
        self._thread.start()

    def _read_loop(self) -> None:
        port = self._port
        loop = self._loop
        assert port is not None and loop is not None
        batch = bytearray()
        deadline = time.monotonic() + BATCH_SECONDS
        reason = ""
        while not self._stopping.is_set():
            try:
                chunk = port.read(max(1, min(65536, port.in_waiting or 1)))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                reason = f"{self.url} was lost: {exc or 'device disconnected'}"
                break
            if chunk:
                batch += chunk
            now = time.monotonic()
            if batch and (now >= deadline or len(batch) >= 65536):
                self._deliver(bytes(batch))
                batch.clear()
                deadline = now + BATCH_SECONDS
            elif not batch:
                deadline = now + BATCH_SECONDS
        if batch:
            self._deliver(bytes(batch))
        if reason:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._lost, reason)

    def _deliver(self, data: bytes) -> None:
        assert self._loop is not None
        self.bytes_in += len(data)
        with contextlib.suppress(RuntimeError):  # the loop closed under us at shutdown
            self._loop.call_soon_threadsafe(self._on_data, data)

    def _lost(self, reason: str) -> None:
        self._close_port()
        self._on_lost(reason)

    def write(self, data: bytes) -> None:
        """Write to the port; a vanished port reports through ``on_lost``, not an exception."""
        if self._port is None:
            raise PortError(f"{self.url} is not open")
        try:
            with self._write_lock:
                self._port.write(data)
            self.bytes_out += len(data)
        except (serial.SerialException, OSError) as exc:
            self._lost(f"{self.url} was lost while writing: {exc}")

    def _close_port(self) -> None:
        self._stopping.set()
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def close(self) -> None:
        """Stop the reader and close the port (idempotent)."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._close_port()
