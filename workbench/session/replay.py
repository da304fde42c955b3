"""Replaying a session in time order with its original timing, for the GUI and the CLI.

Records are in the file in the order the writer got them, which is almost but not exactly
time order: the serial thread, the server's loop and the GUI stamp their records themselves.
:func:`time_ordered` restores time order with a bounded look-ahead window (memory stays
small for any session length); a record later than the window is yielded at once rather than
held forever.

:func:`replay` (blocking, for the CLI and worker threads) and :func:`replay_async` (for the
GUI's asyncio loop) pace the records: the gap between two records is slept, divided by
``speed``; ``max_gap`` caps idle periods so an hour of silence does not stall a demo. The
clock and sleep are injectable so tests run instantly.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

from workbench.session.records import Record

#: Default reordering window (host seconds).
REORDER_WINDOW = 2.0


def time_ordered(records: Iterable[Record], window: float = REORDER_WINDOW) -> Iterator[Record]:
    """``records`` sorted by time, stable for equal times, using a ``window``-second buffer."""
    heap: list[tuple[float, int, Record]] = []
    newest = -math.inf
    for record in records:
        newest = max(newest, record.t)
        heapq.heappush(heap, (record.t, record.index, record))
        while heap and heap[0][0] < newest - window:
            yield heapq.heappop(heap)[2]
    while heap:
        yield heapq.heappop(heap)[2]


def _delays(
    records: Iterable[Record], speed: float, max_gap: float | None
) -> Iterator[tuple[float, Record]]:
    """(seconds to wait before this record, record); no waiting when ``speed`` is 0 or inf."""
    if speed < 0:
        raise ValueError("speed must be positive (0 means as fast as possible)")
    instant = speed == 0 or math.isinf(speed)
    previous: float | None = None
    for record in records:
        gap = 0.0 if previous is None else max(0.0, record.t - previous)
        previous = record.t if previous is None else max(previous, record.t)
        if max_gap is not None:
            gap = min(gap, max_gap)
        yield (0.0 if instant else gap / speed), record


def replay(
    records: Iterable[Record],
    *,
    speed: float = 1.0,
    max_gap: float | None = None,
    window: float = REORDER_WINDOW,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Record]:
    """Yield ``records`` in time order, each when its time has come (``speed`` x faster).

    Waiting is measured against a schedule, not per record, so slow consumers do not make the
    replay drift further and further behind.
    """
    due = clock()
    for delay, record in _delays(time_ordered(records, window), speed, max_gap):
        due += delay
        wait = due - clock()
        if wait > 0:
            sleep(wait)
        yield record


async def replay_async(
    records: Iterable[Record],
    *,
    speed: float = 1.0,
    max_gap: float | None = None,
    window: float = REORDER_WINDOW,
) -> AsyncIterator[Record]:
    """:func:`replay` for an asyncio loop (the GUI runs one through qasync).

    Reading the file is synchronous; it is fast (a local sequential read) and happens between
    sleeps, so the loop stays responsive.
    """
    loop = asyncio.get_running_loop()
    due = loop.time()
    for delay, record in _delays(time_ordered(records, window), speed, max_gap):
        due += delay
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        yield record
