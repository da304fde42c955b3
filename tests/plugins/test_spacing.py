"""Real devices vary their spacing: decoding must not care (issue 12, point 3).

For every golden transcript of every plugin, spaces are inserted at random after the ``:`` of
an information/URC prefix and around commas outside quotes (and outside bracketed JSON and
``(0-5)`` ranges, whose text the documents print verbatim), in every line the module prints
with a prefix (responses and URCs; command lines and their echoes are what the host typed, and
events quote them verbatim in ``command``). The decoded events must be the same as for the
untouched transcript in everything but ``raw`` (which is the line as it arrived). Keyword
tokens are also flipped to upper case where the document does not make their case
significant (Quectel's ``"recv"``/``"event"``...).
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.app.pipeline import decode_log, events_of
from workbench.plugin.loader import discover_plugins
from workbench.plugin_api import Plugin

from .ublox_sara.cases import CASES as SARA_CASES

HERE = Path(__file__).parent
#: plugin package → the plugin id its transcripts decode with (u-blox SARA: per transcript).
DEFAULT_PLUGIN = {
    "quectel_bg95": "quectel-bg95",
    "simcom_sim7028": "simcom-sim7028",
    "st_st87mxx": "st-st87mxx",
    "ublox_lexi_r10": "ublox-lexi-r10",
}
#: Quectel's quoted keyword tokens whose case the document does not make significant.
QUECTEL_KEYWORDS = ("recv", "event", "observe", "uldata")

_PREFIXED = re.compile(r"^([+#][A-Za-z0-9_.]+:)(.*)$", re.DOTALL)


def _cases() -> list[tuple[str, str | None, Path]]:
    out: list[tuple[str, str | None, Path]] = []
    for stem, (plugin_id, variant) in sorted(SARA_CASES.items()):
        out.append((plugin_id, variant, HERE / "ublox_sara" / "transcripts" / f"{stem}.txt"))
    for package, plugin_id in DEFAULT_PLUGIN.items():
        for path in sorted((HERE / package / "transcripts").glob("*.txt")):
            out.append((plugin_id, None, path))
    return out


CASES = _cases()
PLUGINS = discover_plugins(user=False, entry_points=False)


def _spaced_args(text: str, rnd: random.Random) -> str:
    """Spaces around top-level commas outside quotes and brackets."""
    out: list[str] = []
    in_quotes = False
    depth = 0
    for ch in text:
        if in_quotes:
            in_quotes = ch != '"' or (bool(out) and out[-1] == "\\")
            out.append(ch)
            continue
        if ch == '"':
            in_quotes = depth == 0
            out.append(ch)
        elif ch in "{[(":
            depth += 1
            out.append(ch)
        elif ch in "}])":
            depth = max(0, depth - 1)
            out.append(ch)
        elif ch == "," and depth == 0:
            out.append(" " * rnd.randint(0, 2) + "," + " " * rnd.randint(0, 2))
        else:
            out.append(ch)
    return "".join(out)


def perturb(line: str, rnd: random.Random, *, keywords: bool) -> str:
    """``line`` with random spaces where the documents do not make spacing significant."""
    m = _PREFIXED.match(line)
    if m is not None:
        prefix, rest = m.group(1), m.group(2)
        if rest.startswith(("{", "[")) or not rest.strip():
            return line  # a bare JSON payload is printed verbatim
        body = _spaced_args(rest.lstrip(), rnd)
        if keywords:
            for word in QUECTEL_KEYWORDS:
                if body.startswith(f'"{word}"') and rnd.random() < 0.5:
                    body = f'"{word.upper()}"' + body[len(word) + 2 :]
        return prefix + " " * rnd.randint(0, 3) + body
    return line


def _events(data: bytes, plugin: Plugin, variant: str | None) -> list[dict[str, Any]]:
    out = []
    for event in events_of(decode_log(data, plugin, variant)):
        item = event.to_dict()
        item.pop("raw")
        out.append(item)
    return out


@pytest.mark.parametrize(
    ("plugin_id", "variant", "path"),
    CASES,
    ids=[f"{c[2].parent.parent.name}/{c[2].stem}" for c in CASES],
)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_spacing_decodes_alike(
    plugin_id: str, variant: str | None, path: Path, seed: int
) -> None:
    plugin = PLUGINS.get(plugin_id)
    text = path.read_bytes().decode("utf-8")
    rnd = random.Random(seed)
    keywords = plugin_id.startswith("quectel")
    lines = re.split(r"(\r\n|\n|\r)", text)
    spaced = "".join(
        part if index % 2 else perturb(part, rnd, keywords=keywords)
        for index, part in enumerate(lines)
    )
    assert _events(spaced.encode(), plugin, variant) == _events(text.encode(), plugin, variant)


def test_the_perturbation_really_moves_spaces() -> None:
    rnd = random.Random(3)
    line = '+QLWURC: "recv","/19/1/0",4,5'
    variants = {perturb(line, rnd, keywords=True) for _ in range(20)}
    assert len(variants) > 5
    assert any("  " in v or " ," in v for v in variants)
    assert perturb('+X: "a,b",{"k":[1,2]}', random.Random(0), keywords=False).count('"a,b"') == 1
