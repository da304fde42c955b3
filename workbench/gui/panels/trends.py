"""The timeline's signal lane: RSRP (dBm) and RSRQ/SNR (dB) as lines under the event lanes.

Two small plots, one per unit, stacked under the timeline's plot and X-linked to it, so pan,
zoom and follow move them together and a dip in RSRP sits under the registration failure it
explains. Their left axes are as wide as the timeline's lane titles so the time axes line up.
The points come from :class:`workbench.viewmodel.trends.SignalTrend` (Qt-free).

Drawing is coalesced (issue 17): new points only mark the lane stale and a timer redraws at most
every :data:`REDRAW_MS`, and not while hidden. Setting 20,000 points on the curves per 33 ms
batch was the largest single cost on the GUI thread at 1 MB/s of traffic that polls the signal
(up to 244 ms per batch, profiled with py-spy). Dots mark the points only while a series is
short enough for them to be told apart (:data:`SYMBOL_POINTS`); a dense series is a line.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.gui.context import WorkbenchContext
from workbench.gui.panels.fastaxis import FastGridAxis
from workbench.gui.theme import is_dark
from workbench.viewmodel.trends import SERIES, SignalTrend

#: Line colours per series, for the light and the dark palette.
COLOURS = {
    "rsrp_dbm": ("#1f5fbf", "#7fb2ff"),
    "rsrq_db": ("#b26a00", "#f2c14e"),
    "snr_db": ("#2e7d32", "#7ee787"),
}
#: Which plot each series is drawn in.
_PLOT_OF = {"rsrp_dbm": 0, "rsrq_db": 1, "snr_db": 1}
#: Height of each of the two plots (pixels).
PLOT_HEIGHT = 60
#: Shortest time between two redraws while points keep arriving (ms).
REDRAW_MS = 250
#: Series longer than this are drawn without a dot per point.
SYMBOL_POINTS = 1_000


class SignalTrendLane(QWidget):
    """RSRP, RSRQ and SNR lines on the timeline's clock; see the module docstring."""

    def __init__(
        self,
        context: WorkbenchContext,
        x_link: pg.PlotWidget,
        origin: float,
        axis_width: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signal_trends")
        self.context = context
        self.origin = origin
        self.trend = SignalTrend()
        self._drawn = -1
        self._connection: Any = None
        self.plots: list[pg.PlotWidget] = []
        self.curves: dict[str, pg.PlotDataItem] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for _ in range(2):
            plot = pg.PlotWidget(self, axisItems={"left": FastGridAxis("left")})
            # Up to PLOT_HEIGHT; a small window squeezes the lines, it does not grow.
            plot.setMinimumHeight(24)
            plot.setMaximumHeight(PLOT_HEIGHT)
            item = plot.getPlotItem()
            item.hideButtons()
            item.setMenuEnabled(False)
            item.hideAxis("bottom")
            # The grid is drawn as one-pixel fills by FastGridAxis: stroked, its lines cost
            # ~10 ms per repaint of each 60-pixel plot (measured at 1 MB/s, issue 17).
            item.showGrid(x=True, y=True, alpha=0.15)
            item.setMouseEnabled(x=True, y=False)
            item.getAxis("left").setWidth(axis_width)
            item.setXLink(x_link.getPlotItem())
            item.enableAutoRange(axis="y", enable=True)
            # A few dB of drift should not fill the lane with ticks: at least 10 dB shown.
            item.getViewBox().setLimits(minYRange=10.0)
            layout.addWidget(plot)
            self.plots.append(plot)
        for key, name, unit in SERIES:
            plot = self.plots[_PLOT_OF[key]]
            legend = plot.getPlotItem().legend or plot.getPlotItem().addLegend(
                offset=(-4, 2), labelTextSize="7pt"
            )
            curve = plot.plot([], [], name=f"{name} ({unit})")
            # Only what is in view, at most ~2 points per pixel column (each column's
            # highest and lowest, so a dip stays visible): a day of polls is 20,000 points
            # per series, and drawing them all on every follow-live frame was the largest
            # paint cost of the window at 1 MB/s (issue 17). pyqtgraph's own options.
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            # One group per pixel column (the library's default is five; it has no setter,
            # and reads this option at every update since 0.10).
            curve.opts["autoDownsampleFactor"] = 1.0
            curve.setSymbol("o")
            curve.setSymbolSize(4)
            curve.setSymbolPen(None)
            legend.setVisible(True)
            self.curves[key] = curve
        self.apply_palette()
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self._redraw_if_shown)

        context.lines_appended.connect(self._lines_appended)
        context.connection_changed.connect(self._connection_changed)
        if context.connection is not None:
            self._connection_changed(context.connection)

    def apply_palette(self) -> None:
        """Background, axes and line colours from the widget palette (light or dark)."""
        palette = self.palette()
        dark = is_dark(palette)
        for plot in self.plots:
            plot.setBackground(palette.color(QPalette.ColorRole.Base))
            item = plot.getPlotItem()
            for name in ("left", "bottom"):
                axis = item.getAxis(name)
                axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.WindowText)))
                axis.setTextPen(pg.mkPen(palette.color(QPalette.ColorRole.WindowText)))
            if item.legend is not None:
                item.legend.setLabelTextColor(palette.color(QPalette.ColorRole.Text))
        for key, curve in self.curves.items():
            colour = QColor(COLOURS[key][1 if dark else 0])
            curve.setPen(pg.mkPen(colour, width=2))
            curve.setSymbolBrush(colour)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_palette()
        super().changeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(900, PLOT_HEIGHT * len(self.plots))

    def _lines_appended(self, lines: list[Any]) -> None:
        if self.trend.add_lines(lines) and not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _redraw_if_shown(self) -> None:
        if self.isVisible():
            self.redraw()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.redraw()  # what arrived while hidden

    def _connection_changed(self, conn: Any) -> None:
        if conn is self._connection:
            return
        self._connection = conn
        self.trend.clear()
        if conn is not None:
            self.trend.add_lines(list(conn.history))
        self.redraw()

    def clear(self) -> None:
        self.trend.clear()
        self.redraw()

    def redraw(self) -> None:
        """Set the curves from the trend (cheap: one point per signal answer)."""
        if self.trend.version == self._drawn:
            return
        self._drawn = self.trend.version
        for key, _, _ in SERIES:
            times, values = self.trend.series(key)
            xs = times - self.origin
            ys = values.copy()  # the trend's arrays move on; the curve keeps its own
            curve = self.curves[key]
            curve.setData(
                xs, ys, connect="finite", symbol="o" if len(xs) <= SYMBOL_POINTS else None
            )
