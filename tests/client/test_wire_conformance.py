"""The client engine's full session, per LwM2M version, passes the strict checker on the wire.

Bootstrap-Request, Register, Update, Notify, Send (1.1 and 1.2 only: 1.0 has none) and
De-register go over real UDP to the built-in server (which is also the bootstrap server); the
datagrams are taken from its CoAP message log and judged against the version the client
declares, with the checker built from the version table.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.client.helpers import run
from tests.plugins.test_wire_conformance import judge
from workbench.client import ClientConfig, ExchangeError, LwM2MClient
from workbench.server import BootstrapConfig, LwM2MServer
from workbench.server.coaplog import CoapLogEntry


def _bootstrap(uri: str, binding: str) -> BootstrapConfig:
    return BootstrapConfig.from_json(
        {
            "endpoints": {
                "*": {
                    "delete": ["/"],
                    "security": [
                        {"instance": 1, "uri": uri, "bootstrap": False, "mode": 3, "short_id": 7}
                    ],
                    "servers": [{"short_id": 7, "lifetime": 300, "binding": binding}],
                }
            }
        }
    )


@pytest.mark.parametrize(("version", "binding"), [("1.0", "UQ"), ("1.1", "UQ"), ("1.2", "U")])
def test_client_engine_session_passes_the_checker(version: str, binding: str) -> None:
    async def scenario() -> None:
        server = LwM2MServer("127.0.0.1", 0)
        await server.start()
        entries: list[CoapLogEntry] = []
        server.coap_log.subscribe(entries.append)
        host, port = server.address
        url = f"coap://{host}:{port}"
        server.bootstrap_config = _bootstrap(url, binding)
        client = LwM2MClient(
            "wire-" + version,
            None,
            config=ClientConfig(
                bootstrap_url=url, lwm2m_version=version, awake_time=30, retry_initial=0.05
            ),
        )
        try:
            await client.start(timeout=15)
            endpoint = client.endpoint
            lifetime = f"/1/{server.client(endpoint).objects[1].instances[0]}/1"
            await server.observe(endpoint, lifetime)
            await server.write(endpoint, lifetime, 600)  # an Update and a notification
            for _ in range(100):
                ops = judge(entries)[0]
                if "update" in ops and ops.count("notify") >= 2:
                    break
                await asyncio.sleep(0.05)
            if version == "1.0":
                with pytest.raises(ExchangeError, match=r"1\.0"):
                    await client.send(["/3/0/0"])
            else:
                await client.send(["/3/0/0"])
            await client.stop()
        finally:
            await server.stop()
        operations, findings, versions = judge(entries)
        expected = {"bootstrap_request", "register", "update", "notify", "deregister"}
        if version != "1.0":
            expected.add("send")
        assert expected <= set(operations), operations
        assert findings == [], "\n".join(f"{f['message']}: {f['plain']}" for f in findings)
        assert versions == {version}

    run(scenario(), timeout=60)


def test_a_1_0_client_does_not_send(monkeypatch: Any) -> None:
    """LwM2M 1.0 has no Send: the engine refuses before anything goes on the wire."""

    async def scenario() -> None:
        client = LwM2MClient(
            "no-send", "coap://127.0.0.1:9", config=ClientConfig(lwm2m_version="1.0")
        )
        client.account = object()  # type: ignore[assignment]
        client.location = ("rd", "x")
        with pytest.raises(ExchangeError, match=r"Send does not exist in LwM2M 1\.0"):
            await client.send(["/3/0/0"])

    run(scenario(), timeout=10)
