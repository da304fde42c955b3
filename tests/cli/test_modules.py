"""``lwm2m-workbench modules``: plugins with ids, variants, availability and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugin_fixtures import PLUGINS_BROKEN, PLUGINS_OK, install_user_plugins
from workbench.cli import main


@pytest.fixture(autouse=True)
def user_plugins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_user_plugins(monkeypatch, tmp_path, PLUGINS_OK, PLUGINS_BROKEN)


def test_modules_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["modules", "--json"])
    assert code == 0
    entries = json.loads(capsys.readouterr().out)
    by_id = {}
    for entry in entries:
        by_id.setdefault(entry["id"], []).append(entry)
    example = by_id["example"][0]
    assert example["available"] and example["variants"] == ["v1", "v2"]
    assert example["default_variant"] == "v1" and example["simulator"] is True
    assert not by_id["example"][1]["available"] and "duplicate" in by_id["example"][1]["error"]
    broken = by_id["user:broken"][0]
    assert broken["available"] is False and "broken on purpose" in broken["error"]


def test_modules_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["modules"]) == 0
    out = capsys.readouterr().out
    assert "example" in out and "v1*, v2" in out
    assert "UNAVAILABLE" in out and "broken on purpose" in out


def test_modules_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "modules" in out and "decode" in out
