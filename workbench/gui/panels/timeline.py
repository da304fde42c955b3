"""The timeline: decoded module events and the built-in server's CoAP messages on one clock.

Lanes (client, registration, notify/observe, host requests, errors, CoAP in, CoAP out) share one
time axis, so a module's "registered" URC sits beside the ``POST /rd`` → ``2.01`` exchange that
caused it. Events live in a :class:`~workbench.viewmodel.timeline.TimelineStore` (pure core,
columnar); a
frame asks it for the visible range decimated to one mark per pixel column and tone, so drawing
a million events costs what drawing a few thousand costs (see ``bench/bench_timeline.py``).
The marks of all lanes are painted as one image built with numpy
(:mod:`workbench.viewmodel.timelineraster`): stroking them as pyqtgraph curves cost most of a
frame.

Feeding is batched: terminal lines arrive in the window's ~30 Hz ``lines_appended`` batches, CoAP
log entries are queued by the bus callback and drained by this panel's own ~30 Hz timer, which
also redraws — only when something changed, never per event.

Interaction: drag / wheel pans and zooms time (the lanes stay put); keys ← → pan, + − zoom,
Home fits everything, End follows live, F toggles follow. "Follow live" keeps the newest
events in view and switches itself off when the user pans. Hover shows an event's details;
a click shows its terminal line (``context.show_line``) or, for a CoAP message, selects it:
:attr:`TimelinePanel.coap_selected` carries the entry for whoever wants it (the server panel).
"""

from __future__ import annotations

import datetime
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFont,
    QFontMetrics,
    QImage,
    QKeySequence,
    QPainter,
    QPalette,
    QShortcut,
    QTransform,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStyleOptionGraphicsItem,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.context import WorkbenchContext
from workbench.gui.limits import load_limits
from workbench.gui.panels.fastaxis import FastGridAxis
from workbench.gui.panels.trends import SignalTrendLane
from workbench.gui.theme import is_dark
from workbench.server.history import BoundedHistory
from workbench.viewmodel.senddata import row_from_send
from workbench.viewmodel.timeline import (
    COAP_LANES,
    LANE_TITLES,
    CoapRows,
    FloatArray,
    Lane,
    TimelineItem,
    TimelineStore,
    Tone,
    describe_coap,
    row_from_fota,
    rows_from_lines,
)
from workbench.viewmodel.timelinelabels import place_labels
from workbench.viewmodel.timelineraster import LaneMarks, paint_marks, pen_rows

#: Redraw / CoAP drain period (ms): ~30 Hz.
TICK_MS = 33
#: While events keep arriving, the plot moves and redraws at most this often (seconds): every
#: frame repaints the three X-linked plots with their axes and grids (~20-30 ms here), so at
#: the tick's 30 Hz a 1 MB/s stream kept the GUI thread busy painting (issue 17, py-spy).
LIVE_FRAME_SECONDS = 0.1
#: Width of the view (s) when following live before the user zoomed.
DEFAULT_WINDOW = 60.0
#: Half the height of an event mark, in lane units (a lane is 1.0 high).
MARK_HALF = 0.3
#: Hover / click distance to an event, in pixels.
HIT_PIXELS = 6
#: Labels are drawn for a lane only while it shows at most this many marks.
LABEL_LIMIT = 400

_LANES = list(Lane)


@dataclass(frozen=True)
class _Palette:
    lanes: dict[Lane, QColor]
    good: QColor
    bad: QColor
    pending: QColor
    band: QColor
    text: QColor
    background: QColor
    axis: QColor


_LIGHT_LANES = {
    Lane.CLIENT: "#1f5fbf",
    Lane.REGISTRATION: "#00796b",
    Lane.NOTIFY: "#8a3ab9",
    Lane.HOST: "#9c5700",
    Lane.ERRORS: "#c62828",
    Lane.COAP_IN: "#37587a",
    Lane.COAP_OUT: "#5b4a9e",
    Lane.FOTA: "#6d4c41",
}
_DARK_LANES = {
    Lane.CLIENT: "#7fb2ff",
    Lane.REGISTRATION: "#4dd0c0",
    Lane.NOTIFY: "#d7a6ff",
    Lane.HOST: "#ffb865",
    Lane.ERRORS: "#ff7b72",
    Lane.COAP_IN: "#9cc3e6",
    Lane.COAP_OUT: "#b8a9ff",
    Lane.FOTA: "#d7b29d",
}


def timeline_palette(widget: QWidget) -> _Palette:
    """Two tuned colour sets (light / dark) plus the widget palette's own text and base."""
    palette = widget.palette()
    dark = is_dark(palette)
    lanes = {lane: QColor(c) for lane, c in (_DARK_LANES if dark else _LIGHT_LANES).items()}
    base = palette.color(QPalette.ColorRole.Base)
    # Translucent, so the time grid (drawn below the lanes, see TimelinePanel) shows through.
    band = QColor(255, 255, 255, 12) if dark else QColor(0, 0, 0, 12)
    return _Palette(
        lanes=lanes,
        good=QColor("#7ee787" if dark else "#2e7d32"),
        bad=QColor("#ff7b72" if dark else "#c62828"),
        pending=QColor("#f2c14e" if dark else "#b26a00"),
        band=band,
        text=palette.color(QPalette.ColorRole.Text),
        background=base,
        axis=palette.color(QPalette.ColorRole.WindowText),
    )


def _clock(t: float, ms: bool = True) -> str:
    if not ms:
        return datetime.datetime.fromtimestamp(t).strftime("%H:%M:%S")
    # Rounded, not truncated: pyqtgraph steps ticks by adding in epoch seconds, so the 0.1 s
    # tick after 53.7 is 53.7999995, which must read 53.800.
    total = round(t * 1000)
    return datetime.datetime.fromtimestamp(total // 1000).strftime("%H:%M:%S") + (
        f".{total % 1000:03d}"
    )


def _lane_y(lane: int) -> float:
    """Lanes top to bottom: the first lane has the largest y."""
    return float(len(_LANES) - 1 - lane)


def _rows(to_px: Callable[[QPointF], QPointF], metrics: QFontMetrics) -> int:
    """How many label rows fit in one lane at the current zoom (at least one)."""
    lane_px = abs(to_px(QPointF(0, _lane_y(0))).y() - to_px(QPointF(0, _lane_y(1))).y())
    return max(1, int(lane_px // max(1, metrics.height())))


class _ClockAxis(FastGridAxis, pg.DateAxisItem):  # type: ignore[misc]
    """A wall-clock axis for values relative to :attr:`origin` (keeps float precision)."""

    def __init__(self, origin: float) -> None:
        super().__init__(orientation="bottom")
        self.origin = origin

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        values = super().tickValues(minVal + self.origin, maxVal + self.origin, size)
        return [(spacing, [v - self.origin for v in ticks]) for spacing, ticks in values]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        absolute = [v + self.origin for v in values]
        if spacing < 1:
            # pyqtgraph truncates to the millisecond, and its ticks drift a hair below their
            # round values: 53.8 s printed as "53.799". These round (SS.mmm).
            strings = [_clock(t)[6:] for t in absolute]
        else:
            strings = list(super().tickStrings(absolute, scale, spacing))
        # Fine zoom levels print only seconds: the first tick says which minute it is.
        if spacing < 60 and not any(":" in text for text in strings):
            low = min(self.range)
            first = next((i for i, v in enumerate(values) if v >= low), None)
            if first is not None:
                strings[first] = _clock(absolute[first], ms=spacing < 1)
        return strings


class _PaintLayer(pg.GraphicsObject):  # type: ignore[misc]
    """An item covering the visible view that paints with a callback (bands, labels)."""

    def __init__(self, painter: Callable[[QPainter, QRectF], None]) -> None:
        super().__init__()
        self._paint = painter
        self._rect = QRectF()

    def set_rect(self, rect: QRectF) -> None:
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        self._paint(p, self._rect)


class _MarksImage:
    """The marks image of the last paint, kept while neither the marks nor the transform
    change (a hover or an expose repaints without rebuilding it)."""

    def __init__(self) -> None:
        self._key: tuple[float, ...] | None = None
        self._image: tuple[QPointF, QImage] | None = None
        self._pixels: Any = None  # the numpy buffer the QImage points into

    def forget(self) -> None:
        self._key = None

    def get(
        self,
        transform: QTransform,
        rect: QRectF,
        lanes: Callable[[QTransform, float, float], list[LaneMarks]],
    ) -> tuple[QPointF, QImage] | None:
        device = transform.mapRect(rect)
        left, top = math.floor(device.left()), math.floor(device.top())
        width = math.ceil(device.right()) - left
        height = math.ceil(device.bottom()) - top
        if width <= 0 or height <= 0:
            return None
        key = (
            transform.m11(),
            transform.m12(),
            transform.m21(),
            transform.m22(),
            transform.dx(),
            transform.dy(),
            float(width),
            float(height),
        )
        if key != self._key or self._image is None:
            pixels = paint_marks(width, height, lanes(transform, left, top))
            image = QImage(
                pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32_Premultiplied
            )
            self._pixels = pixels
            self._image = (QPointF(left, top), image)
            self._key = key
        return self._image


class TimelinePanel(QWidget):
    """Lanes of events and CoAP messages on one clock; see the module docstring."""

    #: ``(index, CoapLogEntry)`` — the user clicked a CoAP message.
    coap_selected = Signal(int, object)
    #: ``(TimelineItem)`` — the user clicked any event (CoAP ones too).
    event_selected = Signal(object)
    #: ``(bool)`` — follow live was switched on or off.
    follow_changed = Signal(bool)

    def __init__(self, context: WorkbenchContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.context = context
        limits = load_limits()
        self.store = TimelineStore(max_events=limits.timeline_events)
        #: The CoAP log entries on the timeline; a CoAP event's ``ref`` is an entry's number.
        #: Bounded (memory limits): the oldest go first, their marks stay and say so.
        self.coap_entries: BoundedHistory[Any] = BoundedHistory(limits.timeline_coap)
        self._coap_rows = CoapRows()
        self._pending_coap: deque[Any] = deque()
        self._coap_unsubscribe: Callable[[], None] | None = None
        #: The server's ``fota`` events on the FOTA lane; a row's ref is ``-1 - number``.
        self.fota_events: BoundedHistory[Any] = BoundedHistory(limits.timeline_fota)
        self._pending_fota: deque[Any] = deque()
        self._fota_unsubscribe: Callable[[], None] | None = None
        self._connection: Any = None
        self._drawn_version = -1
        self._drawn_range: tuple[float, float, int] | None = None
        self._labels: list[tuple[float, int, str, QColor]] = []
        self._widths: dict[str, float] = {}
        self._widths_key = ""
        self._last_follow = 0.0
        self._last_frame = 0.0
        #: The pointer is over the plot: following pauses so what it points at can be clicked.
        self.pointer_over = False
        self.selected: TimelineItem | None = None
        self.frames = 0

        self._build()
        self._apply_palette()

        context.lines_appended.connect(self._lines_appended)
        context.connection_changed.connect(self._connection_changed)
        context.server_changed.connect(self._server_changed)
        context.status_changed.connect(lambda *_: self._follow_now())
        if context.connection is not None:
            self._connection_changed(context.connection)
        if context.server is not None:
            self._server_changed(context.server)

        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self.tick)
        self._tick.start()
        self.set_follow(True)

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        self.origin = time.time()
        self.axis = _ClockAxis(self.origin)
        self.lane_axis = FastGridAxis("left")
        self.lane_axis.setTicks([[(_lane_y(lane), LANE_TITLES[lane]) for lane in _LANES], []])
        self.plot_widget = pg.PlotWidget(
            self, axisItems={"bottom": self.axis, "left": self.lane_axis}
        )
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.plot_widget.installEventFilter(self)  # follow-live holds still under the pointer
        # The dock starts with room for a line of text per lane (sizeHint) but may be squeezed.
        self.plot_widget.setMinimumHeight(80)
        self.plot_widget.setAntialiasing(False)
        plot = self.plot_widget.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.showGrid(x=True, y=False, alpha=0.15)
        self.view = plot.getViewBox()
        # pyqtgraph stacks its axes (and so their grid lines) above the view; a grid line
        # across a mark tinted it (by the minor ticks' 7.5 %). The marks are the data: the
        # grid goes under the whole view, bands, labels and marks.
        self.axis.setZValue(self.view.zValue() - 1)
        self.view.setMouseEnabled(x=True, y=False)
        top = len(_LANES) - 0.5
        self.view.setLimits(yMin=-0.5, yMax=top, minXRange=0.001, maxXRange=10 * 365 * 86400)
        self.view.setYRange(-0.5, top, padding=0)
        self.view.setXRange(-DEFAULT_WINDOW, 0, padding=0)
        width = max(QFontMetrics(self.font()).horizontalAdvance(t) for t in LANE_TITLES.values())
        self.lane_axis.setWidth(width + 14)

        self._bands = _PaintLayer(self._paint_bands)
        self._bands.setZValue(-10)
        self.view.addItem(self._bands, ignoreBounds=True)
        #: Per lane, the visible marks' x (view coordinates) per tone, in paint order.
        self._marks: list[tuple[int, list[tuple[FloatArray, int]]]] = []
        self._marks_image = _MarksImage()
        self._mark_layer = _PaintLayer(self._paint_marks)
        self.view.addItem(self._mark_layer, ignoreBounds=True)
        self._label_layer = _PaintLayer(self._paint_labels)
        self._label_layer.setZValue(-5)  # under the marks: the marks are the data
        self.view.addItem(self._label_layer, ignoreBounds=True)

        self.view.sigXRangeChanged.connect(lambda *_: self.redraw())
        self.view.sigResized.connect(lambda *_: self.redraw())
        self.view.sigRangeChangedManually.connect(lambda *_: self.set_follow(False))
        scene = self.plot_widget.scene()
        scene.sigMouseMoved.connect(self._mouse_moved)
        scene.sigMouseClicked.connect(self._mouse_clicked)

        self.follow_button = self._button("Follow live", "Keep the newest events in view (End)")
        self.follow_button.setCheckable(True)
        self.follow_button.toggled.connect(self.set_follow)
        fit = self._button("Fit all", "Show every event (Home)")
        fit.clicked.connect(self.fit_all)
        zoom_in = self._button("+", "Zoom in (+)")
        zoom_in.clicked.connect(lambda: self.zoom(0.5))
        zoom_out = self._button("−", "Zoom out (−)")
        zoom_out.clicked.connect(lambda: self.zoom(2.0))
        clear = self._button("Clear", "Forget the events shown so far")
        clear.clicked.connect(self.clear)
        self.count_label = QLabel(self)
        self.count_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QLabel(self)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMinimumWidth(50)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for widget in (self.follow_button, fit, zoom_in, zoom_out, clear):
            bar.addWidget(widget)
        bar.addSpacing(8)
        bar.addWidget(self.detail, 1)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.plot_widget, 1)
        self.trends = SignalTrendLane(self.context, self.plot_widget, self.origin, width + 14, self)
        layout.addWidget(self.trends)
        # Emitted after the X-linked trend plots have taken the new range (see below).
        self.view.sigRangeChanged.connect(self._settle_transforms)

        keys: list[tuple[str | QKeySequence.StandardKey, Callable[[], None]]] = [
            ("Left", lambda: self.pan(-0.1)),
            ("Right", lambda: self.pan(0.1)),
            ("Shift+Left", lambda: self.pan(-0.5)),
            ("Shift+Right", lambda: self.pan(0.5)),
            ("+", lambda: self.zoom(0.5)),
            ("=", lambda: self.zoom(0.5)),
            ("-", lambda: self.zoom(2.0)),
            ("Home", self.fit_all),
            ("End", lambda: self.set_follow(True)),
            ("F", lambda: self.set_follow(not self.follow)),
        ]
        for key, slot in keys:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.setFocusProxy(self.plot_widget)

    def sizeHint(self) -> QSize:
        lane_px = QFontMetrics(self.font()).height() + 10
        toolbar = self.follow_button.sizeHint().height()
        return QSize(900, len(_LANES) * lane_px + 40 + toolbar)

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def _apply_palette(self) -> None:
        self.colours = timeline_palette(self)
        c = self.colours
        self.plot_widget.setBackground(c.background)
        for axis in (self.axis, self.lane_axis):
            axis.setPen(pg.mkPen(c.axis))
            axis.setTextPen(pg.mkPen(c.axis))
        self._marks_image.forget()
        self._drawn_range = None
        self.redraw()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_palette()
        super().changeEvent(event)

    def tone_colour(self, lane: int, tone: int) -> QColor:
        c = self.colours
        if tone == Tone.GOOD:
            return c.good
        if tone == Tone.BAD:
            return c.bad
        if tone == Tone.PENDING:
            return c.pending
        return c.lanes[Lane(lane)]

    # -- feeding ---------------------------------------------------------------------------------
    def _lines_appended(self, lines: list[Any]) -> None:
        self.store.extend(rows_from_lines(lines))

    def _connection_changed(self, conn: Any) -> None:
        """Another connection: its lines replace the module lanes (seqs are per connection)."""
        if conn is self._connection:
            return
        self._connection = conn
        self.store.clear([lane for lane in _LANES if lane not in COAP_LANES])
        if conn is not None:
            self.store.extend(rows_from_lines(list(conn.history)))
        self._after_reload()

    def _server_changed(self, server: Any) -> None:
        if self._coap_unsubscribe is not None:
            self._coap_unsubscribe()
            self._coap_unsubscribe = None
        if server is not None:
            self._coap_unsubscribe = server.coap_log.subscribe(self._pending_coap.append)
        if self._fota_unsubscribe is not None:
            self._fota_unsubscribe()
            self._fota_unsubscribe = None
        if server is not None:
            self._fota_unsubscribe = server.events.subscribe(
                lambda ev: self._pending_fota.append(ev) if ev.kind in ("fota", "send") else None
            )

    def add_coap_entries(self, entries: list[Any]) -> None:
        """Put CoAP log entries on the timeline (what the bus queued, or a session's log)."""
        base = self.coap_entries.extend(entries)
        rows = self._coap_rows
        self.store.extend(rows.row(entry, base + i) for i, entry in enumerate(entries))

    def add_fota_events(self, events: list[Any]) -> None:
        """Put the server's FOTA steps on the FOTA lane (beside the module's boot URCs), and
        the data clients pushed with Send (POST /dp) on the notify lane."""
        rows = []
        for event in events:
            index = self.fota_events.append(event)
            make = row_from_send if event.kind == "send" else row_from_fota
            row = make(event.time, event.endpoint, event.data, -1 - index)
            if row is not None:
                rows.append(row)
        self.store.extend(rows)

    def load_session_coap(self, path: Path) -> int:
        """Show the CoAP log recorded in session file ``path`` (replaces the CoAP lanes)."""
        from workbench.session.reader import SessionReader

        with SessionReader(path) as reader:
            entries = list(reader.coap_log())
        self._pending_coap.clear()
        self.coap_entries.clear()
        self._coap_rows = CoapRows()
        self.store.clear(COAP_LANES)
        self.add_coap_entries(entries)
        self._after_reload()
        return len(entries)

    def _after_reload(self) -> None:
        if self.follow:
            self._follow_now(force=True)
        self.redraw()

    def clear(self) -> None:
        self.store.clear()
        self.trends.clear()
        self.coap_entries.clear()
        self._coap_rows = CoapRows()
        self._pending_coap.clear()
        self.fota_events.clear()
        self._pending_fota.clear()
        self.selected = None
        self.detail.clear()
        self.redraw()

    def tick(self) -> None:
        """The ~30 Hz batch: drain queued CoAP entries, follow, redraw if anything changed."""
        if self._pending_coap:
            batch = list(self._pending_coap)
            self._pending_coap.clear()
            self.add_coap_entries(batch)
        if self._pending_fota:
            events = list(self._pending_fota)
            self._pending_fota.clear()
            self.add_fota_events(events)
        if not self.isVisible():  # a hidden dock costs nothing; showEvent catches up
            return
        now = time.monotonic()
        if now - self._last_frame < LIVE_FRAME_SECONDS:
            return
        self._last_frame = now
        if self.follow:
            self._follow_now()
        if self.store.version != self._drawn_version:
            self.redraw()

    # -- view control ----------------------------------------------------------------------------
    @property
    def follow(self) -> bool:
        return self.follow_button.isChecked()

    def set_follow(self, on: bool) -> None:
        if self.follow_button.isChecked() != on:
            self.follow_button.setChecked(on)  # re-enters through toggled
            return
        if on:
            self._follow_now(force=True)
        self.follow_changed.emit(on)

    def _live(self) -> bool:
        conn = self.context.connection
        return conn is not None and getattr(conn, "status", "") == "open"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.plot_widget and event.type() in (
            QEvent.Type.Enter,
            QEvent.Type.Leave,
        ):
            self.pointer_over = event.type() == QEvent.Type.Enter
            self.follow_button.setText(
                "Follow live (paused)" if self.pointer_over else "Follow live"
            )
            if not self.pointer_over:
                self._follow_now(force=True)
        return super().eventFilter(watched, event)

    def _follow_now(self, force: bool = False) -> None:
        """Keep the newest event (or now, on a live port) at the right edge — except while the
        pointer is over the plot: a plot moving under it could not be clicked."""
        if not self.follow or (self.pointer_over and not force):
            return
        now = time.time()
        if (
            not force
            and now - self._last_follow < 0.25
            and self.store.version == self._drawn_version
        ):
            return
        self._last_follow = now
        span = self.store.span()
        right = span[1] if span is not None else now
        if self._live():
            right = max(right, now)
        x0, x1 = self.view.viewRange()[0]
        width = x1 - x0 if x1 > x0 else DEFAULT_WINDOW
        right_rel = right - self.origin + width * 0.03
        if abs(right_rel - x1) > width * 1e-4:
            self.view.setXRange(right_rel - width, right_rel, padding=0)

    def _settle_transforms(self, *_: object) -> None:
        """Apply the new range to the plots' transforms now, not when Qt paints them.

        pyqtgraph defers a view's transform to the paint (``prepareForPaint``); setting it
        there dirties the scene, so every view painted twice per frame: 2 timeline and 4 trend
        paints per follow-live frame, ~10-20 ms of each at 1 MB/s (issue 17). Set once here,
        the paint finds nothing left to change and each view paints once.
        """
        self.view.updateMatrix()
        for plot in self.trends.plots:
            plot.getPlotItem().getViewBox().updateMatrix()

    def pan(self, fraction: float) -> None:
        """Move the view by ``fraction`` of its width (keyboard); stops following."""
        self.set_follow(False)
        x0, x1 = self.view.viewRange()[0]
        shift = (x1 - x0) * fraction
        self.view.setXRange(x0 + shift, x1 + shift, padding=0)

    def zoom(self, factor: float) -> None:
        """Scale the visible time span by ``factor`` around its centre (or the right edge
        while following, so the newest events stay in view)."""
        x0, x1 = self.view.viewRange()[0]
        width = (x1 - x0) * factor
        if self.follow:
            self.view.setXRange(x1 - width, x1, padding=0)
        else:
            centre = (x0 + x1) / 2
            self.view.setXRange(centre - width / 2, centre + width / 2, padding=0)

    def fit_all(self) -> None:
        span = self.store.span()
        self.set_follow(False)
        if span is None:
            return
        t0, t1 = span[0] - self.origin, span[1] - self.origin
        pad = max((t1 - t0) * 0.03, 0.5)
        self.view.setXRange(t0 - pad, t1 + pad, padding=0)

    def show_time(self, t0: float, t1: float) -> None:
        """Show wall-clock range ``[t0, t1]`` (stops following)."""
        self.set_follow(False)
        self.view.setXRange(t0 - self.origin, t1 - self.origin, padding=0)

    def visible_range(self) -> tuple[float, float]:
        """The visible wall-clock range."""
        x0, x1 = self.view.viewRange()[0]
        return x0 + self.origin, x1 + self.origin

    # -- drawing ---------------------------------------------------------------------------------
    def _columns(self) -> int:
        return max(1, int(self.view.width()))

    def redraw(self) -> None:
        """Rebuild the marks for the visible range (decimated to pixel columns)."""
        store = self.store
        columns = self._columns()
        t0, t1 = self.visible_range()
        key = (t0, t1, columns)
        if key == self._drawn_range and store.version == self._drawn_version:
            return
        self._drawn_range = key
        self._drawn_version = store.version
        self.frames += 1
        labels: list[tuple[float, int, str, QColor]] = []
        marks: list[tuple[int, list[tuple[FloatArray, int]]]] = []
        for lane in _LANES:
            idx = store.decimate(lane, t0, t1, columns)
            if len(idx) == 0:
                continue
            times = store.times(lane)[idx] - self.origin
            tones = store.tones(lane)[idx]
            present = np.bincount(tones, minlength=len(Tone))
            marks.append(
                (
                    int(lane),
                    [(times[tones == tone], int(tone)) for tone in Tone if present[tone]],
                )
            )
            if len(idx) <= LABEL_LIMIT:
                label_ids = store.label_ids(lane)[idx]
                for x, tone, label_id in zip(
                    times.tolist(), tones.tolist(), label_ids.tolist(), strict=True
                ):
                    labels.append(
                        (x, int(lane), store.label(label_id), self.tone_colour(lane, tone))
                    )
        self._labels = labels
        self._marks = marks
        self._marks_image.forget()
        rect = self.view.viewRect()
        self._bands.set_rect(rect)
        self._mark_layer.set_rect(rect)
        self._label_layer.set_rect(rect)
        self._update_count()

    def marks_drawn(self) -> int:
        """How many event marks the current frame draws (tests, the benchmark)."""
        return sum(len(xs) for _lane, layers in self._marks for xs, _tone in layers)

    def _paint_marks(self, p: QPainter, rect: QRectF) -> None:
        """Every lane's marks as one image in device pixels (see ``timelineraster``)."""
        if not self._marks:
            return
        transform = p.transform()
        image = self._marks_image.get(transform, rect, self._lane_marks)
        if image is None:
            return
        corner, picture = image
        p.save()
        p.resetTransform()
        p.drawImage(corner, picture)
        p.restore()

    def _lane_marks(self, transform: QTransform, left: float, top: float) -> list[LaneMarks]:
        """The marks in pixels of an image whose top-left corner is device ``(left, top)``."""
        origin = transform.map(QPointF(0.0, 0.0))
        scale = transform.map(QPointF(1.0, 0.0)).x() - origin.x()
        shift = origin.x() - left
        lanes = []
        for lane, layers in self._marks:
            y = _lane_y(lane)
            high = transform.map(QPointF(0.0, y + MARK_HALF)).y() - top
            low = transform.map(QPointF(0.0, y - MARK_HALF)).y() - top
            row_top, row_bottom = pen_rows(high, low)
            lanes.append(
                LaneMarks(
                    row_top,
                    row_bottom,
                    [
                        (xs * scale + shift, self.tone_colour(lane, tone).rgba())
                        for xs, tone in layers
                    ],
                )
            )
        return lanes

    def _update_count(self) -> None:
        total = len(self.store)
        coap = sum(self.store.count(lane) for lane in COAP_LANES)
        events = total - coap
        text = f"{events:,} event{'' if events == 1 else 's'} · {coap:,} CoAP"
        if self.store.dropped:
            text += (
                f" · {self.store.dropped:,} older dropped (limit {self.store.max_events:,};"
                " the session file keeps them)"
            )
        dropped = self.coap_entries.dropped + self.fota_events.dropped
        tip = ""
        if dropped:
            text += f" · {dropped:,} CoAP/FOTA details dropped"
            tip = (
                f"The details of the {self.coap_entries.dropped:,} oldest CoAP messages and"
                f" {self.fota_events.dropped:,} oldest FOTA/Send steps were dropped (limits"
                f" {self.coap_entries.limit:,} / {self.fota_events.limit:,}, View → Memory"
                " limits…); their marks stay. The session file keeps them."
            )
        self.count_label.setText(text)
        self.count_label.setToolTip(tip)

    def _paint_bands(self, p: QPainter, rect: QRectF) -> None:
        p.save()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.colours.band)
        for lane in _LANES:
            if lane % 2 == 0:
                y = _lane_y(lane)
                p.drawRect(QRectF(rect.left(), y - 0.5, rect.width(), 1.0))
        p.restore()

    def _measure(self, font: QFont) -> Callable[[str], float]:
        """Text width in pixels, remembered per font: the same few labels repeat in every
        frame, and asking Qt for each was a third of a labelled frame."""
        key = font.key()
        if key != self._widths_key or len(self._widths) > 4096:
            self._widths_key = key
            self._widths = {}
        widths = self._widths
        advance = QFontMetrics(font).horizontalAdvance

        def measure(text: str) -> float:
            width = widths.get(text)
            if width is None:
                width = widths[text] = advance(text)
            return width

        return measure

    def _place(self, to_px: Callable[[QPointF], QPointF], font: QFont) -> list[Any]:
        """Where the labels go, in device pixels (newest on top, older merged or stacked)."""
        rows = _rows(to_px, QFontMetrics(font))
        # View x to device x is linear: two mapped points instead of one per label.
        zero = to_px(QPointF(0.0, 0.0)).x()
        scale = to_px(QPointF(1.0, 0.0)).x() - zero
        wanted = [(zero + scale * x + 4, lane, label) for x, lane, label, _c in self._labels]
        right = zero + scale * self.view.viewRange()[0][1]  # labels past it go left of marks
        return place_labels(wanted, self._measure(font), rows, right)

    def placed_labels(self) -> list[Any]:
        """The labels as the next paint places them (tests, keyboard users' summaries)."""
        view = self.view

        def to_px(point: QPointF) -> QPointF:
            mapped = view.mapViewToDevice(point)
            return QPointF(mapped.x(), mapped.y()) if mapped is not None else QPointF()

        return self._place(to_px, self.font())

    def _paint_labels(self, p: QPainter, rect: QRectF) -> None:
        """Event labels right of their marks, in device pixels: at one instant the newest is
        on top and older ones stack below it or are counted on it (never the oldest alone)."""
        if not self._labels:
            return
        transform = p.transform()
        p.save()
        p.resetTransform()
        metrics = QFontMetrics(p.font())
        ascent = metrics.ascent() - metrics.height() / 2
        text_colour = self.colours.text
        halo = QColor(self.colours.background)
        halo.setAlpha(200)
        height = metrics.height()
        rows = _rows(transform.map, metrics)
        measure = self._measure(p.font())
        for placed in self._place(transform.map, p.font()):
            centre = transform.map(QPointF(0, _lane_y(placed.lane))).y()
            y = centre + (placed.row - (rows - 1) / 2) * height
            width = measure(placed.text)
            x = placed.x  # already left of its mark at the right edge (place_labels)
            p.fillRect(QRectF(x - 1, y - height / 2, width + 2, height), halo)
            p.setPen(text_colour)
            p.drawText(QPointF(x, y + ascent), placed.text)
        p.restore()

    # -- pointer ---------------------------------------------------------------------------------
    def item_at(self, scene_pos: QPointF) -> TimelineItem | None:
        """The event under a scene position (within :data:`HIT_PIXELS`), if any."""
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view.mapSceneToView(scene_pos)
        lane = len(_LANES) - 1 - round(point.y())
        if not 0 <= lane < len(_LANES):
            return None
        x0, x1 = self.view.viewRange()[0]
        per_pixel = (x1 - x0) / self._columns()
        index = self.store.nearest(lane, point.x() + self.origin, per_pixel * HIT_PIXELS)
        return None if index is None else self.store.item(lane, index)

    def scene_pos_of(self, item: TimelineItem) -> QPointF:
        """Where ``item`` is drawn, in scene coordinates (tests, keyboard selection)."""
        point: QPointF = self.view.mapViewToScene(
            QPointF(item.time - self.origin, _lane_y(item.lane))
        )
        return point

    def describe(self, item: TimelineItem) -> str:
        """Tooltip / detail text of an event."""
        head = f"{_clock(item.time)} · {LANE_TITLES[item.lane]} · {item.label}"
        if item.is_coap:
            entry = self.coap_entries.get(item.ref)
            if entry is not None:
                return f"{head}\n{describe_coap(entry)}"
            return f"{head}\n(details dropped: beyond the memory limit)"
        if item.ref < 0:
            fota = self.fota_events.get(-1 - item.ref)
            if fota is None:
                return f"{head}\n(details dropped: beyond the memory limit)"
            words = fota.data.get("result_text") or ""
            return f"{head}\nserver FOTA: {fota.data.get('state', '')} {words}".rstrip()
        conn = self.context.connection
        line = conn.line(item.ref) if conn is not None else None
        if line is None:
            return f"{head}\nterminal line {item.ref} (no longer in the scrollback)"
        return f"{head}\nterminal line {item.ref}: {line.text}\nclick to show it in the terminal"

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        item = self.item_at(scene_pos)
        if item is None:
            QToolTip.hideText()
            self.plot_widget.unsetCursor()
            return
        self.plot_widget.setCursor(Qt.CursorShape.PointingHandCursor)
        QToolTip.showText(QCursor.pos(), self.describe(item), self.plot_widget)

    def _mouse_clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        item = self.item_at(event.scenePos())
        if item is not None:
            event.accept()
            self.activate(item)

    def activate(self, item: TimelineItem) -> None:
        """Select ``item``: show its terminal line, or publish its CoAP message."""
        self.selected = item
        text = self.describe(item).split("\n")
        self.detail.setText(" · ".join(text[:2]) if item.is_coap else text[0])
        self.detail.setToolTip("\n".join(text))
        self.event_selected.emit(item)
        if item.is_coap:
            entry = self.coap_entries.get(item.ref)
            if entry is not None:
                self.coap_selected.emit(item.ref, entry)
        elif item.ref >= 0:
            self.context.show_line(item.ref)

    # -- life cycle --------------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._drawn_range = None
        if self.follow:
            self._follow_now(force=True)
        self.redraw()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        self._tick.stop()
        if self._coap_unsubscribe is not None:
            self._coap_unsubscribe()
            self._coap_unsubscribe = None


__all__ = ["TimelinePanel", "timeline_palette"]
