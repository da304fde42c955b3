"""The object tree's client picker on its own: a real built-in server and a real LwM2M client.

The picker lists the registered endpoint, gives its tree the registered objects, follows the
server's observations, and stays still while a recorded session is shown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tests.gui.tree_helpers import context_with_messages
from tests.gui.wb_helpers import run, until
from workbench.client import ClientConfig, LwM2MClient
from workbench.gui.panels.object_tree_endpoints import EndpointPicker
from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.model import ObjectRegistry
from workbench.server import LwM2MServer
from workbench.viewmodel.objecttree import ObjectTreeData

EP = "picker-test"


@dataclass
class Trees:
    server_data: dict[str, ObjectTreeData] = field(default_factory=dict)
    registry: ObjectRegistry = field(default_factory=builtin_registry)
    recorded: str = ""


def test_registered_endpoints_their_objects_and_observations(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    context, _messages = context_with_messages()
    trees = Trees()
    calls: list[str] = []
    picker = EndpointPicker(
        context, trees, lambda: calls.append("listed"), lambda: calls.append("changed")
    )
    picker.poll()
    assert picker.count() == 0 and picker.clients() == {} and calls == []

    async def body() -> None:
        server = LwM2MServer("127.0.0.1", 0)
        await server.start()
        host, port = server.address
        client = LwM2MClient(EP, f"coap://{host}:{port}", config=ClientConfig(request_timeout=3.0))
        try:
            await client.start(timeout=5)
            context.server = server
            # The picker's own timer finds the registration (no explicit poll).
            await until(lambda: picker.currentText() == EP, 3, "endpoint listed")
            assert calls[:2] == ["listed", "changed"]
            data = trees.server_data[EP]
            assert 3 in data.object_ids() and data.instance_ids(3) == [0]
            # An observation the server holds shows on the endpoint's tree at the next poll.
            await server.observe(EP, "/3/0/14")
            calls.clear()
            picker.poll()
            assert data.is_observed("/3/0/14") and calls == ["changed"]
            picker.poll()  # nothing new: no redraw asked
            assert calls == ["changed"]
            # A recorded session is shown: its endpoints stay, nothing is polled.
            trees.recorded = "old.wbs"
            picker.clear()
            picker.forget()
            picker.poll()
            assert picker.count() == 0
            trees.recorded = ""
            picker.poll()  # forgotten: listed again though the clients did not change
            assert picker.currentText() == EP and calls[-2:] == ["listed", "changed"]
        finally:
            await client.stop()
            context.server = None
            await server.stop()

    run(wb_loop, body(), timeout=20)
