"""The signal-trend lane draws what is in view, thinned to the pixels, keeping every dip."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtWidgets import QApplication

from tests.gui.wb_helpers import shot
from workbench.gui.context import WorkbenchContext
from workbench.gui.panels.timeline import TimelinePanel
from workbench.module.events import Event, Kind
from workbench.plugin.loader import discover_plugins


@dataclass
class _Line:
    seq: int
    host_time: float
    events: tuple[Event, ...]


def _signal(seq: int, t: float, rsrp: int) -> _Line:
    event = Event(Kind.SIGNAL, seq, f"+CESQ: ...{rsrp}", {"rsrp_dbm": rsrp})
    return _Line(seq, t, (event,))


def test_a_day_of_points_draws_only_the_view_and_keeps_the_dip(qtbot: object) -> None:
    context = WorkbenchContext(discover_plugins())
    panel = TimelinePanel(context)
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    panel.resize(1000, 320)
    panel.show()
    lane = panel.trends
    now = time.time()
    count = 20_000
    start = now - count * 5.0  # a poll every 5 s for a day
    lines = [_signal(i, start + 5.0 * i, -80 - (i % 7)) for i in range(count)]
    dip = count - 300  # one bad answer, 25 minutes ago
    lines[dip] = _signal(dip, start + 5.0 * dip, -130)
    lane.trend.add_lines(lines)
    lane.redraw()
    curve = lane.curves["rsrp_dbm"]

    # The whole day in a ~900-pixel plot: about two points (a high and a low) per pixel
    # column, not 20,000 (the group size is a whole number of points, hence the 10 %).
    panel.show_time(start, now)
    QApplication.processEvents()
    xs, ys = curve.getData()
    width = lane.plots[0].getPlotItem().getViewBox().width()
    assert 0 < len(xs) <= 2.2 * width
    assert np.nanmin(ys) == -130  # the peak thinning keeps the dip

    # The last hour: its points, all of them (the lane's view is X-linked by pixels to the
    # timeline's, so its edges may reach a point or two further).
    panel.show_time(now - 3600, now)
    QApplication.processEvents()
    xs, ys = curve.getData()
    in_hour = int(3600 / 5.0)
    assert in_hour <= len(xs) <= in_hour + 6
    assert xs[0] + panel.origin < now - 3600 < xs[6] + panel.origin
    assert -130 in ys
    shot(panel, "timeline_trend_last_hour_of_a_day")
