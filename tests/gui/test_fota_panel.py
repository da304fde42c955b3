"""The FOTA panel drives a pull update of a client engine to the end; the timeline's FOTA lane
shows the server's steps."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from pathlib import Path
from typing import Any

from tests.gui.wb_helpers import run, shot, until
from workbench.client import ClientConfig, LwM2MClient
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.fota import FotaPanel
from workbench.gui.panels.server import ServerPanel
from workbench.gui.panels.timeline import TimelinePanel
from workbench.plugin.loader import discover_plugins
from workbench.viewmodel.timeline import Lane


def test_pull_update_from_the_panel(wb_loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    data = os.urandom(200 * 1024)
    package = tmp_path / "module-fw-2.0.bin"
    package.write_bytes(data)
    tag = hashlib.sha256(data).hexdigest()[:8]
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    window.resize(1280, 800)
    window.show()
    server_panel = window.panels["server"]
    panel = window.panels["fota"]
    timeline = window.panels["timeline"]
    assert isinstance(server_panel, ServerPanel) and isinstance(panel, FotaPanel)
    assert isinstance(timeline, TimelinePanel)
    server_panel.port.setText("0")
    client: LwM2MClient | None = None

    async def body() -> None:
        nonlocal client
        try:
            assert not panel.start()  # no server yet: refused with a message
            assert "server" in panel.verdict.text()
            server_panel.toggle()
            await until(lambda: window.context.server is not None, what="server started")
            server = window.context.server
            client = LwM2MClient(
                "gui-fota", window.context.server_url, config=ClientConfig(lifetime=60)
            )
            await client.start(timeout=10)
            await until(lambda: panel.endpoint.findText("gui-fota") >= 0, what="endpoint")
            panel.endpoint.setEditText("gui-fota")
            panel.file.setText(str(package))
            # A typed package URI is checked before anything goes out.
            panel.uri.setText("ftp://example.invalid/fw.bin")
            assert not panel.start() and "must start with" in panel.verdict.text()
            panel.uri.setText("coap://127.0.0.1:9/fw.bin")
            panel.method.setCurrentText("push")
            assert not panel.start() and "for pull" in panel.verdict.text()
            assert panel.job is None
            panel.uri.clear()
            panel.method.setCurrentText("pull")
            assert panel.auto_update.isChecked()
            assert "gui-fota" in server.clients, server.clients
            shown: list[tuple[int, str]] = []
            panel.progress.valueChanged.connect(
                lambda v: shown.append((v, panel.current.summary())) if 0 < v < 100 else None
            )
            assert panel.start(), panel.verdict.text()
            assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
            # Mid-way the bar moves with bytes, rate and ETA. (Every value it shows is
            # recorded: here 200 KB take ~0.25 s, a few of the panel's 30 Hz batches.)
            await until(lambda: bool(shown), what="progress", timeout=30)
            value, summary = shown[0]
            # The rate's unit follows the speed: 1.56 MB/s was seen on a quiet machine.
            assert 0 < value < 100 and "ETA" in summary, shown
            assert re.search(r"· [\d.]+ (B|KB|MB)/s ·", summary), shown
            window.show_dock(window.docks["fota"])
            shot(window.docks["fota"], "fota_panel_progress")
            await until(
                lambda: panel.current is not None and panel.current.finished,
                what="update finished",
                timeout=60,
            )
            progress = panel.current
            assert progress is not None and progress.ok, progress.verdict()
            assert panel.progress.value() == 100
            assert "firmware updated successfully" in panel.verdict.text()
            assert panel.verdict.text().endswith(f"+{tag}")
            steps = [panel.history.item(r, 1).text() for r in range(panel.history.rowCount())]
            for step in ("started", "downloaded", "executing", "rebooted", "finished"):
                assert step in steps, steps
            assert client.get_value("/3/0/3").endswith(f"+{tag}")
            assert panel.start_button.isEnabled() and not panel.cancel_button.isEnabled()
            shot(window.docks["fota"], "fota_panel_finished")
            # The timeline's FOTA lane carries the server's steps.
            await until(lambda: bool(timeline.fota_events), what="timeline fota events")
            timeline.tick()
            count = timeline.store.count(Lane.FOTA)
            assert count >= 5, count
            last = timeline.store.item(Lane.FOTA, count - 1)
            assert last.label == "fota finished · result 1 · gui-fota" and last.ref < 0
            assert "firmware updated successfully" in timeline.describe(last)
            assert server.fota.jobs["gui-fota"].history[-1]["step"] == "finished"
        finally:
            if client is not None:
                await client.stop()
            await window.shutdown()

    run(wb_loop, body(), timeout=120)
    window._closed_for_real = True
    window.close()


def test_docks_include_fota(wb_loop: Any) -> None:
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    try:
        assert "fota" in window.docks and isinstance(window.panels["fota"], FotaPanel)
    finally:
        run(wb_loop, window.shutdown())
        window._closed_for_real = True
        window.close()
