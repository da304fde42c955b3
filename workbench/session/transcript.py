"""The terminal transcript: recorded serial bytes back into timestamped lines, and text export.

Lines are framed with the app's own :class:`~workbench.at.framer.LineFramer` (one per
direction), so CR, LF, CR LF and CR CR LF end lines exactly as they did live and the ``"> "``
prompt is a line of its own. Each line keeps its raw bytes: the export writes them unchanged,
so odd bytes the module sent survive a round trip through ``decode``.

Echo
----
A module with echo on sends every command back, so the TX line ``AT+CGMI`` is followed by the
RX line ``AT+CGMI``. The transcript marks such RX lines ``echo`` and the TX lines ``echoed``.
The text export writes each command once (at the time it was sent): a log that shows it twice
would make the AT engine of ``decode`` see two commands. Without echo (``ATE0``) the TX line is
the only place the command appears, and it is written as well.

Text format
-----------
``[hh:mm:ss.mmm] line`` per line (local time of day, or UTC on request), CR LF line endings —
exactly what ``lwm2m-workbench decode`` reads. With ``tags=True`` a direction column follows the
time (``[hh:mm:ss.mmm] TX AT+CGMI`` / ``RX OK``), which is nicer to read but is only
understood by ``decode`` once its timestamp stripper also accepts a ``TX``/``RX`` tag.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO, Final

from workbench.at.framer import LineFramer
from workbench.session.format import RecordKind
from workbench.session.records import Record, SerialData

#: A TX line waits this long (host seconds) / this many RX lines for its echo.
ECHO_WINDOW: Final = 5.0
ECHO_LINES: Final = 32
#: Lines longer than this are cut by the framer (with a visible marker).
MAX_TRANSCRIPT_LINE: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One terminal line: when it completed, which direction, its text and exact bytes."""

    t: float
    direction: str  # "rx" or "tx"
    text: str
    raw: bytes
    is_prompt: bool = False
    #: RX line that repeats the preceding TX command (module echo).
    echo: bool = False
    #: TX line whose echo came back.
    echoed: bool = False


def _framer() -> LineFramer:
    return LineFramer(clock=lambda: 0.0, max_line=MAX_TRANSCRIPT_LINE)


class _EchoMatcher:
    """Pairs TX lines with their echo; releases lines in their original order."""

    def __init__(self) -> None:
        self._pending: deque[TranscriptLine] = deque()

    def push(self, line: TranscriptLine) -> Iterator[TranscriptLine]:
        if line.direction == "tx":
            yield from self._release_all()
            self._pending.append(line)
            return
        if not self._pending:
            yield line
            return
        head = self._pending[0]
        if line.raw.strip() == head.raw.strip() and line.raw.strip():
            self._pending[0] = replace(head, echoed=True)
            self._pending.append(replace(line, echo=True))
            yield from self._release_all()
            return
        self._pending.append(line)
        if len(self._pending) > ECHO_LINES or line.t - head.t > ECHO_WINDOW:
            yield from self._release_all()

    def _release_all(self) -> Iterator[TranscriptLine]:
        while self._pending:
            yield self._pending.popleft()

    def finish(self) -> Iterator[TranscriptLine]:
        yield from self._release_all()


def build_transcript(records: Iterable[Record]) -> Iterator[TranscriptLine]:
    """Terminal lines from RX/TX records (other kinds are ignored), in arrival order."""
    framers = {"rx": _framer(), "tx": _framer()}
    matcher = _EchoMatcher()
    last_t = 0.0
    for record in records:
        body = record.body
        if record.kind not in (RecordKind.RX, RecordKind.TX) or not isinstance(body, SerialData):
            continue
        last_t = record.t
        for line in framers[body.direction].feed(body.data, record.t):
            item = TranscriptLine(
                line.timestamp, body.direction, line.text, line.raw, line.is_prompt
            )
            yield from matcher.push(item)
    for direction, framer in framers.items():
        for line in framer.flush(last_t):
            item = TranscriptLine(line.timestamp, direction, line.text, line.raw, line.is_prompt)
            yield from matcher.push(item)
    yield from matcher.finish()


def format_time(t: float, *, utc: bool = False) -> str:
    """``hh:mm:ss.mmm`` of host time ``t`` (local time of day unless ``utc``)."""
    whole = int(t // 1)
    millis = round((t - whole) * 1000)
    if millis == 1000:
        whole, millis = whole + 1, 0
    parts = time.gmtime(whole) if utc else time.localtime(whole)
    return f"{parts.tm_hour:02d}:{parts.tm_min:02d}:{parts.tm_sec:02d}.{millis:03d}"


def text_lines(
    lines: Iterable[TranscriptLine], *, tags: bool = False, utc: bool = False
) -> Iterator[bytes]:
    """Export lines (each with CR LF): echoes folded into their TX line, see the module doc."""
    for line in lines:
        if line.echo:
            continue
        stamp = f"[{format_time(line.t, utc=utc)}] ".encode("ascii")
        tag = (b"TX " if line.direction == "tx" else b"RX ") if tags else b""
        yield stamp + tag + line.raw + b"\r\n"


def export_text(
    records: Iterable[Record], out: BinaryIO, *, tags: bool = False, utc: bool = False
) -> int:
    """Write the transcript of ``records`` as text; return the number of lines written."""
    count = 0
    for chunk in text_lines(build_transcript(records), tags=tags, utc=utc):
        out.write(chunk)
        count += 1
    return count
