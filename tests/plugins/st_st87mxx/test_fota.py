"""FOTA on a simulated ST87M01: pull only (Table 6), the module reboots and comes back updated.

The built-in server writes a Package URI, the module downloads the 200 KB package block-wise,
the server executes Update, the module prints its boot URCs on the AT side, auto-registers
again (``AT#LWPARAMS`` auto_reg=1) and /3/0/3 carries the package's hash prefix.
"""

from __future__ import annotations

import os

from tests.plugins.harness import ModuleBench
from workbench.lwm2m import firmware as fw
from workbench.server.fota import FirmwarePackage, FotaOptions

EP = "ST87M01_CLIENT"
PACKAGE = FirmwarePackage("st87.bin", os.urandom(200 * 1024))


def _register(bench: ModuleBench) -> None:
    url = bench.server_url.upper()
    assert bench.at("AT#SOCKETCREATE=5,0,UDP,5683,30,30")[-1] == "OK"
    assert bench.at("AT#LWSTART")[-1] == "OK"
    assert bench.at(f"AT#LWPARAMS={EP},1,1,{url},U,60,0,1,1")[-1] == "OK"
    assert bench.at("AT#LWCFG=5,0")[-1] == "OK"
    assert bench.at("AT#LWREG=1,1")[-1] == "OK"
    assert bench.wait_registered() == EP


def test_pull_update_reboots_and_reports_the_new_version() -> None:
    with ModuleBench("st-st87mxx") as bench:
        _register(bench)
        outcome = bench.run(
            lambda s: s.fota.update(EP, PACKAGE, FotaOptions(method="auto")), timeout=120
        )
        assert outcome.method == "pull"
        assert outcome.ok and outcome.result == fw.SUCCESS, outcome
        assert outcome.firmware_version == f"ST87M01_V1.0.0+{PACKAGE.tag}"
        assert outcome.bytes == PACKAGE.size
        # The AT side saw the module restart (its boot URC) and register again.
        bench.wait_line(r"^#REBOOT_HOST$", since_start=True)
        bench.wait_line(r"^#LWREG: 1,3$", since_start=True)
        assert bench.at("AT#LWREADRSCVAL=/3/0/3")[-2].endswith(f"+{PACKAGE.tag}")


def test_push_is_refused_as_table_6_says() -> None:
    with ModuleBench("st-st87mxx") as bench:
        _register(bench)
        delivery = bench.run(lambda s: s.read(EP, "/5/0/9"))
        assert list(delivery.values.values()) == [fw.PULL_ONLY]
        outcome = bench.run(lambda s: s.fota.update(EP, PACKAGE, FotaOptions(method="push")))
        assert not outcome.ok and "does not allow push" in (outcome.error or "")
        # Package is "Not supported": a server writing it anyway finds no such resource.
        answer = bench.run(lambda s: s.write(EP, "/5/0/0", b"\x01\x02"))
        assert answer.code == "4.04"


def test_injected_integrity_failure() -> None:
    with ModuleBench("st-st87mxx", fota_fail="integrity") as bench:
        _register(bench)
        outcome = bench.run(lambda s: s.fota.update(EP, PACKAGE), timeout=120)
        assert not outcome.ok and outcome.result == fw.INTEGRITY_FAILURE
        assert outcome.result_text == "integrity check failure for new downloaded package"
