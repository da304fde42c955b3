"""Golden transcripts: every terminal example of the application note, decoded.

Each ``transcripts/*.txt`` is a dialogue of ``../shared/specs/quectel-bg95-bg77-bg600l-lwm2m-
appnote.txt`` typed in as a terminal shows it (the document's ``//`` comments left out, the
one PDF-wrapped command line joined); the ``.jsonl`` beside it holds the expected events. The
``s3_*`` file collects the §3 response and URC formats that no §4 example shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.quectel_bg95 import PLUGINS
from workbench.app.pipeline import decode_log, events_of
from workbench.module.events import STATES, Kind
from workbench.plugin_api import Plugin

HERE = Path(__file__).parent / "transcripts"
TRANSCRIPTS = sorted(HERE.glob("*.txt"))
BY_ID = {p.id: p for p in PLUGINS}


def _decode(path: Path, plugin: Plugin, variant: str | None = None) -> list[dict[str, object]]:
    return [e.to_dict() for e in events_of(decode_log(path.read_bytes(), plugin, variant))]


def test_every_document_example_has_a_fixture() -> None:
    names = {p.stem for p in TRANSCRIPTS}
    assert {
        "s4_1_provisioning_profiles",
        "s4_2_1_client_initiated_bootstrap",
        "s4_2_2_factory_bootstrap",
        "s3_syntax_forms",
    } <= names


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_transcript_decodes_to_the_expected_events(path: Path) -> None:
    expected = [json.loads(line) for line in path.with_suffix(".jsonl").read_text().splitlines()]
    assert _decode(path, BY_ID["quectel-bg95"]) == expected


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
@pytest.mark.parametrize(
    ("plugin_id", "variant"),
    [("quectel-bg95", v.id) for v in BY_ID["quectel-bg95"].variants]
    + [("quectel-bg77", None), ("quectel-bg600l", None)],
)
def test_all_modules_and_variants_decode_alike(
    path: Path, plugin_id: str, variant: str | None
) -> None:
    reference = _decode(path, BY_ID["quectel-bg95"])
    assert _decode(path, BY_ID[plugin_id], variant) == reference


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_contract_values_only(path: Path) -> None:
    for event in _decode(path, BY_ID["quectel-bg95"]):
        allowed = STATES.get(str(event["kind"]))
        if allowed is not None and "state" in event:
            assert event["state"] in allowed
        if event["kind"] == Kind.OBSERVE:
            assert isinstance(event["active"], bool)


def test_only_the_deliberately_undefined_code_is_unknown() -> None:
    events = _decode(HERE / "s3_syntax_forms.txt", BY_ID["quectel-bg95"])
    unknown = [e for e in events if e["kind"] == Kind.UNKNOWN]
    assert [e["raw"] for e in unknown] == ['+QLWURC: "event",100,99,"SOMETHING_NEW"']
    for path in TRANSCRIPTS:
        if path.stem != "s3_syntax_forms":
            assert all(e["kind"] != Kind.UNKNOWN for e in _decode(path, BY_ID["quectel-bg95"]))


def test_every_state_code_of_table_9_decodes_in_both_spellings() -> None:
    from plugins.quectel_bg95.codes import STATE_CODES

    lines = []
    for code, row in STATE_CODES.items():
        lines.append(f'+QLWURC: "event",100,{code},"{row.name}"')
        lines.append(f'+QLWURC: "event",100,{code},"{row.name.upper()}"')
    data = "\r\n".join(lines).encode() + b"\r\n"
    events = list(events_of(decode_log(data, BY_ID["quectel-bg95"])))
    assert len(events) == len(lines)
    for event in events:
        row = STATE_CODES[event["code"]]
        assert event.kind == row.kind and event["state"] == row.state
        assert "state_string_mismatch" not in event.fields
        assert event.inferred == row.inferred


def test_state_string_decides_when_the_code_is_missing() -> None:
    data = b'+QLWURC: "event",123,,"Dereg_Finish"\r\n'
    (event,) = events_of(decode_log(data, BY_ID["quectel-bg95"]))
    assert event.kind == "registration" and event["state"] == "deregistered"


def test_recv_with_zero_length_has_no_data_line() -> None:
    data = b'+QLWURC: "recv","/19/1/0",4,0\r\n+QLWURC: "event",100,2,"REG_READY"\r\n'
    events = list(events_of(decode_log(data, BY_ID["quectel-bg95"])))
    assert [e.kind for e in events] == ["downlink", "registration"]
    assert events[0]["value"] == ""
