"""The decoder frame: a decoder that raises costs no traceback, only a counted error event."""

from __future__ import annotations

import logging
import random

import pytest

from workbench.app.pipeline import decode_log
from workbench.plugin.loader import discover_plugins

READ = '+ULWM2MREAD: {"bn":"/3/0/","e":[{"n":"0","sv":"u-blox"},{"n":"9","v":87}]}'


def malformed_reads(count: int) -> list[str]:
    """``+ULWM2MREAD`` lines with a few characters of their JSON replaced (seeded)."""
    rng = random.Random(11)
    out = []
    for _ in range(count):
        chars = list(READ)
        for _ in range(rng.randint(1, 4)):
            chars[rng.randrange(14, len(chars))] = rng.choice('{}[]",:0123456789nvse.')
        out.append("".join(chars))
    return out


def test_malformed_ublox_json_is_quiet_and_counted(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    plugin = discover_plugins().get("ublox-sara-r5")
    assert plugin is not None
    lines = malformed_reads(400)
    caplog.set_level(logging.INFO)
    decoded = list(decode_log(("\r\n".join(lines) + "\r\n").encode(), plugin))
    errors = [e for d in decoded for e in d.events if e.kind == "error"]
    unknown_lines = {e.line for d in decoded for e in d.events if e.kind == "unknown"}
    assert errors, "the fuzz must make the decoder raise at least once"
    assert [e.fields["count"] for e in errors] == list(range(1, len(errors) + 1))
    assert all(e.fields["source"] == "decoder" for e in errors)
    assert all(e.fields["text"].startswith("decoder error: ") for e in errors)
    assert {e.line for e in errors} <= unknown_lines  # the line itself is still unknown
    assert "Traceback" not in capfd.readouterr().err
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
