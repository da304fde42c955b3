"""AtClient: asyncio send/result, URC subscribers, timeouts, cancellation, with a fake module."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from workbench.at.client import AtClient
from workbench.at.dialect import AtDialect
from workbench.at.types import ClassifiedLine, ResultStatus

T = TypeVar("T")


def run(factory: Callable[[], Awaitable[T]], timeout: float = 10.0) -> T:
    async def main() -> T:
        async with asyncio.timeout(timeout):
            return await factory()

    return asyncio.run(main())


class FakeModule:
    """Answers from a script: command text → response bytes (echo on)."""

    def __init__(self, script: dict[str, bytes]) -> None:
        self.script = script
        self.client: AtClient | None = None
        self.received: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.received.append(data)
        command = data.decode().strip()
        reply = self.script.get(command)
        if reply is not None:
            loop = asyncio.get_running_loop()
            assert self.client is not None
            loop.call_soon(self.client.feed, data + reply)


def make(script: dict[str, bytes], dialect: AtDialect | None = None) -> tuple[AtClient, FakeModule]:
    module = FakeModule(script)
    client = AtClient(module.write, dialect=dialect)
    module.client = client
    return client, module


def test_send_returns_result_with_response_lines() -> None:
    async def scenario() -> None:
        client, module = make({"AT+CGMI": b"\r\nu-blox\r\n\r\nOK\r\n"})
        result = await client.send("AT+CGMI", timeout=1)
        assert result.ok and result.texts == ["u-blox"]
        assert module.received == [b"AT+CGMI\r"]

    run(scenario)


def test_urc_subscribers_and_line_subscribers() -> None:
    async def scenario() -> None:
        client, _ = make(
            {"AT+X?": b"\r\n+X: 1\r\n\r\n+UURC: 5\r\n\r\nOK\r\n"},
            AtDialect(urc_prefixes=("+UURC:",)),
        )
        urcs: list[ClassifiedLine] = []
        every: list[ClassifiedLine] = []
        unsubscribe = client.subscribe_urcs(urcs.append)
        client.subscribe_lines(every.append)
        client.subscribe_lines(lambda line: 1 / 0)  # a broken subscriber is contained
        result = await client.send("AT+X?", timeout=1)
        assert result.texts == ["+X: 1"]
        assert [u.text for u in urcs] == ["+UURC: 5"]
        assert [str(line.kind) for line in every] == ["echo", "info", "urc", "final"]
        unsubscribe()
        client.feed(b"\r\n+UURC: 6\r\n")
        assert len(urcs) == 1

    run(scenario)


def test_timeout_gives_timeout_result_and_queue_moves_on() -> None:
    async def scenario() -> None:
        client, _ = make({"AT": b"\r\nOK\r\n"})
        slow, fast = await asyncio.gather(
            client.send("AT+NEVER", timeout=0.05), client.send("AT", timeout=1)
        )
        assert slow.status is ResultStatus.TIMEOUT
        assert fast.ok

    run(scenario)


def test_cancelled_send_frees_the_engine() -> None:
    async def scenario() -> None:
        client, _ = make({"AT": b"\r\nOK\r\n"})
        task = asyncio.create_task(client.send("AT+NEVER", timeout=None))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await client.send("AT", timeout=1)).ok

    run(scenario)


def test_reboot_mid_command_aborts() -> None:
    async def scenario() -> None:
        client, _ = make({"AT+REG": b"\r\nRDY\r\n"}, AtDialect(boot_urcs=("RDY",)))
        result = await client.send("AT+REG", timeout=1)
        assert result.status is ResultStatus.ABORTED

    run(scenario)


def test_close_aborts_pending_and_refuses_new_sends() -> None:
    async def scenario() -> None:
        client, _ = make({})
        task = asyncio.create_task(client.send("AT+NEVER", timeout=None))
        await asyncio.sleep(0.01)
        await client.close()
        assert (await task).status is ResultStatus.ABORTED
        with pytest.raises(RuntimeError):
            await client.send("AT")

    run(scenario)


def test_failing_transport_write_is_contained() -> None:
    async def scenario() -> None:
        def broken(data: bytes) -> None:
            raise OSError("port gone")

        client = AtClient(broken)
        result = await client.send("AT", timeout=0.05)
        assert result.status is ResultStatus.TIMEOUT

    run(scenario)
