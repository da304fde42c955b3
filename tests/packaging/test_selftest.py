"""``lwm2m-workbench --self-test``: the smoke test every installed bundle runs."""

from __future__ import annotations

import subprocess
import sys

from tests.plugin_fixtures import BUNDLED_IDS
from workbench.app.selftest import SelfTestResult, demo_candidates, self_test
from workbench.plugin.loader import discover_plugins

CANDIDATES = demo_candidates(discover_plugins(entry_points=False, user=False))


def test_every_bundled_plugin_is_a_self_test_candidate() -> None:
    assert [plugin.id for plugin in CANDIDATES] == list(BUNDLED_IDS)


# Runs the CLI as the installed app does and fails if anything Qt-ish was imported on the way.
HEADLESS = """
import sys
from workbench.cli import main
status = main(sys.argv[1:])
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"))
if qt:
    print("imported Qt:", qt)
    status = 3
sys.exit(status)
"""


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HEADLESS, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_self_test_passes_headless_with_one_line_verdict() -> None:
    proc = run_cli("--self-test")
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(lines) == 1
    assert lines[0].startswith(f"self-test: PASS {CANDIDATES[0].id} registered in ")
    assert "/3/0 read " in lines[0]


def test_self_test_in_process_reads_device_object() -> None:
    result = self_test(CANDIDATES[0].id)
    assert result.passed, result.verdict()
    assert result.values > 0
    assert result.definitions > 0
    assert result.registered_in is not None and result.registered_in <= result.total


def test_unknown_module_fails_with_its_name() -> None:
    proc = run_cli("--self-test", "no-such-module")
    assert proc.returncode == 1
    assert proc.stdout.startswith("self-test: FAIL ")
    assert "no-such-module" in proc.stdout


def test_verdict_lists_every_failure() -> None:
    result = SelfTestResult(failures=["plugin x: ImportError: y", "sim://a: no OK"], total=0.3)
    assert not result.passed
    assert result.verdict() == (
        "self-test: FAIL plugin x: ImportError: y; sim://a: no OK (total 0.3 s)"
    )
