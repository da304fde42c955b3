"""Skips for a missing third-party peer or corpus, which CI turns into failures.

A developer's laptop may lack libcoap, node, tshark, DTLSSocket or the OMA registry; their
tests then skip and say what to install. Under CI (``CI`` set) tests/conftest.py reports every
skip whose reason contains :data:`MISSING` as a failure. Use these helpers for that kind of
skip only; a skip for another reason (a POSIX-only test on Windows) stays a skip everywhere.
"""

from __future__ import annotations

from typing import NoReturn

import pytest

#: Marks a skip reason as "a peer or corpus is missing".
MISSING = "missing peer:"


def needs_peer(available: bool, what: str) -> pytest.MarkDecorator:
    """``skipif`` mark: skip (fail under CI) when ``available`` is false; ``what`` says why."""
    return pytest.mark.skipif(not available, reason=f"{MISSING} {what}")


def skip_missing_peer(what: str) -> NoReturn:
    """Skip the running test (fail under CI) because ``what`` is missing."""
    pytest.skip(f"{MISSING} {what}")
