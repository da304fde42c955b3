"""A pyqtgraph axis whose grid lines cost a fill instead of a stroke.

A plot with ``showGrid(alpha=…)`` draws its grid as half-transparent lines across the whole
plot, from the axis's picture, on every repaint. Qt's raster engine strokes a half-transparent
cosmetic line pixel by pixel: ~0.2 ms for a 1500-pixel line here, so the two signal-trend plots'
twenty-odd horizontal grid lines each cost ~5 ms of every timeline frame, as much as all the
event marks. An axis-aligned one-pixel line is a one-pixel-wide rectangle, which Qt fills with
its span blender — the same pixels (aliased, the column/row of ``floor`` of the coordinate,
both end points included) at a small fraction of the cost. Other lines (slanted, wide, dashed)
are still stroked.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen


def aligned_line_rect(pen: QPen, p1: Any, p2: Any) -> QRectF | None:
    """The pixels an aliased one-pixel ``pen`` line from ``p1`` to ``p2`` covers, as a
    rectangle, when the line is vertical or horizontal (else None: stroke it)."""
    if (
        pen.style() != Qt.PenStyle.SolidLine
        or pen.brush().style() != Qt.BrushStyle.SolidPattern
        or pen.widthF() > 1.0
    ):
        return None
    a, b = QPointF(p1), QPointF(p2)
    if a.x() == b.x():
        top, bottom = sorted((math.floor(a.y()), math.floor(b.y())))
        return QRectF(math.floor(a.x()), top, 1, bottom - top + 1)
    if a.y() == b.y():
        left, right = sorted((math.floor(a.x()), math.floor(b.x())))
        return QRectF(left, math.floor(a.y()), right - left + 1, 1)
    return None


class FastGridAxis(pg.AxisItem):  # type: ignore[misc]
    """:class:`pyqtgraph.AxisItem` drawing its ticks and grid lines as fills (see above)."""

    def drawPicture(self, p: QPainter, axisSpec: Any, tickSpecs: Any, textSpecs: Any) -> None:
        # The order of pyqtgraph's own drawPicture: axis line, ticks (grid), then the labels.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        pen, p1, p2 = axisSpec
        p.setPen(pen)
        p.drawLine(p1, p2)
        for pen, p1, p2 in tickSpecs:
            rect = aligned_line_rect(pen, p1, p2)
            if rect is None:
                p.setPen(pen)
                p.drawLine(p1, p2)
            else:
                p.fillRect(rect, pen.color())
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        p.setPen(self.textPen())
        p.setClipRect(self.boundingRect().toAlignedRect())
        for rect, flags, text in textSpecs:
            p.drawText(rect, int(flags), text)


__all__ = ["FastGridAxis", "aligned_line_rect"]
