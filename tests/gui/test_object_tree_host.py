"""The object tree's host-requests box on its own: a replayed SIM7028 session's pending read.

A replayed connection keeps its host requests pending and answers none by itself (it is not
open), so the box's list, its *Answer by hand* switch and an answer asked for by hand are seen
without a module; the values come from real :class:`ObjectTreeData` trees.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QWidget

from tests.gui.wb_helpers import run, shot
from workbench.app.connection import ModuleConnection
from workbench.app.hostservice import HostAnswerReport
from workbench.gui.context import WorkbenchContext
from workbench.gui.panels.object_tree_host import HostRequestsBox
from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.values import Value
from workbench.plugin.loader import discover_plugins
from workbench.viewmodel.objecttree import ObjectTreeData

READ_LINE = b"\r\n+LWREAD: 0,3303,0,1,5700\r\n"


class Rig:
    def __init__(self) -> None:
        plugins = discover_plugins(user=False, entry_points=False)
        self.context = WorkbenchContext(plugins)
        self.messages: list[tuple[str, str]] = []
        self.context.message.connect(lambda level, text: self.messages.append((level, text)))
        self.conn = ModuleConnection("replay", plugins.get("simcom-sim7028"))
        self.conn.replay([("rx", 1.0, READ_LINE)])
        self.context.set_connection(self.conn)
        registry = builtin_registry()
        self.server_tree: ObjectTreeData | None = ObjectTreeData(registry)
        self.module_tree = ObjectTreeData(registry)
        self.values: dict[str, Value] = {}
        self.changes = 0
        self.parent = QWidget()
        self.box = HostRequestsBox(
            self.context,
            self.values,
            lambda: self.server_tree,
            self.module_tree,
            self._changed,
            self.parent,
        )

    def _changed(self) -> None:
        self.changes += 1


def test_the_pending_request_is_listed_and_by_hand_reaches_the_service(wb_app: object) -> None:
    rig = Rig()
    box = rig.box
    service = box.host_service
    assert service is not None and box.answerer.supported
    box.follow_host_service()
    assert service.values is rig.values and service.extra_lookup == box.lookup
    box.answer_pending()
    assert box.requests_label.text() == "Host requests waiting: 1 (automatic)"
    assert box.requests.count() == 1 and "read /3303/0/5700" in box.requests.item(0).text()
    assert box.answer_button.isEnabled()
    box.by_hand.setChecked(True)
    assert service.by_hand is True
    assert box.requests_label.text() == "Host requests waiting: 1 (by hand)"
    rig.parent.resize(640, 140)
    box.setGeometry(0, 30, 640, 110)
    box.by_hand.move(500, 4)
    rig.parent.show()
    shot(rig.parent, "object_tree_host_box")


def test_values_are_looked_up_host_first_then_server_then_module(wb_app: object) -> None:
    rig = Rig()
    box = rig.box
    assert rig.server_tree is not None
    rig.module_tree.apply_values({"/3/0/0": "module", "/3/0/1": "module"}, "module")
    assert box.lookup("/3/0/1") == "module"
    rig.server_tree.apply_values({"/3/0/0": "server"}, "read")
    assert box.lookup("/3/0/0") == "server" and box.lookup("/3/0/1") == "module"
    rig.values["/3/0/0"] = "host"
    assert box.lookup("/3/0/0") == "host"
    rig.server_tree = None  # no endpoint: the module's view and the host values still answer
    assert box.lookup("/3/0/1") == "module" and box.lookup("/3/0/9") is None
    assert box.lookup("not a path") is None


def test_an_answer_by_hand_uses_the_host_value_and_reports_to_the_banner(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    rig = Rig()
    box = rig.box
    service = box.host_service
    assert service is not None
    box.by_hand.setChecked(True)
    box.follow_host_service()
    seen: list[HostAnswerReport] = []
    service.subscribe(seen.append)
    rig.values["/3303/0/5700"] = 21.5

    async def body() -> None:
        box.answer_pending()
        box.requests.setCurrentRow(0)
        box.answer_selected_request()
        await asyncio.sleep(0.2)  # the answer goes to a port that is not open

    run(wb_loop, body())
    answered = [r for r in seen if r.answer is not None]
    assert answered and answered[0].answer is not None
    assert answered[0].answer.commands == ['AT+LWREADRSP=0,3303,0,1,5700,"F",4,"21.5"']
    assert any(r.error for r in seen)
    assert [r.error for r in seen] == ["", "replay is not open"]
    assert rig.messages == [("warning", "replay is not open")]
    # Unfollowed (the panel closed): the service's reports no longer reach the box.
    box.unfollow()
    before, reports = len(rig.messages), len(seen)

    async def again() -> None:
        service.answer(list(answered[0].group))
        await asyncio.sleep(0.2)

    run(wb_loop, again())
    assert len(seen) > reports and len(rig.messages) == before
