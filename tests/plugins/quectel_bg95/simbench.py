"""In-process bench for the Quectel simulator: a real server, the simulator, a line collector.

Lighter than the pty harness (no thread, no serial port), so the dialogue and bad-input tests
stay fast; the pty path is covered by the end-to-end test.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from plugins.quectel_bg95 import PLUGINS
from plugins.quectel_bg95.simulator import QuectelSimulator
from workbench.server import BootstrapConfig, LwM2MServer

FINAL = re.compile(r"^(OK|ERROR|\+CME ERROR:.*)$")


class SimBench:
    """Collects the simulator's output as lines; ``cmd`` sends one command line."""

    def __init__(self, server: LwM2MServer, sim: QuectelSimulator) -> None:
        self.server = server
        self.sim = sim
        self.url = f"coap://127.0.0.1:{server.address[1]}"
        self.raw = bytearray()
        self._pending = b""
        self.lines: list[str] = []
        self.cursor = 0
        self._changed = asyncio.Event()

    def feed(self, data: bytes) -> None:
        self.raw += data
        self._pending += data
        *complete, self._pending = re.split(rb"\r\n|\n|\r", self._pending)
        self.lines.extend(c.decode("utf-8", "replace") for c in complete if c.strip())
        self._changed.set()

    async def wait_lines(self, count: int, timeout: float = 10.0) -> list[str]:
        """The next ``count`` lines after the cursor (fewer if the timeout passes)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.lines) - self.cursor < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                break
        got = self.lines[self.cursor : self.cursor + count]
        self.cursor += len(got)
        return got

    async def wait_for(self, pattern: str, timeout: float = 10.0) -> str:
        regex = re.compile(pattern)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index in range(self.cursor, len(self.lines)):
                if regex.search(self.lines[index]):
                    self.cursor = index + 1
                    return self.lines[index]
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no line matching {pattern!r}; got {self.lines[self.cursor :]}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    async def cmd(self, text: str, timeout: float = 5.0) -> list[str]:
        """Send ``text``; the lines up to and including the final result (echo included)."""
        self.sim.receive(text.encode() + b"\r")
        out: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            got = await self.wait_lines(1, max(0.0, deadline - loop.time()))
            if not got:
                raise TimeoutError(f"{text!r}: no final result; got {out}")
            out.extend(got)
            if FINAL.match(got[0].strip()):
                return out


def bootstrap_config(dm_url: str, short_id: int = 123) -> BootstrapConfig:
    """What the §4.2.1 bootstrap server provisions: one server, short ID 123."""
    return BootstrapConfig.from_json(
        {
            "endpoints": {
                "*": {
                    "servers": [
                        {"short_id": short_id, "lifetime": 300, "binding": "U", "uri": dm_url}
                    ],
                    "security": [
                        {
                            "instance": 1,
                            "uri": dm_url,
                            "bootstrap": False,
                            "mode": 3,
                            "short_id": short_id,
                        }
                    ],
                }
            }
        }
    )


@asynccontextmanager
async def sim_bench(
    plugin_id: str = "quectel-bg95",
    variant: str | None = None,
    *,
    server_url: str | None = None,
    bootstrap: bool = False,
    **options: Any,
) -> AsyncIterator[SimBench]:
    """A started server (optionally also a bootstrap server) and a started simulator."""
    server = LwM2MServer("127.0.0.1", 0)
    await server.start()
    url = f"coap://127.0.0.1:{server.address[1]}"
    if bootstrap:
        server.bootstrap_config = bootstrap_config(url)
    plugin = next(p for p in PLUGINS if p.id == plugin_id)
    options.setdefault("retry_attempts", 2)
    options.setdefault("ack_timeout", 0.5)
    options.setdefault("request_timeout", 3.0)
    sim = plugin.make_simulator(variant, url if server_url is None else server_url, **options)
    assert isinstance(sim, QuectelSimulator)
    bench = SimBench(server, sim)
    sim.set_output(bench.feed)
    await sim.start()
    try:
        yield bench
    finally:
        await sim.stop()
        await server.stop()
