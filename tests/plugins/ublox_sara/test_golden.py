"""(a) Every terminal example of the note, decoded and compared with its expected events.

Regenerate the ``.jsonl`` files after a deliberate decoder change with
``UPDATE_GOLDEN=1 pytest tests/plugins/ublox_sara/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os

import pytest

from plugins.ublox_sara import PLUGINS
from workbench.app.pipeline import decode_log, events_of

from .cases import CASES, TRANSCRIPTS

_PLUGINS = {p.id: p for p in PLUGINS}


def _decode(stem: str) -> list[dict[str, object]]:
    plugin_id, variant = CASES[stem]
    data = (TRANSCRIPTS / f"{stem}.txt").read_bytes()
    return [e.to_dict() for e in events_of(decode_log(data, _PLUGINS[plugin_id], variant))]


def test_every_transcript_has_a_case() -> None:
    assert sorted(p.stem for p in TRANSCRIPTS.glob("*.txt")) == sorted(CASES)


@pytest.mark.parametrize("stem", sorted(CASES))
def test_golden(stem: str) -> None:
    events = _decode(stem)
    expected_file = TRANSCRIPTS / f"{stem}.jsonl"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(
            "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), "utf-8"
        )
    expected = [json.loads(line) for line in expected_file.read_text("utf-8").splitlines()]
    assert events == expected
    assert not [e for e in events if e["kind"] == "unknown"], "every line is understood"
