"""Plugin discovery: bundled package, user folders, entry points, broken and duplicate plugins."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import pytest

from tests.plugin_fixtures import (
    BUNDLED_IDS,
    PLUGINS_BROKEN,
    PLUGINS_OK,
    bundled_plugins,
    install_user_plugins,
)
from workbench.plugin import loader as plugins_loader
from workbench.plugin.loader import (
    PluginEntry,
    PluginRegistry,
    PluginUnavailable,
    default_user_plugin_dir,
    discover_plugins,
)
from workbench.plugin_api import Decoder, Plugin


def only(*dirs: Path) -> PluginRegistry:
    return discover_plugins(bundled=False, entry_points=False, user=False, extra_dirs=dirs)


def test_example_plugin_found_from_a_folder() -> None:
    registry = only(PLUGINS_OK)
    assert registry.ids == ["example"]
    plugin = registry.get("example")
    assert plugin.variant_ids == ["v1", "v2"] and plugin.default == "v1"
    assert "example" in registry and "nope" not in registry
    assert registry.identify("XLW-2 rev B") == [plugin]


def test_broken_plugins_are_listed_and_discovery_goes_on() -> None:
    registry = only(PLUGINS_OK, PLUGINS_BROKEN)
    assert registry.ids == ["example", "factory-style"]
    problems = {e.id: e for e in registry.problems}
    broken = problems["user:broken"]
    assert not broken.available and "broken on purpose" in (broken.error or "")
    assert "exposes neither" in (problems["user:nothing"].error or "")
    duplicates = [e for e in registry.entries if e.id == "example" and not e.available]
    assert len(duplicates) == 1 and "duplicate plugin id" in (duplicates[0].error or "")
    # The first plugin with the id wins.
    assert registry.get("example").name == "Example XLW module"


def test_get_errors_name_the_known_ids_and_the_failure() -> None:
    registry = only(PLUGINS_OK, PLUGINS_BROKEN)
    with pytest.raises(PluginUnavailable, match="known ids: example, factory-style"):
        registry.get("sara")
    with pytest.raises(PluginUnavailable, match="broken on purpose"):
        registry.get("user:broken")


def test_missing_folder_is_fine() -> None:
    assert len(only(Path("does-not-exist"))) == 0


def test_every_bundled_plugin_loads_with_a_simulator_and_a_connect_sequence() -> None:
    registry = discover_plugins(entry_points=False, user=False)
    assert [entry.origin for entry in registry.entries] == ["bundled"] * len(BUNDLED_IDS)
    for plugin in bundled_plugins():
        assert plugin.simulator_factory is not None, plugin.id
        assert plugin.connect_sequence is not None, plugin.id


def test_user_folder_is_the_only_folder_the_app_loads_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No environment variable widens the search: plugins are code run with the user's rights.
    monkeypatch.setenv("LWM2M_WORKBENCH_PLUGIN_PATH", str(PLUGINS_OK))
    empty = discover_plugins(
        bundled=False, entry_points=False, environ={"XDG_CONFIG_HOME": str(tmp_path)}
    )
    assert empty.ids == []
    install_user_plugins(monkeypatch, tmp_path, PLUGINS_OK)
    registry = discover_plugins(bundled=False, entry_points=False)
    assert registry.ids == ["example"]
    assert default_user_plugin_dir("linux", {"XDG_CONFIG_HOME": "/x"}, Path("/h")) == Path(
        "/x/lwm2m-workbench/plugins"
    )
    assert default_user_plugin_dir("linux", {}, Path("/h")) == Path(
        "/h/.config/lwm2m-workbench/plugins"
    )
    assert default_user_plugin_dir("darwin", {}, Path("/h")).parts[-4:] == (
        "Library", "Application Support", "lwm2m-workbench", "plugins",
    )  # fmt: skip
    assert default_user_plugin_dir("win32", {"APPDATA": "C:/A"}, Path("/h")).name == "plugins"


def test_packages_option_imports_by_name() -> None:
    registry = discover_plugins(
        bundled=False, entry_points=False, user=False, packages=["tests.no_such_plugin_pkg"]
    )
    assert not registry.entries[0].available
    assert "ModuleNotFoundError" in (registry.entries[0].error or "")


class FakeEntryPoint:
    def __init__(self, name: str, value: str, obj: Any = None, exc: Exception | None = None):
        self.name, self.value, self._obj, self._exc = name, value, obj, exc

    def load(self) -> Any:
        if self._exc is not None:
            raise self._exc
        return self._obj


def _plugin(pid: str) -> Plugin:
    return Plugin(id=pid, name=pid, description="d", vendor="v", decoder_factory=Decoder)


def test_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = [
        FakeEntryPoint("one", "pkg:PLUGIN", _plugin("ep-one")),
        FakeEntryPoint("list", "pkg:LIST", [_plugin("ep-two"), "junk"]),
        FakeEntryPoint("func", "pkg:func", lambda: [_plugin("ep-three")]),
        FakeEntryPoint("bad", "pkg:bad", exc=ImportError("no such thing")),
    ]

    def fake_entry_points(group: str) -> list[FakeEntryPoint]:
        assert group == "lwm2m_workbench.plugins"
        return eps

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    registry = discover_plugins(bundled=False, user=False)
    assert registry.ids == ["ep-one", "ep-two", "ep-three"]
    errors = [e.error for e in registry.problems]
    assert any("not a Plugin" in (e or "") for e in errors)
    assert any("no such thing" in (e or "") for e in errors)


def test_registry_is_a_value_not_global_state() -> None:
    a = only(PLUGINS_OK)
    b = PluginRegistry()
    assert len(a) == 1 and len(b) == 0
    b.add(PluginEntry("x", "user", "here", _plugin("x")))
    assert b.ids == ["x"] and a.ids == ["example"]
    assert not hasattr(plugins_loader, "REGISTRY")
