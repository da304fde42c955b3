"""Exports of a session file: terminal text, events as JSON lines, CoAP traffic as pcapng.

Each export takes a :class:`~workbench.session.reader.SessionReader` and a binary or text file
object, streams (nothing is loaded whole), and returns how many items it wrote. Damage in the
file is skipped; pass ``on_report`` to hear about it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from workbench.module.events import Event
from workbench.server.coaplog import CoapLogEntry
from workbench.session.format import RecordKind
from workbench.session.pcapng import export_pcapng
from workbench.session.reader import ReportSink, SessionReader
from workbench.session.transcript import export_text


def export_terminal_text(
    reader: SessionReader,
    out: BinaryIO,
    *,
    tags: bool = False,
    utc: bool = False,
    on_report: ReportSink | None = None,
) -> int:
    """The terminal log as ``[hh:mm:ss.mmm] line`` text (see :mod:`.transcript`)."""
    records = reader.records((RecordKind.RX, RecordKind.TX), on_report=on_report)
    return export_text(records, out, tags=tags, utc=utc)


def event_json(event: Event, t: float) -> str:
    """The ``decode`` JSON of an event plus ``time`` (host time it was recorded) at the end."""
    data = event.to_dict()
    data.setdefault("time", round(t, 6))
    return json.dumps(data, ensure_ascii=False)


def export_events(
    reader: SessionReader, out: TextIO, *, on_report: ReportSink | None = None
) -> int:
    """Decoded events as JSON lines, in the contract shape ``decode`` prints."""
    count = 0
    for record in reader.records((RecordKind.EVENT,), on_report=on_report):
        if isinstance(record.body, Event):
            out.write(event_json(record.body, record.t))
            out.write("\n")
            count += 1
    return count


def export_coap_pcapng(
    reader: SessionReader,
    out: BinaryIO,
    *,
    server_address: str | None = None,
    on_report: ReportSink | None = None,
) -> int:
    """The CoAP datagrams as pcapng; the server address defaults to the session's."""

    def entries() -> Iterator[tuple[CoapLogEntry, bool]]:
        for record in reader.records((RecordKind.COAP,), on_report=on_report):
            if isinstance(record.body, CoapLogEntry):
                yield record.body, record.redacted

    address = server_address or reader.session_meta.server_address
    return export_pcapng(entries(), out, server_address=address)
