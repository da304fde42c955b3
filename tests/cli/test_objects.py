"""``lwm2m-workbench objects``: listing definitions, one object's resources, broken files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]

USER_OBJECT = b"""<?xml version="1.0" encoding="UTF-8"?>
<LWM2M><Object ObjectType="MODefinition">
  <Name>My Device</Name><ObjectID>3</ObjectID><ObjectVersion>9.9</ObjectVersion>
  <MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory>
  <Resources>
    <Item ID="0"><Name>Maker</Name><Operations>R</Operations>
      <MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>
      <Type>String</Type><RangeEnumeration>0..32 bytes</RangeEnumeration><Units></Units>
      <Description>x</Description></Item>
  </Resources>
</Object></LWM2M>
"""

NEW_OBJECT = USER_OBJECT.replace(b"<ObjectID>3</ObjectID>", b"<ObjectID>42000</ObjectID>")


@pytest.fixture(autouse=True)
def isolated_user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the per-user folder into tmp_path so the developer's own files never leak in."""
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("APPDATA", str(config))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LWM2M_WORKBENCH_RESOURCES", raising=False)
    return config


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["objects", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_lists_shipped_objects(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "VERSION", "INSTANCES", "RESOURCES", "SOURCE"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert "3" in rows and "10308" in rows
    assert "Device" in rows["3"] and "single" in rows["3"] and "builtin:3.xml" in rows["3"]


def test_lists_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json")
    assert code == 0
    data = json.loads(out)
    by_id = {entry["id"]: entry for entry in data}
    assert by_id[1]["name"] == "LwM2M Server"
    assert by_id[1]["multiple"] is True
    assert by_id[1]["resources"] >= 28
    assert by_id[1]["source"] == "builtin:1.xml"
    assert [entry["id"] for entry in data] == sorted(by_id)


def test_shows_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "3")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("/3 Device")
    assert lines[1].split()[:4] == ["ID", "NAME", "TYPE", "OPS"]
    battery = next(line for line in lines if line.split()[0] == "9")
    assert "Battery Level" in battery and "Integer" in battery and "0..100" in battery
    reboot = next(line for line in lines if line.split()[0] == "4")
    assert "none" in reboot and " E " in reboot and "mandatory" in reboot


def test_shows_one_object_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "/5", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == 5 and data["name"] == "Firmware Update"
    state = next(r for r in data["resources"] if r["id"] == 3)
    assert state == {
        "id": 3,
        "name": "State",
        "type": "Integer",
        "operations": "R",
        "multiple": False,
        "mandatory": True,
        "units": "",
        "range": "0..3",
        "range_min": 0,
        "range_max": 3,
        "enumeration": [],
    }


def test_unknown_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "9999")
    assert code == 1 and out == ""
    assert "no definition for object 9999" in err


def test_bad_object_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "three")
    assert code == 2
    assert "not a number" in err


def test_defs_folder_overrides_and_adds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "3.xml").write_bytes(USER_OBJECT)
    (defs / "42000.xml").write_bytes(NEW_OBJECT)
    code, out, err = run(capsys, "--defs", str(defs), "--json")
    assert code == 0 and err == ""
    by_id = {entry["id"]: entry for entry in json.loads(out)}
    assert by_id[3]["name"] == "My Device"
    assert by_id[3]["source"] == str(defs / "3.xml")
    assert by_id[42000]["version"] == "9.9"
    assert by_id[0]["source"] == "builtin:0.xml"


def test_broken_user_files_warn_and_the_command_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "broken.xml").write_bytes(b"<LWM2M><Object>")
    (defs / "evil.xml").write_bytes(
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><LWM2M>&e;</LWM2M>'
    )
    (defs / "42000.xml").write_bytes(NEW_OBJECT)
    code, out, err = run(capsys, "--defs", str(defs), "--defs", str(tmp_path / "absent"), "42000")
    assert code == 0
    assert "Maker" in out
    warnings = err.splitlines()
    assert len(warnings) == 3
    assert all(line.startswith("warning: ") for line in warnings)
    assert any("broken.xml" in line and "malformed XML" in line for line in warnings)
    assert any("evil.xml" in line and "not allowed" in line for line in warnings)
    assert any("absent" in line and "does not exist" in line for line in warnings)


def test_user_folder_is_loaded_unless_disabled(
    isolated_user_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = isolated_user_folder / "lwm2m-workbench" / "objects"
    folder.mkdir(parents=True)
    (folder / "42000.xml").write_bytes(NEW_OBJECT)
    if sys.platform == "darwin":  # the macOS folder does not follow XDG_CONFIG_HOME
        pytest.skip("per-user folder lives under ~/Library on macOS")
    code, out, _ = run(capsys, "42000")
    assert code == 0 and "My Device" in out
    code, _, err = run(capsys, "--no-user-defs", "42000")
    assert code == 1 and "no definition" in err


def test_help_lists_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["objects", "--help"])
    assert info.value.code == 0
    assert "--defs" in capsys.readouterr().out


def test_python_dash_m_in_a_subprocess(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    env["APPDATA"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "objects", "3"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("/3 Device")
    assert "Reboot" in result.stdout
