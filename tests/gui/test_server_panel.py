"""The server panel: start/stop through the window, live clients, CoAP log with decoded
payloads and filters, the all-interfaces warning, masked PSKs, bootstrap configuration."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.gui.wb_helpers import run, shot, until
from tests.peers import skip_missing_peer
from tests.server.psk_cases import CASES, PskCase, case_id
from workbench.app.connection import ModuleConnection
from workbench.gui.context import WorkbenchContext
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.server import MASKED_KEY, ServerPanel
from workbench.plugin.loader import discover_plugins
from workbench.transport.hosting import PtyHost


class FakeRecorder:
    """Records which secrets the panel registered (and nothing else)."""

    def __init__(self) -> None:
        self.secrets: list[bytes | str] = []

    def add_secret(self, secret: bytes | str) -> None:
        self.secrets.append(secret)

    def record_rx(self, data: bytes) -> None: ...
    def record_tx(self, data: bytes) -> None: ...
    def record_event(self, event: Any) -> None: ...
    def note(self, text: str) -> None: ...


def test_all_interfaces_needs_the_visible_warning(qtbot: Any, wb_app: Any) -> None:
    panel = ServerPanel(WorkbenchContext(discover_plugins()))
    qtbot.addWidget(panel)
    panel.show()
    assert panel.host.text() == "127.0.0.1"
    assert panel.build_server().host == "127.0.0.1"
    assert not panel.warning.isVisible()
    panel.all_interfaces.setChecked(True)
    assert panel.warning.isVisible() and "every network interface" in panel.warning.text()
    assert not panel.host.isEnabled()
    assert panel.build_server().host == "::"
    panel.resize(760, 420)
    shot(panel, "server_panel_all_interfaces")
    panel.all_interfaces.setChecked(False)
    panel.host.setText("0.0.0.0")
    messages: list[tuple[str, str]] = []
    panel.context.message.connect(lambda level, text: messages.append((level, text)))
    panel.toggle()  # refused: any-address without the explicit opt-in
    assert messages and messages[0][0] == "error" and "all_interfaces" in messages[0][1]


def test_psk_keys_are_masked_and_registered_as_secrets(qtbot: Any, wb_app: Any) -> None:
    context = WorkbenchContext(discover_plugins())
    recorder = FakeRecorder()
    context.set_connection(ModuleConnection("loop://", recorder=recorder))
    panel = ServerPanel(context)
    qtbot.addWidget(panel)
    assert panel.psk_key.echoMode().name == "Password"
    assert not panel.add_psk("bench", "not hex")
    assert "hexadecimal" in panel.psk_message.text()
    panel.psk_identity.setText("bench-01")
    panel.psk_key.setText("00:11:22:33:44:55:66:77")
    panel.add_psk_from_fields()
    assert panel.psk == {"bench-01": bytes.fromhex("0011223344556677")}
    assert panel.psk_key.text() == "" and panel.psk_message.text() == ""
    shown = [
        panel.psk_table.item(r, c).text()
        for r in range(panel.psk_table.rowCount())
        for c in range(2)
    ]
    assert shown == ["bench-01", f"{MASKED_KEY} (8 bytes)"]
    assert not any("0011" in text or "00:11" in text for text in shown)
    assert recorder.secrets == [bytes.fromhex("0011223344556677")]
    assert panel.build_server().psk == {"bench-01": bytes.fromhex("0011223344556677")}
    panel.psk_table.selectRow(0)
    panel.remove_selected_psk()
    assert panel.psk == {} and panel.psk_table.rowCount() == 0


def test_bootstrap_configuration_is_loaded_or_explained(
    qtbot: Any, wb_app: Any, tmp_path: Path
) -> None:
    panel = ServerPanel(WorkbenchContext(discover_plugins()))
    qtbot.addWidget(panel)
    assert "4.04" in panel.bootstrap_label.text()
    good = tmp_path / "bs.json"
    good.write_text(
        json.dumps(
            {
                "endpoints": {
                    "*": {
                        "servers": [{"short_id": 101, "lifetime": 300}],
                        "security": [
                            {"instance": 0, "uri": "coap://127.0.0.1:5683", "short_id": 101}
                        ],
                    }
                }
            }
        )
    )
    assert panel.load_bootstrap(good)
    assert "1 endpoint" in panel.bootstrap_label.text()
    assert "write    /0/0" in panel.bootstrap_view.toPlainText()
    assert panel.build_server().bootstrap_config is panel.bootstrap
    bad = tmp_path / "bad.json"
    bad.write_text('{"endpoints": {"x": {"servers": [{"short_id": "no"}]}}}')
    assert not panel.load_bootstrap(bad)
    assert (
        "Not loaded" in panel.bootstrap_label.text() and "short_id" in panel.bootstrap_label.text()
    )
    assert panel.bootstrap is not None  # the good one stays


@pytest.mark.skipif(os.name != "posix", reason="the module is hosted on a pty")
def test_window_runs_the_server_and_shows_clients_and_coap_log(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    window.resize(1280, 800)
    window.show()
    panel = window.panels["server"]
    assert isinstance(panel, ServerPanel)
    panel.port.setText("0")
    plugin = window.context.plugins.get("quectel-bg95")
    host: PtyHost | None = None

    async def body() -> None:
        nonlocal host
        try:
            panel.toggle()
            await until(lambda: window.context.server is not None, what="server started")
            server = window.context.server
            assert server is window.server and server is panel.own_server
            assert panel.start_button.text() == "Stop"
            assert window.context.server_url.startswith("coap://127.0.0.1:")
            assert "this computer only" in panel.status.text()
            # A simulated module registers (its documented sequence, sent by hand here).
            host = PtyHost(plugin.make_simulator(None, window.context.server_url))
            await host.start()
            conn = ModuleConnection(host.path, plugin, None)
            conn.open()
            try:
                assert plugin.connect_sequence is not None
                for command in plugin.connect_sequence(window.context.server_url):
                    await conn.send(command)
                await until(lambda: panel.clients.rowCount() == 1, what="client row")
                endpoint = panel.clients.item(0, 0).text()
                assert endpoint in server.clients
                assert panel.clients.item(0, 3).text() == "UQS"
                assert panel.clients.item(0, 4).text() in ("awake", "asleep")
                assert panel.clients.item(0, 5).text() in ("just now", "2 s ago", "3 s ago")
                read = await server.read(endpoint, "/3/0")
                assert read.values
                await until(lambda: len(panel.log_model.rows) >= 4, what="log rows")
            finally:
                await conn.close()
            rows = panel.log_model.rows
            assert any(r.get("path") == "/rd" and r["direction"] == "in" for r in rows)
            # Answers are named by the path of the request they answer.
            created = next(r for r in rows if r.get("code") == "2.01")
            assert created["path"] == "/rd"
            # The answer to the read is decoded by content format.
            answer = next(r for r in rows if r.get("path") == "/3/0" and r["direction"] == "in")
            assert isinstance(answer.get("payload"), dict) and "/3/0/0" in answer["payload"]
            # Rows are named by endpoint; the filters work.
            assert panel.log_model.data(panel.log_model.index(0, 2)) == endpoint
            panel.direction_filter.setCurrentIndex(panel.direction_filter.findData("out"))
            assert panel.log_filter.rowCount() == sum(r["direction"] == "out" for r in rows)
            panel.direction_filter.setCurrentIndex(0)
            panel.endpoint_filter.setCurrentIndex(panel.endpoint_filter.findData(endpoint))
            assert panel.log_filter.rowCount() == len(rows)
            panel.endpoint_filter.setCurrentIndex(0)
            # The detail pane: options and decoded payload of the selected message.
            source_row = rows.index(answer)
            panel.tabs.setCurrentIndex(1)
            panel.log.selectRow(panel.log_filter.mapFromSource(
                panel.log_model.index(source_row, 0)).row())  # fmt: skip
            detail = panel.detail.toPlainText()
            assert "Options:" in detail and "Content-Format" in detail
            assert "Payload (decoded):" in detail and "/3/0/0" in detail
            await asyncio.sleep(0.1)
            window.show_dock(window.docks["server"])
            window.docks["server"].raise_()
            panel.tabs.setCurrentIndex(0)
            await asyncio.sleep(0.05)
            shot(panel, "server_panel_clients")
            panel.tabs.setCurrentIndex(1)
            await asyncio.sleep(0.05)
            shot(panel, "server_panel_coap_log")
            shot(window, "server_panel_window")
            # Stop from the panel: the window stops and unpublishes it.
            panel.toggle()
            await until(lambda: window.context.server is None, what="server stopped")
            assert not server.running and window.server is None
            assert panel.start_button.text() == "Start"
            # The status bar follows once the stop has completed (one more loop turn).
            await until(lambda: window.status_server.text() == "Server: none", what="status")
            # Start again, then the window's shutdown stops it cleanly.
            panel.toggle()
            await until(lambda: window.context.server is not None, what="restarted")
            again = window.context.server
        finally:
            await window.shutdown()
            if host is not None:
                await host.stop()
        assert not again.running and window.context.server is None

    run(wb_loop, body(), timeout=60)
    window._closed_for_real = True
    window.close()


def test_log_model_is_capped_and_batched(qtbot: Any, wb_app: Any) -> None:
    from workbench.server.coaplog import CoapLogEntry
    from workbench.server.coapwire import parse_datagram

    panel = ServerPanel(WorkbenchContext(discover_plugins()))
    qtbot.addWidget(panel)
    panel.log_model.max_rows = 100  # the cap comes from the memory-limit settings (issue 17)
    for i in range(250):
        data = bytes([0x40, 1, 0, i % 256])
        panel._pending.append(CoapLogEntry("in", "127.0.0.1:1", data, message=parse_datagram(data)))
    panel.pump()
    assert len(panel.log_model.rows) == 100
    assert panel.log_model.dropped == 150
    assert panel.log_count.text() == "100 messages · 150 older dropped (limit 100)"
    assert panel.log_model.data(panel.log_model.index(0, 1)) == "→ in"
    fg = panel.log_model.data(panel.log_model.index(0, 4), Qt.ItemDataRole.DisplayRole)
    assert fg == "0.01 GET"


def test_conformance_finding_in_the_client_row_and_on_the_timeline(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    """A Register that a strict 1.1 server refuses is accepted, shown in the client's row with
    the plain-words line, and marked on the timeline's CoAP lane."""
    from aiocoap import POST, Context, Message

    from workbench.gui.panels.timeline import TimelinePanel
    from workbench.server import LwM2MServer
    from workbench.viewmodel.timeline import Lane

    context = WorkbenchContext(discover_plugins())
    panel = ServerPanel(context)
    timeline = TimelinePanel(context)
    panel.resize(1100, 360)
    panel.show()
    timeline.show()

    async def body() -> None:
        server = LwM2MServer("127.0.0.1", 0)
        await server.start()
        client = await Context.create_client_context()
        try:
            context.set_server(server)
            host, port = server.address
            request = Message(
                code=POST,
                uri=f"coap://{host}:{port}/rd?ep=strict-1&lt=300&lwm2m=1.1&b=U",
                payload=b'</>;rt="oma.lwm2m";ct="60 110 112 11542 11543",</1/0>,</3/0>',
            )
            request.opt.content_format = 40
            response = await client.request(request).response
            assert str(response.code) == "2.01 Created"  # accepted here...
            cell = _CONFORMANCE_COLUMN_INDEX
            await until(
                lambda: (
                    panel.clients.rowCount() == 1
                    and panel.clients.item(0, cell) is not None
                    and panel.clients.item(0, cell).text().startswith("⚠")
                ),
                what="conformance cell",
            )
            text = panel.clients.item(0, cell).text()
            # ... and the user is told what a strict peer would do, with the fragment.
            assert "a strict 1.1 server answers 4.00 to this" in text
            assert "ct must be a single content format in LwM2M 1.1" in text
            assert 'ct="60 110 112 11542 11543"' in text
            tip = panel.clients.item(0, cell).toolTip()
            assert "POST /rd?ep=strict-1" in tip and "1.1 Core §6.2.1" in tip
            # The timeline marks the offending message on the CoAP lane.
            await until(lambda: len(timeline.coap_entries) >= 2, what="timeline rows")
            marked = [e for e in timeline.coap_entries if e.conformance]
            assert len(marked) == 1 and marked[0].message.code == 2
            labels = [item.label for item in timeline.store.items(Lane.COAP_IN)]
            assert "POST /rd ⚠ strict" in labels
            panel.clients.setColumnWidth(0, 90)
            await asyncio.sleep(0.05)
            shot(panel, "server_panel_conformance")
            timeline.resize(1100, 420)
            shot(timeline, "timeline_conformance")
        finally:
            context.set_server(None)
            await client.shutdown()
            await server.stop()

    run(wb_loop, body(), timeout=30)
    panel.close()
    timeline.close()


_CONFORMANCE_COLUMN_INDEX = 8


def test_psk_endpoints_refusals_and_caps_are_shown(wb_loop: asyncio.AbstractEventLoop) -> None:
    from tests.server.device import FakeDevice
    from tests.server.flood import run_flood
    from workbench.server.dtls import dtls_available

    context = WorkbenchContext(discover_plugins())
    panel = ServerPanel(context)
    panel.resize(900, 460)
    panel.show()
    panel.port.setText("0")
    assert panel.add_psk("other", "00112233", "d1")
    assert not panel.add_psk("dev", "00112233", "d1")  # one endpoint, one identity
    assert "already bound" in panel.psk_message.text()
    panel.psk_table.selectRow(0)
    panel.remove_selected_psk()
    assert panel.psk == {} and panel.psk_endpoints == {}
    panel.psk_identity.setText("dev")
    panel.psk_key.setText("0011223344556677")
    panel.psk_endpoint.setText("d1")
    panel.add_psk_from_fields()
    assert panel.psk_endpoints == {"dev": "d1"}
    assert panel.psk_table.item(0, 2).text() == "d1"
    panel.add_psk("free", "aabbccdd")
    assert panel.psk_table.item(1, 2).text() == "(first to register)"
    panel.tabs.setCurrentIndex(2)
    shot(panel, "server_panel_psk_endpoints")
    panel.tabs.setCurrentIndex(0)
    if not dtls_available():
        skip_missing_peer("DTLSSocket (bash scripts/install-peers.sh)")
    server = panel.build_server()
    assert server.security.configured == {"dev": "d1"} and "free" in server.psk
    server.limit_guard.limits.max_clients = 2

    async def body() -> None:
        await server.start()
        try:
            context.set_server(server)
            registry = server.registry
            device = FakeDevice(registry, endpoint="d1")
            await device.start()
            try:
                refused = await device.register(server.address)  # plain CoAP, key holder d1
                assert refused.code.dotted == "4.03"
            finally:
                await device.stop()
            await until(lambda: panel.notice.isVisible(), what="security notice")
            assert "Register refused" in panel.notice.text() and "only over DTLS" in (
                panel.notice.text()
            )
            answers = await run_flood(server.address, "cap-", 3, b"</3/0>")
            assert [a[0] for a in answers if a] == [0x41, 0x41, 0xA3]
            await until(lambda: "Limit reached" in panel.notice.text(), what="limit notice")
            assert "clients → 5.03" in panel.notice.text()
            assert "2 notices" in panel.notice.text()
            shot(panel, "server_panel_security_and_limit_notices")
        finally:
            context.set_server(None)
            await server.stop()

    run(wb_loop, body(), timeout=60)
    assert not panel.notice.isVisible()
    panel.close()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_psk_fields_give_the_cli_verdict(qtbot: Any, wb_app: Any, case: PskCase) -> None:
    # The same table as tests/server/test_security.py feeds the CLI and the bootstrap file.
    panel = ServerPanel(WorkbenchContext(discover_plugins()))
    qtbot.addWidget(panel)
    panel.psk_identity.setText(case.identity)
    panel.psk_key.setText(case.key)
    panel.psk_endpoint.setText(case.endpoint or "")
    panel.add_psk_from_fields()
    if case.accepted is not None:
        assert panel.psk == {case.identity: case.accepted}
        assert panel.psk_endpoints == (
            {} if case.endpoint is None else {case.identity: case.endpoint}
        )
        assert panel.psk_message.text() == ""
    else:
        assert panel.psk == {}
        message = panel.psk_message.text()
        assert case.words in message and message
        if case.key:
            assert case.key not in message
        assert panel.psk_key.text() == case.key  # nothing typed is lost
        if "0x" in case.key:
            panel.tabs.setCurrentIndex(2)
            panel.resize(900, 420)
            panel.show()
            shot(panel, "server-psk-refused")
