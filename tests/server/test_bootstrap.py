"""Client-initiated bootstrap driven by a JSON configuration; keys stay out of logs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiocoap.numbers.codes import Code

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server import BootstrapConfig, BootstrapConfigError

CONFIG: dict[str, Any] = {
    "endpoints": {
        "*": {
            "delete": ["/"],
            "security": [
                {
                    "instance": 0,
                    "uri": "coaps://127.0.0.1:5684",
                    "bootstrap": False,
                    "mode": 0,
                    "short_id": 101,
                    "psk_identity": "dev-1",
                    "psk_key": "00112233445566778899",
                },
            ],
            "servers": [{"short_id": 101, "lifetime": 300, "binding": "U"}],
            "read": ["/1"],
        }
    }
}


def test_bootstrap_sequence(registry: ObjectRegistry, tmp_path: Any) -> None:
    path = tmp_path / "bs.json"
    path.write_text(json.dumps(CONFIG))
    config = BootstrapConfig.load(path)

    async def scenario() -> None:
        dev = FakeDevice(registry)
        async with serving(registry, dev, bootstrap=config) as server:
            events = server.events.stream()
            log: list[dict[str, Any]] = []
            server.coap_log.subscribe(lambda entry: log.append(entry.to_dict()))
            assert (await dev.bootstrap(server.address)).code == Code.CHANGED
            while True:
                ev = await events.get(5)
                if ev.kind == "bootstrap" and ev.data["state"] in ("finished", "failed"):
                    break
            assert ev.data["state"] == "finished", ev.data
            assert dev.bootstrap_finished
            assert dev.values[Path.of(0, 0, 5)] == bytes.fromhex("00112233445566778899")
            assert dev.values[Path.of(1, 0, 1)] == 300
            text = json.dumps(log) + json.dumps([e.to_dict() for e in [ev]])
            assert "00112233445566778899" not in text
            assert "***" in text
            await asyncio.sleep(0)

    run(scenario())


def test_bootstrap_config_errors() -> None:
    with pytest.raises(BootstrapConfigError):
        BootstrapConfig.from_json({"nope": 1})
    with pytest.raises(BootstrapConfigError, match="psk_key"):
        BootstrapConfig.from_json(
            {"endpoints": {"x": {"security": [{"instance": 0, "psk_key": "zz"}]}}}
        )
