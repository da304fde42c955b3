"""aiocoap's warnings become transport_warning events, never lines on stderr."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest

from tests.server.conftest import run, serving
from workbench.lwm2m.model import ObjectRegistry
from workbench.server.logroute import PER_SECOND, EventLogHandler


def test_a_misfit_message_is_an_event_not_stderr(
    registry: ObjectRegistry, capfd: pytest.CaptureFixture[str]
) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with serving(registry) as server:
            events: list[dict[str, Any]] = []
            server.events.subscribe(lambda ev: events.append(ev.to_dict()))
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
                raw.sendto(b"\x60\x01\x00\x07", server.address)  # an ACK carrying a GET
                for _ in range(100):
                    await asyncio.sleep(0.02)
                    if any(e["kind"] == "transport_warning" for e in events):
                        break
            return events

    events = run(scenario())
    warnings = [e for e in events if e["kind"] == "transport_warning"]
    assert warnings, events
    assert warnings[0]["source"] == "aiocoap" and warnings[0]["level"] == "warning"
    assert "don't fit" in warnings[0]["text"]
    assert "don't fit" not in capfd.readouterr().err


def test_warnings_are_rate_limited_and_counted() -> None:
    published: list[dict[str, Any]] = []
    handler = EventLogHandler(published.append)
    logger = logging.getLogger("workbench.test.logroute")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for index in range(PER_SECOND + 7):
            logger.warning("warning %d", index)
        logger.info("below the level")
    finally:
        logger.removeHandler(handler)
    assert [p["text"] for p in published] == [f"warning {i}" for i in range(PER_SECOND)]
    assert handler.suppressed == 7
