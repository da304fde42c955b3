"""Reading a session file: finished, still being written, or left behind by a killed writer.

The reader never trusts the file: every record is CRC-checked, damage is reported and
skipped (:class:`~workbench.session.format.Damage`), and a record whose checksum is right but
whose payload cannot be decoded (a newer writer, a bug) is reported as a :class:`Problem`
instead of stopping the scan. Nothing here raises on bad *content*; only a file that is not a
session at all raises :class:`~workbench.session.format.SessionFormatError`.

Records are scanned from the file each time they are asked for, so memory does not grow with
the session; :meth:`SessionReader.poll` picks up what a live writer appended since last time.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from workbench.module.events import Event
from workbench.module.state import ModuleState
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.session.format import (
    FILE_HEADER_SIZE,
    Damage,
    RawRecord,
    RecordKind,
    check_file_header,
    is_header_prefix,
    scan,
)
from workbench.session.meta import SessionMeta
from workbench.session.records import Note, Record, SerialData, decode_record
from workbench.session.transcript import TranscriptLine, build_transcript


@dataclass(frozen=True, slots=True)
class Problem:
    """A record with a valid checksum whose payload could not be understood (it is skipped)."""

    offset: int
    kind: int
    reason: str

    def describe(self) -> str:
        return f"undecodable record of kind {self.kind} at offset {self.offset}: {self.reason}"


Report = Damage | Problem
ReportSink = Callable[[Report], None]


@dataclass(slots=True)
class SessionSummary:
    """What ``session info`` shows: metadata, counts per kind, time span, damage."""

    path: str
    size: int
    meta: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    first_time: float | None = None
    last_time: float | None = None
    #: True when the writer closed the file (an END record is the last record).
    complete: bool = False
    #: How often the file was reopened for appending after a crash or stop.
    resumed: int = 0
    redacted: int = 0
    reports: list[Report] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    @property
    def torn_tail(self) -> Damage | None:
        for report in self.reports:
            if isinstance(report, Damage) and report.tail:
                return report
        return None

    @property
    def corruption(self) -> list[Report]:
        """Damage in the middle of the file and undecodable records (not a torn tail)."""
        return [r for r in self.reports if not (isinstance(r, Damage) and r.tail)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": self.size,
            "meta": self.meta,
            "records": self.records,
            "counts": dict(self.counts),
            "first_time": self.first_time,
            "last_time": self.last_time,
            "duration": (
                None
                if self.first_time is None or self.last_time is None
                else round(self.last_time - self.first_time, 6)
            ),
            "complete": self.complete,
            "resumed": self.resumed,
            "redacted": self.redacted,
            "damage": [r.describe() for r in self.reports],
        }


def _kinds(kinds: Iterable[RecordKind | str] | None) -> frozenset[int] | None:
    if kinds is None:
        return None
    out: set[int] = set()
    for kind in kinds:
        out.add(RecordKind[kind.upper()] if isinstance(kind, str) else RecordKind(kind))
    return frozenset(out)


class SessionReader:
    """Open ``path`` for reading (see the module docstring). Use as a context manager."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._handle: BinaryIO = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        try:
            head = self._handle.read(FILE_HEADER_SIZE)
            #: The file ends inside its header (the writer died while creating it).
            self.torn_header = len(head) < FILE_HEADER_SIZE and is_header_prefix(head)
            if not self.torn_header:
                check_file_header(head)
        except BaseException:
            self._handle.close()
            raise
        self._poll_pos = FILE_HEADER_SIZE
        self._poll_index = 0
        self.meta: dict[str, Any] = self._first_meta()

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> SessionReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def session_meta(self) -> SessionMeta:
        """The metadata as a typed object."""
        return SessionMeta.from_dict(self.meta)

    def size(self) -> int:
        """Current file size (grows while a writer is active)."""
        return os.fstat(self._handle.fileno()).st_size

    # -- scanning ---------------------------------------------------------------------------

    def raw(
        self, start: int = FILE_HEADER_SIZE, end: int | None = None
    ) -> Iterator[RawRecord | Damage]:
        """Valid raw records and damage, in file order, up to the size at call time."""
        if self.torn_header:
            return
        stop = self.size() if end is None else end
        yield from scan(self._handle, start, stop)

    def records(
        self,
        kinds: Iterable[RecordKind | str] | None = None,
        *,
        start: float | None = None,
        end: float | None = None,
        on_report: ReportSink | None = None,
    ) -> Iterator[Record]:
        """Decoded records in file order, filtered by kind and host time (``start <= t < end``).

        ``on_report`` receives damage and undecodable records as they are met (they are
        skipped either way). ``Record.index`` counts valid records from 0 (META first).
        """
        wanted = _kinds(kinds)
        index = -1
        for item in self.raw():
            if isinstance(item, Damage):
                if on_report is not None:
                    on_report(item)
                continue
            index += 1
            if wanted is not None and item.kind not in wanted:
                continue
            if (start is not None and item.t < start) or (end is not None and item.t >= end):
                continue
            record = self._decode(item, index, on_report)
            if record is not None:
                yield record

    def poll(self, on_report: ReportSink | None = None) -> list[Record]:
        """Records appended since the previous call (all of them on the first call).

        For following a live session: a record the writer has not finished is left for the
        next call; damage in the middle is reported and skipped once.
        """
        out: list[Record] = []
        if self.torn_header:
            self._reopen_header()
            if self.torn_header:
                return out
        for item in self.raw(self._poll_pos):
            if isinstance(item, Damage):
                if item.tail:
                    break
                if on_report is not None:
                    on_report(item)
                self._poll_pos = item.offset + item.length
                continue
            self._poll_pos = item.end
            record = self._decode(item, self._poll_index, on_report)
            self._poll_index += 1
            if record is not None:
                out.append(record)
        return out

    def _decode(self, raw: RawRecord, index: int, on_report: ReportSink | None) -> Record | None:
        try:
            return decode_record(raw, index)
        except (ValueError, KeyError, TypeError, ArithmeticError, RecursionError) as exc:
            # decode_record validates every field; the wider net keeps a reader alive should a
            # crafted record still reach a conversion that raises (it is reported, not fatal).
            if on_report is not None:
                on_report(Problem(raw.offset, raw.kind, str(exc) or type(exc).__name__))
            return None

    def _first_meta(self) -> dict[str, Any]:
        for item in self.raw():
            if isinstance(item, RawRecord):
                if item.kind == RecordKind.META:
                    record = self._decode(item, 0, None)
                    if record is not None and isinstance(record.body, dict):
                        return record.body
                return {}
        return {}

    def _reopen_header(self) -> None:
        self._handle.seek(0)
        head = self._handle.read(FILE_HEADER_SIZE)
        if len(head) == FILE_HEADER_SIZE:
            check_file_header(head)
            self.torn_header = False
            self.meta = self._first_meta()

    # -- views ------------------------------------------------------------------------------

    def summary(self) -> SessionSummary:
        """Scan the whole file once: counts, time span, completeness, damage."""
        out = SessionSummary(str(self.path), self.size(), dict(self.meta))
        if self.torn_header:
            size = out.size
            if size:
                out.reports.append(Damage(0, size, "torn file header", tail=True))
            return out
        counts: Counter[str] = Counter()
        last_kind: RecordKind | None = None
        for record in self.records(on_report=out.reports.append):
            counts[record.kind.label] += 1
            last_kind = record.kind
            if record.kind is RecordKind.META and record.index > 0:
                out.resumed += 1
            if record.redacted:
                out.redacted += 1
            if record.kind in (RecordKind.META, RecordKind.END):
                continue
            out.first_time = record.t if out.first_time is None else min(out.first_time, record.t)
            out.last_time = record.t if out.last_time is None else max(out.last_time, record.t)
        out.counts = dict(counts)
        out.complete = last_kind is RecordKind.END and out.torn_tail is None
        return out

    def serial(self, on_report: ReportSink | None = None) -> Iterator[Record]:
        """RX and TX records (body :class:`SerialData`)."""
        return self.records((RecordKind.RX, RecordKind.TX), on_report=on_report)

    def transcript(self, on_report: ReportSink | None = None) -> Iterator[TranscriptLine]:
        """The terminal lines rebuilt from the serial records (see :mod:`.transcript`)."""
        return build_transcript(self.serial(on_report))

    def events(self, on_report: ReportSink | None = None) -> Iterator[Event]:
        """The decoded events, in recording order."""
        for record in self.records((RecordKind.EVENT,), on_report=on_report):
            if isinstance(record.body, Event):
                yield record.body

    def module_state(self) -> ModuleState:
        """The module state as it was at the end of the session (events folded in order)."""
        state = ModuleState()
        state.apply_all(self.events())
        return state

    def coap_log(self, on_report: ReportSink | None = None) -> Iterator[CoapLogEntry]:
        """The built-in server's CoAP messages, in recording order."""
        for record in self.records((RecordKind.COAP,), on_report=on_report):
            if isinstance(record.body, CoapLogEntry):
                yield record.body

    def server_events(self, on_report: ReportSink | None = None) -> Iterator[ServerEvent]:
        for record in self.records((RecordKind.SERVER_EVENT,), on_report=on_report):
            if isinstance(record.body, ServerEvent):
                yield record.body

    def notes(self) -> Iterator[tuple[float, Note]]:
        for record in self.records((RecordKind.NOTE,)):
            if isinstance(record.body, Note):
                yield record.t, record.body

    def serial_bytes(self, direction: str = "rx") -> bytes:
        """All bytes of one direction joined (for tests and quick looks; loads them all)."""
        kind = RecordKind.RX if direction == "rx" else RecordKind.TX
        return b"".join(
            r.body.data for r in self.records((kind,)) if isinstance(r.body, SerialData)
        )
