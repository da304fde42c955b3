"""Under CI a skip for a missing peer or corpus fails the run (tests/peers.py, issue 10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.pytest_probe import run_pytest_probe

PROBE = """
import pytest

from tests.peers import needs_peer, skip_missing_peer


@needs_peer(False, "frobnicator (apt-get install frobnicator)")
def test_needs_a_peer_that_is_missing():
    pass


def test_finds_at_run_time_that_a_peer_is_missing():
    skip_missing_peer("tshark (apt-get install tshark)")


@pytest.mark.skipif(True, reason="POSIX only")
def test_skipped_for_another_reason():
    pass


def test_passes():
    pass
"""


@pytest.mark.parametrize("ci", ["", "true"])
def test_missing_peer_skips_fail_only_under_ci(tmp_path: Path, ci: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = ci
    proc = run_pytest_probe(tmp_path, PROBE, env, with_conftest=True)
    out = proc.stdout + proc.stderr
    if ci:
        assert proc.returncode == 1, out
        # A skipif mark skips during set-up, so pytest counts that one as an error.
        assert "1 failed, 1 passed, 1 skipped, 1 error" in out, out
        assert "CI is set, so a missing peer or corpus is a failure" in out
        assert "frobnicator" in out and "tshark" in out
    else:
        assert proc.returncode == 0, out
        assert "1 passed, 3 skipped" in out, out
        assert "missing peer: frobnicator" in out
