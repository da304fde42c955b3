"""FOTA on a simulated SIM7028: push and pull of a 200 KB package. Update resets the module
(``RDY``); its configuration is not saved (NO_SAVE), so the host configures and opens the
session again, and the server then reads the package's hash in /3/0/3."""

from __future__ import annotations

import os

import pytest

from tests.plugins.harness import ModuleBench
from tests.plugins.simcom_sim7028.test_end_to_end import finish, start
from workbench.lwm2m import firmware as fw
from workbench.server.fota import FirmwarePackage, FotaOptions

EP = "simcom-fota"


def _open(bench: ModuleBench) -> None:
    port = bench.server.address[1]
    assert bench.at("AT+LWSTART")[-1] == "OK"
    for command in (
        'AT+LWCNF="server","127.0.0.1"',
        f'AT+LWCNF="serverport","{port}"',
        f'AT+LWCNF="endpointname","{EP}"',
    ):
        assert bench.at(command)[-1] == "OK", command
    assert bench.at("AT+LWOPEN", timeout=10)[-1] == "OK"
    bench.wait_line(r"^\+LMOPEN: 0$")


@pytest.mark.parametrize("method", ["pull", "push"])
def test_update_end_to_end(method: str) -> None:
    package = FirmwarePackage(f"sim7028-{method}.bin", os.urandom(200 * 1024))
    with ModuleBench("simcom-sim7028") as bench:
        _open(bench)
        assert bench.wait_registered() == EP
        job = start(bench, lambda s: s.fota.update(EP, package, FotaOptions(method=method)))
        bench.wait_line("^RDY$", timeout=60)
        _open(bench)  # the host brings the LwM2M session back after the reset
        outcome = finish(bench, job)
        assert outcome.ok and outcome.result == fw.SUCCESS, outcome
        assert outcome.firmware_version is not None
        assert outcome.firmware_version.endswith("+" + package.tag)
        assert outcome.bytes == package.size
