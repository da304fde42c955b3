"""Waiting on the running asyncio loop in tests (headless and GUI alike)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(check: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Wait (letting the loop — and Qt under qasync — run) until ``check()`` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.02)
