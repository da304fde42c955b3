"""Every record kind written and read back; metadata, live reading, summary, replay, state."""

from __future__ import annotations

import asyncio
import math
import os
import threading
from pathlib import Path

import pytest

from tests.session.helpers import (
    SERVER,
    T0,
    coap_entry,
    events,
    registration_entries,
    server_event,
    writer,
)
from workbench.module.events import Event
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.session import (
    Note,
    RecordKind,
    SerialData,
    SessionClosedError,
    SessionReader,
    SessionWriter,
    build_transcript,
    replay,
    replay_async,
    time_ordered,
)
from workbench.session.records import Record

RAW_RX = bytes(range(256)) + b"\r\nOK\r\n"


def write_all_kinds(path: Path) -> None:
    with writer(path) as w:
        w.record_tx(b"AT+CGMI\r", T0)
        w.record_rx(b"AT+CGMI\r\r\nu-blox\r\n\r\nOK\r\n", T0 + 0.01)
        w.record_rx(RAW_RX, T0 + 0.02)
        for event in events(T0 + 0.03):
            w.record_event(event, event.timestamp)
        for entry in registration_entries(T0 + 0.5):
            w.record_coap(entry)
        w.record_server_event(server_event(T0 + 0.6))
        w.note("module reset by hand", T0 + 0.7)
        w.marker("firmware 2 flashed", T0 + 0.8)


def test_every_kind_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    write_all_kinds(path)
    with SessionReader(path) as reader:
        records = list(reader.records())
    kinds = [r.kind for r in records]
    assert kinds[0] is RecordKind.META
    assert kinds[-1] is RecordKind.END
    assert [r.index for r in records] == list(range(len(records)))

    meta = records[0].body
    assert isinstance(meta, dict)
    assert meta["plugin"] == "example" and meta["variant"] == "v1"
    assert meta["port"] == "sim://example"
    assert meta["port_settings"]["baudrate"] == 115200
    assert meta["server_address"] == SERVER
    assert meta["started"] == T0 and meta["app_version"] and meta["app"] == "lwm2m-workbench"

    serial = [r for r in records if isinstance(r.body, SerialData)]
    assert [(r.kind, r.t) for r in serial] == [
        (RecordKind.TX, T0),
        (RecordKind.RX, T0 + 0.01),
        (RecordKind.RX, T0 + 0.02),
    ]
    assert serial[2].body.data == RAW_RX  # exact bytes, all 256 values

    got_events = [r.body for r in records if isinstance(r.body, Event)]
    assert [e.to_dict() for e in got_events] == [e.to_dict() for e in events(T0 + 0.03)]
    assert [e.timestamp for e in got_events] == [e.timestamp for e in events(T0 + 0.03)]
    assert got_events[2].inferred

    coap = [r.body for r in records if isinstance(r.body, CoapLogEntry)]
    originals = registration_entries(T0 + 0.5)
    assert [c.to_dict() for c in coap] == [o.to_dict() for o in originals]
    assert [c.data for c in coap] == [o.data for o in originals]

    server = [r.body for r in records if isinstance(r.body, ServerEvent)]
    assert [s.to_dict() for s in server] == [server_event(T0 + 0.6).to_dict()]

    notes = [(r.t, r.body) for r in records if isinstance(r.body, Note)]
    assert notes == [
        (T0 + 0.7, Note("module reset by hand")),
        (T0 + 0.8, Note("firmware 2 flashed", marker=True)),
    ]


def test_filters_by_kind_and_time(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    write_all_kinds(path)
    with SessionReader(path) as reader:
        rx = list(reader.records(["rx"]))
        assert {r.kind for r in rx} == {RecordKind.RX} and len(rx) == 2
        window = list(reader.records(start=T0 + 0.015, end=T0 + 0.55))
        # events are at T0 + 0.03, 1.03, 2.03; the CoAP pair at T0 + 0.5
        assert [r.kind for r in window] == [
            RecordKind.RX,
            RecordKind.EVENT,
            RecordKind.COAP,
            RecordKind.COAP,
        ]
        assert reader.serial_bytes("tx") == b"AT+CGMI\r"
        assert len(list(reader.coap_log())) == 2
        assert [n.text for _, n in reader.notes()] == ["module reset by hand", "firmware 2 flashed"]


def test_summary(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    write_all_kinds(path)
    with SessionReader(path) as reader:
        summary = reader.summary()
    assert summary.complete and not summary.reports and summary.resumed == 0
    assert summary.counts == {
        "meta": 1,
        "tx": 1,
        "rx": 2,
        "event": 3,
        "coap": 2,
        "server_event": 1,
        "note": 2,
        "end": 1,
    }
    assert summary.first_time == T0 and summary.last_time == pytest.approx(T0 + 2.03)
    assert summary.to_dict()["duration"] == pytest.approx(2.03)


def test_module_state_is_rebuilt_by_folding_events(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    write_all_kinds(path)
    with SessionReader(path) as reader:
        state = reader.module_state()
    server = state.server("1")
    assert server.registration is not None and server.registration.value == "pending"
    assert server.registration.line == 5
    # The 300 s timer belonged to the registration that line 5 superseded (issue 12).
    assert server.update_timer is None


def test_transcript_rebuilt_with_echo(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    write_all_kinds(path)
    with SessionReader(path) as reader:
        lines = list(build_transcript(reader.records()))
        assert list(reader.transcript()) == lines
    assert [(line.direction, line.text, line.echo, line.echoed) for line in lines[:4]] == [
        ("tx", "AT+CGMI", False, True),
        ("rx", "AT+CGMI", True, False),
        ("rx", "u-blox", False, False),
        ("rx", "OK", False, False),
    ]
    assert lines[0].t == T0 and lines[2].t == T0 + 0.01
    assert lines[4].raw == bytes(range(10))  # up to the LF in the raw chunk


def test_reading_a_live_file_and_poll(tmp_path: Path) -> None:
    path = tmp_path / "live.wbs"
    w = writer(path)
    try:
        reader = SessionReader(path)
        w.flush()
        first = reader.poll()
        assert [r.kind for r in first] == [RecordKind.META]
        w.record_rx(b"+XLWEVT: 1,2\r\n", T0)
        w.flush(sync=False)
        # A half-written record at the end is not a problem for a reader.
        with open(path, "ab") as handle:
            handle.flush()
        assert [r.kind for r in reader.poll()] == [RecordKind.RX]
        assert reader.poll() == []
        summary = reader.summary()
        assert not summary.complete and summary.reports == []
    finally:
        w.close()
    assert [r.kind for r in reader.poll()] == [RecordKind.END]
    reader.close()


def test_poll_leaves_an_unfinished_record_for_later(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    write_all_kinds(path)
    data = path.read_bytes()
    with SessionReader(path) as reader:
        last = list(reader.records())[-1]
    partial = tmp_path / "partial.wbs"
    partial.write_bytes(data[: last.offset + 5])
    with SessionReader(partial) as reader:
        before = reader.poll()
        assert before[-1].kind is RecordKind.NOTE
        with open(partial, "ab") as handle:
            handle.write(data[last.offset + 5 :])
        assert [r.kind for r in reader.poll()] == [RecordKind.END]


def test_records_from_many_threads(tmp_path: Path) -> None:
    path = tmp_path / "threads.wbs"
    per_thread = 500
    with writer(path) as w:

        def work(n: int) -> None:
            for i in range(per_thread):
                w.record_rx(f"{n}:{i}\n".encode(), T0 + i)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with SessionReader(path) as reader:
        lines = reader.serial_bytes().decode().splitlines()
    for n in range(4):
        mine = [line for line in lines if line.startswith(f"{n}:")]
        assert mine == [f"{n}:{i}" for i in range(per_thread)]


def test_writer_refuses_to_overwrite_and_resumes_on_request(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    write_all_kinds(path)
    with pytest.raises(FileExistsError):
        SessionWriter(path)
    with writer(path, append=True) as w:
        assert w.recovered is None
        w.record_rx(b"again\r\n", T0 + 5)
    with SessionReader(path) as reader:
        summary = reader.summary()
        assert summary.resumed == 1 and summary.complete
        assert reader.serial_bytes().endswith(b"again\r\n")


def test_file_is_private_to_the_user(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    path = tmp_path / "s.wbs"
    write_all_kinds(path)
    assert path.stat().st_mode & 0o077 == 0


def _records(times: list[float]) -> list[Record]:
    return [Record(i, 0, RecordKind.NOTE, t, False, Note(str(i))) for i, t in enumerate(times)]


def test_time_ordered_restores_order_within_the_window() -> None:
    records = _records([1.0, 1.5, 1.2, 3.0, 2.9, 10.0, 2.0])
    ordered = [r.t for r in time_ordered(records, window=2.0)]
    # 2.0 arrives after 10.0 pushed the window past it: it comes out late (right away)
    # rather than being held or dropped.
    assert ordered == [1.0, 1.2, 1.5, 2.9, 3.0, 2.0, 10.0]
    assert [r.t for r in time_ordered(records, window=100)] == sorted(r.t for r in records)


def test_replay_keeps_timing_and_speed() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    records = _records([10.0, 10.5, 12.5, 112.5])
    out = list(replay(records, speed=2.0, sleep=sleep, clock=lambda: now[0]))
    assert [r.t for r in out] == [10.0, 10.5, 12.5, 112.5]
    assert slept == [0.25, 1.0, 50.0]
    slept.clear()
    now[0] = 0.0
    list(replay(records, speed=1.0, max_gap=1.0, sleep=sleep, clock=lambda: now[0]))
    assert slept == [0.5, 1.0, 1.0]
    slept.clear()
    list(replay(records, speed=0, sleep=sleep, clock=lambda: now[0]))
    assert slept == []
    with pytest.raises(ValueError):
        list(replay(records, speed=-1))


def test_replay_async_for_the_gui_loop() -> None:
    records = _records([0.0, 0.01, 0.02])

    async def collect() -> list[float]:
        return [r.t async for r in replay_async(records, speed=10.0)]

    assert asyncio.run(collect()) == [0.0, 0.01, 0.02]


def test_record_to_dict_for_replay_output(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    write_all_kinds(path)
    with SessionReader(path) as reader:
        dicts = [r.to_dict() for r in reader.records()]
    assert dicts[1] == {"record": "tx", "time": T0, "text": "AT+CGMI\r", "hex": "41542b43474d490d"}
    event = next(d for d in dicts if d["record"] == "event")
    assert list(event)[:5] == ["record", "time", "kind", "line", "raw"]
    coap = next(d for d in dicts if d["record"] == "coap")
    assert coap["method"] == "POST" and coap["path"] == "/rd"


def test_secret_coap_entry_round_trip_shows_same_log_line(tmp_path: Path) -> None:
    entry = coap_entry(
        "out", 3, path="/0/1/5", payload=b"\xab\xcd\xef\x01", content_format=42, mid=7
    )
    path = tmp_path / "s.wbs"
    with writer(path) as w:
        w.record_coap(entry)
    with SessionReader(path) as reader:
        (got,) = list(reader.coap_log())
    assert got.to_dict() == entry.to_dict()  # the log view masks it either way
    assert got.data[-4:] == b"\x00\x00\x00\x00" and len(got.data) == len(entry.data)


def test_io_error_stops_recording_without_raising_into_recorders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import workbench.session.writer as writer_module

    errors: list[BaseException] = []
    w = writer(tmp_path / "s.wbs", on_error=errors.append)
    w.flush()

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer_module.os, "write", full)
    w.record_rx(b"lost\r\n", T0)
    w.flush()
    w.record_rx(b"dropped\r\n", T0)  # must not raise in the serial thread
    assert isinstance(w.error, OSError) and len(errors) == 1
    assert w.stats.dropped >= 2
    with pytest.raises(SessionClosedError, match="No space"):
        w.close()
    monkeypatch.undo()
    with SessionReader(tmp_path / "s.wbs") as reader:
        assert [r.kind for r in reader.records()] == [RecordKind.META]


def test_large_and_odd_inputs(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    big = bytes(range(256)) * (9 * 4096 + 7)  # > 9 MiB in one call
    with writer(path) as w:
        w.record_rx(big, T0)
        w.record_rx(b"", T0)
        w.record_tx(b"AT\r", float("nan"))  # a broken clock value is replaced, not stored
    with SessionReader(path) as reader:
        assert reader.serial_bytes() == big
        (tx,) = list(reader.records(["tx"]))
        assert math.isfinite(tx.t)
