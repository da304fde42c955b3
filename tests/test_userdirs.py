"""``workbench.userdirs``: the one module that decides the per-user folders on each OS."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from workbench import userdirs
from workbench.gui import sessions
from workbench.lwm2m import definitions
from workbench.plugin import loader

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
#: "ABS/" stands for the root folder of the machine running the test ("C:\\" on Windows).
ROOT = str(Path("/").resolve())
HOME = Path("home")


@pytest.mark.parametrize(
    ("platform", "environ", "config", "data"),
    [
        ("linux", {}, "home/.config", "home/.local/share"),
        (
            "linux",
            {"XDG_CONFIG_HOME": "ABS/c", "XDG_DATA_HOME": "ABS/d"},
            "ABS/c",
            "ABS/d",
        ),
        # The XDG spec: a relative value is ignored.
        (
            "linux",
            {"XDG_CONFIG_HOME": "c", "XDG_DATA_HOME": "d"},
            "home/.config",
            "home/.local/share",
        ),
        ("freebsd14", {"XDG_DATA_HOME": " "}, "home/.config", "home/.local/share"),
        (
            "darwin",
            {"XDG_CONFIG_HOME": "ABS/c", "XDG_DATA_HOME": "ABS/d"},
            "home/Library/Application Support",
            "home/Library/Application Support",
        ),
        ("win32", {"APPDATA": "ABS/roam", "LOCALAPPDATA": "ABS/local"}, "ABS/roam", "ABS/local"),
        ("win32", {}, "home/AppData/Roaming", "home/AppData/Local"),
    ],
)
def test_folders_per_os(platform: str, environ: dict[str, str], config: str, data: str) -> None:
    env = {k: v.replace("ABS/", ROOT) for k, v in environ.items()}

    def expect(base: str, *rest: str) -> Path:
        return Path(base.replace("ABS/", ROOT), "lwm2m-workbench", *rest)

    assert userdirs.config_dir(platform, env, HOME) == expect(config)
    assert userdirs.data_dir(platform, env, HOME) == expect(data)
    assert userdirs.plugin_dir(platform, env, HOME) == expect(config, "plugins")
    assert userdirs.objects_dir(platform, env, HOME) == expect(config, "objects")
    assert userdirs.session_dir(platform, env, HOME) == expect(data, "sessions")


def test_the_session_folder_can_be_overridden(tmp_path: Path) -> None:
    env = {userdirs.SESSION_DIR_ENV: f" {tmp_path} ", "XDG_DATA_HOME": "/elsewhere"}
    assert userdirs.session_dir("linux", env, HOME) == tmp_path
    assert (
        userdirs.session_dir("win32", {userdirs.SESSION_DIR_ENV: "~/s"}, HOME)
        == Path("~/s").expanduser()
    )


def test_the_running_system_is_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    monkeypatch.delenv(userdirs.SESSION_DIR_ENV, raising=False)
    if sys.platform not in ("win32", "darwin"):
        assert userdirs.plugin_dir() == tmp_path / "c" / "lwm2m-workbench" / "plugins"
        assert userdirs.session_dir() == tmp_path / "d" / "lwm2m-workbench" / "sessions"
    assert userdirs.objects_dir().parts[-2:] == ("lwm2m-workbench", "objects")


def test_every_caller_asks_userdirs() -> None:
    assert definitions.default_user_folder is userdirs.objects_dir
    assert loader.default_user_plugin_dir is userdirs.plugin_dir
    assert sessions.session_dir is userdirs.session_dir
    assert definitions.APP_DIR_NAME == userdirs.APP_DIR_NAME


def test_no_other_module_reads_the_folder_variables() -> None:
    variables = re.compile(r"\"(XDG_(CONFIG|DATA)_HOME|APPDATA|LOCALAPPDATA)\"|Application Support")
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "userdirs.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if variables.search(line)
    ]
    assert offenders == []
