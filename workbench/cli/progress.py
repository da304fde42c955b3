"""A one-line progress bar on a terminal's stderr, for commands that chew through big files."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

#: Redraw at most this often (seconds): drawing is for a human, not for every chunk.
REDRAW_EVERY = 0.2


class ProgressBar:
    """``[#####-----]  52%  104.0/200.0 MB  6.1 MB/s`` redrawn in place with ``\\r``.

    ``total`` 0 means unknown (standard input): only the bytes and the rate are shown.
    """

    def __init__(
        self,
        stream: TextIO,
        total: int,
        *,
        width: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._total = total
        self._width = width
        self._clock = clock
        self._start = clock()
        self._drawn = 0.0
        self._done = 0

    def render(self, done: int, now: float) -> str:
        """The bar's text for ``done`` bytes at clock reading ``now``."""
        elapsed = max(now - self._start, 1e-9)
        rate = done / elapsed / 1e6
        if self._total > 0:
            share = min(done / self._total, 1.0)
            filled = int(share * self._width)
            bar = "#" * filled + "-" * (self._width - filled)
            return (
                f"[{bar}] {share * 100:3.0f}%  {done / 1e6:.1f}/{self._total / 1e6:.1f} MB"
                f"  {rate:.1f} MB/s"
            )
        return f"{done / 1e6:.1f} MB  {rate:.1f} MB/s"

    def update(self, done: int) -> None:
        """Record progress; redraw if the last drawing is old enough."""
        self._done = done
        now = self._clock()
        if now - self._drawn >= REDRAW_EVERY:
            self._drawn = now
            self._draw(now)

    def finish(self) -> None:
        """Draw the final state and end the line (only if anything was drawn)."""
        self._draw(self._clock())
        self._stream.write("\n")
        self._stream.flush()

    def _draw(self, now: float) -> None:
        self._stream.write("\r" + self.render(self._done, now))
        self._stream.flush()
