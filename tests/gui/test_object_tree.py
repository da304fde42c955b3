"""The object tree panel against a real built-in server and a real simulated LwM2M client.

No window: a :class:`WorkbenchContext`, an :class:`LwM2MServer` on 127.0.0.1 and an
:class:`LwM2MClient` on the test's qasync loop. Dialogs are exercised on their own (their
``value()``/``validate()``), the panel's operations through its public methods, which is what
the buttons call after the dialogs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

import pytest
from PySide6.QtCore import QDateTime, QTimeZone

from tests.gui.wb_helpers import run, shot, until
from workbench.client import ClientConfig, LwM2MClient
from workbench.gui.context import WorkbenchContext
from workbench.gui.mainwindow import MainWindow
from workbench.gui.panels.object_tree import ObjectTreePanel
from workbench.gui.panels.value_editors import (
    AttributesDialog,
    BoolEditor,
    CreateDialog,
    EnumEditor,
    ObjlnkEditor,
    OpaqueEditor,
    TextEditor,
    TimeEditor,
    WriteDialog,
    make_editor,
)
from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.errors import ValueValidationError
from workbench.lwm2m.model import Operations, ResourceDefinition, ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value
from workbench.plugin.loader import discover_plugins
from workbench.server import LwM2MServer

EP = "tree-test"

GIZMO = """<?xml version="1.0"?><LWM2M><Object ObjectType="MODefinition"><Name>Gizmo</Name>
<ObjectID>33001</ObjectID><MultipleInstances>Multiple</MultipleInstances>
<Mandatory>Optional</Mandatory><Resources><Item ID="1"><Name>Speed</Name>
<Operations>RW</Operations><MultipleInstances>Single</MultipleInstances>
<Mandatory>Optional</Mandatory><Type>Integer</Type><RangeEnumeration>0..10</RangeEnumeration>
<Units>rpm</Units></Item></Resources></Object></LWM2M>"""


class Rig:
    def __init__(self, context: WorkbenchContext, panel: ObjectTreePanel, server: LwM2MServer,
                 client: LwM2MClient, messages: list[tuple[str, str]]) -> None:  # fmt: skip
        self.context = context
        self.panel = panel
        self.server = server
        self.client = client
        self.messages = messages


async def _rig(body: Callable[[Rig], Any]) -> None:
    context = WorkbenchContext(discover_plugins())
    messages: list[tuple[str, str]] = []
    context.message.connect(lambda level, text: messages.append((level, text)))
    server = LwM2MServer("127.0.0.1", 0)
    await server.start()
    host, port = server.address
    client = LwM2MClient(EP, f"coap://{host}:{port}", config=ClientConfig(request_timeout=3.0))
    panel = ObjectTreePanel(context)
    panel.resize(900, 620)
    panel.show()
    try:
        await client.start(timeout=5)
        context.set_server(server)
        await until(lambda: panel.endpoint == EP, 3, "endpoint listed")
        await body(Rig(context, panel, server, client, messages))
    finally:
        await context.cancel_tasks()
        await client.stop()
        context.set_server(None)
        await server.stop()
        panel.close()


def test_read_write_observe_and_errors(wb_loop: asyncio.AbstractEventLoop) -> None:
    async def body(rig: Rig) -> None:
        panel = rig.panel
        # The registration's objects are there before any read, typed from the definitions.
        await until(lambda: panel.item_for("/3/0/14") is not None, 2, "tree from registration")
        assert panel.item_for("/3").text(0).startswith("Device")  # type: ignore[union-attr]
        panel.read("/3/0")
        await until(lambda: panel.value_text("/3/0/0") != "", 3, "read")
        # Per-request content format: TLV then SenML JSON give the same values.
        panel.set_format("TLV")
        assert panel.content_format == 11542
        panel.read("/3/0/1")
        await until(lambda: "read" in panel.status_text("/3/0/1"), 3)
        panel.set_format("auto")
        # Write from the tree; the client holds the value.
        panel.write("/3/0/14", "+03:00")
        await until(lambda: "written" in panel.status_text("/3/0/14"), 3, "write")
        assert rig.client.get_value("/3/0/14") == "+03:00"
        # An error shows inline on its row and in the banner, no exception.
        panel.read("/3/0/99")
        await until(lambda: "4.04" in panel.server_data[EP].error("/3/0/99"), 5, "4.04 row")
        assert any("4.04" in text for _level, text in rig.messages)
        panel.write("/3/0/0", "nope")  # read-only resource: 4.05
        await until(lambda: panel.status_text("/3/0/0").startswith("write: 4.05"), 5, "4.05 row")
        # Observe: device-side changes arrive as notifications.
        panel.observe("/3/0/14")
        await until(lambda: "observed" in panel.status_text("/3/0/14"), 3, "observed")
        rig.client.set_value("/3/0/14", "+04:00")
        await until(lambda: panel.value_text("/3/0/14") == "+04:00", 5, "notification")
        assert "notification" in panel.status_text("/3/0/14")
        # Attributes, discover.
        panel.write_attributes("/3/0/9", {"pmin": 1, "pmax": 30})
        await until(lambda: any("Attributes" in t for _l, t in rig.messages), 3, "attributes")
        panel.discover("/3/0")
        await until(lambda: panel.last_discover.startswith("Discover /3/0: </3/0"), 3, "discover")
        # Cancel the observation.
        panel.cancel_observation("/3/0/14")
        await until(lambda: "observed" not in panel.status_text("/3/0/14"), 3, "cancelled")
        # Execute with arguments (Reset Error Code takes none; the client answers 2.04).
        panel.execute("/3/0/12")
        await until(lambda: any("Executed /3/0/12" in t for _l, t in rig.messages), 3)
        panel.observe("/3/0/13")
        await until(lambda: "observed" in panel.status_text("/3/0/13"), 3)
        panel.select("/3/0/14")
        await asyncio.sleep(0.15)
        panel.refresh()
        shot(panel, "object_tree_server_view")
        assert not [m for m in rig.messages if m[0] == "error"], rig.messages

    run(wb_loop, _rig(body), timeout=40)


def test_create_delete_and_definitions(
    wb_loop: asyncio.AbstractEventLoop, tmp_path: FsPath
) -> None:
    async def body(rig: Rig) -> None:
        panel = rig.panel
        # A client that went away (its port closed): the request waits for it to register
        # again, saying so on the row; when it does not within the queue timeout, the row
        # says why it failed.
        rig.server.config.request_timeout = 0.5
        rig.server.config.queue_timeout = 1.0
        await rig.client.stop(deregister=False)
        panel.read("/3/0/1")
        await until(lambda: "queued" in panel.status_text("/3/0/1"), 5, "queued row")
        assert panel.status_text("/3/0/1") == "read queued: module restarting…"
        await until(lambda: panel.server_data[EP].error("/3/0/1") != "", 8, "timeout row")
        error = panel.server_data[EP].error("/3/0/1")
        assert error.startswith("read: ") and "is closed" in error, error
        assert "did not within the queue timeout" in error, error
        # Definitions added at run time: an unknown object gets named and typed.
        panel.server_data[EP].apply_values({"/33001/0/1": 5}, "read")
        panel.refresh()
        assert panel.item_for("/33001").text(0) == "Object 33001"  # type: ignore[union-attr]
        (tmp_path / "gizmo.xml").write_text(GIZMO)
        (tmp_path / "broken.xml").write_text("<LWM2M><Object>")
        registry = await panel.add_definitions(tmp_path)
        assert registry.get(33001) is not None and rig.server.registry is registry
        assert any(
            level == "warning" and "Broken definition" in text for level, text in rig.messages
        )
        panel.refresh()
        assert panel.item_for("/33001").text(0) == "Gizmo"  # type: ignore[union-attr]
        item = panel.item_for("/33001/0/1")
        assert (
            item is not None
            and item.text(0) == "Speed"
            and "rpm" in [item.text(c) for c in range(7)]
        )

    run(wb_loop, _rig(body), timeout=30)


def test_a_write_while_the_module_restarts_is_queued_then_done(
    wb_loop: asyncio.AbstractEventLoop,
) -> None:
    """The module resets (socket closed, no De-register) and registers again from a new port:
    a write in between says it is queued, then lands on the restarted module."""

    async def body(rig: Rig) -> None:
        panel = rig.panel
        await until(lambda: panel.item_for("/3/0/14") is not None, 2, "tree from registration")
        await rig.client.stop(deregister=False)
        panel.write("/3/0/14", "+05:00")
        await until(lambda: "queued" in panel.status_text("/3/0/14"), 5, "queued row")
        assert panel.status_text("/3/0/14") == "write queued: module restarting…"
        info = [t for level, t in rig.messages if level == "info" and "/3/0/14" in t]
        assert info and "is closed" in info[-1] and "register again" in info[-1], rig.messages
        panel.select("/3/0/14")
        panel.refresh()
        shot(panel, "object_tree_write_queued")
        host, port = rig.server.address
        restarted = LwM2MClient(
            EP, f"coap://{host}:{port}", config=ClientConfig(request_timeout=3.0)
        )
        try:
            await restarted.start(timeout=5)
            await until(lambda: "written" in panel.status_text("/3/0/14"), 5, "written row")
            assert restarted.get_value("/3/0/14") == "+05:00"
            assert panel.value_text("/3/0/14") == "+05:00"
        finally:
            await restarted.stop()
        assert not [m for m in rig.messages if m[0] in ("warning", "error")], rig.messages

    run(wb_loop, _rig(body), timeout=30)


def test_create_and_delete_instances(wb_loop: asyncio.AbstractEventLoop) -> None:
    async def body(rig: Rig) -> None:
        panel = rig.panel
        await until(lambda: panel.item_for("/3/0") is not None, 2)
        values: dict[Path, Value] = {Path.parse("/1/1/0"): 202, Path.parse("/1/1/1"): 60,
                  Path.parse("/1/1/6"): False, Path.parse("/1/1/7"): "U"}  # fmt: skip
        panel.create_instance("/1/1", values)
        await until(lambda: any("Created" in t for _l, t in rig.messages), 3, "created")
        await until(lambda: panel.item_for("/1/1/1") is not None, 2, "instance in the tree")
        panel.select("/1/1")
        panel.delete_selected(confirm=False)
        # This client refuses to delete a Server instance: the answer shows on the row.
        await until(lambda: panel.status_text("/1/1").startswith("delete: 4.05"), 3, "4.05")
        assert panel.item_for("/1/1") is not None
        assert not [m for m in rig.messages if m[0] == "error"], rig.messages

    run(wb_loop, _rig(body), timeout=30)


# -- editors ----------------------------------------------------------------------------------
@pytest.fixture
def registry() -> Any:
    return builtin_registry()


def test_typed_editors(qapp: Any, registry: Any, tmp_path: FsPath) -> None:
    device = registry.get(3)
    assert isinstance(make_editor(device.resource(14)), TextEditor)
    time_editor = make_editor(device.resource(13))
    assert isinstance(time_editor, TimeEditor)
    time_editor.edit.setDateTime(QDateTime.fromSecsSinceEpoch(1_700_000_000, QTimeZone.utc()))
    assert time_editor.value() == 1_700_000_000
    opaque = ResourceDefinition(1, "Blob", ResourceType.OPAQUE, Operations.WRITE)
    editor = make_editor(opaque)
    assert isinstance(editor, OpaqueEditor)
    editor.edit.setText("01 02 ff")
    assert editor.value() == b"\x01\x02\xff"
    editor.edit.setText("0g")
    with pytest.raises(ValueValidationError, match="hex"):
        editor.value()
    (tmp_path / "blob.bin").write_bytes(b"\x00\xab")
    editor.load_file(tmp_path / "blob.bin")
    assert editor.value() == b"\x00\xab"
    link = make_editor(ResourceDefinition(2, "Link", ResourceType.OBJLNK, Operations.WRITE))
    assert isinstance(link, ObjlnkEditor)
    link.set_value(ObjectLink(3, 1))
    assert link.value() == ObjectLink(3, 1)
    flag = make_editor(ResourceDefinition(3, "On", ResourceType.BOOLEAN, Operations.WRITE))
    assert isinstance(flag, BoolEditor)
    flag.check.setChecked(True)
    assert flag.value() is True
    enum = ResourceDefinition(
        4, "Mode", ResourceType.INTEGER, Operations.WRITE, enumeration=(1, 2, 5)
    )
    combo = make_editor(enum)
    assert isinstance(combo, EnumEditor)
    combo.combo.setCurrentIndex(2)
    assert combo.value() == 5
    level = make_editor(device.resource(9))  # 0..100
    level.edit.setText("101")  # type: ignore[attr-defined]
    with pytest.raises(ValueValidationError, match="outside"):
        level.value()


def test_dialogs_validate_inline(qapp: Any, registry: Any) -> None:
    device = registry.get(3)
    dialog = WriteDialog(Path.parse("/3/0/9"), device.resource(9), 87)
    dialog.editor.edit.setText("250")  # type: ignore[attr-defined]
    dialog._accept()
    assert "outside" in dialog.error.text() and dialog.result() == 0
    dialog.editor.edit.setText("50")  # type: ignore[attr-defined]
    dialog._accept()
    assert dialog.result_value == 50 and dialog.result() == WriteDialog.DialogCode.Accepted
    attributes = AttributesDialog(Path.parse("/3/0/9"))
    attributes.fields["pmin"].setText("30")
    attributes.fields["pmax"].setText("10")
    attributes._accept()
    assert "greater than pmax" in attributes.error.text()
    attributes.fields["pmax"].setText("60")
    attributes._accept()
    assert attributes.attributes == {"pmin": 30, "pmax": 60}
    create = CreateDialog(registry, 3303, 1)
    create.text.setPlainText("5700=abc")
    create._accept()
    assert "line 1" in create.error.text()
    create.show()
    shot(create, "object_tree_create_dialog")
    dialog = WriteDialog(Path.parse("/3/0/13"), device.resource(13), 1_700_000_000)
    dialog.show()
    shot(dialog, "object_tree_write_time_dialog")


@pytest.mark.skipif(os.name != "posix", reason="the demo hosts the module on a pty")
def test_reopened_session_replays_into_the_tree(
    wb_loop: asyncio.AbstractEventLoop, tmp_path: FsPath
) -> None:
    window = MainWindow(discover_plugins(), record_sessions=True, port_lister=lambda: [])
    window.resize(1280, 860)
    window.show()
    panel = window.panels["object_tree"]
    assert isinstance(panel, ObjectTreePanel)
    live: dict[str, str] = {}

    async def body() -> None:
        try:
            window.start_demo("quectel-bg95")
            # The demo's server reads /3/0 once the module registered (the server panel logs it).
            server_log = window.panels["server"].log_model.rows  # type: ignore[attr-defined]

            def read_answer() -> dict[str, Any] | None:
                for row in server_log:
                    payload = row.get("payload")
                    if (
                        row.get("code") == "2.05"
                        and isinstance(payload, dict)
                        and "/3/0/0" in payload
                    ):
                        found: dict[str, Any] = row
                        return found
                return None

            await until(lambda: read_answer() is not None, 30, "the demo's read of /3/0")
            await until(lambda: panel.endpoint != "", 5, "the endpoint listed live")
            live["ep"] = panel.endpoint
            answer = read_answer()
            assert answer is not None
            live["value"] = str(answer["payload"]["/3/0/0"])
            await asyncio.sleep(0.3)  # the recorder has written the read
            session = window.session_path
            assert session is not None
        finally:
            await window.shutdown()

        conn = window.open_session(session)
        assert conn is not None
        # The recorded server view, read-only: same endpoint, objects and the value read.
        assert panel.recorded == session.name
        assert panel.endpoint == live["ep"]
        assert panel.value_text("/3/0/0") == live["value"]
        assert panel.status_text("/3/0/0").startswith("read ")
        assert "recorded session" in panel.banner.text().lower()
        assert "read-only" in panel.banner.text()
        assert panel.item_for("/3").text(0).startswith("Device")  # type: ignore[union-attr]
        assert panel.select("/3/0/0")
        panel.refresh()
        for key in ("read", "write", "execute", "observe", "attributes", "discover", "create"):
            assert not panel.actions_[key].isEnabled(), key
        assert panel.read("/3/0/0") is None  # refused, nothing sent
        await asyncio.sleep(1.2)  # the panel's server poll does not wipe the recording
        assert panel.value_text("/3/0/0") == live["value"]
        window.docks["object_tree"].raise_()
        panel.select("/3/0/0")
        await asyncio.sleep(0.2)
        shot(panel, "object_tree_session")
        # Opening the same session again gives the same view; a server starting leaves it.
        assert panel.load_session_coap(session) == 1
        server = LwM2MServer("127.0.0.1", 0)
        await server.start()
        try:
            window.context.set_server(server)
            assert panel.recorded == ""
            assert panel.value_text("/3/0/0") == ""
            assert "No client has registered" in panel.banner.text()
        finally:
            window.context.set_server(None)
            await server.stop()

    run(wb_loop, body(), timeout=60)
    window._closed_for_real = True
    window.close()
