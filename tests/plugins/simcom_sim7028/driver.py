"""Drive a simulator in-process: type commands, collect lines, wait for finals and URCs.

The simulator is sans-I/O (bytes in through ``receive``, bytes out through a callback), so an
asyncio test can talk to it directly, next to a real :class:`LwM2MServer` on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

from workbench.plugin_api import Plugin, SimulatorBase
from workbench.server import LwM2MServer, ServerConfig

FINAL = re.compile(r"^(OK|ERROR|\+CME ERROR:.*)$")
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
    """Run a scenario on a fresh loop with an overall deadline."""

    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


class Driver:
    """Host side of one simulator: ``await at("AT+X")`` → lines up to the final result."""

    def __init__(self, sim: SimulatorBase) -> None:
        self.sim = sim
        self.received = bytearray()
        self.lines: list[str] = []
        self._partial = b""
        self._cursor = 0
        self._changed = asyncio.Event()
        sim.set_output(self._output)

    def _output(self, data: bytes) -> None:
        self.received += data
        self._partial += data
        *complete, self._partial = re.split(rb"\r\n|\n|\r", self._partial)
        self.lines.extend(raw.decode("utf-8", "replace") for raw in complete if raw.strip())
        self._changed.set()

    async def _wait_change(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), remaining)

    async def at(self, command: str, timeout: float = 10.0) -> list[str]:
        """Send ``command``; the lines after it up to and including its final result."""
        start = len(self.lines)
        self.sim.receive(command.encode() + b"\r")
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for index in range(start, len(self.lines)):
                if FINAL.match(self.lines[index].strip()):
                    self._cursor = index + 1
                    return self.lines[start : index + 1]
            try:
                await self._wait_change(deadline)
            except TimeoutError:
                raise TimeoutError(f"{command!r}: no final; got {self.lines[start:]}") from None

    async def wait_line(self, pattern: str, timeout: float = 10.0) -> str:
        """The next line (after the last final result or match) matching ``pattern``."""
        regex = re.compile(pattern)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for index in range(self._cursor, len(self.lines)):
                if regex.search(self.lines[index]):
                    self._cursor = index + 1
                    return self.lines[index]
            try:
                await self._wait_change(deadline)
            except TimeoutError:
                raise TimeoutError(f"no line matching {pattern!r}: {self.lines}") from None


@contextlib.asynccontextmanager
async def bench(plugin: Plugin, **options: Any) -> AsyncIterator[tuple[LwM2MServer, Driver]]:
    """A started server on a free loopback port and a started simulator talking to it."""
    server = LwM2MServer("127.0.0.1", 0, config=ServerConfig(request_timeout=5, expiry_grace=0))
    await server.start()
    url = f"coap://127.0.0.1:{server.address[1]}"
    sim = plugin.make_simulator(None, url, **options)
    assert isinstance(sim, SimulatorBase)
    driver = Driver(sim)
    await sim.start()
    try:
        yield server, driver
    finally:
        await sim.stop()
        await server.stop()
