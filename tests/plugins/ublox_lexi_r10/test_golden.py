"""Every example of the LEXI-R10 document, decoded and compared with its expected events.

The document gives its examples in the syntax tables (response shapes without the command);
the fixtures add the command line a terminal would show before each response.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.ublox_lexi_r10 import PLUGINS
from workbench.app.pipeline import decode_log, events_of
from workbench.module.events import STATES

PLUGIN = PLUGINS[0]
FIXTURES = sorted((Path(__file__).parent / "transcripts").glob("*.txt"))


def decode(text: str) -> list[dict[str, object]]:
    return [e.to_dict() for e in events_of(decode_log(text.encode(), PLUGIN))]


def test_every_command_has_set_read_and_test_examples() -> None:
    names = {f.stem for f in FIXTURES}
    for command in ("ulwm2mstat", "ulwm2m", "ulwm2mreg", "ulwm2mconfig"):
        assert {f"{command}_set", f"{command}_read", f"{command}_test"} <= names
    assert "ulwm2mstat_urcs" in names


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_transcript_decodes_to_golden_events(fixture: Path) -> None:
    expected = [json.loads(line) for line in fixture.with_suffix(".jsonl").read_text().splitlines()]
    events = decode(fixture.read_text())
    assert events == expected
    assert not [e for e in events if e["kind"] == "unknown"]


@pytest.mark.parametrize("code", [*range(17), 19])
def test_every_status_code_maps_to_a_contract_state(code: int) -> None:
    (event,) = decode(f"+ULWM2MSTAT: 1,721,{code}\r\n")
    assert event["kind"] in ("registration", "bootstrap")
    assert event["state"] in STATES[str(event["kind"])]
    assert event["code"] == code


def test_client_init_and_connection_codes() -> None:
    lines = [f"+ULWM2MSTAT: 4,{n}" for n in range(8)] + [
        f"+ULWM2MSTAT: 5,{n}" for n in (1, 2, 3, 4)
    ]
    events = decode("\r\n".join(lines) + "\r\n")
    # 5,2 "initialization finished" sets no client state (audit M5): not "ready".
    assert [e.get("state") for e in events] == [
        "initialising", "bootstrapping", "bootstrapping", "registering", "registering",
        "ready", "disabled", "stopped", "initialising", None, "disabled", "failed",
    ]  # fmt: skip
    (closed,) = decode("+ULWM2MSTAT: 6,721,3\r\n")  # 00B: no byte counts
    assert closed["state"] == "closed" and "sent" not in closed


def test_urc_inside_a_set_command_is_still_a_urc() -> None:
    events = decode("AT+ULWM2MSTAT=1,7\r\n+ULWM2MSTAT: 4,7\r\nOK\r\n")
    assert [e["kind"] for e in events] == ["command", "client", "result"]


def test_templates_render_with_defaults() -> None:
    rendered = {t.id: t.render_defaults() for t in PLUGIN.templates}
    assert rendered["ulwm2mstat"] == "AT+ULWM2MSTAT=1,7"
    assert rendered["ulwm2m"] == "AT+ULWM2M=0"
    assert rendered["ulwm2mreg"] == "AT+ULWM2MREG=721"
    assert rendered["ulwm2mconfig"] == "AT+ULWM2MCONFIG=721,0,2,1,1,0,0,0,40,0,0,0"
    assert rendered["ulwm2mconfig_test"] == "AT+ULWM2MCONFIG=?"
    assert rendered["cfun"] == "AT+CFUN=16"
