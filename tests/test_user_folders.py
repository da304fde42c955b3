"""The suite keeps out of the user's real folders (tests/conftest.py, issue 10).

A probe test writes wherever the workbench keeps per-user state (Qt settings, the session
folder, the plugin and object-definition folders, Qt's app-data folder). It runs in a child
pytest with a fresh, empty HOME twice: with the suite's conftest (HOME must stay empty) and,
as the control that shows the check can fail, without it (the probe's files land in HOME).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.pytest_probe import run_pytest_probe
from workbench.gui import sessions
from workbench.lwm2m.definitions import default_user_folder
from workbench.plugin.loader import default_user_plugin_dir

PROBE = """
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

from workbench.gui import sessions
from workbench.gui.app import APPLICATION, ORGANISATION
from workbench.lwm2m.definitions import default_user_folder
from workbench.plugin.loader import default_user_plugin_dir


def test_write_everywhere_a_user_keeps_state():
    app = QCoreApplication.instance() or QCoreApplication([])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    settings = QSettings()
    settings.setValue("probe", 1)
    settings.sync()
    data = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    for folder in (sessions.session_dir(), default_user_plugin_dir(), default_user_folder(), data):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "probe.txt").write_text("probe")
"""


def _files_under(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())


def _run_probe(tmp_path: Path, *, with_conftest: bool) -> list[str]:
    name = "isolated" if with_conftest else "control"
    home = tmp_path / f"home-{name}"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "LWM2M_WORKBENCH"))}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("CI", None)
    proc = run_pytest_probe(tmp_path / f"work-{name}", PROBE, env, with_conftest=with_conftest)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _files_under(home)


def test_a_run_writes_nothing_under_the_real_user_folders(tmp_path: Path) -> None:
    assert _run_probe(tmp_path, with_conftest=True) == []
    # The control: the same probe without the suite's set-up writes into that HOME.
    written = _run_probe(tmp_path, with_conftest=False)
    assert any(name.startswith(".config/") for name in written), written
    assert any("lwm2m-workbench/sessions/probe.txt" in name for name in written), written


def test_every_per_user_place_resolves_into_the_temporary_home(user_home: Path) -> None:
    assert Path.home() == user_home
    for folder in (sessions.session_dir(), default_user_plugin_dir(), default_user_folder()):
        assert folder.is_relative_to(user_home), folder
