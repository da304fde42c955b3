"""Session-wide test set-up for the whole suite.

Per-user folders (issue 10): before anything is collected, HOME and the XDG base directories
point into one temporary folder, so no test reads the developer's saved settings, plugins,
object definitions or sessions, and none leaves anything behind in them. Qt's QSettings and
QStandardPaths, the session recorder, the plugin loader and the definitions loader all derive
their folders from these variables; subprocesses inherit them.
``tests/test_user_folders.py`` proves it by running part of the suite with a fresh HOME and
finding that HOME still empty afterwards.

Missing peers under CI (issue 10): a test that needs a third-party peer or corpus skips with a
reason starting with :data:`tests.peers.MISSING` (use :func:`tests.peers.needs_peer` or
:func:`tests.peers.skip_missing_peer`). On a developer's machine that stays a skip; when the
``CI`` environment variable is set it is reported as a failure, so CI cannot pass without its
interop runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers import MISSING

#: The variables that decide where per-user state lives on Linux (and HOME for ~ elsewhere).
USER_VARIABLES = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
#: A developer's own overrides of per-user places, ignored during the run.
OVERRIDES = ("LWM2M_WORKBENCH_SESSIONS",)

_saved: dict[str, str | None] = {}
_state: dict[str, Path] = {}


def pytest_configure(config: pytest.Config) -> None:
    temp = Path(tempfile.mkdtemp(prefix="wb-tests-home-"))
    _state["temp_home"] = temp
    for name in USER_VARIABLES + OVERRIDES:
        _saved[name] = os.environ.pop(name, None)
    os.environ["HOME"] = str(temp)
    os.environ["XDG_CONFIG_HOME"] = str(temp / ".config")
    os.environ["XDG_DATA_HOME"] = str(temp / ".local" / "share")
    os.environ["XDG_CACHE_HOME"] = str(temp / ".cache")
    os.environ["XDG_STATE_HOME"] = str(temp / ".local" / "state")


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in _saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    temp = _state.pop("temp_home", None)
    if temp is not None:
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def user_home() -> Iterator[Path]:
    """The temporary home every per-user folder points into for this run."""
    temp = _state.get("temp_home")
    assert temp is not None, "tests/conftest.py did not set up the temporary home"
    assert os.environ["HOME"] == str(temp)
    yield temp


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not report.skipped or not os.environ.get("CI"):
        return
    if hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if MISSING in reason:
        report.outcome = "failed"
        report.longrepr = (
            f"CI is set, so a missing peer or corpus is a failure, not a skip: {reason}\n"
            "Install it with: bash scripts/install-peers.sh"
        )
