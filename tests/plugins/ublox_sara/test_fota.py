"""FOTA on a simulated SARA-R5: object 5 is "Only via uFOTA server" (Tables 1-4), so the
built-in server — not u-blox's uFOTA service — cannot update it; the README says how the
answers below were inferred."""

from __future__ import annotations

import os

from tests.plugins.harness import ModuleBench
from workbench.lwm2m import firmware as fw
from workbench.server.fota import FirmwarePackage, FotaOptions

PACKAGE = FirmwarePackage("not-a-ufota-delta.bin", os.urandom(200 * 1024))


def test_foreign_server_cannot_update_a_sara() -> None:
    with ModuleBench("ublox-sara-r5", "01B", lifetime=60) as bench:
        assert bench.at("AT+ULWM2MSTAT=1,7")[-1] == "OK"
        assert bench.at("AT+ULWM2M=0")[-1] == "OK"
        assert bench.at("AT+CFUN=16")[-1] == "OK"
        endpoint = bench.wait_registered()
        # Push: Package is not among the supported resources; Delivery Method says pull.
        outcome = bench.run(lambda s: s.fota.update(endpoint, PACKAGE, FotaOptions(method="push")))
        assert not outcome.ok and "does not allow push" in (outcome.error or "")
        answer = bench.run(lambda s: s.write(endpoint, "/5/0/0", b"\x01"))
        assert answer.code == "4.04"
        # Pull: the package is fetched but it is no uFOTA delta image: Update Result 6.
        outcome = bench.run(
            lambda s: s.fota.update(endpoint, PACKAGE, FotaOptions(method="pull")), timeout=60
        )
        assert not outcome.ok and outcome.result == fw.UNSUPPORTED_PACKAGE, outcome
        assert outcome.result_text == "unsupported package type"
        version = bench.run(lambda s: s.read(endpoint, "/3/0/3"))
        assert not str(next(iter(version.values.values()))).endswith("+" + PACKAGE.tag)
