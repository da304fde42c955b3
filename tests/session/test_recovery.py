"""Torn writes and corruption: the reader keeps every valid record and never crashes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.session.helpers import (
    T0,
    crashed,
    events,
    leave_as_crashed,
    registration_entries,
    writer,
)
from workbench.session import Damage, Problem, RecordKind, SessionFormatError, SessionReader
from workbench.session.format import FILE_HEADER_SIZE, RECORD_HEADER_SIZE, encode_record
from workbench.session.records import Record


def build(path: Path, *, close: bool = True) -> None:
    w = writer(crashed(path, close))
    w.record_tx(b"AT+XLWSTART\r", T0)
    w.record_rx(b"AT+XLWSTART\r\r\nOK\r\n+XLWEVT: 1,2\r\n", T0 + 0.1)
    for event in events(T0 + 0.2):
        w.record_event(event)
    for entry in registration_entries(T0 + 0.3):
        w.record_coap(entry)
    w.note("the last data record: " + "x" * 40, T0 + 0.4)
    if close:
        w.close()
    else:  # leave like a crash would: flushed, never closed
        leave_as_crashed(w, path)


def fingerprint(records: list[Record]) -> list[tuple[int, int, float, str]]:
    return [(r.index, r.kind, r.t, repr(r.body)) for r in records]


def read_all(path: Path) -> tuple[list[Record], list[Damage | Problem]]:
    reports: list[Damage | Problem] = []
    with SessionReader(path) as reader:
        return list(reader.records(on_report=reports.append)), reports


def test_truncation_at_every_offset_of_the_last_record(tmp_path: Path) -> None:
    """(a) A crash can cut the last write anywhere: everything before it must survive."""
    original = tmp_path / "s.wbs"
    build(original)
    records, reports = read_all(original)
    assert not reports
    data = original.read_bytes()
    last_data = records[-2]  # the note; the END record follows it
    assert last_data.kind is RecordKind.NOTE
    expected = fingerprint(records[:-2])
    cut_file = tmp_path / "cut.wbs"
    for cut in range(last_data.offset, len(data)):
        cut_file.write_bytes(data[:cut])
        got, got_reports = read_all(cut_file)
        if cut < records[-1].offset:
            assert fingerprint(got) == expected, cut
        else:  # the note is complete, END is torn
            assert fingerprint(got) == fingerprint(records[:-1]), cut
        tails = [r for r in got_reports if isinstance(r, Damage)]
        if cut in (last_data.offset, records[-1].offset):
            assert tails == []
        else:
            assert len(tails) == 1 and tails[0].tail and tails[0].offset + tails[0].length == cut
        with SessionReader(cut_file) as reader:
            summary = reader.summary()
        assert not summary.complete and summary.corruption == []


def test_truncated_file_can_be_appended_to(tmp_path: Path) -> None:
    original = tmp_path / "s.wbs"
    build(original)
    records, _ = read_all(original)
    data = original.read_bytes()
    for cut in (records[-2].offset + 1, records[-2].offset + RECORD_HEADER_SIZE + 3, len(data) - 1):
        path = tmp_path / f"cut{cut}.wbs"
        path.write_bytes(data[:cut])
        with writer(path, append=True) as w:
            assert w.recovered is not None and w.recovered.tail
            w.record_rx(b"after the crash\r\n", T0 + 9)
        got, reports = read_all(path)
        assert reports == []
        assert got[-3].kind is RecordKind.META and got[-3].body["resumed"] is True  # type: ignore[index]
        assert got[-2].body.data == b"after the crash\r\n"  # type: ignore[union-attr]
        assert got[-1].kind is RecordKind.END
        kept = [r for r in records if r.offset + 1 <= cut and r.kind is not RecordKind.END]
        assert fingerprint(got[: len(kept) - 1]) == fingerprint(kept[:-1])


def test_torn_file_header(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    build(path)
    header = path.read_bytes()[:FILE_HEADER_SIZE]
    for cut in range(FILE_HEADER_SIZE):
        torn = tmp_path / f"h{cut}.wbs"
        torn.write_bytes(header[:cut])
        with SessionReader(torn) as reader:
            assert list(reader.records()) == []
            assert reader.meta == {}
            summary = reader.summary()
            assert summary.records == 0
            assert (summary.torn_tail is not None) == (cut > 0)
        with writer(torn, append=True) as w:
            w.record_rx(b"x", T0)
        got, reports = read_all(torn)
        assert reports == [] and [r.kind for r in got] == [
            RecordKind.META,
            RecordKind.RX,
            RecordKind.END,
        ]


def test_not_a_session_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"AT+CGMI\r\nOK\r\n" * 4)
    with pytest.raises(SessionFormatError, match="not a workbench session"):
        SessionReader(path)
    with pytest.raises(SessionFormatError):
        writer(path, append=True)
    newer = tmp_path / "newer.wbs"
    build(newer)
    data = bytearray(newer.read_bytes())
    data[8] = 99
    newer.write_bytes(bytes(data))
    with pytest.raises(SessionFormatError, match="version 99"):
        SessionReader(newer)


def test_corruption_in_the_middle_is_skipped_and_reported(tmp_path: Path) -> None:
    """(c) A flipped byte costs one record; the records before and after are kept."""
    original = tmp_path / "s.wbs"
    build(original)
    records, _ = read_all(original)
    data = original.read_bytes()
    victim = records[3]  # the first event
    cases = {
        "payload": victim.offset + RECORD_HEADER_SIZE + 2,
        "length": victim.offset + 3,
        "sync": victim.offset,
        "time": victim.offset + 10,
    }
    for name, position in cases.items():
        broken = bytearray(data)
        broken[position] ^= 0x40
        path = tmp_path / f"{name}.wbs"
        path.write_bytes(bytes(broken))
        got, reports = read_all(path)
        assert len(reports) == 1, name
        (damage,) = reports
        assert isinstance(damage, Damage) and not damage.tail, name
        assert damage.offset == victim.offset, name
        assert damage.offset + damage.length == records[4].offset, name
        survivors = [r for r in records if r.index != victim.index]
        assert [(r.kind, r.t, repr(r.body)) for r in got] == [
            (r.kind, r.t, repr(r.body)) for r in survivors
        ], name
        with SessionReader(path) as reader:
            summary = reader.summary()
        assert summary.complete and len(summary.corruption) == 1


def test_valid_checksum_but_undecodable_payload_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "s.wbs"
    build(path)
    with open(path, "ab") as handle:
        handle.write(encode_record(RecordKind.EVENT, 0, T0, b"{not json"))
        handle.write(encode_record(RecordKind.COAP, 0, T0, b"\x01"))
        handle.write(encode_record(42, 0, T0, b"from the future"))
        handle.write(encode_record(RecordKind.NOTE, 0, T0, b'{"text": "still read"}'))
    got, reports = read_all(path)
    assert [type(r) for r in reports] == [Problem, Problem, Problem]
    assert got[-1].kind is RecordKind.NOTE


def test_random_corruption_never_crashes_and_keeps_the_prefix(tmp_path: Path) -> None:
    original = tmp_path / "s.wbs"
    build(original)
    records, _ = read_all(original)
    data = original.read_bytes()
    ends = [r.offset for r in records[1:]] + [len(data)]
    rng = random.Random(1234)
    path = tmp_path / "fuzz.wbs"
    for _ in range(300):
        broken = bytearray(data)
        positions = sorted(
            rng.randrange(FILE_HEADER_SIZE, len(data)) for _ in range(rng.randint(1, 6))
        )
        for position in positions:
            broken[position] = rng.randrange(256)
        if rng.random() < 0.3:
            broken = broken[: rng.randrange(FILE_HEADER_SIZE, len(broken))]
        path.write_bytes(bytes(broken))
        got, _reports = read_all(path)
        limit = min(positions[0], len(broken))
        intact = [r for r, end in zip(records, ends, strict=True) if end <= limit]
        got_prefix = [(r.kind, r.t, repr(r.body)) for r in got[: len(intact)]]
        assert got_prefix == [(r.kind, r.t, repr(r.body)) for r in intact]
        with SessionReader(path) as reader:
            reader.summary()


def test_zeroed_hole_after_power_loss_keeps_later_records(tmp_path: Path) -> None:
    """After a power cut the unsynced region may come back as zeros with valid pages after."""
    original = tmp_path / "s.wbs"
    build(original)
    records, _ = read_all(original)
    data = bytearray(original.read_bytes())
    start, end = records[2].offset, records[5].offset
    data[start:end] = bytes(end - start)
    path = tmp_path / "hole.wbs"
    path.write_bytes(bytes(data))
    got, reports = read_all(path)
    assert [r.index for r in got][:2] == [0, 1]
    assert [(r.kind, r.t) for r in got[2:]] == [(r.kind, r.t) for r in records[5:]]
    assert len(reports) == 1 and isinstance(reports[0], Damage)
    assert (reports[0].offset, reports[0].length) == (start, end - start)
