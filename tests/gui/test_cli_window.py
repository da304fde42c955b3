"""``lwm2m-workbench`` with no sub-command opens the window; ``--demo [ID]`` in demo mode."""

from __future__ import annotations

import pytest

import workbench.gui.app
from workbench.app.demo import DEFAULT_PLUGIN
from workbench.cli import main


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    calls: list[str | None] = []

    def fake_run(demo: str | None = None, argv: object = None) -> int:
        calls.append(demo)
        return 0

    monkeypatch.setattr(workbench.gui.app, "run", fake_run)
    return calls


def test_no_command_opens_the_window(opened: list[str | None]) -> None:
    assert main([]) == 0
    assert opened == [None]


def test_demo_flag_with_and_without_id(opened: list[str | None]) -> None:
    assert main(["--demo"]) == 0
    assert main(["--demo", "ublox-sara-r5"]) == 0
    assert opened == [DEFAULT_PLUGIN, "ublox-sara-r5"]


def test_sub_commands_still_work(
    opened: list[str | None], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["modules"]) == 0
    assert "quectel-bg95" in capsys.readouterr().out
    assert opened == []
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
