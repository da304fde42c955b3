"""Every terminal example of the SIM7028 application note, decoded and compared with its events.

The fixtures in ``transcripts/`` are the document's examples as a terminal shows them: the
document's ``//`` annotations removed and its PDF line wraps joined (README.md lists them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.simcom_sim7028 import PLUGINS
from workbench.app.pipeline import decode_log, events_of

PLUGIN = PLUGINS[0]
TRANSCRIPTS = Path(__file__).parent / "transcripts"
FIXTURES = sorted(TRANSCRIPTS.glob("*.txt"))


def decode(text: str) -> list[dict[str, object]]:
    return [e.to_dict() for e in events_of(decode_log(text.encode(), PLUGIN))]


def test_every_example_is_typed_in() -> None:
    sections = {f.name.split("_")[0] for f in FIXTURES}
    expected = {"2.2.1", "2.2.2", "2.2.3", "2.2.4", "2.2.5", "2.2.6", "2.2.7", "2.2.8"}
    assert expected | {"2.2.9", "2.2.10", "4.1"} <= sections


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_transcript_decodes_to_golden_events(fixture: Path) -> None:
    expected = [json.loads(line) for line in fixture.with_suffix(".jsonl").read_text().splitlines()]
    events = decode(fixture.read_text())
    assert events == expected
    assert not [e for e in events if e["kind"] == "unknown"]


def test_both_spellings_of_open_and_write() -> None:
    events = decode(
        "+LWOPEN: 1\r\n+LMOPEN: 0\r\n"
        '+LWWRITE: 1,3335,0,1,5750,S,1,"p"\r\n+LMWRITE: 1,3335,0,1,5750,S,1,"p"\r\n'
    )
    assert [(e["kind"], e.get("state"), e.get("server")) for e in events[:2]] == [
        ("registration", "registered", 1),
        ("registration", "registered", 0),
    ]
    writes = events[2:]
    assert [(e["kind"], e["op"], e["path"], e["value"]) for e in writes] == [
        ("host_request", "write", "/3335/0/5750", "p")
    ] * 2


def test_multi_resource_write_and_read() -> None:
    events = decode(
        '+LWWRITE: 0,3303,0,2,5750,S,3,"abc",5701,S,1,"C"\r\n+LWREAD: 0,3303,0,2,5700,5701\r\n'
    )
    write, read = events
    assert write["path"] == "/3303/0"
    assert write["values"] == {"/3303/0/5750": "abc", "/3303/0/5701": "C"}
    assert read["paths"] == ["/3303/0/5700", "/3303/0/5701"]
    assert "inferred" not in write and "inferred" not in read


def test_open_error_is_a_failed_registration() -> None:
    events = decode("AT+LWOPEN\r\nERROR\r\n")
    assert [e["kind"] for e in events] == ["command", "error", "registration"]
    assert events[2]["state"] == "failed" and events[2]["inferred"] is True


def test_templates_render_with_defaults() -> None:
    rendered = {t.id: t.render_defaults() for t in PLUGIN.templates}
    assert rendered["lwcnf_server"] == 'AT+LWCNF="server","127.0.0.1"'
    assert rendered["lwcnf_connectiontype"] == 'AT+LWCNF="connectiontype",4'
    assert rendered["lwaddobj"] == "AT+LWADDOBJ=0,3303,0,1,5700"
    assert rendered["lwreadrsp"] == 'AT+LWREADRSP=0,3303,0,1,5700,"F",4,"21.5"'
    assert rendered["lwopen"] == "AT+LWOPEN"
    assert rendered["lwclose_test"] == "AT+LWCLOSE=?"
    for template in PLUGIN.templates:
        if template.id.startswith("lw"):
            assert template.doc is not None and template.doc.document.startswith("simcom")
