"""URCs produced from what happens on the wire, decoded by the plugin's own decoder (§3.3)."""

from __future__ import annotations

import asyncio

from plugins.quectel_bg95 import PLUGINS
from tests.plugins.quectel_bg95.simbench import SimBench, sim_bench
from workbench.app.pipeline import decode_log, events_of


async def _registered(bench: SimBench) -> str:
    await bench.cmd(f'AT+QLWCFG="security",0,100,"{bench.url}",0,3')
    await bench.cmd('AT+QLWSVC="reg"')
    await bench.wait_for('"REG_READY"')
    return next(iter(bench.server.clients))


def test_opaque_downlink_observe_cancel_and_lifetime() -> None:
    async def scenario() -> SimBench:
        async with sim_bench() as bench:
            endpoint = await _registered(bench)
            result = await bench.server.write(endpoint, "/5/0/0", b"\xca\xfe")
            assert result.code == "2.04"
            assert await bench.wait_lines(2) == ['+QLWURC: "recv","/5/0/0",5,2,', "CAFE"]
            await bench.server.observe(endpoint, "/3/0/9")
            await bench.wait_for(r'"observe",100,"/3/0/9",\d+,\d+,0$')
            await bench.server.cancel_observation(endpoint, "/3/0/9")
            await bench.wait_for(r'"observe",100,"/3/0/9",\d+,\d+,1$')
            assert (await bench.cmd('AT+QLWSVC="lifetime",100'))[1] == (
                '+QLWSVC: "lifetime",100,86400'
            )
            await bench.cmd('AT+QLWSVC="lifetime",100,600')
            await bench.wait_for('"REG_UPDATE"')
            assert bench.server.client(endpoint).lifetime == 600
            return bench

    bench = asyncio.run(asyncio.wait_for(scenario(), 60))
    events = list(events_of(decode_log(bytes(bench.raw), PLUGINS[0])))
    assert not [e for e in events if e.kind == "unknown"]
    downlink = next(e for e in events if e.kind == "downlink")
    assert downlink.fields == {
        "path": "/5/0/0",
        "value": "CAFE",
        "data_type": 5,
        "format": "opaque",
        "length": 2,
    }
    observes = [e["active"] for e in events if e.kind == "observe"]
    assert observes == [True, False]
