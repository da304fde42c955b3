"""Events are encoded by the flusher, not by the thread that records them, in call order."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.session.helpers import T0, writer
from workbench.module.events import Event
from workbench.session import SessionReader
from workbench.session.format import RecordKind


def test_events_keep_their_place_among_serial_records_and_are_masked(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    w = writer(path, secrets=["s3cret-psk"])
    w.record_rx(b'+QLWURC: "report",1\r\n', T0)
    w.record_event(Event("notify", 1, '+QLWURC: "report",1', {"path": "/3/0/0"}), T0 + 1)
    w.record_rx(b"OK\r\n", T0 + 2)
    w.record_event(Event("values", 2, "x", {"values": {"/0/0/5": "s3cret-psk"}}), T0 + 3)
    w.close()
    with SessionReader(path) as reader:
        body = [r for r in reader.records() if r.kind not in (RecordKind.META, RecordKind.END)]
    assert [r.kind for r in body] == [
        RecordKind.RX,
        RecordKind.EVENT,
        RecordKind.RX,
        RecordKind.EVENT,
    ]
    assert [r.t for r in body] == [T0, T0 + 1, T0 + 2, T0 + 3]
    assert body[1].body.kind == "notify" and body[1].body.line == 1
    assert body[3].redacted and "s3cret-psk" not in repr(body[3].body)


def test_recording_an_event_does_not_encode_it_on_the_calling_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    original = Event.to_dict

    def spy(self: Event) -> dict[str, object]:
        threads.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(Event, "to_dict", spy)
    w = writer(tmp_path / "s.wbs")
    try:
        w.record_event(Event("notify", 1, "x", {"path": "/3/0/0"}))
        assert threads == []  # the caller (the GUI thread in the window) only queued it
        deadline = time.monotonic() + 5
        while w.stats.written < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert w.stats.written == 2  # META + the event, written by the flusher
        assert threads and all(name.startswith("session-writer") for name in threads)
    finally:
        w.close()
