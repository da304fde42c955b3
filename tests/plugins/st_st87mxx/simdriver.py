"""In-process driver for the ST87 simulator (no pty): send a line, get the lines up to the final."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from plugins.st_st87mxx import PLUGINS
from workbench.plugin_api import Simulator

FINAL = re.compile(r"^(OK|ERROR|\+CME ERROR:.*)$")


class SimDriver:
    def __init__(self, server_url: str = "", **options: Any) -> None:
        self.sim: Simulator = PLUGINS[0].make_simulator(None, server_url, **options)
        self.out = bytearray()
        self.sim.set_output(self.out.extend)
        self._seen = 0

    async def __aenter__(self) -> SimDriver:
        await self.sim.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.sim.stop()

    def lines(self) -> list[str]:
        text = self.out.decode("utf-8", "replace")
        return [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]

    async def at(self, command: str, timeout: float = 3.0) -> list[str]:
        """Lines after the echo up to and including the final result."""
        start = len(self.lines())
        self.sim.receive((command + "\r\n").encode())
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            lines = self.lines()[start:]
            for index, line in enumerate(lines):
                if FINAL.match(line):
                    return [x for x in lines[: index + 1] if x != command]
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{command!r}: {lines}")
            await asyncio.sleep(0.01)

    async def wait_line(self, pattern: str, timeout: float = 5.0) -> str:
        regex = re.compile(pattern)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            lines = self.lines()
            for index in range(self._seen, len(lines)):
                if regex.search(lines[index]):
                    self._seen = index + 1
                    return lines[index]
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no {pattern!r} in {lines[self._seen :]}")
            await asyncio.sleep(0.01)
