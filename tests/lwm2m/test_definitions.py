"""Shipped plus user definitions, and the per-user folder on each platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.lwm2m.definitions import (
    builtin_definitions,
    builtin_registry,
    default_user_folder,
    load_registry,
)
from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import ObjectDefinition
from workbench.resources import RESOURCES_ENV

USER_DEVICE = b"""<LWM2M><Object><ObjectID>3</ObjectID><Name>Mine</Name>
<Resources><Item ID="0"><Name>Maker</Name><Operations>R</Operations><Type>String</Type></Item>
</Resources></Object></LWM2M>"""


def test_builtin_registry_is_fresh_each_call() -> None:
    first = builtin_registry()
    second = builtin_registry()
    assert first is not second
    assert 3 in first and len(first) == len(second) >= 21
    first.add(ObjectDefinition(id=60000, name="scratch"))
    assert 60000 not in builtin_registry()


def test_user_folders_override_in_order(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "3.xml").write_bytes(USER_DEVICE)
    (two / "3.xml").write_bytes(USER_DEVICE.replace(b"Mine", b"Theirs"))
    (two / "bad.xml").write_bytes(b"<LWM2M>")
    registry, errors = load_registry([one, str(two), tmp_path / "absent"])
    device = registry.get(3)
    assert device is not None and device.name == "Theirs"
    assert [d.name for d in registry.overridden] == ["Device", "Mine"]
    assert 0 in registry  # the shipped ones are still there
    assert len(errors) == 2
    assert all(isinstance(e, DefinitionError) for e in errors)


def test_missing_shipped_folder_is_an_error_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    definitions, errors = builtin_definitions()
    assert definitions == [] and len(errors) == 1
    assert "missing" in str(errors[0])
    registry, errors = load_registry()
    assert len(registry) == 0 and len(errors) == 1
    with pytest.raises(DefinitionError, match="broken installation"):
        builtin_registry()


def test_broken_shipped_file_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "objects").mkdir()
    (tmp_path / "objects" / "3.xml").write_bytes(USER_DEVICE)
    (tmp_path / "objects" / "4.xml").write_bytes(b"<LWM2M")
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    registry, errors = load_registry()
    assert [d.id for d in registry] == [3]
    assert registry.get(3).source == "builtin:3.xml"  # type: ignore[union-attr]
    assert len(errors) == 1 and str(errors[0]).startswith("builtin:4.xml: ")
    with pytest.raises(DefinitionError, match=r"builtin:4\.xml"):
        builtin_registry()


@pytest.mark.parametrize(
    ("platform", "environ", "expected"),
    [
        ("linux", {}, "home/.config/lwm2m-workbench/objects"),
        ("linux", {"XDG_CONFIG_HOME": "ABS/xdg"}, "ABS/xdg/lwm2m-workbench/objects"),
        ("linux", {"XDG_CONFIG_HOME": "relative"}, "home/.config/lwm2m-workbench/objects"),
        ("freebsd14", {}, "home/.config/lwm2m-workbench/objects"),
        (
            "darwin",
            {"XDG_CONFIG_HOME": "ABS/xdg"},
            "home/Library/Application Support/lwm2m-workbench/objects",
        ),
        ("win32", {"APPDATA": "ABS/appdata"}, "ABS/appdata/lwm2m-workbench/objects"),
        ("win32", {}, "home/AppData/Roaming/lwm2m-workbench/objects"),
    ],
)
def test_default_user_folder(platform: str, environ: dict[str, str], expected: str) -> None:
    # "ABS/" stands for the root folder of the machine running the test ("C:\\" on Windows).
    root = str(Path("/").resolve())
    env = {k: v.replace("ABS/", root) for k, v in environ.items()}
    folder = default_user_folder(platform=platform, environ=env, home=Path("home"))
    assert folder == Path(expected.replace("ABS/", root))


def test_default_user_folder_uses_the_running_system() -> None:
    assert default_user_folder().parts[-2:] == ("lwm2m-workbench", "objects")
