"""Where the test plugin folders are (shared by loader, CLI and conformance tests)."""

import shutil
from pathlib import Path

import pytest

from workbench.plugin.loader import discover_plugins
from workbench.plugin_api import Plugin

FIXTURES = Path(__file__).parent / "fixtures"
#: A folder with the valid example plugin.
PLUGINS_OK = FIXTURES / "plugins_ok"
#: A folder with a broken package, a duplicate id, a module exporting nothing, and a plugin
#: using the ``plugins()`` function convention.
PLUGINS_BROKEN = FIXTURES / "plugins_broken"

#: Every module plugin the product ships (the ``plugins`` package), in discovery order.
BUNDLED_IDS = (
    "quectel-bg95",
    "quectel-bg77",
    "quectel-bg600l",
    "simcom-sim7028",
    "st-st87mxx",
    "ublox-lexi-r10",
    "ublox-sara-r4",
    "ublox-sara-r5",
    "ublox-lexi-r4",
)


def bundled_plugins() -> list[Plugin]:
    """The shipped plugins; fails (never skips) when one does not load."""
    registry = discover_plugins(entry_points=False, user=False)
    broken = [f"{e.id}: {e.error}" for e in registry.entries if not e.available]
    assert not broken, broken
    assert tuple(registry.ids) == BUNDLED_IDS
    return registry.plugins


def install_user_plugins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *folders: Path) -> Path:
    """Copy plugin folders into a temporary user plugin folder and point the config dir there.

    The app loads plugins only from the bundled package, entry points and the user's folder,
    so CLI tests reach the fixtures the way a user would: through their own plugin folder.
    """
    target = tmp_path / "config" / "lwm2m-workbench" / "plugins"
    target.mkdir(parents=True)
    for folder in folders:
        for item in folder.iterdir():
            if item.name == "__pycache__":
                continue
            if item.is_dir():
                shutil.copytree(
                    item, target / item.name, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy2(item, target / item.name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return target
