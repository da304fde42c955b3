"""DTLS-PSK: register over DTLS, then a server-initiated Read on the same session.

aiocoap 0.4.17 raises NoRequestInterface for that Read unless the server's DTLS interface
recognises its own addresses (the workaround in workbench.server.dtls).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiocoap import Context, Message
from aiocoap.numbers.codes import Code

from tests.peers import needs_peer
from tests.server.conftest import run, serving
from tests.server.device import FakeDevice, _DeviceSite
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server.dtls import dtls_available

pytestmark = needs_peer(dtls_available(), "DTLSSocket (bash scripts/install-peers.sh)")

KEY = "secret-key-0123"


def test_dtls_register_and_read(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, psk={"dev-1": KEY.encode()}, dtls_port=0) as server:
            log: list[dict[str, Any]] = []
            server.coap_log.subscribe(lambda entry: log.append(entry.to_dict()))
            events: list[dict[str, Any]] = []
            server.events.subscribe(lambda ev: events.append(ev.to_dict()))
            assert server.dtls_address is not None
            port = server.dtls_address[1]
            ctx = await Context.create_client_context(transports=["tinydtls"])
            try:
                ctx.client_credentials.load_from_dict(
                    {
                        f"coaps://127.0.0.1:{port}/*": {
                            "dtls": {
                                "psk": {"ascii": KEY},
                                "client-identity": {"ascii": "dev-1"},
                            }
                        }
                    }
                )
                ctx.serversite = _DeviceSite(dev)
                request = Message(
                    code=Code.POST,
                    uri=f"coaps://127.0.0.1:{port}/rd?ep=dev-1&lt=60&lwm2m=1.1",
                    payload=dev.links(),
                    content_format=40,
                )
                response = await asyncio.wait_for(ctx.request(request).response, 10)
                assert response.code == Code.CREATED
                assert server.clients["dev-1"].secure
                result = await server.read("dev-1", "/3/0/0")
                assert result.values == {Path.of(3, 0, 0): "Acme"}
            finally:
                await ctx.shutdown()
            assert any(e["peer"].startswith("coaps://") for e in log)
            assert KEY not in json.dumps(log) + json.dumps(events)

    run(scenario())


def test_dtls_beside_an_ephemeral_coap_port_takes_a_free_port_of_its_own(
    registry: ObjectRegistry,
) -> None:
    """ "CoAP port + 1" is CoAPS' 5684 beside a chosen 5683, never a guess beside a free port.

    Beside an ephemeral CoAP port, port + 1 may be another program's (parallel test runs
    failed with "Address already in use" there), so the listener asks for a free port.
    """
    from workbench.server import LwM2MServer

    psk = {"dev-1": KEY.encode()}
    assert LwM2MServer("127.0.0.1", 0, registry, psk=psk)._dtls_bind() == 0
    assert LwM2MServer("127.0.0.1", 5683, registry, psk=psk)._dtls_bind() is None  # 5684
    assert LwM2MServer("127.0.0.1", 5683, registry, psk=psk, dtls_port=7000)._dtls_bind() == 7000

    async def scenario() -> None:
        async with serving(registry, psk=psk) as server:
            assert server.dtls_address is not None
            assert server.dtls_address[1] > 0

    run(scenario())
