"""Registration and device management against a fake device over real UDP."""

from __future__ import annotations

import pytest
from aiocoap.numbers.codes import Code

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server.transport import TRANSPORTS


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_register_read_write_execute(registry: ObjectRegistry, transport: str) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev, transport=transport) as server:
            events = server.events.stream()
            log: list[dict[str, object]] = []
            server.coap_log.subscribe(lambda entry: log.append(entry.to_dict()))
            response = await dev.register(server.address)
            assert response.code == Code.CREATED
            info = server.clients["dev-1"]
            assert info.lwm2m_version == "1.1"
            assert info.address == f"127.0.0.1:{dev.port}"
            assert 3 in info.objects and info.objects[3].instances == [0]
            ev = await events.get(1)
            assert ev.kind == "registered" and ev.endpoint == "dev-1"

            result = await server.read("dev-1", "/3/0")
            assert result.code == "2.05"
            assert result.format == ContentFormat.SENML_JSON
            assert result.values[Path.of(3, 0, 0)] == "Acme"
            assert result.request is not None and result.request.state.value == "done"

            answer = [e for e in log if e["direction"] == "in" and e.get("code") == "2.05"][-1]
            assert answer["path"] == "/3/0" and answer["peer"] == f"127.0.0.1:{dev.port}"
            assert answer["payload"]["/3/0/0"] == "Acme"  # type: ignore[index]
            assert log[0]["method"] == "POST" and log[1]["code"] == "2.01"

            result = await server.read("dev-1", "/3/0/9", fmt=ContentFormat.TEXT)
            assert result.values == {Path.of(3, 0, 9): 87}

            written = await server.write("dev-1", "/1/0/1", 120)
            assert written.code == "2.04"
            assert dev.values[Path.of(1, 0, 1)] == 120

            done = await server.execute("dev-1", "/3/0/4", "5,'x'")
            assert done.code == "2.04"
            assert dev.executed == [("/3/0/4", b"5,'x'")]

            attrs = await server.write_attributes("dev-1", "/3/0/9", {"pmin": 10, "gt": 20.5})
            assert attrs.code == "2.04"
            assert dev.attributes["/3/0/9"] == ("pmin=10", "gt=20.5")

            disc = await server.discover("dev-1", "/3/0")
            assert disc.code == "2.05"
            assert any(link.target == "/3/0/0" for link in disc.links)

            response = await dev.deregister()
            assert response.code == Code.DELETED
            assert "dev-1" not in server.clients

    run(scenario())
