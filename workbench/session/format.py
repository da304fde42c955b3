"""The session file format: an append-only stream of length-prefixed, CRC-checked records.

Why a record stream and not SQLite
----------------------------------
SQLite in WAL mode is crash-safe too and easy to query, but a session is written at serial
speed (up to ~1 MB/s in many small chunks) from several threads and is later *mailed around*:

* One file, always. A WAL database that was not checkpointed keeps the newest records in a
  ``-wal`` side file; an engineer who copies only ``session.wbs`` out of a crashed run loses
  exactly the minutes before the crash, which are the ones the bug report is about.
* The crash-safety argument is short and testable byte by byte: the writer only ever appends;
  every record carries its length and a CRC32; so after any crash the file is *a valid prefix
  plus at most some garbage at the end*, and the reader keeps the prefix. The tests truncate a
  file at every byte offset of its last record and kill a real writer with SIGKILL.
* Raw serial bytes are stored exactly as they came, with no encoding step, at the cost of a
  ``memcpy`` and one CRC per record — cheap enough to batch at 1 MB/s (see the writer).
* A file that is still being written can be read at any time by another process with plain
  reads (no locks, no shared-memory index that a reader on a network drive cannot map).

Querying "by kind and time" is a linear scan that skips payloads it does not decode; sessions
are read far less often than they are written, and a scan runs at disk speed.

Layout (all integers little-endian)
-----------------------------------
File header, 16 bytes::

    0  8  magic  b"\\x89WBS\\r\\n\\x1a\\n"   (PNG-style: catches text-mode and 7-bit mangling)
    8  2  format version (1)
    10 2  flags (0)
    12 4  reserved (0)

Then records, back to back::

    0   2  sync  b"\\xa5\\x5a"   (lets a reader find the next record after damage)
    2   4  N = payload length
    6   1  record kind (:class:`RecordKind`)
    7   1  record flags (per kind, e.g. "redacted")
    8   8  t = host time, float64 seconds since the epoch (the writer's clock)
    16  N  payload (per kind, see :mod:`workbench.session.records`)
    16+N 4 CRC32 of bytes 2 .. 16+N (length, kind, flags, time, payload)

A record is valid when its sync bytes match, its length is at most :data:`MAX_PAYLOAD`, the
whole record lies inside the file, and the CRC matches. Anything else is *damage*: the scanner
reports it (:class:`Damage`) and looks for the next valid record after it, so a flipped byte in
the middle of a session costs one record, never the rest of the file. Damage that is not
followed by any valid record is a *torn tail* (a write cut short by a crash, or a record still
being written by a live writer); the writer drops it when it reopens the file to append.
"""

from __future__ import annotations

import enum
import math
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final

MAGIC: Final = b"\x89WBS\r\n\x1a\n"
VERSION: Final = 1
FILE_HEADER: Final = struct.Struct("<8sHHI")
FILE_HEADER_SIZE: Final = FILE_HEADER.size

SYNC: Final = b"\xa5\x5a"
#: sync, length, kind, flags, time.
RECORD_HEADER: Final = struct.Struct("<2sIBBd")
RECORD_HEADER_SIZE: Final = RECORD_HEADER.size
CRC: Final = struct.Struct("<I")
#: Fixed bytes per record (header + CRC).
OVERHEAD: Final = RECORD_HEADER_SIZE + CRC.size
#: Largest payload a record may have; bigger lengths are treated as damage, so a corrupted
#: length field cannot make a reader allocate gigabytes.
MAX_PAYLOAD: Final = 64 * 1024 * 1024

#: Record kinds are small numbers; a header claiming more is damage (this also makes a false
#: sync marker inside damaged bytes cheap to reject).
MAX_KIND: Final = 63

#: How much the scanner reads at a time.
_CHUNK: Final = 1024 * 1024


class RecordKind(enum.IntEnum):
    """What a record holds. Numbers are part of the file format: never renumber."""

    META = 1
    RX = 2
    TX = 3
    EVENT = 4
    COAP = 5
    SERVER_EVENT = 6
    NOTE = 7
    END = 8

    @property
    def label(self) -> str:
        """Lower-case name used on the command line and in JSON (``rx``, ``server_event``)."""
        return self.name.lower()


#: Record flag: something was masked before the record was written.
FLAG_REDACTED: Final = 0x01


class SessionFormatError(ValueError):
    """The file is not a session file (or a newer version this code cannot read)."""


def file_header() -> bytes:
    """The 16 bytes every session file starts with."""
    return FILE_HEADER.pack(MAGIC, VERSION, 0, 0)


def check_file_header(data: bytes) -> None:
    """Raise :class:`SessionFormatError` unless ``data`` starts with a header we can read.

    A file shorter than the header whose bytes are a prefix of it is a session whose writer
    died right after creating it: that is reported as an empty session by the reader, not here.
    """
    if len(data) < FILE_HEADER_SIZE:
        raise SessionFormatError("file is shorter than the 16-byte session header")
    magic, version, _flags, _reserved = FILE_HEADER.unpack_from(data)
    if magic != MAGIC:
        raise SessionFormatError("not a workbench session file (bad magic bytes)")
    if version != VERSION:
        raise SessionFormatError(
            f"session format version {version} is not supported (this build reads {VERSION})"
        )


def is_header_prefix(data: bytes) -> bool:
    """True when ``data`` (shorter than a header) could be the start of one (torn creation)."""
    return len(data) < FILE_HEADER_SIZE and file_header().startswith(data)


def encode_record(kind: int, flags: int, t: float, payload: bytes) -> bytes:
    """One complete record, ready to append."""
    if not 0 < kind <= MAX_KIND or not math.isfinite(t):
        raise ValueError(f"record kind {kind} / time {t} cannot be stored")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"record payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    head = RECORD_HEADER.pack(SYNC, len(payload), kind, flags, t)
    crc = zlib.crc32(payload, zlib.crc32(head[2:]))
    return b"".join((head, payload, CRC.pack(crc)))


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A valid record as found in the file (payload not yet decoded)."""

    offset: int
    kind: int
    flags: int
    t: float
    payload: bytes

    @property
    def end(self) -> int:
        """File offset just after this record."""
        return self.offset + OVERHEAD + len(self.payload)


@dataclass(frozen=True, slots=True)
class Damage:
    """Bytes that are not a valid record.

    ``tail`` is True when no valid record follows: a torn last write, or a record a live
    writer has not finished yet. Otherwise the file was corrupted in the middle and the scan
    resumed at ``offset + length``.
    """

    offset: int
    length: int
    reason: str
    tail: bool

    def describe(self) -> str:
        where = "torn tail" if self.tail else "corrupted"
        return f"{where}: {self.length} bytes at offset {self.offset} ({self.reason})"


class _Window:
    """Reads a file in large chunks and serves small slices of it (the scanner's buffer)."""

    def __init__(self, handle: BinaryIO, end: int) -> None:
        self._handle = handle
        self._end = end
        self._base = 0
        self._buf = b""

    def get(self, pos: int, size: int) -> bytes | None:
        """Exactly ``size`` bytes at ``pos``, or None when they run past the scanned end."""
        if pos + size > self._end:
            return None
        rel = pos - self._base
        if rel < 0 or rel + size > len(self._buf):
            self._handle.seek(pos)
            self._buf = self._handle.read(min(max(size, _CHUNK), self._end - pos))
            self._base = pos
            rel = 0
            if len(self._buf) < size:
                return None
        return self._buf[rel : rel + size]

    def find_sync(self, pos: int) -> int:
        """Offset of the next sync marker at or after ``pos``, or -1."""
        while pos < self._end:
            block = self.get(pos, min(_CHUNK, self._end - pos))
            if block is None:
                return -1
            hit = block.find(SYNC)
            if hit >= 0:
                return pos + hit
            if len(block) < len(SYNC):
                return -1
            pos += len(block) - (len(SYNC) - 1)
        return -1


def _record_at(window: _Window, pos: int) -> RawRecord | str:
    """The valid record at ``pos`` or the reason there is none."""
    head = window.get(pos, RECORD_HEADER_SIZE)
    if head is None:
        return "incomplete record header"
    sync, length, kind, flags, t = RECORD_HEADER.unpack(head)
    if sync != SYNC:
        return "no record marker"
    if length > MAX_PAYLOAD:
        return f"record length {length} is implausible"
    if not 0 < kind <= MAX_KIND or not math.isfinite(t):
        return "record header is implausible"
    body = window.get(pos + RECORD_HEADER_SIZE, length + CRC.size)
    if body is None:
        return "record runs past the end of the file"
    payload = body[:length]
    (stored,) = CRC.unpack_from(body, length)
    if zlib.crc32(payload, zlib.crc32(head[2:])) != stored:
        return "checksum mismatch"
    return RawRecord(pos, kind, flags, t, payload)


def scan(handle: BinaryIO, start: int, end: int) -> Iterator[RawRecord | Damage]:
    """Valid records and damage between ``start`` and ``end``, in file order.

    Never raises on bad data: every byte range is either a record or reported damage.
    """
    window = _Window(handle, end)
    pos = start
    while pos < end:
        found = _record_at(window, pos)
        if isinstance(found, RawRecord):
            yield found
            pos = found.end
            continue
        reason = found
        candidate = window.find_sync(pos + 1)
        while candidate >= 0:
            if isinstance(_record_at(window, candidate), RawRecord):
                break
            candidate = window.find_sync(candidate + 1)
        if candidate < 0:
            yield Damage(pos, end - pos, reason, tail=True)
            return
        yield Damage(pos, candidate - pos, reason, tail=False)
        pos = candidate
