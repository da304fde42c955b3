"""Bytes or log text → framer → AT engine → plugin decoder → events, in one place.

The decode CLI, session replay and the plugin conformance tests all need this exact chain; the
GUI runs the same objects live. Pure and synchronous.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Final

from workbench.at.engine import AtEngine
from workbench.at.framer import MAX_LINE, LineFramer
from workbench.at.types import ClassifiedLine, Line
from workbench.module.decoding import Decoder
from workbench.module.events import Event
from workbench.plugin.api import Plugin

#: ``[12:34:56.789]`` / ``12:34:56.789`` / ``[12:34:56]`` prefixes terminals put on lines.
_TIMESTAMP: Final = re.compile(
    rb"^\s*(\[)?(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?(?(1)\])(?:\s+|(?=\S)|$)"
)
_LOG_LINE: Final = re.compile(rb"\r*\n|\r+")
#: Bytes a line with a timestamp prefix can start with (``\s``, a digit or ``[``): any other
#: line skips the regex.
_TIMESTAMP_START: Final = frozenset(b"0123456789[ \t\n\r\x0b\x0c")


def strip_timestamp(line: bytes) -> tuple[bytes, float | None]:
    """Remove a leading ``hh:mm:ss.mmm`` (optionally in brackets); also return it in seconds."""
    if not line or line[0] not in _TIMESTAMP_START:
        return line, None
    m = _TIMESTAMP.match(line)
    if m is None:
        return line, None
    hours, minutes, seconds = int(m.group(2)), int(m.group(3)), int(m.group(4))
    frac = m.group(5)
    # Typed on purpose: ``10 ** n`` is Any to mypy, and compiled code (workbench/compiled.py)
    # holds a value to the type mypy gave it.
    fraction: float = int(frac) / 10 ** len(frac) if frac else 0.0
    rest = line[m.end() :]
    return rest, hours * 3600 + minutes * 60 + seconds + fraction


def split_log_lines(data: bytes) -> list[bytes]:
    """Split a log file as an editor shows it (CRLF, CR CR LF, LF, CR all end one line).

    When every CR is the CR of a CRLF (nearly every log), the regex's split is the LF split of
    the log with its CRLFs made LFs: four passes in C, a fifth of the regex's time (issue 17).
    """
    crlf = _only_crlf(data)
    lines = data.replace(b"\r\n", b"\n").split(b"\n") if crlf else _LOG_LINE.split(data)
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


@dataclass(slots=True, init=False)
class DecodedLine:
    """A classified line with the events decoded from it."""

    line: ClassifiedLine
    events: list[Event]

    # Written out (``init=False``): a compiled dataclass still gets the dataclasses module's
    # generated ``__init__``, interpreted Python, one call per line (workbench/compiled.py).
    def __init__(self, line: ClassifiedLine, events: list[Event]) -> None:
        self.line = line
        self.events = events


class Pipeline:
    """framer + engine + decoder for one connection (or one log file)."""

    def __init__(
        self,
        plugin: Plugin,
        variant: str | None = None,
        *,
        keep_empty: bool = False,
        decoder: Decoder | None = None,
    ) -> None:
        self.plugin = plugin
        self.variant = plugin.resolve_variant(variant)
        dialect = plugin.dialect()
        self.framer = LineFramer(clock=lambda: 0.0, keep_empty=keep_empty, prompts=dialect.prompts)
        self.engine = AtEngine(dialect)
        self.decoder = decoder if decoder is not None else plugin.make_decoder(self.variant)
        self._prompts = tuple(p for p in dialect.prompts if p)
        self._keep_empty = keep_empty

    def feed_bytes(self, data: bytes, now: float = 0.0) -> list[DecodedLine]:
        """A chunk of the serial stream (line numbers from the framer)."""
        out: list[DecodedLine] = []
        for line in self.framer.feed(data, now):
            out.extend(self._line(line))
        return out

    def flush(self, now: float = 0.0) -> list[DecodedLine]:
        out: list[DecodedLine] = []
        for line in self.framer.flush(now):
            out.extend(self._line(line))
        return out

    def feed_log_line(self, number: int, text: bytes, now: float = 0.0) -> list[DecodedLine]:
        """One physical line of a log file; every line made from it gets ``number``.

        A line that cannot hold a prompt and needs no cut becomes one :class:`Line` directly,
        exactly what the framer would make of it; only the others go through the framer.
        """
        if (
            text
            and len(text) <= MAX_LINE
            and not text.startswith(self._prompts)
            and not (b"\r" in text or b"\n" in text)
        ):
            return self._line(Line(number, text.decode("utf-8", "replace"), text, now))
        out: list[DecodedLine] = []
        lines = self.framer.feed(text + b"\r\n", now)
        if not lines:
            lines = self.framer.flush(now)
        for line in lines:
            out.extend(self._line(replace(line, number=number)))
        return out

    def decode_lines(self, data: bytes, first_line: int = 1) -> Iterator[DecodedLine]:
        """Decode a run of whole log lines (see :func:`decode_log_lines`).

        :meth:`feed_log_line` per line, unrolled into one loop: the per-line calls and checks
        were a large share of the cost of a line that gives one event (issue 17). Lines
        :meth:`feed_log_line` would send through the framer (prompts, over-long lines) still
        go there. The engine and the decoder are called as attributes, not as bound methods
        kept in locals: compiled (workbench/compiled.py), that is a direct call.
        """
        engine = self.engine
        decoder = self.decoder
        prompts = self._prompts
        stamp_start = _TIMESTAMP_START
        for number, raw in enumerate(split_log_lines(data), first_line):
            stamp = 0.0
            if raw and raw[0] in stamp_start:
                raw, found = strip_timestamp(raw)
                if found is not None:
                    stamp = found
            if raw and (len(raw) > MAX_LINE or raw.startswith(prompts)):
                yield from self.feed_log_line(number, raw, stamp)
                continue
            if not raw and not self._keep_empty:
                continue  # the framer drops it
            # ``split_log_lines`` leaves no CR or LF inside a line, and an empty line is what
            # the framer (keeping empty lines) would make of it.
            classified = engine.classify_line(
                Line(number, raw.decode("utf-8", "replace"), raw, stamp)
            )
            yield DecodedLine(classified, decoder.decode(classified))

    def _line(self, line: Line) -> list[DecodedLine]:
        step = self.engine.feed_line(line)
        return [DecodedLine(cl, self.decoder.decode(cl)) for cl in step.lines]


def decode_log(data: bytes, plugin: Plugin, variant: str | None = None) -> Iterator[DecodedLine]:
    """Decode an AT log as a terminal shows it; line numbers are the file's (1-based)."""
    return decode_log_lines(Pipeline(plugin, variant, keep_empty=True), data)


def decode_log_lines(pipeline: Pipeline, data: bytes, first_line: int = 1) -> Iterator[DecodedLine]:
    """Decode whole log lines with ``pipeline`` (which keeps its state between calls).

    ``data`` is a run of complete lines (a file, or a piece of one cut after a ``\n`` by
    :func:`log_chunks`); the first gets number ``first_line``.
    """
    return pipeline.decode_lines(data, first_line)


def _only_crlf(data: bytes) -> bool:
    """Whether every CR in ``data`` is followed by an LF (no lone CR, no CR CR LF)."""
    return data.count(b"\r") == data.count(b"\r\n")


def count_log_lines(data: bytes) -> int:
    """How many lines :func:`split_log_lines` makes of ``data`` (without building them)."""
    count = data.count(b"\n") if _only_crlf(data) else len(_LOG_LINE.findall(data))
    return count + 1 if data and not _LOG_LINE.search(data[-1:]) else count


def log_chunks(read: Callable[[int], bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """Pieces of a log stream that end on a line boundary, so each splits like the whole.

    A piece ends just after a ``\n``: the line separators (``\r*\n`` or ``\r+``) never
    reach past one, so splitting the pieces gives the lines the whole would give. A stream
    with no ``\n`` at all (CR-only) is cut after a ``\r`` that a line follows. Memory stays
    at about two pieces whatever the length of the stream.
    """
    carry = b""
    while True:
        block = read(size)
        if not block:
            if carry:
                yield carry
            return
        data = carry + block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            cut = _cr_cut(data)
        if cut == 0:
            carry = data
            continue
        carry = data[cut:]
        yield data[:cut]


def _cr_cut(data: bytes) -> int:
    """Just after the last ``\r`` that is followed by neither ``\r`` nor ``\n`` (0: none)."""
    end = len(data) - 1
    while end > 0:
        cr = data.rfind(b"\r", 0, end)
        if cr < 0:
            return 0
        if data[cr + 1] not in b"\r\n":
            return cr + 1
        end = cr
    return 0


def events_of(decoded: Iterable[DecodedLine]) -> Iterator[Event]:
    """Flatten decoded lines to their events."""
    for item in decoded:
        yield from item.events
