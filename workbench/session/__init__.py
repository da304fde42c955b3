"""Sessions: everything of one workbench session, recorded crash-safely to one file.

A session file holds the serial bytes both ways (exact, with host timestamps), the decoded
events, the built-in server's CoAP messages and events, notes and markers, and the metadata
needed to read them back (plugin, variant, port, app version, start time). Secrets are masked
before anything is written (:mod:`.redact`).

* :class:`SessionWriter` records (thread-safe, batched, fsync at most every ~0.5 s); its
  docstring states the durability guarantee. The format and why it is a CRC-checked record
  stream rather than SQLite: :mod:`.format`.
* :class:`SessionReader` reads finished, live and crashed files; rebuilds the transcript
  (:func:`build_transcript`), events, module state and CoAP log.
* :func:`replay` / :func:`replay_async` yield records in time order with their timing.
* :mod:`.export`: terminal text that ``decode`` reads back, events as JSON lines, CoAP as
  pcapng.

No Qt, no module-level state; the CLI face is ``lwm2m-workbench session``.
"""

from workbench.session.format import Damage, RecordKind, SessionFormatError
from workbench.session.meta import SessionMeta
from workbench.session.reader import Problem, SessionReader, SessionSummary
from workbench.session.records import Note, Record, SerialData
from workbench.session.redact import Redactor
from workbench.session.replay import replay, replay_async, time_ordered
from workbench.session.transcript import TranscriptLine, build_transcript
from workbench.session.writer import SessionClosedError, SessionWriter, WriterStats

#: Suggested file name extension ("workbench session").
EXTENSION = ".wbs"

__all__ = [
    "EXTENSION",
    "Damage",
    "Note",
    "Problem",
    "Record",
    "RecordKind",
    "Redactor",
    "SerialData",
    "SessionClosedError",
    "SessionFormatError",
    "SessionMeta",
    "SessionReader",
    "SessionSummary",
    "SessionWriter",
    "TranscriptLine",
    "WriterStats",
    "build_transcript",
    "replay",
    "replay_async",
    "time_ordered",
]
