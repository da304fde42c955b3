"""The timeline panel: lanes, click-to-line, follow live, CoAP from a real server, screenshots."""

from __future__ import annotations

import asyncio
import math
import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QPalette, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from tests.gui.wb_helpers import dark_palette, run, shot, until
from workbench.app.connection import TerminalLine
from workbench.gui.context import WorkbenchContext
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.timeline import TimelinePanel
from workbench.module.events import Event
from workbench.plugin.loader import discover_plugins
from workbench.viewmodel.timeline import Lane, Tone

DEMO_PLUGIN = "quectel-bg95"


def _line(seq: int, t: float, *events: Event, text: str = "") -> TerminalLine:
    raw = text or (events[0].raw if events else "OK")
    return TerminalLine(seq, "rx", raw, raw.encode(), t, "urc", tuple(events))


def _panel(qtbot: object) -> tuple[WorkbenchContext, TimelinePanel]:
    context = WorkbenchContext(discover_plugins())
    panel = TimelinePanel(context)
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    panel.resize(1000, 320)
    panel.show()
    return context, panel


def _feed(context: WorkbenchContext, panel: TimelinePanel, t0: float) -> list[TerminalLine]:
    lines = [
        _line(1, t0, Event("client", 1, "+QLWURC: client", {"state": "ready"})),
        _line(2, t0 + 1, Event("registration", 2, '+QLWURC: "event",100,2', {"server": "100",
              "state": "registered", "code": 2})),
        _line(3, t0 + 2, Event("notify", 3, '+QLWURC: "report"', {"path": "/3303/0/5700"})),
        _line(4, t0 + 3, Event("host_request", 4, "+LWREAD: 3,0,0", {"op": "read",
              "path": "/3/0/0"})),
        _line(5, t0 + 4, Event("error", 5, "+CME ERROR: 50", {"text": "+CME ERROR: 50",
              "code": 50})),
        _line(6, t0 + 4.5, text="OK"),  # no event: not on the timeline
    ]  # fmt: skip
    context.lines_appended.emit(lines)
    panel.tick()
    QApplication.processEvents()
    return lines


def test_events_land_in_the_right_lanes(qtbot: object) -> None:
    context, panel = _panel(qtbot)
    _feed(context, panel, time.time() - 10)
    lanes = {lane: [i.label for i in panel.store.items(lane)] for lane in Lane}
    assert lanes[Lane.CLIENT] == ["client ready"]
    assert lanes[Lane.REGISTRATION] == ["registered · srv 100"]
    assert lanes[Lane.NOTIFY] == ["notify /3303/0/5700"]
    assert lanes[Lane.HOST] == ["read /3/0/0"]
    assert lanes[Lane.ERRORS] == ["+CME ERROR: 50"]
    assert panel.store.item(Lane.REGISTRATION, 0).tone is Tone.GOOD
    assert "5 events" in panel.count_label.text()
    # The marks are drawn (decimation returned them) and labelled.
    assert any(label == "registered · srv 100" for _x, _l, label, _c in panel._labels)


def test_click_jumps_to_the_terminal_line_and_hover_describes(qtbot: object) -> None:
    context, panel = _panel(qtbot)
    _feed(context, panel, time.time() - 10)
    panel.fit_all()
    QApplication.processEvents()
    requested: list[int] = []
    context.line_requested.connect(requested.append)
    item = panel.store.item(Lane.REGISTRATION, 0)
    scene = panel.scene_pos_of(item)
    point = panel.plot_widget.mapFromScene(scene)
    # A few pixels off still hits it; the empty lane next to it does not.
    QTest.mouseClick(
        panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=point + QPoint(3, 0)
    )
    assert requested == [2]
    assert panel.selected is not None and panel.selected.ref == 2
    assert "registered" in panel.detail.text()
    empty = panel.plot_widget.mapFromScene(
        panel.scene_pos_of(panel.store.item(Lane.ERRORS, 0)) + QPointF(-200, 0)
    )
    QTest.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=empty)
    assert requested == [2]
    assert panel.item_at(scene) == item
    # Hovering shows the event and its terminal line as a tooltip.
    panel._mouse_moved(scene)
    assert "registered · srv 100" in QToolTip.text()
    panel._mouse_moved(scene + QPointF(0, 200))
    assert "registered · srv 100" in panel.describe(item)


def test_follow_live_toggles(qtbot: object) -> None:
    context, panel = _panel(qtbot)
    t0 = time.time() - 600
    _feed(context, panel, t0)
    assert panel.follow
    x0, x1 = panel.visible_range()
    assert x0 <= t0 + 4 <= x1  # the newest event is in view
    # Keyboard pan stops following.
    panel.plot_widget.setFocus()
    QTest.keyClick(panel.plot_widget, Qt.Key.Key_Left)
    assert not panel.follow
    assert panel.visible_range()[1] < x1
    # End follows again and brings the newest event back.
    QTest.keyClick(panel.plot_widget, Qt.Key.Key_End)
    assert panel.follow
    assert panel.visible_range()[0] <= t0 + 4 <= panel.visible_range()[1]
    # A wheel zoom (a manual range change) stops following too.
    viewport = panel.plot_widget.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(
        centre,
        viewport.mapToGlobal(centre),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    assert not panel.follow
    # New events while not following do not move the view.
    before = panel.visible_range()
    context.lines_appended.emit([_line(9, t0 + 60, Event("client", 9, "x", {"state": "stopped"}))])
    panel.tick()
    assert panel.visible_range() == before
    panel.follow_button.click()
    assert panel.follow and panel.visible_range()[0] <= t0 + 60 <= panel.visible_range()[1]


def _pixel(panel: TimelinePanel, image: object, scene: QPointF) -> int:
    """The pixel a point falls in (a two-pixel mark at x covers the pixel from floor(x))."""
    point = panel.plot_widget.mapFromScene(QPointF(math.floor(scene.x()), math.floor(scene.y())))
    return int(image.pixel(point.x(), point.y()))  # type: ignore[attr-defined]


def test_marks_are_painted_where_their_events_are_in_their_tone(qtbot: object) -> None:
    context, panel = _panel(qtbot)
    _feed(context, panel, time.time() - 10)
    panel.fit_all()
    QApplication.processEvents()
    for _ in range(2):  # once as fitted, once zoomed out: the image follows the view
        image = panel.plot_widget.grab().toImage()
        for lane in (Lane.REGISTRATION, Lane.ERRORS, Lane.NOTIFY):
            item = panel.store.item(lane, 0)
            scene = panel.scene_pos_of(item)
            assert _pixel(panel, image, scene) == panel.tone_colour(lane, item.tone).rgba()
            # Nothing a few pixels left of it, nor in the empty FOTA lane below the same time.
            assert _pixel(panel, image, scene + QPointF(-4, 0)) != _pixel(panel, image, scene)
        fota = panel.view.mapViewToScene(
            QPointF(panel.store.item(Lane.ERRORS, 0).time - panel.origin, 0.0)
        )
        assert _pixel(panel, image, fota) not in {
            panel.tone_colour(lane, tone).rgba() for lane in Lane for tone in Tone
        }
        assert panel.marks_drawn() == 5
        panel.zoom(2.0)
        QApplication.processEvents()


def test_a_grid_line_under_a_mark_does_not_tint_it(qtbot: object) -> None:
    """Events on whole seconds, shown with a grid line at every second: each mark sits on a
    grid line. The grid is drawn under the lanes, so the mark keeps its tone (it was drawn
    over them, and a CI run caught a mark 7.5 % darker where a minor grid line crossed it);
    the grid line still shows in the empty FOTA lane at the same time."""
    context, panel = _panel(qtbot)
    t0 = math.floor(time.time()) - 10
    _feed(context, panel, t0)
    panel.show_time(t0 - 0.5, t0 + 5.5)  # ticks every second (and minor ones between)
    QApplication.processEvents()
    image = panel.plot_widget.grab().toImage()
    for lane in (Lane.REGISTRATION, Lane.NOTIFY, Lane.HOST, Lane.ERRORS):
        item = panel.store.item(lane, 0)
        assert item.time == int(item.time)
        scene = panel.scene_pos_of(item)
        assert _pixel(panel, image, scene) == panel.tone_colour(lane, item.tone).rgba(), lane
    error = panel.scene_pos_of(panel.store.item(Lane.ERRORS, 0))
    host = panel.scene_pos_of(panel.store.item(Lane.HOST, 0))
    empty_lane_y = error.y() + (error.y() - host.y())  # the lane below ERRORS has no events
    between_ticks = panel.view.mapViewToScene(QPointF(t0 + 4.25 - panel.origin, 0.0)).x()
    on_grid = _pixel(panel, image, QPointF(error.x(), empty_lane_y))
    off_grid = _pixel(panel, image, QPointF(between_ticks, empty_lane_y))
    assert on_grid != off_grid  # the grid line is there, under where the mark would be


class _PaintCounter(QObject):
    """Counts the paint events a widget receives (an event filter: no override needed)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_follow_live_frame_paints_each_plot_once(qtbot: object) -> None:
    """pyqtgraph sets a view's transform when Qt paints it, which dirties the scene: each plot
    painted twice per frame until the panel applied the range at once (issue 17)."""
    context, panel = _panel(qtbot)
    _feed(context, panel, time.time() - 10)
    panel.set_follow(True)
    for _ in range(3):
        QApplication.processEvents()
    views = [panel.plot_widget, *panel.trends.plots]
    counters = []
    for view in views:
        counter = _PaintCounter()
        view.viewport().installEventFilter(counter)
        counters.append(counter)
    for frame in range(3):
        _feed(context, panel, time.time() - 1 + frame * 0.1)
        panel._last_frame = panel._last_follow = 0.0  # the next tick is a frame
        for counter in counters:
            counter.count = 0
        panel.tick()
        for _ in range(4):
            QApplication.processEvents()
        assert [c.count for c in counters] == [1, 1, 1], frame


def test_labels_at_the_right_edge_go_left_without_overprinting(qtbot: object) -> None:
    """The newest labels near the right edge are drawn left of their marks, placed there
    (flipped only when painted, they overprinted the label before them)."""
    context, panel = _panel(qtbot)
    t0 = time.time() - 10
    _feed(context, panel, t0)
    panel.show_time(t0 - 4, t0 + 4.05)  # the error at t0+4 sits at the right edge
    QApplication.processEvents()
    placed = panel.placed_labels()
    measure = panel._measure(panel.font())
    right = panel.view.mapViewToDevice(QPointF(panel.view.viewRange()[0][1], 0)).x()
    assert any(p.flipped for p in placed)
    for label in placed:
        assert label.x + measure(label.text) <= right + 0.5
    for a in placed:
        for b in placed:
            if a is not b and (a.lane, a.row) == (b.lane, b.row):
                assert a.x + measure(a.text) <= b.x or b.x + measure(b.text) <= a.x
    shot(panel, "timeline_labels_at_the_right_edge")


def test_label_widths_are_remembered_per_font(qtbot: object) -> None:
    from PySide6.QtGui import QFont, QFontMetrics

    _context, panel = _panel(qtbot)
    small = QFont(panel.font())
    large = QFont(small)
    large.setPointSizeF(small.pointSizeF() * 3)
    text = "registered · srv 100"
    assert panel._measure(small)(text) == QFontMetrics(small).horizontalAdvance(text)
    # Another font: measured again, not the small font's width from the cache.
    assert panel._measure(large)(text) == QFontMetrics(large).horizontalAdvance(text)
    assert panel._measure(large)(text) > 2 * panel._measure(small)(text)


def test_a_million_events_draw_decimated(qtbot: object) -> None:
    import numpy as np

    _context, panel = _panel(qtbot)
    n = 1_000_000
    times = np.sort(np.random.default_rng(7).uniform(0, 3600, n)) + panel.origin - 3600
    label = panel.store.intern("notify /3303/0/5700")
    panel.store.extend_arrays(Lane.NOTIFY, times, np.arange(n) % 2, np.full(n, label), np.arange(n))
    panel.fit_all()
    QApplication.processEvents()
    drawn = panel.marks_drawn()
    assert 0 < drawn <= 2 * (panel.plot_widget.width() + 1)
    assert not panel._labels  # too dense for labels
    shot(panel, "timeline_million")


# -- with the real window, server and simulated module ------------------------------------------


def _timeline(window: MainWindow) -> TimelinePanel:
    panel = window.panels["timeline"]
    assert isinstance(panel, TimelinePanel)
    return panel


@pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")
def test_demo_registration_beside_its_coap_exchange(
    wb_loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    window = MainWindow(discover_plugins(), record_sessions=True, port_lister=lambda: [])
    window.resize(1280, 860)
    window.show()
    panel = _timeline(window)
    selected: list[tuple[int, object]] = []
    panel.coap_selected.connect(lambda i, e: selected.append((i, e)))
    requested: list[int] = []
    window.context.line_requested.connect(requested.append)

    async def body() -> None:
        try:
            window.start_demo(DEMO_PLUGIN)

            def registered() -> bool:
                return any(
                    i.label.startswith("registered") for i in panel.store.items(Lane.REGISTRATION)
                )

            await until(registered, timeout=30, what="registered on the timeline")
            await until(
                lambda: any(i.label == "POST /rd" for i in panel.store.items(Lane.COAP_IN)),
                what="the Register request on the CoAP lane",
            )
            await until(
                lambda: any(
                    i.label.startswith("2.01 Created /rd") for i in panel.store.items(Lane.COAP_OUT)
                ),
                what="the 2.01 answer on the CoAP lane",
            )
            await asyncio.sleep(1.0)  # the server reads the module's objects after registering
            # One clock: the URC comes after the request that caused it, within seconds.
            register = next(i for i in panel.store.items(Lane.COAP_IN) if i.label == "POST /rd")
            urc = next(
                i for i in panel.store.items(Lane.REGISTRATION) if i.label.startswith("registered")
            )
            assert 0 <= urc.time - register.time < 10

            # Click the CoAP request: it is selected and published with its log entry.
            panel.show_time(register.time - 2, urc.time + 3)
            await asyncio.sleep(0.1)
            pos = panel.plot_widget.mapFromScene(panel.scene_pos_of(register))
            QTest.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
            assert selected and selected[-1][0] == register.ref
            entry = selected[-1][1]
            assert entry.direction == "in" and entry.path == "/rd"  # type: ignore[attr-defined]
            assert "POST /rd" in panel.detail.text()
            # Click the URC: the terminal shows its line.
            pos = panel.plot_widget.mapFromScene(panel.scene_pos_of(urc))
            QTest.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
            assert requested == [urc.ref]
            line = window.context.connection.line(urc.ref)  # type: ignore[union-attr]
            assert line is not None and any(e.kind == "registration" for e in line.events)

            # Zoomed onto the exchange for the screenshots: request, answer, URC in order.
            panel.show_time(register.time - 0.04, urc.time + 0.2)
            window.docks["timeline"].raise_()
            await asyncio.sleep(0.2)
            shot(window, "timeline_demo_window")
            shot(panel, "timeline_demo_light")
            panel.setPalette(dark_palette())
            await asyncio.sleep(0.1)
            assert panel.colours.background.lightnessF() < 0.3
            shot(panel, "timeline_demo_dark")
            panel.setPalette(QPalette())

            # File → Export CoAP traffic as pcapng: the recorded exchange, as packets.
            out = tmp_path / "coap.pcapng"
            count = await window.export_coap(out)
            assert count is not None and count >= 2
            from workbench.session.pcapng import parse_ip_udp, read_pcapng

            capture = read_pcapng(out.read_bytes())
            assert len(capture.packets) == count
            udp = parse_ip_udp(capture.packets[0].data)
            assert udp.payload  # a CoAP datagram
            assert "Exported" in window.banner.text.text()
            session = window.session_path
            assert session is not None
        finally:
            await window.shutdown()

        # The recorded session, reopened: module events and CoAP are on the timeline again.
        conn = window.open_session(session)
        assert conn is not None
        assert any(i.label == "POST /rd" for i in panel.store.items(Lane.COAP_IN))
        assert any(i.label.startswith("registered") for i in panel.store.items(Lane.REGISTRATION))
        # ... and in the server panel's CoAP log.
        server_log = window.panels["server"].log_model.rows  # type: ignore[attr-defined]
        assert any(r.get("method") == "POST" and r.get("path") == "/rd" for r in server_log)
        replayed = tmp_path / "replayed.pcapng"
        assert await window.export_coap(replayed) == count

    run(wb_loop, body(), timeout=60)
    window._closed_for_real = True
    window.close()


def test_export_without_a_session_explains(wb_loop: asyncio.AbstractEventLoop) -> None:
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    messages: list[str] = []

    async def body() -> None:
        try:
            assert await window.export_coap(Path("never-written.pcapng")) is None
        finally:
            await window.shutdown()

    window.banner.show_message = lambda level, text, *a: messages.append(text)  # type: ignore[method-assign]
    run(wb_loop, body())
    assert messages and "No session file" in messages[0]
    assert not Path("never-written.pcapng").exists()
    window._closed_for_real = True
    window.close()


def test_sub_second_ticks_print_round_milliseconds(qtbot: object) -> None:
    """Ticks at 0.1 s on an epoch-sized origin used to read "53.799", "53.899"…: pyqtgraph
    truncated a value a hair below 53.8. They read 53.800, 53.900."""
    context = WorkbenchContext(discover_plugins())
    panel = TimelinePanel(context)
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    panel.resize(1000, 320)
    panel.show()
    panel.grab()  # the axis learns its font metrics when first painted
    axis = panel.plot_widget.getPlotItem().getAxis("bottom")
    axis.origin = 1764780000.0
    (spacing, ticks), *_ = [level for level in axis.tickValues(53.25, 54.35, 1200) if level[1]]
    assert len(ticks) == 11 and abs(ticks[0] - 53.3) < 1e-6, ticks
    strings = axis.tickStrings(ticks, 1.0, spacing)
    assert strings[1:] == [f"{53.4 + 0.1 * i:06.3f}" for i in range(10)], strings
    assert strings[0].endswith(":53.300"), strings
