"""FOTA on a simulated BG95: push and pull of a 200 KB package; the module resets (RDY,
APP RDY on the AT side), autostarts its client, registers again and reports the new version."""

from __future__ import annotations

import os

import pytest

from tests.plugins.harness import ModuleBench
from workbench.lwm2m import firmware as fw
from workbench.server.fota import FirmwarePackage, FotaOptions


@pytest.mark.parametrize("method", ["pull", "push"])
def test_update_resets_the_module_and_reports_the_hash(method: str) -> None:
    package = FirmwarePackage(f"bg95-{method}.bin", os.urandom(200 * 1024))
    with ModuleBench("quectel-bg95", ack_timeout=0.5, request_timeout=5.0) as bench:
        url = bench.server_url
        assert bench.at(f'AT+QLWCFG="security",0,100,"{url}",0,3')[-1] == "OK"
        assert bench.at('AT+QLWCFG="server",0,60,0,50,60,1,"U"')[-1] == "OK"
        assert bench.at('AT+QLWCFG="autostart",1')[-1] == "OK"
        assert bench.at('AT+QLWSVC="reg"')[-1] == "OK"
        bench.wait_line(r'^\+QLWURC: "event",100,2,"REG_READY"$')
        endpoint = bench.wait_registered()
        outcome = bench.run(
            lambda s: s.fota.update(endpoint, package, FotaOptions(method=method)), timeout=120
        )
        assert outcome.ok and outcome.result == fw.SUCCESS, outcome
        assert outcome.method == method and outcome.bytes == package.size
        assert outcome.firmware_version is not None
        assert outcome.firmware_version.endswith("+" + package.tag)
        bench.wait_line(r"^RDY$", since_start=True)
        bench.wait_line(r"^APP RDY$", since_start=True)
        assert bench.at("AT")[-1] == "OK"


def test_injected_connection_loss() -> None:
    package = FirmwarePackage("bg95-lost.bin", os.urandom(50 * 1024))
    with ModuleBench("quectel-bg95", fota_fail="connection") as bench:
        url = bench.server_url
        assert bench.at(f'AT+QLWCFG="security",0,100,"{url}",0,3')[-1] == "OK"
        assert bench.at('AT+QLWCFG="server",0,60,0,50,60,1,"U"')[-1] == "OK"
        assert bench.at('AT+QLWSVC="reg"')[-1] == "OK"
        endpoint = bench.wait_registered()
        outcome = bench.run(lambda s: s.fota.update(endpoint, package), timeout=60)
        assert not outcome.ok and outcome.result == fw.CONNECTION_LOST
        assert outcome.result_text == "connection lost during downloading process"
