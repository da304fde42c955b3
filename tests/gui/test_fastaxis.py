"""Grid lines as fills: the same pixels as Qt's stroke of a half-transparent one-pixel line."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from workbench.gui.panels.fastaxis import FastGridAxis, aligned_line_rect


def _pixels(draw: object) -> np.ndarray:  # type: ignore[type-arg]
    image = QImage(40, 40, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    draw(painter)  # type: ignore[operator]
    painter.end()
    return np.frombuffer(image.constBits(), np.uint32).reshape(40, 40).copy()


def test_axis_aligned_lines_fill_the_pixels_the_stroke_would(qtbot: object) -> None:
    pen = pg.mkPen(QColor(0, 0, 0, 38))
    for p1, p2 in [
        ((10.0, 5.0), (10.0, 20.0)),
        ((10.7, 20.7), (10.7, 5.3)),
        ((3.2, 11.9), (30.6, 11.9)),
        ((30.0, 0.5), (4.4, 0.5)),
    ]:
        a, b = QPointF(*p1), QPointF(*p2)
        rect = aligned_line_rect(pen, a, b)
        assert rect is not None
        stroked = _pixels(lambda p, a=a, b=b: (p.setPen(pen), p.drawLine(a, b)))
        filled = _pixels(lambda p, r=rect: p.fillRect(r, pen.color()))
        assert (stroked != 0xFFFFFFFF).any()
        assert (stroked == filled).all(), (p1, p2)


def test_other_lines_are_left_to_the_stroker() -> None:
    thin = pg.mkPen(QColor(0, 0, 0, 38))
    assert aligned_line_rect(thin, QPointF(0, 0), QPointF(5, 5)) is None  # slanted
    assert aligned_line_rect(pg.mkPen("k", width=3), QPointF(0, 0), QPointF(0, 9)) is None
    dashed = QPen(thin)
    dashed.setStyle(Qt.PenStyle.DashLine)
    assert aligned_line_rect(dashed, QPointF(0, 0), QPointF(0, 9)) is None


def test_a_plot_with_the_fast_axis_draws_the_same_grid(qtbot: object) -> None:
    shots = []
    for axis in (pg.AxisItem("left"), FastGridAxis("left")):
        plot = pg.PlotWidget(axisItems={"left": axis})
        qtbot.addWidget(plot)  # type: ignore[attr-defined]
        plot.resize(400, 120)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setYRange(-120, -60, padding=0)
        plot.show()
        image = plot.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
        shots.append(np.frombuffer(image.constBits(), np.uint32).copy())
    assert len(np.unique(shots[1])) > 4  # background, axis, text and two grid levels
    assert (shots[0] == shots[1]).all()
