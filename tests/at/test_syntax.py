"""Spacing-insensitive helpers of the AT syntax layer (issue 12, point 3)."""

from __future__ import annotations

from workbench.at.syntax import canonical_head, tidy_at_text


def test_canonical_head_ignores_spacing_and_case_outside_quotes() -> None:
    assert canonical_head('+QLWURC:  "recv" , "/19/1/0",4') == '+qlwurc:"recv","/19/1/0",4'
    assert canonical_head('+QLWURC:"RECV"') == canonical_head('+QLWURC: "recv"')
    # spaces inside quotes are data and stay
    assert canonical_head('+X: "a , b"') == '+x:"a , b"'


def test_tidy_at_text_keeps_quotes_and_brackets() -> None:
    assert tidy_at_text('+LWCNF:   "server" , <ip> ') == '+LWCNF: "server",<ip>'
    assert tidy_at_text('(0, 1) , "a , b",x') == '(0, 1),"a , b",x'
    assert tidy_at_text("#SIMST:1") == "#SIMST: 1"
