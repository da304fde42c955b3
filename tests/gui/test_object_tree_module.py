"""The object tree's module view on its own, against the ST87MXX simulator on a real pty.

The demo session provides the module (simulator behind a pty, the connection); the module view
sends its AT commands through the window context, and the plugin's decoder fills the module
state that :meth:`ModuleView.take_state` copies into the tree.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.gui.tree_helpers import context_with_messages
from tests.gui.wb_helpers import run
from workbench.app.demo import DemoSession
from workbench.gui.panels.object_tree_module import ModuleView
from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.paths import Path
from workbench.viewmodel.objecttree import ObjectTreeData


def test_without_a_port_or_a_command_it_says_so_and_sends_nothing(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    context, messages = context_with_messages()
    changes: list[int] = []
    view = ModuleView(context, ObjectTreeData(builtin_registry()), lambda: changes.append(1))
    assert view.dialect is None and view.read(Path.parse("/3/0")) is None
    assert view.send("") is None
    assert messages == [("warning", "This module has no AT command for that.")]
    context.set_plugin(context.plugins.get("st-st87mxx"))
    assert view.dialect is not None and view.dialect.name == "st87mxx"
    # The ST87MXX has no create command: nothing goes out, the banner says why.
    assert view.create(Path.parse("/3/1"), {}, builtin_registry()) is None
    task = view.read(Path.parse("/3/0"))
    assert task is not None
    run(wb_loop, task)
    assert messages[-1][0] == "warning" and "No port is open" in messages[-1][1]
    assert changes  # the panel redraws after every attempt


@pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")
def test_refresh_and_write_through_the_st87mxx_commands(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    context, messages = context_with_messages()
    plugin = context.plugins.get("st-st87mxx")
    data = ObjectTreeData(builtin_registry())
    view = ModuleView(context, data, lambda: None)

    async def body() -> None:
        session = DemoSession(plugin)
        try:
            await session.start()
            context.set_plugin(plugin)
            context.set_connection(session.connection)
            dialect = view.dialect
            assert dialect is not None and data.object_ids() == []
            await view.refresh(dialect)
            assert 3 in data.object_ids()  # listed: the tree took the objects mid-refresh
            view.take_state()  # the panel does this on the window's state_changed
            assert 3 in data.object_ids() and data.value("/3/0/1") == "ST87M01"
            task = view.write(Path.parse("/3/0/14"), "+05:00", builtin_registry())
            assert task is not None
            await task
            view.take_state()
            assert data.value("/3/0/14") == "+05:00"
            assert not [m for m in messages if m[0] != "info"], messages
        finally:
            await session.stop()

    run(wb_loop, body(), timeout=30)
