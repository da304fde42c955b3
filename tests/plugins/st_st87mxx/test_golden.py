"""Every terminal example of the note, decoded and compared with its expected events.

The fixtures are the note's §5.1 and §6.x "Terminal" blocks typed in (a section split over two
code blocks is one file); each ``.jsonl`` holds the events the decoder must produce.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.st_st87mxx import PLUGINS
from workbench.app.pipeline import decode_log, events_of
from workbench.module.events import STATES

TRANSCRIPTS = Path(__file__).parent / "transcripts"
CASES = sorted(TRANSCRIPTS.glob("*.txt"))


def _decode(path: Path) -> list[dict[str, object]]:
    return [e.to_dict() for e in events_of(decode_log(path.read_bytes(), PLUGINS[0]))]


def test_every_example_has_a_fixture() -> None:
    examples = [c for c in CASES if not c.stem.startswith("audit_")]  # fidelity audit cases
    assert [c.stem[:5] for c in examples] == [
        "5_1_q",
        "6_2_3",
        "6_3_3",
        "6_4_3",
        "6_5_3",
        "6_6_3",
        "6_7_3",
    ]


@pytest.mark.parametrize("transcript", CASES, ids=lambda p: p.stem)
def test_golden(transcript: Path) -> None:
    expected_lines = transcript.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines()
    expected = [json.loads(line) for line in expected_lines if line.strip()]
    assert _decode(transcript) == expected


@pytest.mark.parametrize("transcript", CASES, ids=lambda p: p.stem)
def test_contract(transcript: Path) -> None:
    """No unknown lines; contract kinds use contract states; every #LWREG is marked inferred."""
    for event in _decode(transcript):
        assert event["kind"] != "unknown", event
        kind = str(event["kind"])
        if kind in STATES and "state" in event:
            assert event["state"] in STATES[kind], event
        if str(event["raw"]).startswith("#LWREG:"):
            assert event.get("inferred") is True
        if kind == "host_request":
            assert event["op"] in ("read", "write", "execute")
            assert str(event["path"]).count("/") == 3
