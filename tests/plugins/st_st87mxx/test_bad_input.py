"""Bad input to the simulator: the vendor's error, never a traceback, never a hang."""

from __future__ import annotations

import asyncio

import pytest

from .simdriver import SimDriver

PARAMS = "AT#LWPARAMS=ST87M01_CLIENT,1,1,COAP://127.0.0.1:9,U,60,0,0,1"


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("command", "final"),
    [
        ("AT#NOSUCHCMD", "ERROR"),
        ("AT#LWFOO=1", "ERROR"),
        ("AT#LWPARAMS=ST87M01_CLIENT,1,1", "+CME ERROR: 50"),  # too few parameters
        ("AT#LWPARAMS=ST87M01_CLIENT,x,1,COAP://1.2.3.4:5683,U,60,0,0,1", "+CME ERROR: 50"),
        ("AT#LWPARAMS=ST87M01_CLIENT,0,1,COAP://1.2.3.4:5683,U,60,0,0,1", "+CME ERROR: 50"),
        ("AT#LWPARAMS=ST87M01_CLIENT,1,2,COAP://1.2.3.4:5683,U,60,0,0,1", "+CME ERROR: 50"),
        ("AT#LWPARAMS=ST87M01_CLIENT,1,1,HTTP://1.2.3.4:5683,U,60,0,0,1", "+CME ERROR: 50"),
        ("AT#LWPARAMS=ST87M01_CLIENT,1,1,COAP://1.2.3.4:5683,S,60,0,0,1", "+CME ERROR: 50"),
        ("AT#LWPARAMS=ST87M01_CLIENT,1,1,COAP://1.2.3.4:5683,U,0,0,0,1", "+CME ERROR: 50"),
        ("AT#LWPARAMS=ST87M01_CLIENT,1,1,COAP://1.2.3.4:5683,U,60,1,0,1", "+CME ERROR: 50"),
        ("AT#LWPARAMS=ST87M01_CLIENT,1,1,COAP://1.2.3.4:5683,U,60,0,2,1", "+CME ERROR: 50"),
        ("AT#LWREG=1,1", "+CME ERROR: 3"),  # register before configure
        ("AT#LWREG=9,1", "+CME ERROR: 50"),
        ("AT#LWREG", "ERROR"),
        ("AT#LWCFG=5,0", "+CME ERROR: 3"),  # before #LWSTART
        ("AT#LWSTOP", "+CME ERROR: 3"),
        ("AT#LWCHGRSCVAL=/3/0/20,256", "+CME ERROR: 50"),  # uint8_t
        ("AT#LWCHGRSCVAL=/3/0/9,101", "+CME ERROR: 50"),
        ("AT#LWCHGRSCVAL=/3/0/3,1.0", "+CME ERROR: 3"),  # host may only read
        ("AT#LWCHGRSCVAL=/3/0/4,1", "+CME ERROR: 3"),
        ("AT#LWCHGRSCVAL=/3/0/0,ABCDEFGHIJKLMNOPQRSTU", "+CME ERROR: 50"),  # char[20]
        ("AT#LWCHGRSCVAL=/9/0/0,1", "+CME ERROR: 50"),
        ("AT#LWCHGRSCVAL=/3/0/20", "+CME ERROR: 50"),
        ("AT#LWCHGRSCVAL=abc,1", "+CME ERROR: 50"),
        ("AT#LWREADRSCVAL=/3/0/4", "+CME ERROR: 3"),
        ("AT#LWADDOBJ=3443,0,5,0,1,2", "+CME ERROR: 50"),
        ("AT#LWADDOBJ=3443,0,5,0,1,2,3,4", "+CME ERROR: 3"),  # before #LWSTART
        ("AT#LWNTYRDOBJ=1,3443,0,1,3,D,8,02020304", "+CME ERROR: 3"),  # nothing pending
        ("AT#LWNTYRDOBJ=1,3443,0,1,3,D,9,02020304", "+CME ERROR: 50"),
        ("AT#LWNTYRDOBJ=1,3443,0,1,3,X,8,02020304", "+CME ERROR: 50"),
        ("AT#LWNTYWROBJ=1,3443,0,2,2", "+CME ERROR: 50"),
        ("AT#LWNTYTO=0", "+CME ERROR: 50"),
        ("AT#SOCKETCREATE=5,0,SCTP,5683,30,30", "+CME ERROR: 50"),
        ("AT#SOCKETCREATE=3,0,UDP,5683,30,30", "+CME ERROR: 3"),
        ("AT#SOCKETCREATE=5,0,UDP,70000,30,30", "+CME ERROR: 50"),
        ("AT#DTLSCONNECT=5,0,192.168.21.112,5684", "+CME ERROR: 3"),  # no socket
        ("AT#DTLSCONNECT=5,0,not-an-ip,5684", "+CME ERROR: 50"),
        ("AT#RESET=7", "+CME ERROR: 50"),
        ("AT+CMEE=9", "+CME ERROR: 50"),
    ],
)
def test_errors(command: str, final: str) -> None:
    async def main() -> None:
        async with SimDriver() as drv:
            lines = await drv.at(command)
            assert lines[-1] == final, lines
            assert not any("Traceback" in line for line in drv.lines())

    run(main())


def test_verbose_errors_follow_cmee() -> None:
    async def main() -> None:
        async with SimDriver() as drv:
            assert (await drv.at("AT+CMEE=2"))[-1] == "OK"
            final = (await drv.at("AT#LWREG=1,1"))[-1]
            assert final.startswith("+CME ERROR: ") and not final[12:].isdigit()

    run(main())


def test_register_needs_each_step() -> None:
    async def main() -> None:
        async with SimDriver() as drv:
            assert (await drv.at(PARAMS))[-1] == "OK"
            assert (await drv.at("AT#LWREG=1,1"))[-1] == "+CME ERROR: 3"  # no #LWSTART
            assert (await drv.at("AT#LWSTART"))[-1] == "OK"
            assert (await drv.at("AT#LWREG=1,1"))[-1] == "+CME ERROR: 3"  # no #LWCFG
            assert (await drv.at("AT#LWCFG=5,0"))[-1] == "+CME ERROR: 3"  # no socket
            assert (await drv.at("AT#SOCKETCREATE=5,0,UDP,5683,30,30"))[-2:] == [
                "#SOCKETCREATE: 0",
                "OK",
            ]
            assert (await drv.at("AT#LWCFG=5,0"))[-1] == "OK"
            assert (await drv.at("AT#LWREG=1,2"))[-1] == "+CME ERROR: 50"  # other server id
            assert (await drv.at("AT#LWREG=2,1"))[-1] == "+CME ERROR: 3"  # update, unregistered
            assert (await drv.at("AT#LWREG=0,1"))[-1] == "+CME ERROR: 3"
            assert (await drv.at("AT#LWREG=3,1"))[-2:] == ["#LWREG: 1,0", "OK"]

    run(main())


def test_custom_object_limits() -> None:
    async def main() -> None:
        async with SimDriver() as drv:
            await drv.at("AT#LWSTART")
            for iid in range(4):
                assert (await drv.at(f"AT#LWADDOBJ=3443,{iid},2,0,1"))[-1] == "OK"
            assert (await drv.at("AT#LWADDOBJ=3444,0,1,0"))[-1] == "+CME ERROR: 20"
            assert (await drv.at("AT#LWADDOBJ=3443,0,1,0"))[-1] == "+CME ERROR: 3"
            assert (await drv.at("AT#LWRMOBJ=3443,3"))[-1] == "OK"
            many = ",".join(str(i) for i in range(33))
            assert (await drv.at(f"AT#LWADDOBJ=3445,0,33,{many}"))[-1] == "+CME ERROR: 50"
            assert (await drv.at("AT#LWADDOBJ=3445,0,2,1,1"))[-1] == "+CME ERROR: 50"
            assert (await drv.at("AT#LWADDOBJ=3,1,1,0"))[-1] == "+CME ERROR: 3"  # built-in
            ok32 = ",".join(str(i) for i in range(32))
            assert (await drv.at(f"AT#LWADDOBJ=3445,0,32,{ok32}"))[-1] == "OK"
            assert (await drv.at("AT#LWRMOBJ=9999"))[-1] == "+CME ERROR: 3"

    run(main())


def test_unreachable_server_reports_failure() -> None:
    """Nothing listens on the port: the registration fails with #LWREG: 1,0 (inferred code)."""

    async def main() -> None:
        async with SimDriver(ack_timeout=0.1, max_retransmit=0, retry_attempts=1) as drv:
            for cmd in ("AT#SOCKETCREATE=5,0,UDP,5683,30,30", "AT#LWSTART", PARAMS):
                await drv.at(cmd)
            await drv.at("AT#LWCFG=5,0")
            assert (await drv.at("AT#LWREG=1,1"))[-1] == "OK"
            await drv.wait_line(r"^#LWREG: 1,1$")
            await drv.wait_line(r"^#LWREG: 1,2$")
            await drv.wait_line(r"^#LWREG: 1,0$", timeout=10)
            assert (await drv.at("AT#LWREG=3,1"))[-2:] == ["#LWREG: 1,0", "OK"]

    run(main())


def test_garbage_bytes_and_overlong_lines() -> None:
    async def main() -> None:
        async with SimDriver() as drv:
            drv.sim.receive(b"\xff\xfe\x00garbage\r\n")
            drv.sim.receive(b"AT#LWPARAMS=" + b"A" * 5000 + b"\r\n")
            await asyncio.sleep(0.05)
            assert (await drv.at("AT"))[-1] == "OK"
            assert not any("Traceback" in line for line in drv.lines())

    run(main())


def test_nvm_survives_reset_volatile_state_does_not() -> None:
    async def main() -> None:
        async with SimDriver() as drv:
            await drv.at("AT#LWSTART")
            await drv.at("AT#LWADDOBJ=3443,0,1,0")
            await drv.at(PARAMS)
            assert (await drv.at("AT#RESET=1"))[-1] == "OK"
            await drv.wait_line(r"^\+CEREG: 5,")
            assert (await drv.at("AT#LWPARAMS?"))[0].startswith("#LWPARAMS: ST87M01_CLIENT,1,")
            assert (await drv.at("AT#LWSTART?"))[0] == "#LWSTART: 0"
            assert (await drv.at("AT#LWLISTOBJ"))[0] == "#LWLISTOBJ: /1/0,/3/0,/5/0"
            assert (await drv.at("AT#RFACTORY"))[-1] == "OK"
            await drv.wait_line(r"^#REBOOT_HOST$")
            await drv.wait_line(r"^\+CEREG: 5,")
            assert (await drv.at("AT#LWPARAMS?")) == ["OK"]

    run(main())


def test_builtin_values_round_trip() -> None:
    async def main() -> None:
        async with SimDriver() as drv:
            assert (await drv.at("AT#LWCHGRSCVAL=/3/0/20,6"))[-1] == "OK"
            assert (await drv.at("AT#LWREADRSCVAL=/3/0/20"))[0] == "#LWREADRSCVAL: /3/0/20,6"
            assert (await drv.at("AT#LWCHGRSCVAL=/3/0/0,ACME"))[-1] == "OK"
            assert (await drv.at("AT#LWREADRSCVAL=/3/0/0"))[0] == "#LWREADRSCVAL: /3/0/0,ACME"
            assert (await drv.at("AT#LWCHGRSCVAL=/3/0/11/1,2"))[-1] == "OK"
            assert (await drv.at("AT#LWREADRSCVAL=/3/0/11/1"))[0] == "#LWREADRSCVAL: /3/0/11/1,2"
            dump = await drv.at("AT#LWDUMPOBJ=3")
            assert "#LWDUMPOBJ: /3/0/20,6" in dump and dump[-1] == "OK"
            assert (await drv.at("AT#LWREADRSCVAL=/1/0/13"))[-1] == "+CME ERROR: 3"

    run(main())
