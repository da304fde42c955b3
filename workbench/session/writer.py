"""Recording a session as it happens: :class:`SessionWriter`.

Threading
---------
Every ``record_*`` method is thread-safe and cheap: it masks secrets, encodes one record and
appends it to an in-memory buffer under a lock (no system call). The serial reader thread,
the asyncio loop of the built-in server and the GUI thread may all call it at once; records
land in the file in the order the calls took the lock. One background thread (the *flusher*,
owned by the writer) moves the buffer to the operating system and makes it durable.

Durability guarantee
--------------------
A record goes through three states, and :attr:`SessionWriter.stats` counts each:

``recorded``  in the writer's buffer — lost if the process dies.
``written``   handed to the OS with ``write()`` — survives any *process* crash (exception,
              SIGKILL, a Qt abort), because the kernel owns the data now. The flusher writes
              at most ``write_interval`` (default 50 ms) after a record was made, sooner when
              the buffer passes ``buffer_limit`` (then the recording thread writes it itself).
``durable``   ``fsync`` (``F_FULLFSYNC`` on macOS, see :mod:`workbench.session.durable`)
              returned after it was written — survives power loss and OS crashes. The
              flusher syncs once the first unsynced record has waited ``write_interval``, and
              then at most every ``sync_interval`` (0.5 s) — or sooner when ``sync_records``
              (4096) records are waiting — so 1 MB/s of serial traffic costs a couple of
              fsyncs per second, not one per chunk.

So: a process crash loses at most the last ~50 ms of records; a power cut at most the last
~0.5 s (plus the duration of one fsync). :attr:`durable_records` / ``on_sync`` report exactly
which records are durable: the first *n* records this writer made. Nothing that was once
durable is ever rewritten: the file is only appended to, and on reopening (``append=True``)
only an invalid tail — a torn write — is cut off. After a power cut the unsynced tail may also
come back with holes (the file system persisted later pages before earlier ones); the reader
reports them as damage and keeps every valid record around them.

Decoded events are encoded (masked, then JSON) by whoever moves the buffer to the OS — the
flusher, as a rule — not by the recording thread: in the window that thread is the GUI's, and
encoding every event there was about half of its decoding time at 1 MB/s (issue 17, py-spy).
The buffer keeps the event object in its place, so the file order is the order of the calls
all the same; an event must not be changed after it was recorded (the connection never does).

Redaction happens before a record is encoded (:mod:`workbench.session.redact`). A serial
line that may carry a secret is held back until its line ending arrives, so such a line
reaches the file when it is complete (and a crash mid-line loses that one partial line).

Errors: an I/O error (disk full, a USB stick pulled) never raises into a recording thread —
the serial reader must keep running. The writer stops writing, keeps the error in
:attr:`error`, calls ``on_error`` once and counts further records as dropped; :meth:`close`
raises it.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from workbench.module.events import Event
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.session.durable import fsync_directory, full_fsync
from workbench.session.format import (
    FILE_HEADER_SIZE,
    FLAG_REDACTED,
    Damage,
    RecordKind,
    check_file_header,
    encode_record,
    file_header,
    is_header_prefix,
    scan,
)
from workbench.session.meta import SessionMeta
from workbench.session.records import coap_info, dumps, encode_coap, encode_event
from workbench.session.redact import Redactor, StreamRedactor

_log = logging.getLogger(__name__)

_BINARY: Final = getattr(os, "O_BINARY", 0)
#: Serial data larger than this (a huge write to the port) is stored as several records.
_SERIAL_PIECE: Final = 4 * 1024 * 1024
#: What an event not encoded yet counts towards ``buffer_limit`` (a typical encoded size).
_EVENT_GUESS: Final = 200

#: A buffered record: encoded bytes, or an event and its time, encoded when written out.
_Buffered = bytes | tuple[Event, float]


class SessionClosedError(RuntimeError):
    """The writer was closed (or failed) and no longer records."""


@dataclass(frozen=True, slots=True)
class WriterStats:
    """Counters of a writer (a snapshot)."""

    recorded: int
    written: int
    durable: int
    dropped: int
    bytes_written: int
    writes: int
    syncs: int


def _redacted_datagram(entry: CoapLogEntry, redactor: Redactor) -> tuple[bytes, bool]:
    """The datagram with a secret-bearing payload zero-filled (same length, so the pcapng
    export still shows the real sizes) and known secret values starred."""
    data = entry.data
    redacted = False
    message = entry.message
    if entry.secret and message is not None and message.payload:
        size = len(message.payload)
        if data.endswith(message.payload):
            data = data[: len(data) - size] + bytes(size)
            redacted = True
    masked = redactor.bytes_fixed(data)
    return masked, redacted or masked != data


def _recover(path: Path) -> Damage | None:
    """Prepare an existing file for appending: cut a torn tail, repair a torn header."""
    with open(path, "r+b") as handle:
        head = handle.read(FILE_HEADER_SIZE)
        if len(head) < FILE_HEADER_SIZE and is_header_prefix(head):
            handle.seek(0)
            handle.truncate()
            handle.write(file_header())
            handle.flush()
            full_fsync(handle.fileno())
            return Damage(0, len(head), "torn file header", tail=True)
        check_file_header(head)
        size = handle.seek(0, os.SEEK_END)
        tail: Damage | None = None
        for item in scan(handle, FILE_HEADER_SIZE, size):
            if isinstance(item, Damage) and item.tail:
                tail = item
        if tail is not None:
            handle.truncate(tail.offset)
            full_fsync(handle.fileno())
        return tail


class SessionWriter:
    """Append records of one workbench session to ``path`` (see the module docstring).

    ``meta`` is a :class:`SessionMeta` or a plain mapping of metadata. ``secrets`` are values
    to mask wherever they appear (more with :meth:`add_secret`). With ``append=True`` an
    existing file is continued (its torn tail cut off, :attr:`recovered` tells what was cut)
    and a META record with ``"resumed": true`` marks the seam; otherwise the file must not
    exist yet.

    ``clock`` stamps records whose caller gives no time; pass host times in the same clock
    (seconds since the epoch, like :func:`time.time`) to keep the records on one time line.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        meta: SessionMeta | Mapping[str, Any] | None = None,
        *,
        secrets: Iterable[str | bytes] = (),
        append: bool = False,
        sync_interval: float = 0.5,
        sync_records: int = 4096,
        write_interval: float = 0.05,
        buffer_limit: int = 1024 * 1024,
        clock: Callable[[], float] = time.time,
        on_sync: Callable[[int], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._sync_interval = sync_interval
        self._sync_records = max(1, sync_records)
        self._write_interval = write_interval
        self._buffer_limit = buffer_limit
        self._on_sync = on_sync
        self._on_error = on_error
        self.redactor = Redactor(secrets)
        self._streams = {
            RecordKind.RX: StreamRedactor(self.redactor),
            RecordKind.TX: StreamRedactor(self.redactor),
        }
        self._stream_locks = {RecordKind.RX: threading.Lock(), RecordKind.TX: threading.Lock()}

        self._lock = threading.Lock()  # buffer and counters
        self._io_lock = threading.Lock()  # order of write() calls
        #: Set when the buffer gets its first record (the flusher has work).
        self._wake = threading.Event()
        #: Set when the flusher must not wait for more records (closing, many unsynced).
        self._urgent = threading.Event()
        self._buf: list[_Buffered] = []
        self._buf_size = 0
        self._recorded = 0
        self._written = 0
        self._durable = 0
        self._dropped = 0
        self._bytes_written = 0
        self._writes = 0
        self._syncs = 0
        self._closing = False
        self.error: BaseException | None = None
        #: What was cut off an existing file opened with ``append=True`` (None: nothing).
        self.recovered: Damage | None = None

        resumed = append and self.path.exists()
        if resumed:
            self.recovered = _recover(self.path)
            flags = os.O_WRONLY | os.O_APPEND | _BINARY
        else:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _BINARY
        self._fd = os.open(self.path, flags, 0o600)
        try:
            if not resumed:
                os.write(self._fd, file_header())
                full_fsync(self._fd)
                fsync_directory(self.path.parent)
            meta_dict = meta.to_dict() if isinstance(meta, SessionMeta) else dict(meta or {})
            if not isinstance(meta, SessionMeta):
                meta_dict = {**SessionMeta().to_dict(), **meta_dict}
            if resumed:
                meta_dict["resumed"] = True
            # The META record is timed by the session start (the same clock as the data).
            started = meta_dict.get("started")
            stamp = started if isinstance(started, float | int) and not resumed else self._clock()
            payload = dumps(self.redactor.mapping(meta_dict))
            self._append(RecordKind.META, float(stamp), payload, 0)
        except BaseException:
            os.close(self._fd)
            raise
        self._thread = threading.Thread(
            target=self._run, name=f"session-writer {self.path.name}", daemon=True
        )
        self._thread.start()

    # -- recording --------------------------------------------------------------------------

    def add_secret(self, secret: str | bytes) -> None:
        """Mask ``secret`` in everything recorded from now on (e.g. a PSK just configured)."""
        self.redactor.add_secret(secret)

    def record_rx(self, data: bytes, t: float | None = None) -> None:
        """Bytes read from the serial port at host time ``t`` (default: now)."""
        self._serial(RecordKind.RX, data, t)

    def record_tx(self, data: bytes, t: float | None = None) -> None:
        """Bytes written to the serial port at host time ``t`` (default: now)."""
        self._serial(RecordKind.TX, data, t)

    def record_event(self, event: Event, t: float | None = None) -> None:
        """A decoded event; ``t`` defaults to now (the event's own line time is kept too).

        Encoded later, when the buffer is written out (see the module docstring)."""
        stamp = self._now(t)
        if not math.isfinite(stamp):  # a broken clock must not make recording raise
            stamp = self._clock()
        self._push((event, stamp), _EVENT_GUESS)

    def _encode_event(self, event: Event, t: float) -> bytes:
        original = event.to_dict()
        masked = self.redactor.mapping(original)
        flags = FLAG_REDACTED if masked != original else 0
        try:
            return encode_record(RecordKind.EVENT, flags, t, encode_event(event, masked))
        except ValueError:
            _log.error("session event record of line %s is too large; dropped", event.line)
            with self._lock:
                self._dropped += 1
            return b""

    def record_coap(self, entry: CoapLogEntry) -> None:
        """One datagram of the built-in server's CoAP log (timed by the entry)."""
        info = coap_info(entry)
        masked = self.redactor.mapping(info)
        datagram, redacted = _redacted_datagram(entry, self.redactor)
        flags = FLAG_REDACTED if redacted or masked != info else 0
        self._append(RecordKind.COAP, entry.time, encode_coap(masked, datagram), flags)

    def record_server_event(self, event: ServerEvent) -> None:
        """Something the built-in server did or saw (timed by the event)."""
        original = event.to_dict()
        masked = self.redactor.mapping(original)
        flags = FLAG_REDACTED if masked != original else 0
        self._append(RecordKind.SERVER_EVENT, event.time, dumps(masked), flags)

    def note(self, text: str, t: float | None = None, *, marker: bool = False) -> None:
        """A free-text note; ``marker=True`` for a named point the timeline draws as a line."""
        masked = self.redactor.text(text)
        flags = FLAG_REDACTED if masked != text else 0
        payload = dumps({"text": masked, "marker": marker})
        self._append(RecordKind.NOTE, self._now(t), payload, flags)

    def marker(self, label: str, t: float | None = None) -> None:
        """Shorthand for ``note(label, marker=True)``."""
        self.note(label, t, marker=True)

    # -- durability -------------------------------------------------------------------------

    @property
    def durable_records(self) -> int:
        """How many of this writer's records (META first) are known to be on stable storage."""
        with self._lock:
            return self._durable

    @property
    def stats(self) -> WriterStats:
        with self._lock:
            return WriterStats(
                recorded=self._recorded,
                written=self._written,
                durable=self._durable,
                dropped=self._dropped,
                bytes_written=self._bytes_written,
                writes=self._writes,
                syncs=self._syncs,
            )

    def flush(self, *, sync: bool = True) -> int:
        """Write everything recorded so far (and fsync if ``sync``); return durable records.

        Blocks the caller for the duration of the fsync: for "save now" buttons and tests, not
        for the serial thread.
        """
        self._write_out()
        if sync:
            self._sync()
        return self.durable_records

    def close(self) -> None:
        """Release held serial bytes, write the END record, sync and close. Idempotent.

        Raises the I/O error that stopped the writer, if any.
        """
        with self._lock:
            already = self._closing
        if not already:
            now = self._clock()
            for kind, stream in self._streams.items():
                with self._stream_locks[kind]:
                    rest = stream.flush()
                    if rest:
                        flags = FLAG_REDACTED if stream.redacted else 0
                        self._append(kind, now, rest, flags)
            with self._lock:
                if self.error is None and not self._closing:
                    end = dumps({"records": self._recorded + 1})
                    self._buf.append(encode_record(RecordKind.END, 0, now, end))
                    self._recorded += 1
                self._closing = True
            self._wake.set()
            self._urgent.set()
            self._thread.join()
            self._write_out()
            self._sync()
            os.close(self._fd)
        if self.error is not None:
            raise SessionClosedError(f"session file {self.path} failed: {self.error}") from (
                self.error
            )

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------

    def _now(self, t: float | None) -> float:
        return self._clock() if t is None else t

    def _serial(self, kind: RecordKind, data: bytes, t: float | None) -> None:
        if not data:
            return
        stamp = self._now(t)
        with self._stream_locks[kind]:
            stream = self._streams[kind]
            for start in range(0, len(data), _SERIAL_PIECE):
                out = stream.feed(bytes(data[start : start + _SERIAL_PIECE]))
                if out:
                    self._append(kind, stamp, out, FLAG_REDACTED if stream.redacted else 0)

    def _append(self, kind: RecordKind, t: float, payload: bytes, flags: int) -> None:
        if not math.isfinite(t):  # a broken clock must not make recording raise
            t = self._clock()
        try:
            record = encode_record(kind, flags, t, payload)
        except ValueError:
            _log.error("session record of %d bytes is too large; dropped", len(payload))
            with self._lock:
                self._dropped += 1
            return
        self._push(record, len(record))

    def _push(self, item: _Buffered, size: int) -> None:
        with self._lock:
            if self._closing or self.error is not None:
                self._dropped += 1
                return
            was_empty = not self._buf
            self._buf.append(item)
            self._buf_size += size
            self._recorded += 1
            full = self._buf_size >= self._buffer_limit
            urgent = self._recorded - self._durable >= self._sync_records
        if full:
            self._write_out()
        if was_empty:
            self._wake.set()
        if urgent:
            self._urgent.set()

    def _write_out(self) -> None:
        """Move the buffer to the OS, in record order (callers serialise on the I/O lock)."""
        with self._io_lock:
            with self._lock:
                if not self._buf or self.error is not None:
                    return
                items = self._buf
                upto = self._recorded
                self._buf = []
                self._buf_size = 0
            data = b"".join(
                item if isinstance(item, bytes) else self._encode_event(*item) for item in items
            )
            try:
                view = memoryview(data)
                while view:
                    done = os.write(self._fd, view)
                    view = view[done:]
            except OSError as exc:
                self._fail(exc)
                return
            with self._lock:
                self._written = upto
                self._bytes_written += len(data)
                self._writes += 1

    def _sync(self) -> None:
        with self._lock:
            target = self._written
            if target <= self._durable or self.error is not None:
                return
        try:
            full_fsync(self._fd)
        except OSError as exc:
            self._fail(exc)
            return
        with self._lock:
            self._durable = max(self._durable, target)
            self._syncs += 1
            durable = self._durable
        if self._on_sync is not None:
            try:
                self._on_sync(durable)
            except Exception:  # a broken callback must not stop the recording
                _log.exception("session on_sync callback failed")

    def _fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.error is not None:
                return
            self.error = exc
            self._dropped += self._recorded - self._written
            self._buf.clear()
            self._buf_size = 0
        _log.error("session file %s: recording stopped: %s", self.path, exc)
        if self._on_error is not None:
            try:
                self._on_error(exc)
            except Exception:
                _log.exception("session on_error callback failed")

    def _run(self) -> None:
        """The flusher: write ``write_interval`` after work arrives, sync per the policy."""
        last_sync = float("-inf")
        while True:
            with self._lock:
                closing = self._closing
                idle = not self._buf and self._written == self._durable
            if closing or self.error is not None:
                return
            if idle:
                self._wake.wait()
            self._wake.clear()
            # Coalesce: records arriving during this wait go out in the same write().
            self._urgent.wait(self._write_interval)
            self._urgent.clear()
            with self._lock:
                if self._closing:
                    return
            self._write_out()
            with self._lock:
                waiting = self._written - self._durable
            now = time.monotonic()
            if waiting and (
                now - last_sync >= self._sync_interval or waiting >= self._sync_records
            ):
                self._sync()
                last_sync = now
