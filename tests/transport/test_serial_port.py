"""SerialConnection: batched delivery to the loop, clear errors, nothing lost when a port dies."""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.fixtures.plugins_ok.example import PLUGINS
from workbench.transport.hosting import PtyHost
from workbench.transport.serial_port import PortError, SerialConnection

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX-only")


async def _until(predicate: object, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.01)


def test_missing_port_is_explained() -> None:
    async def scenario() -> None:
        conn = SerialConnection("/dev/no-such-tty", on_data=print, on_lost=print)
        with pytest.raises(PortError, match="does not exist"):
            conn.open()

    asyncio.run(scenario())


def test_round_trip_and_vanished_port_keeps_received_bytes() -> None:
    async def scenario() -> None:
        received = bytearray()
        lost: list[str] = []
        calls = [0]

        def on_data(data: bytes) -> None:
            calls[0] += 1
            received.extend(data)

        host = PtyHost(PLUGINS[0].make_simulator())
        await host.start()
        conn = SerialConnection(host.path, on_data=on_data, on_lost=lost.append)
        conn.open()
        try:
            for _ in range(50):
                conn.write(b"AT\r\n")
            await _until(lambda: received.count(b"OK\r\n") == 50)
            # Batched: far fewer deliveries than the 100+ lines that came back.
            assert calls[0] < 60
            before = bytes(received)
            await host.stop()  # the simulator is killed: the pty goes away
            await _until(lambda: bool(lost))
            assert "was lost" in lost[0]
            assert bytes(received).startswith(before)
            assert not conn.is_open
            with pytest.raises(PortError, match="not open"):
                conn.write(b"AT\r\n")
        finally:
            conn.close()
            await host.stop()

    asyncio.run(scenario())
