"""``Pipeline.decode_lines`` (the one-loop path of log decoding) equals ``feed_log_line`` per line.

The loop makes most lines itself and sends the rest through the framer; every kind of line
that decides between the two is here: empty lines (kept or not), timestamps, prompts, an
over-long line, invalid UTF-8, and each plugin's golden transcripts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.app.pipeline import (
    DecodedLine,
    Pipeline,
    count_log_lines,
    split_log_lines,
    strip_timestamp,
)
from workbench.at.framer import MAX_LINE
from workbench.plugin.loader import discover_plugins

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = discover_plugins(user=False, entry_points=False)

_EDGES = b"\r\n".join(
    [
        b"AT+CGMI",
        b"",
        b"Quectel",
        b"OK",
        b"[12:00:01.250] AT+CSQ",
        b"12:00:02 +CSQ: 20,99",
        b"   ",
        b"OK",
        b"> ",
        b">",
        b"AT+X=" + b"7" * (MAX_LINE + 10),
        b"\xff\xfe broken \xc3",
        b"+CEREG: 1",
        b"",
        b"",
    ]
)


def _slow(pipeline: Pipeline, data: bytes) -> list[DecodedLine]:
    out: list[DecodedLine] = []
    for number, raw in enumerate(split_log_lines(data), 1):
        text, stamp = strip_timestamp(raw)
        out.extend(pipeline.feed_log_line(number, text, stamp if stamp is not None else 0.0))
    return out


def _log(package: str) -> bytes:
    folder = ROOT / "tests" / "plugins" / package / "transcripts"
    return b"\r\n".join(p.read_bytes() for p in sorted(folder.glob("*.txt"))) + _EDGES


@pytest.mark.parametrize("keep_empty", [True, False])
@pytest.mark.parametrize("plugin", REGISTRY.plugins, ids=lambda p: p.id)
def test_decode_lines_equals_feeding_each_line(plugin: object, keep_empty: bool) -> None:
    package = type(plugin.make_decoder()).__module__.split(".")[1]  # type: ignore[attr-defined]
    data = _log(package)
    fast = list(Pipeline(plugin, keep_empty=keep_empty).decode_lines(data))  # type: ignore[arg-type]
    slow = _slow(Pipeline(plugin, keep_empty=keep_empty), data)  # type: ignore[arg-type]
    assert [(d.line, [e.to_json() for e in d.events]) for d in fast] == [
        (d.line, [e.to_json() for e in d.events]) for d in slow
    ]
    kinds = {str(d.line.kind) for d in fast}
    assert {"echo", "final", "prompt"} <= kinds
    assert any(d.line.raw == b"" for d in fast) is keep_empty


@given(st.lists(st.sampled_from([b"a", b"OK", b"\r", b"\n", b"\r\n", b"\r\r\n", b" "])))
def test_log_lines_split_as_the_line_ending_rule_says(parts: list[bytes]) -> None:
    """A CRLF-only log takes a split without the regex; every log splits as the rule (a run of
    CRs then an LF, or a run of CRs, ends one line) says."""
    data = b"".join(parts)
    lines = re.split(rb"\r*\n|\r+", data)
    if lines and lines[-1] == b"":
        lines.pop()
    assert split_log_lines(data) == lines
    assert count_log_lines(data) == len(lines)
