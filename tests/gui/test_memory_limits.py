"""Memory limits from settings: the terminal and the timeline keep at most that many, say so."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from tests.gui.wb_helpers import shot
from workbench.app.connection import TerminalLine
from workbench.gui.context import WorkbenchContext
from workbench.gui.gcpolicy import GcPolicy
from workbench.gui.limits import (
    TERMINAL_KEY,
    TIMELINE_COAP_KEY,
    TIMELINE_FOTA_KEY,
    TIMELINE_KEY,
    MemoryLimits,
    MemoryLimitsDialog,
    load_limits,
    save_limits,
)
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.terminal import TerminalPanel
from workbench.gui.panels.timeline import TimelinePanel
from workbench.module.events import Event
from workbench.plugin.loader import discover_plugins
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.viewmodel.timeline import COAP_LANES, Lane


def _lines(first: int, count: int, t0: float) -> list[TerminalLine]:
    out = []
    for seq in range(first, first + count):
        text = f'+QLWURC: "report",{seq}'
        event = Event("notify", seq, text, {"path": "/3303/0/5700"})
        out.append(TerminalLine(seq, "rx", text, text.encode(), t0 + seq * 0.01, "urc", (event,)))
    return out


def test_terminal_keeps_its_limit_and_says_how_many_went(wb_app: QApplication) -> None:
    QSettings().setValue(TERMINAL_KEY, 1000)
    context = WorkbenchContext(discover_plugins())
    panel = TerminalPanel(context)
    panel.resize(900, 400)
    panel.show()
    t0 = time.time() - 100
    context.lines_appended.emit(_lines(1, 1500, t0))
    context.lines_appended.emit(_lines(1501, 1000, t0))
    QApplication.processEvents()
    model = panel.model
    assert model.max_lines == 1000
    assert model.rowCount() <= 1000
    assert model.line_at(model.rowCount() - 1).seq == 2500  # the newest are the ones kept
    assert model.trimmed == 2500 - model.rowCount()
    assert panel.trim_note.isVisible()
    assert f"{model.trimmed:,} older lines trimmed" in panel.trim_note.text()
    assert "limit 1,000" in panel.trim_note.text()
    shot(panel, "terminal_memory_limit")
    # Lowering the limit trims at once.
    model.set_max_lines(1000 // 2)
    assert model.rowCount() == 500 and model.line_at(0).seq == 2001


def test_timeline_keeps_its_limit_and_says_how_many_went(wb_app: QApplication) -> None:
    QSettings().setValue(TIMELINE_KEY, 1000)
    context = WorkbenchContext(discover_plugins())
    panel = TimelinePanel(context)
    panel.resize(1000, 320)
    panel.show()
    try:
        assert panel.store.max_events == 1000
        t0 = time.time() - 60
        context.lines_appended.emit(_lines(1, 3000, t0))
        panel.fit_all()
        panel.tick()
        QApplication.processEvents()
        assert len(panel.store) <= 1000
        assert panel.store.dropped == 3000 - len(panel.store)
        text = panel.count_label.text()
        assert f"{panel.store.dropped:,} older dropped (limit 1,000" in text
        shot(panel, "timeline_memory_limit")
    finally:
        panel.shutdown()


def test_dialog_saves_and_the_window_applies(wb_loop: asyncio.AbstractEventLoop) -> None:
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    try:
        window.terminal.model.append(_lines(1, 3000, time.time() - 100))
        dialog = MemoryLimitsDialog(load_limits(), window)
        assert dialog.limits() == MemoryLimits()  # defaults in fresh settings
        dialog.terminal_lines.setValue(2000)
        dialog.coap_log.setValue(5000)
        shot(dialog, "memory_limits_dialog")
        window.apply_memory_limits(dialog.limits())
        assert window.terminal.model.rowCount() == 2000
        assert load_limits() == MemoryLimits(terminal_lines=2000, coap_log=5000)
        # Nonsense in the settings file falls back to the default / the minimum.
        settings = QSettings()
        settings.setValue(TERMINAL_KEY, "lots")
        settings.setValue(TIMELINE_KEY, 5)
        assert load_limits().terminal_lines == MemoryLimits().terminal_lines
        assert load_limits().timeline_events == 1000
        save_limits(MemoryLimits())
        assert load_limits() == MemoryLimits()
    finally:
        window.gc_policy.stop()
        window.deleteLater()


def test_gc_policy_freezes_survivors_and_collects_fully_only_when_idle(
    wb_app: QApplication,
) -> None:
    now = [1000.0]
    watched = [False]
    policy = GcPolicy(clock=lambda: now[0], watched=lambda: watched[0])
    try:
        before = gc.get_freeze_count()
        keep = [[i] for i in range(250_000)]  # survivors: lists are tracked by the collector
        policy.activity()
        policy.tick()
        assert gc.get_freeze_count() >= before + len(keep)
        assert policy.grown_since_full >= len(keep)  # the heap grew by at least the lists
        assert policy.full_collections == 0  # traffic just arrived: no full pass
        watched[0] = True
        now[0] += 10  # quiet for 10 s but the user is in the window: no full pass yet
        policy.tick()
        assert policy.full_collections == 0
        watched[0] = False  # the user switched to another application: one full pass
        policy.tick()
        assert policy.full_collections == 1
        assert policy.grown_since_full < 10_000
        assert gc.get_freeze_count() >= len(keep)
        policy.tick()  # still quiet, nothing new frozen: no second full pass
        assert policy.full_collections == 1
    finally:
        policy.stop()
    assert gc.get_freeze_count() == 0
    del keep


def test_timeline_coap_and_fota_details_are_capped_and_said(wb_app: QApplication) -> None:
    QSettings().setValue(TIMELINE_COAP_KEY, 1000)
    QSettings().setValue(TIMELINE_FOTA_KEY, 1000)
    context = WorkbenchContext(discover_plugins())
    panel = TimelinePanel(context)
    panel.resize(1000, 320)
    panel.show()
    selected: list[tuple[int, object]] = []
    panel.coap_selected.connect(lambda ref, entry: selected.append((ref, entry)))
    try:
        t0 = time.time() - 60
        entries = [
            CoapLogEntry("in", "127.0.0.1:1", b"\xff", time=t0 + i * 0.01, problem="too short")
            for i in range(1500)
        ]
        panel.add_coap_entries(entries[:700])
        panel.add_coap_entries(entries[700:])  # numbers go on across batches
        steps = [
            ServerEvent("fota", "ep", {"step": "downloading", "state": "Downloading"}, t0 + i)
            for i in range(1200)
        ]
        panel.add_fota_events(steps)
        panel.fit_all()
        panel.redraw()
        assert len(panel.coap_entries) == 1000 and panel.coap_entries.dropped == 500
        assert len(panel.fota_events) == 1000 and panel.fota_events.dropped == 200
        assert panel.coap_entries[1499] is entries[1499]  # the newest keep their numbers
        assert "700 CoAP/FOTA details dropped" in panel.count_label.text()
        tip = panel.count_label.toolTip()
        assert "500 oldest CoAP messages and 200 oldest FOTA/Send steps" in tip
        assert "(limits 1,000 / 1,000" in tip
        QApplication.processEvents()  # the tool bar lays the longer count out
        shot(panel, "timeline_coap_fota_limit")

        coap_marks = [i for lane in COAP_LANES for i in panel.store.items(lane)]
        oldest = min(coap_marks, key=lambda i: i.ref)
        newest = max(coap_marks, key=lambda i: i.ref)
        assert oldest.ref == 0 and "details dropped" in panel.describe(oldest)
        assert "details dropped" not in panel.describe(newest)
        panel.activate(oldest)  # a dropped entry is not published as another one
        panel.activate(newest)
        assert selected == [(1499, entries[1499])]
        fota_marks = sorted(panel.store.items(Lane.FOTA), key=lambda i: -i.ref)
        assert "details dropped" in panel.describe(fota_marks[0])  # ref -1: the first step
        assert "server FOTA: Downloading" in panel.describe(fota_marks[-1])
    finally:
        panel.shutdown()
        save_limits(MemoryLimits())


def test_gc_policy_tick_never_walks_the_objects(
    wb_app: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walking the oldest generation after a bulk load (a session opened, a long capture)
    stopped the window for 50-560 ms on the first tick; the policy measures heap growth."""
    policy = GcPolicy()

    def walked(*_: object, **__: object) -> None:
        raise AssertionError("the policy walked the collector's objects")

    keep = [[i] for i in range(50_000)]
    monkeypatch.setattr(gc, "get_objects", walked)
    monkeypatch.setattr(gc, "get_freeze_count", walked)
    try:
        policy.activity()
        policy.tick()
        policy.tick()
    finally:
        policy.stop()
    del keep


def test_gc_policy_collects_fully_after_a_long_quiet_even_when_watched(
    wb_app: QApplication,
) -> None:
    from workbench.gui.gcpolicy import LONG_IDLE_SECONDS

    now = [0.0]
    policy = GcPolicy(clock=lambda: now[0], watched=lambda: True)
    try:
        keep = [[i] for i in range(250_000)]
        policy.activity()
        policy.tick()
        now[0] += LONG_IDLE_SECONDS - 1
        policy.tick()
        assert policy.full_collections == 0
        now[0] += 2
        policy.tick()
        assert policy.full_collections == 1
    finally:
        policy.stop()
    del keep
