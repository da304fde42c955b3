"""Observer: each observation is followed by one task (aiocoap's async for), none is left over."""

from __future__ import annotations

import asyncio

import pytest

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server import RequestTimeoutError, ServerConfig


async def _settle() -> None:
    """A cancelled task ends, and its done callback runs, a few loop turns later."""
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_follower_runs_per_observation_and_ends_with_it(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev) as server:
            await dev.register(server.address)
            followers = server.observer._tasks
            obs = await server.observe("dev-1", "/3/0/9")
            assert len(followers) == 1
            dev.values[Path.of(3, 0, 9)] = 40
            dev.notify()
            assert (await obs.next(2)).result.values == {Path.of(3, 0, 9): 40}
            await server.cancel_observation("dev-1", "/3/0/9", active=False)
            await _settle()
            assert len(followers) == 0

    run(scenario())


def test_an_observe_without_answer_leaves_no_follower(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        config = ServerConfig(request_timeout=0.3, expiry_grace=0)
        async with serving(registry, dev, config=config) as server:
            await dev.register(server.address)
            dev.silent = True
            with pytest.raises(RequestTimeoutError):
                await server.observe("dev-1", "/3/0/9")
            await _settle()
            assert len(server.observer._tasks) == 0
            assert server.observations == []

    run(scenario())
