"""End to end: composite Read, Observe and Write from a multi-selection of the object tree.

The demo window (built-in server + simulated module on a pty): ST87MXX's simulated client
registers as LwM2M 1.1 and answers the composites; Quectel BG95's registers as 1.0 (its
``"version"`` setting is 0 from the factory) and refuses them, which the banner and each row
say. Screenshots of the multi-selection with its context menu and of the results are saved.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from PySide6.QtCore import QPoint

from tests.gui.wb_helpers import run, shot, until
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.object_tree import ObjectTreePanel
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.plugin.loader import discover_plugins

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")

PATHS = ("/1/0/1", "/3/0/14", "/3/0/15")


def _window() -> tuple[MainWindow, ObjectTreePanel]:
    window = MainWindow(discover_plugins(), record_sessions=False, port_lister=lambda: [])
    window.resize(1400, 860)
    window.show()
    tree = window.panels["object_tree"]
    assert isinstance(tree, ObjectTreePanel)
    window.show_dock(window.docks["object_tree"])
    return window, tree


def _multi_select(tree: ObjectTreePanel, paths: tuple[str, ...]) -> None:
    tree.refresh()
    # As Ctrl-click does: the last path is current, every path selected.
    current = tree.item_for(paths[-1])
    assert current is not None, paths[-1]
    tree.tree.setCurrentItem(current)
    tree.tree.clearSelection()
    for path in paths:
        item = tree.item_for(path)
        assert item is not None, path
        item.setSelected(True)
    for path in paths:
        item = tree.item_for(path)
        assert item is not None and item.isSelected(), path


def _close(window: MainWindow) -> None:
    window._closed_for_real = True
    window.close()


def test_composite_read_observe_write_on_a_1_1_client(wb_loop: asyncio.AbstractEventLoop) -> None:
    window, tree = _window()
    messages: list[tuple[str, str]] = []
    window.context.message.connect(lambda level, text: messages.append((level, text)))

    async def body() -> None:
        try:
            window.start_demo("st-st87mxx")
            await until(lambda: bool(tree.endpoint), 8, "registered")
            ep = tree.endpoint
            server = window.context.server
            assert server.clients[ep].lwm2m_version == "1.1"
            tree.read("/3/0")
            await until(lambda: tree.value_text("/3/0/0") != "", 5, "/3/0 read")
            tree.read("/1/0")
            await until(lambda: tree.value_text("/1/0/1") != "", 5, "/1/0 read")

            _multi_select(tree, PATHS)
            actions = tree.composite.actions
            assert all(a.isEnabled() for k, a in actions.items() if k != "cancel_composite")
            assert not actions["cancel_composite"].isEnabled()
            menu = tree.context_menu()
            texts = [a.text() for a in menu.actions()]
            assert "Read selected (composite)" in texts
            assert "Write selected (composite)…" in texts
            menu.popup(tree.tree.viewport().mapToGlobal(QPoint(120, 90)))
            await asyncio.sleep(0.2)
            shot(window, "tree_composite_selection")
            shot(menu, "tree_composite_menu")
            menu.close()

            # Read-Composite: one FETCH, each row gets its value and "read (composite)".
            tree.composite.read_selected()

            def read_on_every_row() -> bool:
                return all("read (composite)" in tree.status_text(p) for p in PATHS)

            await until(read_on_every_row, 5, "read (composite) on every row")
            assert tree.value_text("/3/0/14") != ""

            # Write-Composite: values from two objects in one iPATCH, read back from the client.
            values: dict[Path, Value] = {Path.parse("/3/0/14"): "+07:00", Path.parse("/1/0/1"): 321}
            tree.composite.write(values)
            await until(lambda: "written (composite)" in tree.status_text("/1/0/1"), 5, "write")
            back = await server.read_composite(ep, ["/3/0/14", "/1/0/1"], timeout=5)
            assert back.values == values

            # Observe-Composite: a change of one path notifies the composite; the row shows it.
            _multi_select(tree, PATHS)
            tree.composite.observe_selected()
            await until(lambda: "observed" in tree.status_text("/3/0/15"), 5, "observed")
            assert server.find_observation(ep, ",".join(PATHS)) is not None
            tree._update_actions()
            assert actions["cancel_composite"].isEnabled()
            assert (await server.write(ep, "/3/0/14", "+08:00")).code == "2.04"
            data = tree.server_data[ep]

            def notified() -> bool:
                info = data.value_info("/3/0/14")
                return info is not None and info.source == "notification"

            await until(notified, 5, "notification on the row")
            await until(lambda: tree.value_text("/3/0/14") == "+08:00", 2, "value shown")
            assert "notification" in tree.status_text("/3/0/14")
            await asyncio.sleep(0.3)  # the endpoint list's poll keeps composite paths observed
            tree.refresh()
            assert all("observed" in tree.status_text(p) for p in PATHS)
            shot(tree, "tree_composite_results")

            tree.composite.cancel_selected()
            await until(lambda: server.find_observation(ep, ",".join(PATHS)) is None, 3, "cancel")
            await until(lambda: "observed" not in tree.status_text("/3/0/15"), 3, "row unmarked")
            assert not [m for m in messages if m[0] in ("warning", "error")], messages
        finally:
            await window.shutdown()

    run(wb_loop, body(), timeout=40)
    _close(window)


def test_a_1_0_client_refusal_is_said_in_the_banner_and_per_row(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    window, tree = _window()
    messages: list[tuple[str, str]] = []
    window.context.message.connect(lambda level, text: messages.append((level, text)))

    async def body() -> None:
        try:
            window.start_demo("quectel-bg95")
            await until(lambda: bool(tree.endpoint), 8, "registered")
            ep = tree.endpoint
            assert window.context.server.clients[ep].lwm2m_version == "1.0"
            tree.read("/3/0")
            await until(lambda: tree.value_text("/3/0/0") != "", 5, "/3/0 read")
            _multi_select(tree, ("/3/0/0", "/3/0/14"))
            for op in (tree.composite.read_selected, tree.composite.observe_selected):
                op()
            tree.composite.write({Path.parse("/3/0/14"): "+09:00"})
            await until(lambda: len(messages) >= 3, 6, "three refusals")
            for name in ("Read-Composite", "Observe-Composite", "Write-Composite"):
                assert any(
                    level == "warning" and f"{name} refused" in text and "LwM2M 1.0" in text
                    for level, text in messages
                ), (name, messages)
            await until(lambda: "refused" in tree.status_text("/3/0/14"), 2, "row says it")
            assert "LwM2M 1.0" in tree.status_text("/3/0/0")
            assert not [m for m in messages if m[0] == "error"], messages
            assert not any("Traceback" in text for _level, text in messages)
            await asyncio.sleep(0.3)
            shot(window, "tree_composite_refused_1_0")
        finally:
            await window.shutdown()

    run(wb_loop, body(), timeout=30)
    _close(window)
