"""Reading from a pyserial port in tests, as a terminal program would."""

from __future__ import annotations

import time

import serial


def read_until(port: serial.Serial, marker: bytes, timeout: float = 5.0) -> bytes:
    """Bytes read until ``marker`` arrives, the timeout passes, or the far end closes."""
    deadline = time.monotonic() + timeout
    data = b""
    while marker not in data and time.monotonic() < deadline:
        try:
            data += port.read(256)
        except serial.SerialException:  # the far end closed: keep what arrived before
            break
    return data
