"""Bad input and wrong states give the document's errors, never a traceback (§3.2)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from tests.plugins.quectel_bg95.simbench import SimBench, sim_bench
from workbench.plugin_api import SettingsStore

SEC = 'AT+QLWCFG="security",0,100,"{url}",0,3'


def run(body: Callable[[SimBench], Awaitable[None]], **options: object) -> SimBench:
    holder: list[SimBench] = []

    async def scenario() -> None:
        async with sim_bench(**options) as bench:  # type: ignore[arg-type]
            holder.append(bench)
            await body(bench)

    asyncio.run(asyncio.wait_for(scenario(), 60))
    assert b"Traceback" not in holder[0].raw
    return holder[0]


BAD_CONFIG = [
    "AT+QLWFOO",
    "AT+QLWCFG",
    "AT+QLWCFG?",
    'AT+QLWCFG="nonsense",1',
    'AT+QLWCFG="autostart",2',
    'AT+QLWCFG="autostart","1"',
    'AT+QLWCFG="autostart",1,1',
    'AT+QLWCFG="pdpcid",0,17',
    'AT+QLWCFG="pdpcid",0,1,1',
    'AT+QLWCFG="pdpcid",6,1,2',
    'AT+QLWCFG="security",6,100,"coap://127.0.0.1:5683",0,3',
    'AT+QLWCFG="security",0,0,"coap://127.0.0.1:5683",0,3',
    'AT+QLWCFG="security",0,65535,"coap://127.0.0.1:5683",0,3',
    'AT+QLWCFG="security",0,"100","coap://127.0.0.1:5683",0,3',
    'AT+QLWCFG="security",0,100,"coap://127.0.0.1:5683",0,1',
    'AT+QLWCFG="security",0,100,"coap://127.0.0.1:5683",2',
    'AT+QLWCFG="security",0,100,"http://127.0.0.1:5683",0,3',
    'AT+QLWCFG="security",0,100,"coap://127.0.0.1:5683",0,0',
    'AT+QLWCFG="security",0,100,"coap://127.0.0.1:5683",0,0,"id","nothex"',
    'AT+QLWCFG="security",0,100,"coap://' + "x" * 260 + '",0,3',
    'AT+QLWCFG="security",0,100,"unterminated',
    'AT+QLWCFG="server",0,60,0,50,60,1,"UQS"',  # before "security" (§3.2.1 note 1)
    'AT+QLWCFG="epns",1,3,4',
    'AT+QLWCFG="epns",2,"a","b"',
    'AT+QLWCFG="transcfg",-1,2,480',
    'AT+QLWCFG="transcfg",60,2',
    'AT+QLWCFG="version",2',
    'AT+QLWCFG="select",7',
    'AT+QLWCFG="host",2',
    'AT+QLWCFG="host",0,4,"x"',
    'AT+QLWCFG="device",1,2,3,4,5,6,7',
    'AT+QLWCFG="session",0,86401',
    'AT+QLWCFG="mbsps","a"',
    "AT+QLWSVC",
    'AT+QLWSVC="bogus"',
    'AT+QLWSVC="update",100',  # not registered
    'AT+QLWSVC="lifetime",100,60',
    'AT+QLWSVC="dereg"',
    'AT+QLWSVC="uldata",100,"/3/0/14",1,"a"',
    'AT+QLWSVC="state",6',
    'AT+QLWSVC="state",0',  # nothing configured at index 0
    'AT+QLWSVC="lifetime",100',  # unknown server
]


def test_bad_parameters_and_states_give_error() -> None:
    async def body(bench: SimBench) -> None:
        for command in BAD_CONFIG:
            assert await bench.cmd(command) == [command, "ERROR"], command

    run(body)


def test_reg_errors_are_cme_70x() -> None:
    async def body(bench: SimBench) -> None:
        assert (await bench.cmd('AT+QLWSVC="reg"'))[-1] == "+CME ERROR: 705"
        assert (await bench.cmd('AT+QLWSVC="reg",2'))[-1] == "+CME ERROR: 703"
        assert (await bench.cmd('AT+QLWSVC="reg",1,1'))[-1] == "+CME ERROR: 703"
        await bench.cmd("AT+CMEE=2")
        assert (await bench.cmd('AT+QLWSVC="reg"'))[-1] == (
            "+CME ERROR: The operation is not allowed"
        )
        await bench.cmd(SEC.format(url=bench.url))
        assert (await bench.cmd('AT+QLWSVC="reg"'))[-1] == "OK"
        await bench.wait_for('"REG_READY"')
        assert (await bench.cmd('AT+QLWSVC="reg"'))[-1] == (
            "+CME ERROR: The command has been executed"
        )
        # Configuration cannot change under a running client; the wrong server ID is refused.
        assert (await bench.cmd(SEC.format(url=bench.url)))[-1] == "ERROR"
        assert (await bench.cmd('AT+QLWSVC="update",101'))[-1] == "ERROR"
        assert (await bench.cmd('AT+QLWSVC="lifetime",100,86401'))[-1] == "ERROR"
        bad_uldata = [
            'AT+QLWSVC="uldata",100,"/3/0/14",2,"abc"',  # length mismatch
            'AT+QLWSVC="uldata",100,"/3/0/14",1461,"a"',
            'AT+QLWSVC="uldata",100,"/3/0",1,"a"',
            'AT+QLWSVC="uldata",100,"/99/0/0",1,"a"',
            'AT+QLWSVC="uldata",100,"/3/0/14",1,"zz",1',
            'AT+QLWSVC="uldata",100,"/3/0/9",1,"x"',  # not an integer for /3/0/9
        ]
        for command in bad_uldata:
            assert (await bench.cmd(command))[-1] == "ERROR", command

    run(body)


def test_garbage_never_produces_a_traceback() -> None:
    async def body(bench: SimBench) -> None:
        for data in (b"\xff\xfe\x00\r", b"AT+QLWCFG=\xff\r", b"AT" + b"A" * 5000 + b"\r"):
            bench.sim.receive(data)
        bench.sim.receive(b'AT+QLWCFG="security",0,1,"coap://a",0,3,,,,,,,\r')
        await asyncio.sleep(0.2)
        assert bench.lines.count("ERROR") == 3  # the non-AT garbage gets no answer
        bench.cursor = len(bench.lines)
        assert await bench.cmd("AT") == ["AT", "OK"]

    bench = run(body)
    assert b"ERROR" in bench.raw


def test_unreachable_server_reports_failures_and_retries() -> None:
    async def body(bench: SimBench) -> None:
        await bench.cmd('AT+QLWCFG="transcfg",0,2,1')
        await bench.cmd(SEC.format(url="coap://127.0.0.1:9"))
        assert await bench.cmd('AT+QLWSVC="reg"') == ['AT+QLWSVC="reg"', "OK"]
        await bench.wait_for(r"^\+QLWREG: 0$")
        await bench.wait_for(r'"event",100,3,"REG_FAILED"', timeout=15)
        await bench.wait_for(r'"event",100,12,"REG_RETRY"', timeout=15)
        await bench.wait_for(r'"event",100,3,"REG_FAILED"', timeout=15)
        await asyncio.sleep(0.3)
        state = await bench.cmd('AT+QLWSVC="state"')
        assert state[1] == '+QLWSVC: "state",0,100,"coap://127.0.0.1:9",0,3'
        # The client gave up: it may be configured and started again.
        assert (await bench.cmd(SEC.format(url=bench.url)))[-1] == "OK"
        assert (await bench.cmd('AT+QLWSVC="reg"'))[-1] == "OK"
        await bench.wait_for('"REG_READY"')

    run(body, ack_timeout=0.2, request_timeout=1.0)


def test_no_data_call_gives_conn_retry_then_generic_failure() -> None:
    async def body(bench: SimBench) -> None:
        await bench.cmd('AT+QLWCFG="transcfg",0,2,1')
        await bench.cmd(SEC.format(url=bench.url))
        await bench.cmd("AT+CFUN=0")
        await bench.cmd('AT+QLWSVC="reg"')
        for _ in range(5):
            await bench.wait_for(r'"event",100,11,"REG_CONN_RETRY"')
        await bench.wait_for(r'"event",0,15,"GENERIC_FAILED"')

    run(body)


def test_configuration_survives_reboot_and_autostart_registers() -> None:
    settings = SettingsStore()

    async def body(bench: SimBench) -> None:
        await bench.cmd(SEC.format(url=bench.url))
        await bench.cmd('AT+QLWCFG="server",0,120,1,30,60,0,"U"')
        await bench.cmd('AT+QLWCFG="autostart",1')
        await bench.cmd('AT+QLWCFG="epns",0,"bs-ep","my-endpoint"')
        await bench.cmd('AT+QLWCFG="host",0,1,"ACME"')
        assert await bench.cmd("AT+CFUN=1,1") == ["AT+CFUN=1,1", "OK"]
        assert await bench.wait_lines(4) == [
            "RDY",
            "APP RDY",
            '+QLWURC: "event",100,0,"INITIAL"',
            '+QLWURC: "event",100,2,"REG_READY"',
        ]
        assert "my-endpoint" in bench.server.clients
        assert bench.server.client("my-endpoint").lifetime == 120
        host = await bench.server.read("my-endpoint", "/16/0/0")
        assert list(host.values.values()) == ["ACME"]
        assert (await bench.cmd('AT+QLWCFG="server"'))[1] == '+QLWCFG: "server",0,120,1,30,60,0,"U"'
        assert (await bench.cmd('AT+QLWCFG="host",0'))[1] == '+QLWCFG: "host",0,1,"ACME"'

    run(body, settings=settings)
    assert settings["qlwcfg.autostart"] == 1


@pytest.mark.parametrize("spelling", ["mbsps", "mbps"])
def test_queries_answer_in_the_document_shape(spelling: str) -> None:
    async def body(bench: SimBench) -> None:
        assert (await bench.cmd('AT+QLWCFG="epns"'))[1] == '+QLWCFG: "epns",1,7,4'
        assert (await bench.cmd('AT+QLWCFG="transcfg"'))[1] == '+QLWCFG: "transcfg",60,2,480'
        assert (await bench.cmd('AT+QLWCFG="version"'))[1] == '+QLWCFG: "version",0'
        assert (await bench.cmd('AT+QLWCFG="session"'))[1] == '+QLWCFG: "session",0,86400'
        assert (await bench.cmd('AT+QLWCFG="pdpcid"'))[1] == '+QLWCFG: "pdpcid",0,1,2'
        command = f'AT+QLWCFG="{spelling}","S","1","2","3","4","5"'
        assert (await bench.cmd(command))[-1] == "OK"
        assert (await bench.cmd(f'AT+QLWCFG="{spelling}"'))[1] == (
            f'+QLWCFG: "{spelling}","S","1","2","3","4","5"'
        )
        test = await bench.cmd("AT+QLWCFG=?")
        assert len(test) == 14 and test[-1] == "OK"
        test = await bench.cmd("AT+QLWSVC=?")
        assert len(test) == 8 and test[1] == '+QLWSVC: "reg", (0,1)'

    run(body)


def test_select_uses_the_factory_server_and_select_0_resets() -> None:
    async def body(bench: SimBench) -> None:
        assert (await bench.cmd('AT+QLWCFG="select",1,0'))[-1] == "OK"
        assert (await bench.cmd('AT+QLWCFG="select"'))[1] == '+QLWCFG: "select",1,0'
        await bench.cmd('AT+QLWSVC="reg"')
        await bench.wait_for('"REG_READY"')
        await bench.cmd('AT+QLWSVC="dereg"')
        await bench.wait_for(r"^\+QLWDEREG: 0$")
        assert (await bench.cmd('AT+QLWCFG="select",0'))[-1] == "OK"
        assert await bench.cmd('AT+QLWCFG="security"') == ['AT+QLWCFG="security"', "OK"]

    run(body)


def test_select_without_a_factory_server_is_refused() -> None:
    async def body(bench: SimBench) -> None:
        assert (await bench.cmd('AT+QLWCFG="select",2,1'))[-1] == "ERROR"

    run(body, server_url="")
