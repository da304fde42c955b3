"""A server request caught in the module's documented reset reaches it once it is back.

SARA-R4 and LEXI-R4 run their LwM2M client from power-on (the factory server 721), so the
connect sequence's ``AT+CFUN=16`` ("Reboot the module to restart the LwM2M client", §4.1)
restarts a registered client: the old socket closes without a De-register and the client
registers again from a new port. A request the server sends in between is refused by the
closed port; it must wait for the new registration, not fail with a network error (the
window's object tree timed out on exactly this, right after the demo's connect sequence).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.harness import ModuleBench


@pytest.mark.parametrize(
    ("plugin_id", "variant"), [("ublox-sara-r4", "02B"), ("ublox-lexi-r4", None)]
)
def test_a_write_during_the_reboot_reaches_the_restarted_client(
    plugin_id: str, variant: str | None
) -> None:
    # boot_delay: the reset takes a second here, so the write surely falls into it.
    with ModuleBench(plugin_id, variant, boot_delay=1.0) as bench:
        endpoint = bench.wait_registered()
        old_address = bench.server.clients[endpoint].address
        events: list[dict[str, Any]] = []

        async def watch(server: Any) -> None:
            server.events.subscribe(lambda e: events.append({"kind": e.kind, **e.data}))

        bench.run(watch)
        assert bench.at("AT+CFUN=16")[-1] == "OK"
        write = bench.run(lambda s: s.write(endpoint, "/3/0/14", "+01:00"), timeout=20)
        assert write.code == "2.04"

        kinds = [e["kind"] for e in events]
        assert "unreachable" in kinds, kinds
        unreachable = next(e for e in events if e["kind"] == "unreachable")
        assert unreachable["address"] == old_address and unreachable["path"] == "/3/0/14"
        registered = [e for e in events if e["kind"] == "registered"]
        assert registered and registered[-1]["address"] != old_address
        assert kinds.index("unreachable") < kinds.index("registered")
        request = [e["state"] for e in events if e["kind"] == "request"]
        assert request == ["queued", "sent", "queued", "sent", "done"]

        lines = bench.at('AT+ULWM2MREAD="/3/0/14"')
        assert lines[-1] == "OK" and '"sv":"+01:00"' in lines[-2]
