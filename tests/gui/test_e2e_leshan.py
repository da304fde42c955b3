"""End to end: the operations Leshan users expect, in the window against a simulated module.

The demo runs a built-in server and a simulated Quectel BG95 on a pty (its client is the one
that can do LwM2M 1.1 Send); every step goes through the window's own widgets:

* Write-Attributes and Discover from the object tree, their results in the resource's row;
* the Server panel's Observations tab listing the tree's observation, and cancelling it;
* data the module pushes with Send (``AT+QLWSVC="uldata"`` in LwM2M 1.1) in the Send tab, per
  client, and on the timeline;
* the bootstrap editor: a form that refuses bad values, saves the JSON the server loads, and a
  module that bootstraps from it and registers with what it provisioned.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from tests.gui.test_e2e_tree import _panels
from tests.gui.wb_helpers import run, shot, until
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.object_tree import ObjectTreePanel
from workbench.gui.panels.server import ServerPanel
from workbench.gui.panels.timeline import TimelinePanel
from workbench.plugin.loader import discover_plugins
from workbench.server.bootstrap import BootstrapConfig
from workbench.viewmodel.timeline import Lane

MODULE = "quectel-bg95"
pytestmark = pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")


def _window() -> MainWindow:
    window = MainWindow(
        discover_plugins(), record_sessions=False, port_lister=lambda: [], panels=_panels()
    )
    window.resize(1400, 900)
    window.show()
    return window


async def _registered(window: MainWindow) -> tuple[ObjectTreePanel, str]:
    tree = window.panels["object_tree"]
    assert isinstance(tree, ObjectTreePanel)
    window.show_dock(window.docks["object_tree"])
    window.start_demo(MODULE)
    await until(lambda: bool(tree.endpoint), 10, f"{MODULE} registered")

    await _module_registered(window)
    return tree, tree.endpoint


async def _module_registered(window: MainWindow) -> None:
    """The server registers the client before the module's client has the 2.01; until then
    the module answers ERROR to a command that needs a registration (AT+QLWSVC="dereg" did,
    in one CI run, and "uldata" right after a re-registration in another), as a real BG95
    does. Wait for the module's own word."""

    def module_registered() -> bool:
        conn = window.context.connection
        return conn is not None and any(s.registered for s in conn.state.servers.values())

    await until(module_registered, 10, f"{MODULE}'s own registration URC")


async def _at(window: MainWindow, command: str) -> None:
    result = await window.context.send(command, timeout=15)
    assert result.ok, (command, result)


async def _deregistered(window: MainWindow, ep: str) -> None:
    """The server drops the client when the De-register arrives; the module's client runs
    until it has the answer (+QLWDEREG) and refuses configuration till then (in one CI run
    AT+QLWCFG="version",1 got ERROR in between). Wait for both."""
    server = window.context.server
    assert server is not None
    await until(lambda: ep not in server.clients, 10, "deregistered")
    connection = window.context.connection
    assert connection is not None

    def module_deregistered() -> bool:
        return any(
            srv.registration is not None and srv.registration.value == "deregistered"
            for srv in connection.state.servers.values()
        )

    await until(module_deregistered, 10, "the module's own deregistration")


def _server_panel(window: MainWindow) -> ServerPanel:
    window.show_dock(window.docks["server"])
    panel = window.panels["server"]
    assert isinstance(panel, ServerPanel)
    return panel


def test_attributes_discover_and_observations_tab(wb_loop: asyncio.AbstractEventLoop) -> None:
    window = _window()
    messages: list[tuple[str, str]] = []
    window.context.message.connect(lambda level, text: messages.append((level, text)))

    async def body() -> None:
        try:
            tree, ep = await _registered(window)
            # Write-Attributes from the tree: the result beside the resource.
            tree.select("/3/0/14")
            assert tree.actions_["attributes"].isEnabled()
            tree.write_attributes("/3/0/14", {"pmin": 1, "pmax": 60})
            await until(
                lambda: "attributes pmin=1&pmax=60 (2.04)" in tree.status_text("/3/0/14"),
                5,
                "attributes in the row",
            )
            # Discover /3/0: every resource row says what the answer listed for it.
            assert tree.actions_["discover"].isEnabled()
            tree.discover("/3/0")
            await until(lambda: "discovered" in tree.status_text("/3/0/0"), 5, "discover rows")
            assert "discovered" in tree.status_text("/3/0/14")
            assert "attributes" not in tree.status_text("/3/0/14")  # the newer note wins
            shot(tree, "e2e_leshan_tree_attributes_discover")

            # Observe from the tree; the Observations tab lists it and cancels it.
            tree.observe("/3/0/14")
            await until(lambda: "observed" in tree.status_text("/3/0/14"), 5, "observed")
            panel = _server_panel(window)
            tab = panel.observations_tab
            panel.tabs.setCurrentWidget(tab)
            await until(lambda: any(r.key == "/3/0/14" for r in tab.rows), 3, "listed")
            row = next(r for r in tab.rows if r.key == "/3/0/14")
            assert row.endpoint == ep and row.notifications >= 0
            assert row.last_value == tree.value_text("/3/0/14")  # the Observe's response
            tab.select(ep, "/3/0/14")
            assert tab.cancel_button.isEnabled()
            shot(panel, "e2e_leshan_observations_tab")
            task = tab.cancel_selected()
            assert task is not None
            await task
            assert "cancelled" in tab.status.text(), tab.status.text()
            assert not [r for r in tab.rows if r.key == "/3/0/14"]
            server = window.context.server
            assert server.find_observation(ep, "/3/0/14") is None
            await until(lambda: "observed" not in tree.status_text("/3/0/14"), 3, "tree too")
            shot(panel, "e2e_leshan_observations_cancelled")
            assert not [m for m in messages if m[0] == "error"], messages
        finally:
            await window.shutdown()

    run(wb_loop, body(), timeout=40)
    window._closed_for_real = True
    window.close()


def test_send_shown_per_client_and_on_the_timeline(wb_loop: asyncio.AbstractEventLoop) -> None:
    window = _window()

    async def body() -> None:
        try:
            _tree, ep = await _registered(window)
            server = window.context.server
            # LwM2M 1.1 (the note's "version" 1) has Send; the client restarts to use it.
            await _at(window, 'AT+QLWSVC="dereg"')
            await _deregistered(window, ep)
            await _at(window, 'AT+QLWCFG="version",1')
            await _at(window, 'AT+QLWSVC="reg"')
            await until(
                lambda: ep in server.clients and server.clients[ep].lwm2m_version == "1.1",
                10,
                "registered again in 1.1",
            )
            await _module_registered(window)
            panel = _server_panel(window)
            tab = panel.send_tab
            panel.tabs.setCurrentWidget(tab)
            assert tab.empty.isVisible()
            await _at(window, 'AT+QLWSVC="uldata",100,"/3/0/14",6,"+05:00"')
            await _at(window, 'AT+QLWSVC="uldata",100,"/3/0/14",6,"+06:00"')
            await until(lambda: len(tab.shown) == 2, 5, "two Sends in the tab")
            assert [(v.endpoint, v.path, v.value_text) for v in tab.shown] == [
                (ep, "/3/0/14", "+06:00"),
                (ep, "/3/0/14", "+05:00"),
            ]
            assert tab.shown[0].format.startswith("SenML")
            assert f"2 from {ep}" in tab.summary.text()
            tab.client_filter.setCurrentText(ep)
            tab.latest_only.setChecked(True)
            assert [v.value_text for v in tab.shown] == ["+06:00"]
            shot(panel, "e2e_leshan_send_tab")

            timeline = window.panels["timeline"]
            assert isinstance(timeline, TimelinePanel)

            def on_timeline() -> list[str]:
                timeline.tick()
                items = timeline.store.items(Lane.NOTIFY)
                return [i.label for i in items if i.label.startswith("send ")]

            await until(lambda: len(on_timeline()) == 2, 3, "Sends on the timeline")
            assert on_timeline()[0] == f"send /3/0/14 · {ep}"
            coap = [i.label for i in timeline.store.items(Lane.COAP_IN)]
            assert "POST /dp" in coap
        finally:
            await window.shutdown()

    run(wb_loop, body(), timeout=50)
    window._closed_for_real = True
    window.close()


def test_bootstrap_editor_saves_what_a_module_bootstraps_from(
    wb_loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    window = _window()

    async def body() -> None:
        try:
            _tree, ep = await _registered(window)
            server = window.context.server
            url = window.context.server_url
            panel = _server_panel(window)
            panel.tabs.setCurrentIndex(3)
            editor = panel.edit_bootstrap()
            save = editor.buttons.button(QDialogButtonBox.StandardButton.Save)

            # Bad values are refused field by field, and nothing can be saved.
            editor.edits["server_uri"].setText("http://nowhere")
            editor.edits["short_id"].setText("70000")
            editor.edits["lifetime"].setText("ten")
            assert not save.isEnabled()
            assert "coap://" in editor.errors["server_uri"].text()
            assert "1 to 65534" in editor.errors["short_id"].text()
            assert editor.errors["lifetime"].isVisible()
            assert not editor.save(tmp_path / "refused.json")
            assert not (tmp_path / "refused.json").exists()
            shot(editor, "e2e_leshan_bootstrap_editor_errors")

            # A good form: saved, loaded by the panel, the JSON the server reads.
            editor.edits["server_uri"].setText(url)
            editor.edits["short_id"].setText("321")
            editor.edits["lifetime"].setText("120")
            editor.edits["binding"].setText("UQ")
            assert save.isEnabled() and not editor.check()
            assert '"short_id": 321' in editor.preview.toPlainText()
            shot(editor, "e2e_leshan_bootstrap_editor")
            target = tmp_path / "bootstrap.json"
            assert editor.save(target)
            data = json.loads(target.read_text())
            assert data["endpoints"]["*"]["servers"][0]["lifetime"] == 120
            assert panel.bootstrap_path == str(target)
            assert "Loaded bootstrap.json: 1 endpoint" in panel.bootstrap_label.text()
            shot(panel, "e2e_leshan_bootstrap_tab")

            # The demo's server loads that file; the module bootstraps from it.
            server.bootstrap_config = BootstrapConfig.load(target)
            await _at(window, 'AT+QLWSVC="dereg"')
            await _deregistered(window, ep)
            await _at(window, f'AT+QLWCFG="security",0,111,"{url}",1,3')
            await _at(window, 'AT+QLWSVC="reg"')

            def provisioned() -> bool:
                info = server.clients.get(ep)
                return info is not None and info.lifetime == 120 and info.binding == "UQ"

            await until(provisioned, 15, "registered with the provisioned server account")
        finally:
            await window.shutdown()

    run(wb_loop, body(), timeout=50)
    window._closed_for_real = True
    window.close()
