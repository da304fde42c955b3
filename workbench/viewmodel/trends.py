"""Signal trends for the timeline's plot lane: RSRP, RSRQ and SNR over host time.

Qt-free. Points come from the ``signal`` events of terminal lines (the shared 3GPP decoder
gives ``rsrp_dbm``/``rsrq_db`` from ``+CESQ``; a plugin may add ``snr_db``), stamped with the
line's host time so they sit under the events of the same moment on the timeline. A value the
module reported as unknown (``+CESQ`` 255) is a gap, not a zero.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

from workbench.module.events import Kind
from workbench.viewmodel.timeline import LineLike

#: (event field, legend name, unit) of each line drawn.
SERIES: tuple[tuple[str, str, str], ...] = (
    ("rsrp_dbm", "RSRP", "dBm"),
    ("rsrq_db", "RSRQ", "dB"),
    ("snr_db", "SNR", "dB"),
)

#: Points kept per series (a day of one poll every 5 s).
LIMIT = 20_000


class SignalTrend:
    """The points of each series, oldest first; :attr:`version` moves when any changed."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._points: dict[str, deque[tuple[float, float]]] = {
            key: deque(maxlen=limit) for key, _, _ in SERIES
        }
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
                    self._points[key].append((line.host_time, number))
                    added = True
        if added:
            self.version += 1
        return added

    def clear(self) -> None:
        for points in self._points.values():
            points.clear()
        self.version += 1

    def series(self, key: str) -> tuple[list[float], list[float]]:
        """``(times, values)`` of one series (NaN where the module said unknown)."""
        points = self._points[key]
        return [t for t, _ in points], [v for _, v in points]

    def latest(self, key: str) -> float | None:
        """The newest known value of a series."""
        for _, value in reversed(self._points[key]):
            if not math.isnan(value):
                return value
        return None

    def __len__(self) -> int:
        return sum(len(points) for points in self._points.values())
