"""Incremental line framer: bytes from a port in, :class:`Line` objects out.

One instance per connection (all state is on the instance). Modules end lines with CR LF, but
echoes end with CR only and some firmwares send CR CR LF; the framer ends a line at the first CR
or LF and swallows the CRs and at most one LF that immediately follow a CR, so every one of these
gives one line and the result does not depend on how the stream was split into reads. The data
prompt ``"> "`` has no line ending; it is recognised at the start of a line and emitted at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from workbench.at.types import Line

#: Default cut length: longer lines are cut with a visible marker instead of growing forever.
MAX_LINE = 4096

Clock = Callable[[], float]


def cut_marker(count: int) -> str:
    """The text appended to a line whose tail was dropped."""
    return f"…[cut {count} bytes]"


class LineFramer:
    """Turn a byte stream into lines.

    ``clock`` supplies the host timestamp (default :func:`time.monotonic`); :meth:`feed` also
    takes an explicit ``now`` so pure tests and replays never depend on the wall clock.
    ``keep_empty`` emits empty lines (used when decoding log files, whose line numbers matter);
    on a live port the empty lines that frame every response are noise and are dropped.
    """

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        max_line: int = MAX_LINE,
        keep_empty: bool = False,
        prompts: tuple[bytes, ...] = (b"> ",),
        first_number: int = 1,
    ) -> None:
        if max_line < 1:
            raise ValueError("max_line must be positive")
        self._clock = clock
        self._max = max_line
        self._keep_empty = keep_empty
        self._prompts = tuple(p for p in prompts if p)
        #: A prompt can only complete while the line is shorter than the longest prompt.
        self._window = max((len(p) for p in self._prompts), default=0)
        self._buf = bytearray()
        self._cut = 0
        self._after_cr = False
        self._next = first_number

    @property
    def next_number(self) -> int:
        """The number the next line will get."""
        return self._next

    @property
    def pending(self) -> bytes:
        """Bytes of the unfinished line (for a terminal that shows partial lines)."""
        return bytes(self._buf)

    def reset(self) -> None:
        """Drop a partial line (port reopened); numbering continues."""
        self._buf.clear()
        self._cut = 0
        self._after_cr = False

    def feed(self, data: bytes, now: float | None = None) -> list[Line]:
        """Add bytes; return the lines they completed (possibly none)."""
        stamp = self._clock() if now is None else now
        out: list[Line] = []
        i = 0
        n = len(data)
        while i < n:
            if self._after_cr:
                byte = data[i]
                if byte == 0x0D:
                    i += 1
                    continue
                self._after_cr = False
                if byte == 0x0A:
                    i += 1
                    continue
            # Find the next line ending from i.
            cr = data.find(b"\r", i)
            lf = data.find(b"\n", i)
            ends = [p for p in (cr, lf) if p >= 0]
            end = min(ends) if ends else n
            if end > i:
                self._append(data[i:end], stamp, out)
            if end >= n:
                break
            self._emit(stamp, out)
            self._after_cr = data[end] == 0x0D
            i = end + 1
        return out

    def flush(self, now: float | None = None) -> list[Line]:
        """Emit the unfinished line, if any (end of a log file, port closed)."""
        out: list[Line] = []
        if self._buf or self._cut:
            self._emit(self._clock() if now is None else now, out)
        self._after_cr = False
        return out

    # -- internals --------------------------------------------------------------------------
    def _append(self, chunk: bytes, stamp: float, out: list[Line]) -> None:
        room = self._max - len(self._buf)
        if self._cut == 0 and len(self._buf) < self._window:
            # Prompt detection needs the line start; feed through byte by byte until decided.
            for idx in range(len(chunk)):
                if self._cut or len(self._buf) >= self._window:
                    self._append(chunk[idx:], stamp, out)
                    return
                self._buf.append(chunk[idx])
                self._check_prompt(stamp, out)
            return
        if self._cut:
            self._cut += len(chunk)
            return
        if len(chunk) <= room:
            self._buf += chunk
        else:
            self._buf += chunk[:room]
            self._cut += len(chunk) - room

    def _check_prompt(self, stamp: float, out: list[Line]) -> None:
        if len(self._buf) > self._max:
            self._cut += len(self._buf) - self._max
            del self._buf[self._max :]
            return
        for prompt in self._prompts:
            if self._buf == prompt:
                out.append(
                    Line(
                        number=self._take_number(),
                        text=prompt.decode("utf-8", "replace"),
                        raw=bytes(prompt),
                        timestamp=stamp,
                        is_prompt=True,
                    )
                )
                self._buf.clear()
                return

    def _emit(self, stamp: float, out: list[Line]) -> None:
        raw = bytes(self._buf)
        cut = self._cut
        self._buf.clear()
        self._cut = 0
        if not raw and not cut:
            if self._keep_empty:
                out.append(Line(self._take_number(), "", b"", stamp))
            return
        text = raw.decode("utf-8", "replace")
        if cut:
            text += cut_marker(cut)
        out.append(Line(self._take_number(), text, raw, stamp, cut=cut))

    def _take_number(self) -> int:
        number = self._next
        self._next += 1
        return number
