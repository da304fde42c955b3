"""Drive a simulator in-process: type a command, collect the lines up to its final result."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from plugins.ublox_sara import PLUGINS
from workbench.plugin_api import Simulator

PLUGINS_BY_ID = {p.id: p for p in PLUGINS}
FINAL = re.compile(r"^(OK|ERROR|\+CME ERROR:.*)$")


class SimDriver:
    """A simulator plus the lines it printed, for asyncio tests."""

    def __init__(self, plugin_id: str, variant: str, server_url: str = "", **options: Any):
        self.sim: Simulator = PLUGINS_BY_ID[plugin_id].make_simulator(
            variant, server_url, **options
        )
        self.buffer = bytearray()
        self.sim.set_output(self.buffer.extend)
        self._seen = 0

    def lines(self) -> list[str]:
        text = self.buffer.decode("utf-8", "replace")
        return [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]

    async def at(self, command: str, timeout: float = 5.0, data: bytes | None = None) -> list[str]:
        """Lines after the echo up to and including the final result."""
        start = len(self.lines())
        self.sim.receive(command.encode() + b"\r")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        sent_data = False
        while loop.time() < deadline:
            lines = self.lines()[start:]
            if data is not None and not sent_data and any(x.strip() == ">" for x in lines):
                self.sim.receive(data)
                sent_data = True
            for index, line in enumerate(lines):
                if FINAL.match(line.strip()):
                    return (
                        lines[1 : index + 1]
                        if lines and lines[0] == command
                        else lines[: index + 1]
                    )
            await asyncio.sleep(0.01)
        raise TimeoutError(f"{command}: {self.lines()[start:]}")

    async def wait_line(self, pattern: str, timeout: float = 10.0) -> str:
        regex = re.compile(pattern)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for line in self.lines()[self._seen :]:
                self._seen += 1
                if regex.search(line):
                    return line
            await asyncio.sleep(0.02)
        raise TimeoutError(f"no line matching {pattern!r}: {self.lines()[-10:]}")
