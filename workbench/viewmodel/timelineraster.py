"""The timeline's event marks as one image: a frame paints a few thousand marks in one blit.

Each mark is a short vertical bar, two pixels wide, in its lane's colour or its tone's. Drawn
as pen strokes (one ``QPainter.drawLines`` per lane and tone, the way pyqtgraph draws a curve)
they cost ~45 ms a frame at 1600 pixels and 10 million events, because Qt strokes a two-pixel
pen through its general path rasteriser. Here a lane's marks become one row of pixel colours
(numpy: at most ``columns × tones`` assignments), copied down the lane's mark height; the panel
draws the result with a single ``drawImage``. Pure numpy, no Qt: the colours are ARGB integers
as ``QImage.Format_ARGB32`` stores them.

The pixels match the pen's: a vertical bar of pen width ``w`` centred on device x covers the
pixel columns whose centres lie in ``[x - w/2, x + w/2)``, and its square caps reach ``w/2``
beyond both ends — what Qt's aliased raster engine fills for a cosmetic square-capped pen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Width of a mark, in device pixels.
PEN = 2

FloatArray = npt.NDArray[np.float64]
PixelArray = npt.NDArray[np.uint32]


def argb(red: int, green: int, blue: int, alpha: int = 255) -> int:
    """One pixel as ``QImage.Format_ARGB32`` stores it (0xAARRGGBB)."""
    return (alpha << 24) | (red << 16) | (green << 8) | blue


def pen_columns(xs: FloatArray, width: int, pen: int = PEN) -> npt.NDArray[np.int64]:
    """Pixel columns ``[0, width)`` covered by ``pen``-wide vertical bars centred on ``xs``."""
    if len(xs) == 0 or width <= 0:
        return np.empty(0, np.int64)
    first = np.ceil(np.asarray(xs, np.float64) - pen / 2 - 0.5)
    # Far off-screen x (a mark beyond a zoomed-in view) must not overflow the integer cast.
    np.clip(first, -pen, width, out=first)
    columns = (first.astype(np.int64)[:, None] + np.arange(pen, dtype=np.int64)).ravel()
    return columns[(columns >= 0) & (columns < width)]


def pen_rows(y_a: float, y_b: float, pen: int = PEN) -> tuple[int, int]:
    """Pixel rows ``[top, bottom)`` of a vertical bar from ``y_a`` to ``y_b`` (square caps)."""
    low, high = min(y_a, y_b) - pen / 2, max(y_a, y_b) + pen / 2
    return math.ceil(low - 0.5), math.ceil(high - 0.5)


@dataclass(frozen=True, slots=True)
class LaneMarks:
    """The marks of one lane: pixel rows ``[top, bottom)`` and ``(device xs, colour)`` layers,
    painted in order (a later layer covers an earlier one where both have a mark)."""

    top: int
    bottom: int
    layers: Sequence[tuple[FloatArray, int]]


def paint_marks(width: int, height: int, lanes: Iterable[LaneMarks], pen: int = PEN) -> PixelArray:
    """A ``height × width`` ARGB image (0 = transparent) with every lane's marks."""
    image = np.zeros((max(0, height), max(0, width)), np.uint32)
    painted = np.zeros(max(0, height), bool)
    for lane in lanes:
        top, bottom = max(0, lane.top), min(height, lane.bottom)
        if top >= bottom:
            continue
        row = np.zeros(width, np.uint32)
        for xs, colour in lane.layers:
            row[pen_columns(xs, width, pen)] = colour
        if not painted[top:bottom].any():
            image[top:bottom] = row  # rows no other lane reached: a plain copy
        else:  # lanes squeezed into each other: keep what is there where this row is empty
            drawn = np.flatnonzero(row)
            image[top:bottom, drawn] = row[drawn]
        painted[top:bottom] = True
    return image


def count_marks(lanes: Iterable[LaneMarks]) -> int:
    """How many marks the lanes hold (benchmarks, tests)."""
    return sum(len(xs) for lane in lanes for xs, _colour in lane.layers)


__all__ = ["PEN", "LaneMarks", "argb", "count_marks", "paint_marks", "pen_columns", "pen_rows"]
