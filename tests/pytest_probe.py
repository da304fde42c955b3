"""Run a probe test file in a child pytest, with or without the suite's tests/conftest.py.

For the tests of the suite's own set-up (per-user folders, CI skips): the probe lives in a
temporary folder, outside the tests package, so the suite's conftest applies only when it is
loaded explicitly as a plugin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_pytest_probe(
    work: Path, source: str, env: Mapping[str, str], *, with_conftest: bool
) -> subprocess.CompletedProcess[str]:
    """Write ``source`` as ``work/test_probe.py`` and run pytest on it with ``env``."""
    work.mkdir(parents=True, exist_ok=True)
    probe = work / "test_probe.py"
    probe.write_text(source)
    plugin = ["-p", "tests.conftest"] if with_conftest else []
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *plugin]
    command += ["--rootdir", str(work), "-c", os.devnull, str(probe)]
    return subprocess.run(
        command,
        cwd=work,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
