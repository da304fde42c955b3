"""Command sequences: the .atseq format, and running sequences against a simulated module."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from tests.plugin_fixtures import PLUGINS_OK
from workbench.app.sequences import (
    CommandSequence,
    CommentStep,
    DelayStep,
    Expect,
    Outcome,
    ReceivedLine,
    SendStep,
    SequenceError,
    SequenceRunner,
    WaitStep,
    format_step,
    parse_step,
    parse_time,
    run_sequence,
)
from workbench.at.client import AtClient
from workbench.at.types import CommandResult
from workbench.plugin.loader import discover_plugins
from workbench.plugin_api import Plugin
from workbench.sim.base import Simulator

T = TypeVar("T")


def run(factory: Callable[[], Awaitable[T]], timeout: float = 10.0) -> T:
    async def main() -> T:
        async with asyncio.timeout(timeout):
            return await factory()

    return asyncio.run(main())


def example_plugin() -> Plugin:
    registry = discover_plugins(
        bundled=False, entry_points=False, user=False, extra_dirs=[PLUGINS_OK]
    )
    return registry.get("example")


@asynccontextmanager
async def simulated(plugin: Plugin, variant: str | None = None) -> AsyncIterator[AtClient]:
    """An AtClient wired to the plugin's in-process simulator; bytes hop through the loop in
    both directions, as they would through a port."""
    loop = asyncio.get_running_loop()
    simulator: Simulator = plugin.make_simulator(variant, "coap://127.0.0.1:5683")
    client = AtClient(
        lambda data: loop.call_soon(simulator.receive, data), dialect=plugin.dialect()
    )

    def to_host(data: bytes) -> None:
        loop.call_soon(client.feed, data)

    simulator.set_output(to_host)
    await simulator.start()
    try:
        yield client
    finally:
        await client.close()
        await simulator.stop()


# -- format --------------------------------------------------------------------------------

SAMPLE = """\
# Bring the example module up
send AT+CMEE=2 timeout=5
AT+XLWCFG="coap://127.0.0.1:5683",300
send AT+XLWSTOP expect=error
send AT+XLWSTART timeout=2.5s expect=any

wait \\+XLWEVT: 1,[23] timeout=500ms
delay 2m
"""


def test_parse_every_step_kind() -> None:
    seq = CommandSequence.parse(SAMPLE)
    assert seq.steps == [
        CommentStep("Bring the example module up"),
        SendStep("AT+CMEE=2", 5.0),
        SendStep('AT+XLWCFG="coap://127.0.0.1:5683",300'),
        SendStep("AT+XLWSTOP", expect=Expect.ERROR),
        SendStep("AT+XLWSTART", 2.5, Expect.ANY),
        WaitStep(r"\+XLWEVT: 1,[23]", 0.5),
        DelayStep(120.0),
    ]


def test_round_trip_through_text_and_file(tmp_path: Path) -> None:
    seq = CommandSequence.parse(SAMPLE)
    again = CommandSequence.parse(seq.to_text())
    assert again.steps == seq.steps
    path = tmp_path / "bring-up.atseq"
    seq.save(path)
    loaded = CommandSequence.load(path)
    assert loaded.steps == seq.steps and loaded.name == "bring-up"
    # The saved text is the readable one, one step per line, and no temp file is left behind.
    text = path.read_text()
    assert "send AT+CMEE=2 timeout=5\n" in text and "wait \\+XLWEVT: 1,[23] timeout=0.5\n" in text
    assert [p.name for p in tmp_path.iterdir()] == ["bring-up.atseq"]


def test_options_are_only_trailing_words() -> None:
    # an option-looking text inside the command stays part of the command
    assert parse_step('send AT+X="timeout=5"') == SendStep('AT+X="timeout=5"')
    assert parse_step("send AT+X=1 timeout=3 expect=any") == SendStep("AT+X=1", 3, Expect.ANY)
    assert parse_step("send AT+X=1 expect=any timeout=3") == SendStep("AT+X=1", 3, Expect.ANY)
    assert parse_step("wait OK") == WaitStep("OK")
    assert parse_step("   ") is None
    assert parse_step("#") == CommentStep("")
    assert format_step(SendStep('AT+X="a b"', 1.5, Expect.ERROR)) == (
        'send AT+X="a b" timeout=1.5 expect=error'
    )


def test_times() -> None:
    assert parse_time("10") == 10
    assert parse_time("2.5s") == 2.5
    assert parse_time("500ms") == 0.5
    assert parse_time("2m") == 120
    with pytest.raises(ValueError):
        parse_time("soon")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("send AT\nsned AT+CFUN=1\n", 2, "unknown step 'sned'"),
        ("# ok\n\nwait ([ timeout=5\n", 3, "invalid pattern"),
        ("send AT timeout=soon\n", 1, "timeout"),
        ("send AT expect=maybe\n", 1, "expect=maybe is unknown"),
        ("delay\n", 1, "delay takes one time"),
        ("delay 5 timeout=3\n", 1, "delay takes one time"),
        ("wait x expect=ok\n", 1, "expect= belongs to send steps"),
        ("send\n", 1, "send needs a command"),
        ("send AT timeout=0\n", 1, "timeout must be > 0"),
    ],
)
def test_bad_lines_are_reported_with_file_and_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(SequenceError) as info:
        CommandSequence.parse(text, source="setup.atseq")
    assert info.value.line == line
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"setup.atseq:{line}: ")


def test_load_errors_are_sequence_errors(tmp_path: Path) -> None:
    with pytest.raises(SequenceError, match="file not found"):
        CommandSequence.load(tmp_path / "missing.atseq")
    binary = tmp_path / "binary.atseq"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SequenceError, match="not a UTF-8 text file"):
        CommandSequence.load(binary)


def test_from_plugin_connect_sequence() -> None:
    plugin = dataclasses.replace(
        example_plugin(),
        connect_sequence=lambda url: [f'AT+XLWCFG="{url}",300', "AT+XLWSTART"],
    )
    seq = CommandSequence.from_plugin(plugin, "coap://10.0.0.1:5683")
    assert seq.steps == [
        CommentStep("Connect sequence of Example XLW module for coap://10.0.0.1:5683"),
        SendStep('AT+XLWCFG="coap://10.0.0.1:5683",300'),
        SendStep("AT+XLWSTART"),
    ]
    with pytest.raises(SequenceError, match="documents no connect sequence"):
        CommandSequence.from_plugin(example_plugin(), "coap://10.0.0.1:5683")


# -- running against the simulated module ----------------------------------------------------


def test_run_against_simulator_passes_and_wait_sees_early_urc() -> None:
    # The simulator prints "+XLWEVT: 1,1" *before* the OK of AT+XLWSTART: the wait step must
    # still see it, and then "+XLWEVT: 1,2" (registered) after it.
    seq = CommandSequence.parse(
        """\
# bring up
AT
send AT+XLWCFG="coap://127.0.0.1:5683",300 timeout=2
send AT+XLWSTART timeout=2
wait \\+XLWEVT: 1,1 timeout=2
wait \\+XLWEVT: 1,2 timeout=2
delay 10ms
send AT+XLWCFG? timeout=2
"""
    )

    async def scenario() -> None:
        async with simulated(example_plugin()) as client:
            report = await run_sequence(seq, client)
        assert report.ok, report.failed
        outcomes = [r.outcome for r in report.results]
        assert outcomes == [Outcome.SKIPPED] + [Outcome.PASSED] * 7
        assert report.results[4].lines == ("+XLWEVT: 1,1",)
        assert report.results[5].lines == ("+XLWEVT: 1,2",)
        assert report.results[7].lines == ('+XLWCFG: "coap://127.0.0.1:5683",300', "OK")

    run(scenario)


def test_failure_stops_the_run_and_marks_the_rest_skipped() -> None:
    seq = CommandSequence.parse("AT\nsend AT+XLWSTOP timeout=2\nsend AT\n")

    async def scenario() -> None:
        async with simulated(example_plugin()) as client:
            report = await run_sequence(seq, client)
            assert [r.outcome for r in report.results] == [
                Outcome.PASSED,
                Outcome.FAILED,
                Outcome.SKIPPED,
            ]
            assert "expected ok" in report.results[1].message
            assert not report.ok
            # Without stop-on-failure the third step runs.
            report = await run_sequence(seq, client, stop_on_failure=False)
            assert [r.outcome for r in report.results] == [
                Outcome.PASSED,
                Outcome.FAILED,
                Outcome.PASSED,
            ]

    run(scenario)


def test_expect_error_and_wait_timeout() -> None:
    seq = CommandSequence.parse(
        "send AT+XLWSTOP expect=error timeout=2\nwait NEVER timeout=50ms\nsend AT\n"
    )

    async def scenario() -> None:
        async with simulated(example_plugin()) as client:
            report = await run_sequence(seq, client)
        outcomes = [r.outcome for r in report.results]
        assert outcomes == [Outcome.PASSED, Outcome.TIMEOUT, Outcome.SKIPPED]
        assert "no line matched" in report.results[1].message

    run(scenario)


def test_send_timeout_when_module_is_silent() -> None:
    class Silent:
        def __init__(self) -> None:
            self.client = AtClient(lambda data: None)

    async def scenario() -> None:
        silent = Silent()
        report = await run_sequence(CommandSequence.parse("send AT timeout=50ms\n"), silent.client)
        assert report.results[0].outcome is Outcome.TIMEOUT
        await silent.client.close()

    run(scenario)


def test_step_by_step_keeps_position_and_lines_between_steps() -> None:
    seq = CommandSequence.parse(
        "# start\nsend AT+XLWSTART timeout=2\nwait \\+XLWEVT: 1,2 timeout=2\nsend AT\n"
    )

    async def scenario() -> None:
        started: list[int] = []
        async with simulated(example_plugin(), "v1") as client:
            runner = SequenceRunner(seq, client, on_step_started=started.append)
            first = await runner.run_step()
            assert first is not None and first.index == 1 and first.outcome is Outcome.PASSED
            assert runner.results[0].outcome is Outcome.SKIPPED  # the comment
            await asyncio.sleep(0.1)  # the registration URC arrives between the clicks
            second = await runner.run_step()
            assert second is not None and second.outcome is Outcome.PASSED
            third = await runner.run_step()
            assert third is not None and third.index == 3
            assert runner.finished and await runner.run_step() is None
            assert started == [1, 2, 3]
            runner.reset()
            assert runner.position == 0 and not runner.results

    run(scenario)


def test_cancel_stops_a_long_wait() -> None:
    seq = CommandSequence.parse("AT\nwait NEVER timeout=60\nsend AT\n")

    async def scenario() -> None:
        async with simulated(example_plugin()) as client:
            runner = SequenceRunner(seq, client)
            task = asyncio.create_task(runner.run())
            while runner.position < 1 or not runner.running:
                await asyncio.sleep(0.01)
            runner.cancel()
            report = await task
            assert report.cancelled and not report.ok
            assert [r.outcome for r in report.results] == [Outcome.PASSED, Outcome.CANCELLED]
            assert runner.finished

    run(scenario)


def test_cancelling_the_caller_propagates() -> None:
    seq = CommandSequence.parse("wait NEVER timeout=60\n")

    async def scenario() -> None:
        async with simulated(example_plugin()) as client:
            runner = SequenceRunner(seq, client)
            task = asyncio.create_task(runner.run())
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            runner.close()

    run(scenario)


def test_reboot_aborts_a_send_step() -> None:
    """The module resets before it answers (its boot URC arrives while the command is in
    flight): the step fails as aborted, and the rest of the sequence is not run."""

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        client: AtClient

        def module(data: bytes) -> None:
            # Echo, then the reset: no final result ever comes for AT+CFUN=1,1.
            if data.startswith(b"AT+CFUN=1,1"):
                loop.call_soon(client.feed, data + b"\r\n+XLWBOOT\r\n")
            else:
                loop.call_soon(client.feed, data + b"\r\nOK\r\n")

        client = AtClient(module, dialect=example_plugin().dialect())
        try:
            report = await run_sequence(
                CommandSequence.parse("send AT+CFUN=1,1 timeout=5 expect=any\nsend AT\n"),
                client,
            )
        finally:
            await client.close()
        assert not report.ok
        first, second = report.results
        assert first.outcome is Outcome.FAILED
        assert first.result is not None and first.result.status == "aborted"
        assert "module rebooted (+XLWBOOT)" in first.message
        assert second.outcome is Outcome.SKIPPED

    run(scenario)


def test_a_target_that_raises_fails_the_step_instead_of_crashing_the_run() -> None:
    class Unplugged:
        async def send(self, command: str, timeout: float | None = 10.0) -> CommandResult:
            raise RuntimeError("No port is open")

        def subscribe_lines(self, callback: Callable[[ReceivedLine], None]) -> Callable[[], None]:
            return lambda: None

    async def scenario() -> None:
        report = await run_sequence(CommandSequence.parse("AT\nAT\n"), Unplugged())
        assert [r.outcome for r in report.results] == [Outcome.FAILED, Outcome.SKIPPED]
        assert report.results[0].message == "not sent: No port is open"

    run(scenario)
