"""The simulator reproduces every example dialogue of the application note (§4).

Each fixture is replayed command by command against the simulator, which runs a real LwM2M
client against the built-in server on 127.0.0.1 (also the bootstrap server for §4.2.1). The
document's servers are replaced by the local one; every other line must have the document's
shape (numbers may differ: ports, the §4.2.1 query that prints 101 for a configured 111) and
the decoded events must be the same kinds, states and codes as the document's own transcript.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from plugins.quectel_bg95 import PLUGINS
from tests.plugins.quectel_bg95.simbench import SimBench, sim_bench
from workbench.app.pipeline import decode_log, events_of

HERE = Path(__file__).parent / "transcripts"
DOC_BS = "coaps://leshan.eclipseprojects.io:5784"
DOC_DM = "coap://leshan.eclipseprojects.io:5683"


def blocks(text: str) -> list[list[str]]:
    """Command line + the non-blank lines that follow it, per command."""
    out: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("AT"):
            out.append([line])
        elif out:
            out[-1].append(line)
    return out


def shape(expected: str) -> re.Pattern[str]:
    """``expected`` with every number allowed to differ."""
    return re.compile(re.sub(r"\\?-?\d+", r"-?\\d+", re.escape(expected)))


def semantics(data: bytes) -> list[tuple[object, ...]]:
    events = events_of(decode_log(data, PLUGINS[0]))
    return [
        (e.kind, e.get("state"), e.get("code"), e.get("active"))
        for e in events
        if e.kind not in ("setting", "command", "result")
    ]


async def replay(bench: SimBench, text: str) -> None:
    for block in blocks(text):
        bench.sim.receive(block[0].encode() + b"\r")
        got = await bench.wait_lines(len(block), timeout=10.0)
        assert len(got) == len(block), f"{block[0]}: expected {block}, got {got}"
        for want, line in zip(block, got, strict=True):
            assert shape(want).fullmatch(line), f"{block[0]}: {line!r} is not like {want!r}"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    assert bench.lines[bench.cursor :] == [], "unexpected extra lines"


def _fixture(name: str, bench: SimBench, bs_url: str) -> str:
    text = (HERE / name).read_text()
    return text.replace(DOC_BS, bs_url).replace(DOC_DM, bench.url)


@pytest.mark.parametrize("plugin_id", ["quectel-bg95", "quectel-bg77", "quectel-bg600l"])
def test_4_2_2_factory_bootstrap(plugin_id: str) -> None:
    async def scenario() -> None:
        async with sim_bench(plugin_id) as bench:
            text = _fixture("s4_2_2_factory_bootstrap.txt", bench, "")
            await replay(bench, text)
            assert semantics(bytes(bench.raw)) == semantics(text.encode())
            assert bench.sim.config.security() == {}, "factory reset keeps no configuration"

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_4_2_1_client_initiated_bootstrap() -> None:
    async def scenario() -> None:
        async with sim_bench(bootstrap=True) as bench:
            text = _fixture("s4_2_1_client_initiated_bootstrap.txt", bench, bench.url)
            await replay(bench, text)
            assert semantics(bytes(bench.raw)) == semantics(text.encode())
            device = bench.sim.config.get("device")
            assert device == ["Quectel", "BG95-M3", "R2.1", "04", "BG95M3LAR02A04", "Quectel_BG95"]

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_4_1_provisioning_profiles_autostart() -> None:
    async def scenario() -> None:
        ini = (HERE / "s4_1_bootstrap_nosec.ini").read_text()
        server_holder: dict[str, str] = {}
        async with sim_bench(files={}) as bench:
            server_holder["url"] = bench.url
            # Put bootstrap.ini and the autostart script into /datatx, then reboot (§4.1 3).
            bench.sim.files.update(
                {"bootstrap.ini": ini.replace(DOC_DM, bench.url), "lwm2m_app_autostart": ""}
            )
            lines = await bench.cmd("AT+CFUN=1,1")
            assert lines == ["AT+CFUN=1,1", "OK"]
            got = await bench.wait_lines(4, timeout=10.0)
            expected = ["RDY", "APP RDY"] + [
                line for line in (HERE / "s4_1_provisioning_profiles.txt").read_text().splitlines()
                if line
            ]  # fmt: skip
            assert got == expected
            client = bench.server.client(next(iter(bench.server.clients)))
            assert client.lifetime == 50000

    asyncio.run(asyncio.wait_for(scenario(), 60))
