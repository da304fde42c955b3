"""Bad input to the simulated SIM7028: the vendor's ERROR, never a traceback on the line."""

from __future__ import annotations

import socket

import pytest

from plugins.simcom_sim7028 import PLUGINS
from tests.plugins.simcom_sim7028.driver import Driver, bench, run

PLUGIN = PLUGINS[0]


async def last(d: Driver, command: str) -> str:
    """The final result of ``command``."""
    return (await d.at(command))[-1]


@pytest.mark.parametrize(
    "command",
    [
        "AT+FOO",
        "AT+LWSTART=1",
        "AT+LWSTART?",
        'AT+LWCNF="server","127.0.0.1"',  # before AT+LWSTART
        "AT+LWOPEN",  # before AT+LWSTART
        "AT+LWCLOSE=0",
        "AT+LWADDOBJ=0,3303,0,1,5700",
        'AT+LWREADRSP=0,3303,0,1,5700,"F",4,"21.5"',
        "AT+LWWRITERSP=0,0",
    ],
)
def test_commands_before_start_are_refused(command: str) -> None:
    async def scenario() -> None:
        async with bench(PLUGIN) as (_, d):
            assert await last(d, command) == "ERROR"

    run(scenario())


def test_parameters_out_of_range_or_of_the_wrong_type() -> None:
    async def scenario() -> None:
        async with bench(PLUGIN) as (_, d):
            assert await last(d, "AT+LWSTART") == "OK"
            for command in (
                'AT+LWCNF="serverport",70000',
                'AT+LWCNF="localport",-1',
                'AT+LWCNF="lifetime",0',
                'AT+LWCNF="lifetime",65536',
                'AT+LWCNF="lifetime","abc"',
                'AT+LWCNF="connectiontype",5',
                'AT+LWCNF="bogus",1',
                'AT+LWCNF="server"',
                'AT+LWCNF="server",""',
                'AT+LWCNF="server","a","b"',
                "AT+LWCNF?",
                "AT+LWOPEN",  # no server configured yet
                "AT+LWOPEN=1",
                "AT+LWCLOSE",
                "AT+LWCLOSE=2",
                "AT+LWCLOSE=0",  # no session
                "AT+LWADDOBJ=0,3303,0,1,5700",  # no session
            ):
                assert await last(d, command) == "ERROR", command
            assert await last(d, "AT+CMEE=1") == "OK"
            assert await last(d, 'AT+LWCNF="serverport",70000') == "+CME ERROR: 50"
            assert await last(d, "AT+LWOPEN") == "+CME ERROR: 3"
            assert "Traceback" not in d.received.decode()

    run(scenario())


def test_host_object_limits_and_answers_out_of_turn() -> None:
    async def scenario() -> None:
        async with bench(PLUGIN) as (server, d):
            await d.at("AT+LWSTART")
            await d.at('AT+LWCNF="server","127.0.0.1"')
            await d.at(f'AT+LWCNF="serverport",{server.address[1]}')
            await d.at('AT+LWCNF="endpointname","bad"')
            assert await last(d, "AT+LWOPEN") == "OK"
            for command in (
                "AT+LWADDOBJ=0,3,0,1,0",  # objects 0-7 are the module's
                "AT+LWADDOBJ=0,70000,0,1,0",
                "AT+LWADDOBJ=0,3303,0,0",
                "AT+LWADDOBJ=0,3303,0,16," + ",".join(str(5700 + n) for n in range(16)),
                "AT+LWADDOBJ=0,3303,0,2,5700",  # count does not match
                "AT+LWADDOBJ=0,3303,0,2,5700,5700",
                "AT+LWADDOBJ=1,3303,0,1,5700",  # session 1 is not open
                "AT+LWADDOBJ=0,3303,x,1,5700",
                "AT+LWDELOBJ=0,3303",  # not added
                'AT+LWREADRSP=0,3303,0,1,5700,"F",4,"21.5"',  # nothing waiting
                "AT+LWWRITERSP=0,68",
                "AT+LWEXECUTERSP=0,68",
                "AT+LWWRITERSP=0,2",  # not a result code
                "AT+LWWRITERSP=0",
            ):
                assert await last(d, command) == "ERROR", command
            assert (
                await last(
                    d, "AT+LWADDOBJ=0,3303,0,15," + ",".join(str(5500 + n) for n in range(15))
                )
                == "OK"
            )
            assert await last(d, "AT+LWADDOBJ=0,3303,0,1,5700") == "ERROR"  # instance exists
            assert await last(d, "AT+LWOPEN") == "OK"  # session 1
            assert await last(d, "AT+LWOPEN") == "ERROR"  # only sessions 0 and 1

    run(scenario())


def test_read_answer_of_the_wrong_shape_is_refused_and_the_request_survives() -> None:
    async def scenario() -> None:
        import asyncio

        async with bench(PLUGIN, host_timeout=3.0) as (server, d):
            await d.at("AT+LWSTART")
            await d.at('AT+LWCNF="server","127.0.0.1"')
            await d.at(f'AT+LWCNF="serverport",{server.address[1]}')
            await d.at('AT+LWCNF="endpointname","ep"')
            await d.at("AT+LWOPEN")
            await d.at("AT+LWADDOBJ=0,3303,0,1,5700")
            read = asyncio.create_task(server.read("ep", "/3303/0/5700"))
            await d.wait_line(r"^\+LWREAD: 0,3303,0,1,5700$")
            for command in (
                'AT+LWREADRSP=0,3303,0,1,5700,"X",4,"21.5"',
                'AT+LWREADRSP=0,3303,0,1,5700,"I",4,"21.5"',
                'AT+LWREADRSP=0,3303,0,2,5700,"F",4,"21.5"',
                'AT+LWREADRSP=0,3303,0,1,5700,"F",x,"21.5"',
                'AT+LWREADRSP=0,3300,0,1,5700,"F",4,"21.5"',  # not the object asked for
            ):
                assert await last(d, command) == "ERROR", command
            assert await last(d, 'AT+LWREADRSP=0,3303,0,1,5700,"F",4,"21.5"') == "OK"
            assert (await read).code == "2.05"

    run(scenario())


def test_host_silence_and_error_results_reach_the_server() -> None:
    async def scenario() -> None:
        import asyncio

        async with bench(PLUGIN, host_timeout=0.5) as (server, d):
            await d.at("AT+LWSTART")
            await d.at('AT+LWCNF="server","127.0.0.1"')
            await d.at(f'AT+LWCNF="serverport",{server.address[1]}')
            await d.at('AT+LWCNF="endpointname","ep"')
            await d.at("AT+LWOPEN")
            await d.at("AT+LWADDOBJ=0,3303,0,2,5700,5750")
            result = await server.read("ep", "/3303/0/5700")
            assert result.code == "5.00"  # nobody answered +LWREAD
            write = asyncio.create_task(server.write("ep", "/3303/0/5750", "x"))
            await d.wait_line(r"^\+LWWRITE: ")
            assert await last(d, "AT+LWWRITERSP=0,132") == "OK"
            assert (await write).code == "4.04"

    run(scenario())


def test_unreachable_server_gives_error_and_garbage_no_traceback() -> None:
    async def scenario() -> None:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
        probe.close()
        async with bench(PLUGIN, open_timeout=2.0) as (_, d):
            await d.at("AT+LWSTART")
            await d.at('AT+LWCNF="server","127.0.0.1"')
            await d.at(f'AT+LWCNF="serverport",{dead_port}')
            assert await last(d, "AT+LWOPEN") == "ERROR"
            assert await last(d, "AT+LWCLOSE=0") == "ERROR"  # the session never opened
            d.sim.receive(b"\xff\xfe\x00garbage\r")
            d.sim.receive(b"AT" + b"X" * 5000 + b"\r")
            assert await last(d, "AT") == "OK"
            assert "Traceback" not in d.received.decode("utf-8", "replace")

    run(scenario())


def test_reset_forgets_the_no_save_configuration() -> None:
    async def scenario() -> None:
        async with bench(PLUGIN) as (server, d):
            await d.at("AT+LWSTART")
            await d.at('AT+LWCNF="server","127.0.0.1"')
            await d.at(f'AT+LWCNF="serverport",{server.address[1]}')
            await d.at('AT+LWCNF="endpointname","ep"')
            assert await last(d, "AT+LWOPEN") == "OK"
            assert await last(d, "AT+CFUN=1,1") == "OK"
            await d.wait_line("^RDY$")
            assert await last(d, "AT+LWSTART") == "OK"
            assert await last(d, "AT+LWOPEN") == "ERROR"  # server forgotten (NO_SAVE)

    run(scenario())
