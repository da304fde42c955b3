"""Signal trends for the timeline's plot lane: RSRP, RSRQ and SNR over host time.

Qt-free. Points come from the ``signal`` events of terminal lines (the shared 3GPP decoder
gives ``rsrp_dbm``/``rsrq_db`` from ``+CESQ``; a plugin may add ``snr_db``), stamped with the
line's host time so they sit under the events of the same moment on the timeline. A value the
module reported as unknown (``+CESQ`` 255) is a gap, not a zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from workbench.module.events import Kind
from workbench.viewmodel.timeline import FloatArray, LineLike

#: (event field, legend name, unit) of each line drawn.
SERIES: tuple[tuple[str, str, str], ...] = (
    ("rsrp_dbm", "RSRP", "dBm"),
    ("rsrq_db", "RSRQ", "dB"),
    ("snr_db", "SNR", "dB"),
)

#: Points kept per series (a day of one poll every 5 s).
LIMIT = 20_000


class _Series:
    """Times and values of one series in numpy arrays that grow by doubling.

    :meth:`SignalTrend.series` hands out views of them, so a redraw is one array copy, not a
    conversion of the whole history (issue 17: building lists of 20,000 tuples per series on
    each redraw was half of the lane's redraw time). The oldest points beyond ``limit`` are
    dropped by moving the start; when the buffer is full and the dropped points are half of it
    or more, the kept ones slide to the front instead of the buffer growing.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._times = np.empty(64)
        self._values = np.empty(64)
        self._start = 0
        self._end = 0

    def append(self, time: float, value: float) -> None:
        if self._end == len(self._times):
            self._make_room()
        self._times[self._end] = time
        self._values[self._end] = value
        self._end += 1
        if self._end - self._start > self.limit:
            self._start += 1

    def _make_room(self) -> None:
        kept = self._end - self._start
        if kept * 2 <= len(self._times):
            # Half the buffer or more is dropped points: slide the kept ones to the front.
            self._times[:kept] = self._times[self._start : self._end]
            self._values[:kept] = self._values[self._start : self._end]
        else:
            size = len(self._times) * 2
            times, values = np.empty(size), np.empty(size)
            times[:kept] = self._times[self._start : self._end]
            values[:kept] = self._values[self._start : self._end]
            self._times, self._values = times, values
        self._start, self._end = 0, kept

    def clear(self) -> None:
        self._start = self._end = 0

    @property
    def times(self) -> FloatArray:
        return self._times[self._start : self._end]

    @property
    def values(self) -> FloatArray:
        return self._values[self._start : self._end]

    def __len__(self) -> int:
        return self._end - self._start


class SignalTrend:
    """The points of each series, oldest first; :attr:`version` moves when any changed."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._points: dict[str, _Series] = {key: _Series(limit) for key, _, _ in SERIES}
        self.version = 0

    def add_lines(self, lines: Iterable[LineLike]) -> bool:
        """Take the signal values of ``lines``; True when a point was added."""
        added = False
        for line in lines:
            for event in line.events:
                if event.kind != Kind.SIGNAL:
                    continue
                for key, _, _ in SERIES:
                    if key not in event.fields:
                        continue
                    value = event.fields[key]
                    number = float(value) if isinstance(value, int | float) else math.nan
                    self._points[key].append(line.host_time, number)
                    added = True
        if added:
            self.version += 1
        return added

    def clear(self) -> None:
        for points in self._points.values():
            points.clear()
        self.version += 1

    def series(self, key: str) -> tuple[FloatArray, FloatArray]:
        """``(times, values)`` of one series, oldest first (NaN where the module said
        unknown). Views of the trend's own arrays: valid until the next point is added."""
        points = self._points[key]
        return points.times, points.values

    def latest(self, key: str) -> float | None:
        """The newest known value of a series."""
        for value in self._points[key].values[::-1]:
            if not math.isnan(value):
                return float(value)
        return None

    def __len__(self) -> int:
        return sum(len(points) for points in self._points.values())
