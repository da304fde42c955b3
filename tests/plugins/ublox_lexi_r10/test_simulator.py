"""The simulated LEXI-R10401D: the document's dialogues, its limits, bad input, NVM, failures."""

from __future__ import annotations

import asyncio
import re
import socket

import pytest

from plugins.ublox_lexi_r10 import PLUGINS
from tests.plugins.simcom_sim7028.driver import Driver, bench, run

PLUGIN = PLUGINS[0]
FAST = {"lifetime": 30, "start_delay": 0.1, "timer_period": 60.0}


def expect(lines: list[str], *patterns: str) -> None:
    assert len(lines) == len(patterns), lines
    for line, pattern in zip(lines, patterns, strict=True):
        assert re.fullmatch(pattern, line), (pattern, line)


async def last(d: Driver, command: str) -> str:
    return (await d.at(command))[-1]


async def reboot(d: Driver) -> None:
    assert await last(d, "AT+CFUN=16") == "OK"
    await asyncio.sleep(0.05)  # the reset happens after the OK


async def enable_and_boot(d: Driver) -> None:
    assert await last(d, "AT+ULWM2M=0") == "OK"
    await reboot(d)
    assert await last(d, "AT+ULWM2MSTAT=1,7") == "OK"


def test_document_dialogues() -> None:
    async def scenario() -> None:
        async with bench(PLUGIN, **FAST) as (server, d):
            expect(await d.at("AT+ULWM2MSTAT=1,1"), r"AT\+ULWM2MSTAT=1,1", "OK")
            expect(await d.at("AT+ULWM2MSTAT?"), r"AT\+ULWM2MSTAT\?", r"\+ULWM2MSTAT: 1,1", "OK")
            expect(
                await d.at("AT+ULWM2MSTAT=?"),
                r"AT\+ULWM2MSTAT=\?",
                r"\+ULWM2MSTAT: \(0,1\),\(1-7\)",
                "OK",
            )
            expect(await d.at("AT+ULWM2M?"), r"AT\+ULWM2M\?", r"\+ULWM2M: 1", "OK")
            expect(await d.at("AT+ULWM2M=?"), r"AT\+ULWM2M=\?", r"\+ULWM2M: \(0-2\),\(0-1\)", "OK")
            expect(
                await d.at("AT+ULWM2MREG=?"),
                r"AT\+ULWM2MREG=\?",
                r"\+ULWM2MREG: \(0,721,123\)",
                "OK",
            )
            expect(
                await d.at("AT+ULWM2MCONFIG=?"),
                r"AT\+ULWM2MCONFIG=\?",
                re.escape(
                    "+ULWM2MCONFIG: (1-65535),(0-1),(1-3),(1-8),(0-1),(0-1),(0-1),(0-1),"
                    "(0-86400),(0-1),(0-2),(0-2)"
                ),
                "OK",
            )
            command = "AT+ULWM2MCONFIG=721,0,2,1,1,0,0,0,40,0,0,0"
            expect(await d.at(command), re.escape(command), "OK")
            expect(
                await d.at("AT+ULWM2MCONFIG?"),
                r"AT\+ULWM2MCONFIG\?",
                r"\+ULWM2MCONFIG: 721,0,2,1,1,0,0,0,40,0,0,0",
                r"\+ULWM2MCONFIG: 123(,\d+){11}",
                "OK",
            )
            await enable_and_boot(d)
            await d.wait_line(r'^\+ULWM2MSTAT: 6,721,0,"127\.0\.0\.1:\d+"$')
            await d.wait_line(r"^\+ULWM2MSTAT: 1,721,2$")
            await d.wait_line(r"^\+ULWM2MSTAT: 1,721,3$")
            await d.wait_line(r"^\+ULWM2MSTAT: 2,721,\d+$")
            expect(
                await d.at("AT+ULWM2MREG?"),
                r"AT\+ULWM2MREG\?",
                r"\+ULWM2MREG: 721,3,\d+",
                r"\+ULWM2MREG: 123,\d+",
                "OK",
            )
            # Move the registration to server 123 (721 disabled), then force it as §REG shows.
            expect(await d.at("AT+ULWM2MCONFIG=721,0,2,1,1,0,0,0,40,0,0,1"), r".*", "OK")
            await d.at("AT+ULWM2MCONFIG=123,0,1,1,0,0,0,0,40,0,0,0")
            await d.wait_line(r"^\+ULWM2MSTAT: 1,123,3$")
            expect(await d.at("AT+ULWM2MREG=123"), r"AT\+ULWM2MREG=123", "OK")
            await d.wait_line(r"^\+ULWM2MSTAT: 1,123,5$")
            await d.wait_line(r"^\+ULWM2MSTAT: 1,123,3$")
            await d.wait_line(r"^\+ULWM2MSTAT: 2,123,\d+$")
            endpoint = next(iter(server.clients))
            observation = await server.observe(endpoint, "/3/0/14")
            await server.write(endpoint, "/3/0/14", "+05:00")
            await d.wait_line(r'^\+ULWM2MSTAT: 3,123,"/3/0/14"$')
            await observation.cancel()
            expect(
                await d.at("AT+ULWM2M=1"),
                r"AT\+ULWM2M=1",
                r"\+ULWM2MSTAT: 1,123,9",
                r"\+ULWM2MSTAT: 6,123,3",
                r"\+ULWM2MSTAT: 4,7",
                "OK",
            )
            expect(await d.at("AT+ULWM2M?"), r"AT\+ULWM2M\?", r"\+ULWM2M: 1", "OK")

    run(scenario())


@pytest.mark.parametrize(
    "command",
    [
        "AT+ULWM2MFOO",
        "AT+ULWM2MSTAT",
        "AT+ULWM2MSTAT=2",
        "AT+ULWM2MSTAT=1,0",
        "AT+ULWM2MSTAT=1,8",
        "AT+ULWM2MSTAT=a",
        "AT+ULWM2MSTAT=1,1,1",
        "AT+ULWM2M=4",
        "AT+ULWM2M=0,2",
        "AT+ULWM2M=3",  # nothing to inhibit: the client is disabled
        "AT+ULWM2MREG=0",
        "AT+ULWM2MREG=721",  # client disabled from the factory
        "AT+ULWM2MREG=999",
        "AT+ULWM2MREG=70000",
        "AT+ULWM2MREG",
        "AT+ULWM2MCONFIG=721,0,2,1,1,0,0,0,40,0,0,2",  # 2 not allowed on 00B
        "AT+ULWM2MCONFIG=721,0,2,1,1,0,0,0,86401,0,0,0",
        "AT+ULWM2MCONFIG=721,0,0,1,1,0,0,0,40,0,0,0",
        "AT+ULWM2MCONFIG=0,0,2,1,1,0,0,0,40,0,0,0",
        "AT+ULWM2MCONFIG=721,0,2,1,1,0,0,0,40,0,0",
        "AT+ULWM2MCONFIG=721,x,2,1,1,0,0,0,40,0,0,0",
    ],
)
def test_bad_input_gets_error(command: str) -> None:
    async def scenario() -> None:
        async with bench(PLUGIN, **FAST) as (_, d):
            assert await last(d, command) == "ERROR"
            assert await last(d, "AT+CMEE=2") == "OK"
            verbose = await last(d, command)
            # An unknown command is a syntax error: plain ERROR whatever +CMEE says.
            assert verbose == "ERROR" if "FOO" in command else verbose.startswith("+CME ERROR: ")
            assert "Traceback" not in d.received.decode()

    run(scenario())


def test_nvm_keeps_config_and_mode_but_not_the_urc_setting() -> None:
    async def scenario() -> None:
        async with bench(PLUGIN, **FAST) as (_, d):
            await d.at("AT+ULWM2MCONFIG=555,1,3,8,1,1,1,1,86400,1,2,1")
            await d.at("AT+ULWM2MSTAT=1,7")
            await enable_and_boot(d)
            await d.wait_line(r"^\+ULWM2MSTAT: 1,721,3$")
            await d.at("AT+ULWM2MSTAT=0")
            await reboot(d)
            assert "+ULWM2MSTAT: 0,1" in await d.at("AT+ULWM2MSTAT?")
            assert "+ULWM2MCONFIG: 555,1,3,8,1,1,1,1,86400,1,2,1" in await d.at("AT+ULWM2MCONFIG?")
            assert "+ULWM2M: 0" in await d.at("AT+ULWM2M?")  # started again at boot
            await d.at("AT+ULWM2M=1")  # <nvm_saved> 0: not stored
            await reboot(d)
            assert "+ULWM2M: 0" in await d.at("AT+ULWM2M?")
            await d.at("AT+ULWM2M=1,1")
            await reboot(d)
            assert "+ULWM2M: 1" in await d.at("AT+ULWM2M?")

    run(scenario())


def test_inhibit_restore_and_reset() -> None:
    async def scenario() -> None:
        async with bench(PLUGIN, **FAST) as (_, d):
            await enable_and_boot(d)
            await d.wait_line(r"^\+ULWM2MSTAT: 1,721,3$")
            assert (await d.at("AT+ULWM2M=3"))[-2:] == ["+ULWM2MSTAT: 6,721,3", "OK"]
            assert "+ULWM2M: 3" in await d.at("AT+ULWM2M?")
            assert await last(d, "AT+ULWM2MREG=721") == "ERROR"
            assert await last(d, "AT+ULWM2M=0") == "OK"  # immediately effective
            await d.wait_line(r"^\+ULWM2MSTAT: 1,721,3$")
            assert (await d.at("AT+ULWM2M=2"))[-2:] == ["+ULWM2MSTAT: 4,7", "OK"]
            await d.wait_line(r"^\+ULWM2MSTAT: 5,1$")  # NVM says 0: the client starts again
            await d.wait_line(r"^\+ULWM2MSTAT: 1,721,3$")

    run(scenario())


def test_unreachable_factory_server_reports_failure_and_retries() -> None:
    async def scenario() -> None:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        dead = f"coap://127.0.0.1:{probe.getsockname()[1]}"
        probe.close()
        async with bench(PLUGIN, servers={721: dead}, activation_mode=0, **FAST) as (_, d):
            assert await last(d, "AT+ULWM2MSTAT=1,1") == "OK"
            await d.wait_line(r"^\+ULWM2MSTAT: 1,721,2$")
            await d.wait_line(r"^\+ULWM2MSTAT: 1,721,4$", timeout=15)
            await d.wait_line(r"^\+ULWM2MSTAT: 1,721,1$")  # held until the retry

    run(scenario())
