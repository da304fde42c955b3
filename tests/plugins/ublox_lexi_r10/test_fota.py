"""FOTA on a simulated LEXI-R10401D: push and pull of a 200 KB package, the module restarts and
its client registers again with the package's hash in /3/0/3 (inferred limits: README)."""

from __future__ import annotations

import os

import pytest

from tests.plugins.harness import ModuleBench
from workbench.lwm2m import firmware as fw
from workbench.server.fota import FirmwarePackage, FotaOptions


@pytest.mark.parametrize("method", ["pull", "push"])
def test_update_end_to_end(method: str) -> None:
    package = FirmwarePackage(f"lexi-{method}.bin", os.urandom(200 * 1024))
    with ModuleBench("ublox-lexi-r10", lifetime=60, start_delay=0.5) as bench:
        assert bench.at("AT+ULWM2M=0")[-1] == "OK"
        assert bench.at("AT+CFUN=16")[-1] == "OK"
        endpoint = bench.wait_registered()
        outcome = bench.run(
            lambda s: s.fota.update(endpoint, package, FotaOptions(method=method)), timeout=120
        )
        assert outcome.ok and outcome.result == fw.SUCCESS, outcome
        assert outcome.firmware_version == f"00B.01+{package.tag}"
        assert outcome.bytes == package.size
        # The restart shows on the AT side as the module's boot, then the client comes back.
        assert bench.at("AT")[-1] == "OK"
        assert bench.wait_registered() == endpoint
