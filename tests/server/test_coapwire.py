"""``code_text``: the one helper that spells a CoAP code (issue 14, one way to do one thing)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiocoap.numbers.codes import Code

from workbench.server.coapwire import code_text

PACKAGE = Path(__file__).resolve().parents[2] / "workbench"


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "0.00"),
        (1, "0.01"),
        (65, "2.01"),
        (69, "2.05"),
        (95, "2.31"),
        (132, "4.04"),
        (141, "4.13"),
        (160, "5.00"),
        (255, "7.31"),
    ],
)
def test_code_text(code: int, text: str) -> None:
    assert code_text(code) == text
    assert code_text(Code(code)) == text


def test_every_code_byte_is_class_dot_two_digit_detail() -> None:
    for code in range(256):
        klass, detail = divmod(code, 32)
        assert code_text(code) == f"{klass}.{detail:02d}"


def test_no_other_module_builds_code_text_itself() -> None:
    # ``{x >> 5}.{x & 0x1F:02d}`` (or ``& 31``) in an f-string is the hand-built spelling.
    hand_built = re.compile(r">>\s*5\s*\}\.\{[^}]*&\s*(0x1[Ff]|31)\s*:02d")
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if hand_built.search(line)
    ]
    assert offenders == []
