"""Helpers: a running server on a free loopback port and fake devices registered to it.

The project runs asyncio tests with plain pytest: each test calls :func:`run` on a scenario
coroutine, and :func:`serving` gives a started server plus started devices inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import pytest

from tests.server.device import FakeDevice
from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.model import ObjectRegistry
from workbench.server import LwM2MServer, ServerConfig

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


@pytest.fixture(scope="session")
def registry() -> ObjectRegistry:
    return builtin_registry()


@contextlib.asynccontextmanager
async def serving(
    registry: ObjectRegistry, *devices: FakeDevice, config: ServerConfig | None = None, **kw: Any
) -> AsyncIterator[LwM2MServer]:
    srv = LwM2MServer(
        "127.0.0.1",
        0,
        registry,
        config=config or ServerConfig(request_timeout=3, expiry_grace=0),
        **kw,
    )
    await srv.start()
    try:
        for dev in devices:
            await dev.start()
        yield srv
    finally:
        for dev in devices:
            await dev.stop()
        await srv.stop()
