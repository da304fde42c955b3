"""(c) Bad input gives the module's error result, never a traceback; settings survive reboots."""

from __future__ import annotations

import asyncio

import pytest

from workbench.plugin_api import SettingsStore

from .simhelp import SimDriver

BAD: list[tuple[str, str, str, str]] = [
    # (plugin, variant, command, expected final)
    ("ublox-sara-r5", "01B", "AT+FOO", "ERROR"),
    ("ublox-sara-r5", "01B", "AT+ULWM2MREG=abc", "+CME ERROR: 50"),
    ("ublox-sara-r5", "01B", "AT+ULWM2MREG=70000", "+CME ERROR: 50"),
    ("ublox-sara-r5", "01B", "AT+ULWM2MSTAT=2", "+CME ERROR: 50"),
    ("ublox-sara-r5", "01B", "AT+ULWM2MSTAT=1,8", "+CME ERROR: 50"),
    ("ublox-sara-r4", "02B", "AT+ULWM2MSTAT=1,3", "+CME ERROR: 50"),  # no verbosity mask
    ("ublox-sara-r5", "01B", "AT+ULWM2MCONFIG=1,2", "+CME ERROR: 50"),
    ("ublox-sara-r5", "01B", "AT+ULWM2MCONFIG=721,0,1,255,1,0,0,0,40,0,0,3", "+CME ERROR: 50"),
    ("ublox-sara-r5", "01B", "AT+ULWM2M=5", "+CME ERROR: 50"),
    ("ublox-sara-r4", "63B", "AT+ULWM2M=4", "OK"),  # DoCoMo modes exist on 63B only
    ("ublox-sara-r4", "02B", "AT+ULWM2M=4", "+CME ERROR: 50"),
    ("ublox-sara-r5", "01B", "AT+ULWM2MREG?", "+CME ERROR: 3"),  # client not running
    ("ublox-sara-r5", "01B", "AT+ULWM2MREG=0", "+CME ERROR: 3"),  # client disabled (§3.2)
    ("ublox-sara-r5", "01B", "AT+ULWM2MDEREG=123", "+CME ERROR: 3"),
    ("ublox-sara-r5", "01B", 'AT+ULWM2MREAD="/0"', "+CME ERROR: 3"),  # §5.1.1
    ("ublox-sara-r5", "01B", 'AT+ULWM2MREAD="/9/9/9/9/9"', "+CME ERROR: 50"),
    ("ublox-sara-r5", "01B", 'AT+ULWM2MREAD="/3300/0"', "+CME ERROR: 50"),  # not on R5
    # §5.4's create with its quotes lost
    (
        "ublox-sara-r4",
        "63B",
        'AT+ULWM2MCREATE="{\\"bn\\":\\"/3300/0\\", \\"e\\":[{\\n\\":\\5750\\", '
        '\\"sv\\":\\Temperature\\}]}",123',
        "+CME ERROR: 50",
    ),
    (
        "ublox-sara-r5",
        "01B",
        'AT+ULWM2MWRITE="{\\"bn\\":\\"/3/0/\\",\\"e\\":[{\\"n\\":\\"9\\",\\"v\\":\\"x\\"}]}"',
        "+CME ERROR: 50",
    ),
    (
        "ublox-sara-r5",
        "01B",
        'AT+ULWM2MCREATE="{\\"bn\\":\\"/3/0/\\",\\"e\\":[{\\"n\\":\\"9\\",\\"v\\":1}]}",123',
        "+CME ERROR: 3",
    ),  # /3/0 exists
    (
        "ublox-sara-r5",
        "01B",
        'AT+ULWM2MCREATE="{\\"bn\\":\\"/16/0/\\",\\"e\\":[]}",abc',
        "+CME ERROR: 50",
    ),
    ("ublox-sara-r4", "02B", 'AT+ULWM2MWRITE=""', "+CME ERROR: 4"),  # §4.5: R5 only
    ("ublox-sara-r5", "00B-00", 'AT+ULWM2MWRITE=""', "+CME ERROR: 4"),
    ("ublox-sara-r5", "01B", "AT+ULWM2MPULSE=16,1,3000,1", "ERROR"),  # §5.5: not on R5
    ("ublox-sara-r4", "02B", "AT+ULWM2MPULSE=99,1,3000,1", "+CME ERROR: 50"),
    ("ublox-sara-r4", "02B", "AT+ULWM2MPULSE=16,1,10001,1", "+CME ERROR: 50"),
    ("ublox-lexi-r4", "R422", "AT+ULWM2MPULSE=14,1,0,0", "OK"),
    ("ublox-sara-r4", "02B", "AT+ULWM2MCONFIGEXT?", "ERROR"),  # SARA-R5 only
    ("ublox-sara-r4", "02B", "AT+ODIS?", "ERROR"),  # AT&T profile only (§4.6)
    ("ublox-sara-r4", "02B", "AT+UMNOPROF=2", "+CME ERROR: 3"),  # online (§3.3)
    ("ublox-sara-r5", "R520", 'AT+ULWM2MADD="object_generic_sensor.lua"', "+CME ERROR: 4"),
    ("ublox-sara-r4", "02B", 'AT+ULWM2MADD="nothing.lua"', "+CME ERROR: 50"),
    ("ublox-sara-r4", "02B", 'AT+URDFILE="nothing.lua","XLWM2M"', "+CME ERROR: 50"),
    ("ublox-sara-r4", "02B", 'AT+ULSTFILE=0,"OTHER"', "+CME ERROR: 50"),
    ("ublox-sara-r4", "02B", 'AT+ULWM2MDELETE="/3"', "+CME ERROR: 50"),
    ("ublox-sara-r4", "02B", "AT+ULWM2MLIST", "+CME ERROR: 50"),
    ("ublox-sara-r4", "02B", "AT+" + "X" * 3000, "ERROR"),
]


@pytest.mark.parametrize(("plugin", "variant", "command", "final"), BAD)
def test_errors(plugin: str, variant: str, command: str, final: str) -> None:
    async def run() -> list[str]:
        driver = SimDriver(plugin, variant, "coap://127.0.0.1:9", lwm2m_enabled=False)
        await driver.sim.start()
        try:
            assert await driver.at("AT+CMEE=1") == ["OK"]
            return await driver.at(command)
        finally:
            await driver.sim.stop()
            assert "Traceback" not in driver.buffer.decode("utf-8", "replace")

    assert asyncio.run(run())[-1] == final


def test_verbose_errors_and_plain_error_by_default() -> None:
    async def run() -> tuple[list[str], list[str]]:
        driver = SimDriver("ublox-sara-r5", "01B", "", lwm2m_enabled=False)
        await driver.sim.start()
        try:
            plain = await driver.at("AT+ULWM2MSTAT=9")
            await driver.at("AT+CMEE=2")
            verbose = await driver.at("AT+ULWM2MSTAT=9")
            return plain, verbose
        finally:
            await driver.sim.stop()

    plain, verbose = asyncio.run(run())
    assert plain == ["ERROR"]  # u-blox powers up with +CMEE=0
    assert verbose[-1].startswith("+CME ERROR: ") and "out of range" in verbose[-1]


def test_settings_survive_reboot_and_power_cycle() -> None:
    store = SettingsStore()

    async def first() -> None:
        driver = SimDriver("ublox-sara-r5", "01B", "", settings=store, lwm2m_enabled=False)
        await driver.sim.start()
        try:
            for command in ("AT+ULWM2MSTAT=1,6", "AT+ULWM2MCONFIG=123,0,1,1,0", "AT+CFUN=16"):
                assert await driver.at(command) == ["OK"]
            await asyncio.sleep(0.05)
            assert await driver.at("AT+ULWM2MSTAT?") == ["+ULWM2MSTAT: 1,6", "OK"]
        finally:
            await driver.sim.stop()

    async def second() -> list[str]:
        driver = SimDriver("ublox-sara-r5", "01B", "", settings=store)
        await driver.sim.start()
        try:
            return (await driver.at("AT+ULWM2MSTAT?")) + await driver.at("AT+ULWM2MCONFIG?")
        finally:
            await driver.sim.stop()

    asyncio.run(first())
    lines = asyncio.run(second())
    assert lines[0] == "+ULWM2MSTAT: 1,6"
    assert any(line.startswith("+ULWM2MCONFIG: 123,0,1,1,0") for line in lines)


def test_write_on_sara_r5_commits_only_with_empty_write() -> None:
    """§4.5: values are not saved in NVM until AT+ULWM2MWRITE="" (a reset loses them)."""
    store = SettingsStore()
    write = (
        'AT+ULWM2MWRITE="{\\"bn\\":\\"/3/0/\\",\\"e\\":[{\\"n\\":\\"14\\",\\"sv\\":\\"+01:00\\"}]}"'
    )

    async def run() -> list[str]:
        driver = SimDriver("ublox-sara-r5", "01B", "", settings=store, lwm2m_enabled=False)
        await driver.sim.start()
        try:
            assert await driver.at(write) == ["OK"]
            assert await driver.at('AT+ULWM2MWRITE=""') == ["OK"]
            return await driver.at('AT+ULWM2MREAD="/3/0/14"')
        finally:
            await driver.sim.stop()

    lines = asyncio.run(run())
    assert '"+01:00"' in lines[0]
    assert "+01:00" in str(store["db"]["objects"][3][0][14])
