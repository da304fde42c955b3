"""The engine's memo of what a line's text says changes no classification, full or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.at.engine import AtEngine
from workbench.at.types import ClassifiedLine, Line
from workbench.plugin.loader import discover_plugins

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = discover_plugins(user=False, entry_points=False)


def _classify(engine: AtEngine, texts: list[str]) -> list[ClassifiedLine]:
    out: list[ClassifiedLine] = []
    for number, text in enumerate(texts, 1):
        out.extend(engine.feed_line(Line(number, text, text.encode(), float(number))).lines)
    return out


def _transcript_texts(plugin: object) -> list[str]:
    package = type(plugin.make_decoder()).__module__.split(".")[1]  # type: ignore[attr-defined]
    folder = ROOT / "tests" / "plugins" / package / "transcripts"
    return [
        line.decode("utf-8", "replace")
        for path in sorted(folder.glob("*.txt"))
        for line in path.read_bytes().splitlines()
    ]


@pytest.mark.parametrize("plugin", REGISTRY.plugins, ids=lambda p: p.id)
def test_a_memo_of_one_entry_classifies_like_the_full_memo(plugin: object) -> None:
    texts = _transcript_texts(plugin) * 2  # the second pass classifies from the memo
    full = _classify(AtEngine(plugin.dialect()), texts)  # type: ignore[attr-defined]
    tiny_engine = AtEngine(plugin.dialect())  # type: ignore[attr-defined]
    tiny_engine.facts_memo = 1
    tiny = _classify(tiny_engine, texts)
    assert len(tiny_engine._facts) == 1
    assert tiny == full


def test_the_memo_holds_each_distinct_text_once() -> None:
    engine = AtEngine()
    _classify(engine, ["AT+CGMI", "Quectel", "OK"] * 50)
    assert sorted(engine._facts) == ["AT+CGMI", "OK", "Quectel"]


@pytest.mark.parametrize("plugin", REGISTRY.plugins, ids=lambda p: p.id)
def test_classify_line_gives_what_feed_line_gives(plugin: object) -> None:
    texts = _transcript_texts(plugin)
    lines = [Line(n, text, text.encode(), float(n)) for n, text in enumerate(texts, 1)]
    fed = AtEngine(plugin.dialect())  # type: ignore[attr-defined]
    classified = AtEngine(plugin.dialect())  # type: ignore[attr-defined]
    for line in lines:
        step = fed.feed_line(line)
        assert len(step.lines) == 1
        assert classified.classify_line(line) == step.lines[0]
    assert classified._scratch.results == [] and classified._scratch.writes == []


def test_classify_line_with_a_submitted_command_still_times_it_out() -> None:
    engine = AtEngine()
    engine.submit("AT+CGMI", 0.0, timeout=1.0)
    late = engine.classify_line(Line(1, "OK", b"OK", 5.0))
    assert late.stale  # the command timed out at 1.0, before this OK
    assert engine.current_command is None
