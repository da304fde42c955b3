"""The Commands panel: template forms, validation, preview, sending and sequences (offscreen)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
)

from tests.gui.wb_helpers import dark_palette
from tests.plugin_fixtures import PLUGINS_OK
from workbench.app.sequences import CommandSequence, Outcome, SendStep, WaitStep
from workbench.at.types import CommandResult, Line, ResultStatus
from workbench.gui.context import WorkbenchContext
from workbench.gui.panels.commands import CommandsPanel, TemplateForm
from workbench.gui.panels.sequences import SequencePanel
from workbench.gui.qtloop import QtLoop
from workbench.module.templates import TemplateError
from workbench.plugin.loader import PluginRegistry, discover_plugins
from workbench.plugin_api import Plugin

T = TypeVar("T")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop on the test's QApplication (the app's own arrangement)."""
    event_loop = QtLoop(qapp)
    asyncio.set_event_loop(event_loop)
    try:
        yield event_loop
    finally:
        pending = [t for t in asyncio.all_tasks(event_loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            event_loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        asyncio.set_event_loop(None)
        event_loop.close()


def run(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[T], timeout: float = 10.0) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await awaitable

    return loop.run_until_complete(bounded())


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return discover_plugins(entry_points=False, user=False, extra_dirs=[PLUGINS_OK])


@pytest.fixture
def example(registry: PluginRegistry) -> Plugin:
    return registry.get("example")


class RecordingContext(WorkbenchContext):
    """The real context, but "connected" with a send that records and answers OK."""

    def __init__(self, plugins: PluginRegistry) -> None:
        super().__init__(plugins)
        self.sent: list[tuple[str, float | None]] = []
        self.replies: dict[str, tuple[ResultStatus, list[str], str]] = {}

    @property
    def connected(self) -> bool:
        return True

    async def send(self, command: str, timeout: float | None = 10.0) -> CommandResult:
        self.sent.append((command, timeout))
        await asyncio.sleep(0)
        status, lines, final = self.replies.get(command, (ResultStatus.OK, [], "OK"))
        made = tuple(Line(i + 1, text, text.encode(), 0.0) for i, text in enumerate(lines))
        return CommandResult(
            len(self.sent), command, status, made, Line(99, final, final.encode(), 0.0)
        )


@pytest.fixture
def context(registry: PluginRegistry, example: Plugin) -> RecordingContext:
    ctx = RecordingContext(registry)
    ctx.set_plugin(example, "v1")
    return ctx


@pytest.fixture
def panel(qtbot: Any, context: RecordingContext) -> CommandsPanel:
    widget = CommandsPanel(context)
    qtbot.addWidget(widget)
    widget.resize(900, 620)
    widget.show()
    return widget


def cell(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    item = table.item(row, column)
    assert item is not None
    return item


def group_names(panel: CommandsPanel) -> list[str]:
    return [group.text(0) for group, _ in panel._groups()]


def shot(widget: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / f"{name}.png"))


# -- template browser -----------------------------------------------------------------------


def test_tree_groups_templates_and_filters(panel: CommandsPanel, example: Plugin) -> None:
    groups = group_names(panel)
    assert groups == ["General"]
    assert len(panel.visible_templates()) == len(example.templates_for("v1"))
    panel.filter.setText("xlwcfg")
    assert panel.visible_templates() == ["xlw_cfg", "xlw_cfg_read"]
    assert panel.count_label.text() == f"2 of {len(example.templates)} commands"
    panel.filter.setText("registration eps")  # every word, in summary/help/command
    assert panel.visible_templates() == ["cereg", "cereg_read"]
    panel.filter.setText("nothing like this")
    assert panel.visible_templates() == []
    panel.filter.clear()
    panel.filter.setText("send data")
    panel.filter.returnPressed.emit()  # Enter picks the first match
    assert panel.form is not None and panel.form.template.id == "xlw_send"


def test_choosing_a_template_builds_a_typed_form(panel: CommandsPanel, example: Plugin) -> None:
    form = panel.select_template("xlw_cfg")
    template = next(t for t in example.templates if t.id == "xlw_cfg")
    assert [f.param.name for f in form.fields] == ["url", "lifetime", "binding"]
    url, lifetime, binding = form.fields
    assert isinstance(url.editor, QLineEdit) and url.editor.text() == "coap://127.0.0.1:5683"
    assert isinstance(lifetime.editor, QLineEdit)  # not a spin box: it rewrote entries
    assert lifetime.editor.text() == "300"
    assert "30 – 86400" in lifetime.hint.text()
    assert isinstance(binding.editor, QComboBox)
    assert [binding.editor.itemText(i) for i in range(binding.editor.count())] == [
        "U — UDP",
        "UQ — UDP queue",
    ]
    assert binding.include is not None and binding.include.isChecked()  # optional, has default
    assert form.doc.text().endswith("example-xlw.txt §2.2")
    assert form.summary.text() == "Configure the server"
    assert form.line == template.render(form.values())
    assert form.preview.toPlainText() == 'AT+XLWCFG="coap://127.0.0.1:5683",300,"U"'
    assert form.send_button.isEnabled()


def test_out_of_range_value_disables_send_with_a_message(panel: CommandsPanel, qtbot: Any) -> None:
    form = panel.select_template("xlw_cfg")
    lifetime = form.field("lifetime")
    edit = lifetime.editor
    assert isinstance(edit, QLineEdit)
    edit.selectAll()
    qtbot.keyClicks(edit, "5")  # below the minimum: kept as typed, refused in words
    assert (form.valid, form.send_button.isEnabled(), form.add_button.isEnabled()) == (
        False,
        False,
        False,
    )
    assert lifetime.hint.isVisible()
    assert lifetime.hint.text() == "⚠ 5 is below the minimum 30"
    assert form.problem.isVisible() and "lifetime" in form.problem.text()
    assert form.preview.toPlainText() == ""
    shot(panel, "commands_error")
    qtbot.keyClicks(edit, "00")  # 500
    assert form.valid and form.send_button.isEnabled()
    assert form.preview.toPlainText() == 'AT+XLWCFG="coap://127.0.0.1:5683",500,"U"'
    assert not form.problem.isVisible()

    form.field("url").set_value("not a url")
    assert not form.send_button.isEnabled()
    assert "is not a URL" in form.field("url").hint.text()


def test_optional_parameter_can_be_left_out(panel: CommandsPanel, example: Plugin) -> None:
    form = panel.select_template("xlw_cfg")
    binding = form.field("binding")
    assert binding.include is not None
    binding.include.setChecked(False)
    assert not binding.editor.isEnabled()
    assert form.values()["binding"] is None
    template = form.template
    assert form.preview.toPlainText() == template.render(form.values())
    assert form.preview.toPlainText() == 'AT+XLWCFG="coap://127.0.0.1:5683",300'


def test_hex_path_bool_enum_editors(panel: CommandsPanel) -> None:
    form = panel.select_template("xlw_send")
    data = form.field("data")
    assert isinstance(data.editor, QLineEdit) and data.editor.validator() is not None
    data.set_value("abc")
    assert "even number of hex digits" in data.hint.text() and not form.valid
    data.set_value("ABCD")
    path = form.field("path")
    path.set_value("/3/0/1")
    assert form.preview.toPlainText() == 'AT+XLWSEND="/3/0/1","ABCD"'

    echo = panel.select_template("echo")
    box = echo.field("on").editor
    assert isinstance(box, QCheckBox) and box.isChecked()
    assert echo.preview.toPlainText() == "ATE1"
    box.setChecked(False)
    assert echo.preview.toPlainText() == "ATE0"

    cmee = panel.select_template("cmee")
    combo = cmee.field("n").editor
    assert isinstance(combo, QComboBox) and combo.currentData() == 2
    combo.setCurrentIndex(1)
    assert cmee.preview.toPlainText() == "AT+CMEE=1"

    bare = panel.select_template("xlw_start")
    assert bare.fields == [] and bare.preview.toPlainText() == "AT+XLWSTART" and bare.valid


def test_preview_equals_render_for_every_bundled_template(
    qtbot: Any, registry: PluginRegistry
) -> None:
    """Every template of every plugin: the form's initial line is what render() makes of the
    form's values, and equals render_defaults() whenever the defaults are complete."""
    ctx = RecordingContext(registry)
    widget = CommandsPanel(ctx)
    qtbot.addWidget(widget)
    checked = 0
    for plugin in registry.plugins:
        ctx.set_plugin(plugin, None)
        for template in plugin.templates_for(None):
            form: TemplateForm = widget.select_template(template.id)
            try:
                expected = template.render_defaults()
            except TemplateError:
                # Defaults incomplete (a required value has none): the form cannot be sent.
                assert not form.valid, (plugin.id, template.id, form.line)
            else:
                assert form.valid, (plugin.id, template.id, form.problem.text())
                assert form.line == expected, (plugin.id, template.id)
                assert form.line == template.render(form.values()), (plugin.id, template.id)
            checked += 1
    assert checked > 100


# -- sending ----------------------------------------------------------------------------------


def test_send_goes_through_the_context(
    panel: CommandsPanel, context: RecordingContext, loop: asyncio.AbstractEventLoop, qtbot: Any
) -> None:
    form = panel.select_template("xlw_cfg")
    context.replies['AT+XLWCFG="coap://127.0.0.1:5683",300,"U"'] = (ResultStatus.OK, [], "OK")
    qtbot.mouseClick(form.send_button, Qt.MouseButton.LeftButton)
    task = panel._send_task
    assert task is not None
    run(loop, task)
    assert context.sent == [('AT+XLWCFG="coap://127.0.0.1:5683",300,"U"', form.template.timeout)]
    assert form.result.text().startswith("✓ OK")

    # Ctrl+Return sends too; an error answer is shown in red with its final line.
    read = panel.select_template("xlw_cfg_read")
    context.replies["AT+XLWCFG?"] = (ResultStatus.ERROR, [], "+CME ERROR: 50")
    read.send_button.setFocus()
    qtbot.keyClick(read.send_button, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert panel._send_task is not None
    run(loop, panel._send_task)
    assert context.sent[-1] == ("AT+XLWCFG?", read.template.timeout)
    assert read.result.text() == "✗ +CME ERROR: 50"


def test_send_is_disabled_without_a_connection(
    qtbot: Any, registry: PluginRegistry, example: Plugin
) -> None:
    ctx = WorkbenchContext(registry)
    ctx.set_plugin(example, None)
    widget = CommandsPanel(ctx)
    qtbot.addWidget(widget)
    form = widget.select_template("at")
    assert form.valid and not form.send_button.isEnabled()
    assert "Not connected" in form.send_button.toolTip()
    assert widget.send() is None
    assert "Not connected" in form.result.text()


def test_no_plugin_shows_a_placeholder(qtbot: Any, registry: PluginRegistry) -> None:
    widget = CommandsPanel(WorkbenchContext(registry))
    qtbot.addWidget(widget)
    assert widget.form is None and widget.tree.topLevelItemCount() == 0
    assert "No module chosen" in widget.placeholder.text()


def test_plugin_change_rebuilds_and_keeps_the_selection(
    panel: CommandsPanel, context: RecordingContext, registry: PluginRegistry, example: Plugin
) -> None:
    panel.select_template("cmee")
    context.set_plugin(registry.get("quectel-bg95"), None)
    assert panel.form is not None and panel.form.template.id == "cmee"
    groups = group_names(panel)
    assert "Configuration" in groups and "General" in groups
    context.set_plugin(example, "v2")
    assert panel.form is not None and panel.form.template.id == "cmee"


# -- sequences ------------------------------------------------------------------------------


def test_add_current_command_and_other_steps(panel: CommandsPanel) -> None:
    form = panel.select_template("xlw_cfg")
    panel.add_to_sequence()
    seq = panel.sequence
    assert seq.steps == [SendStep(form.line, form.template.timeout)]
    assert panel.tabs.tabText(1) == "Sequence (1)"
    assert "step 1" in form.result.text()
    seq.table.clearSelection()
    seq.add_kind.setCurrentIndex(seq.add_kind.findData("wait"))
    seq.add_text.setText(r"\+XLWEVT: 1,2")
    seq.add_time.setValue(30)
    seq.add_from_row()
    seq.table.clearSelection()
    seq.add_kind.setCurrentIndex(seq.add_kind.findData("delay"))
    seq.add_time.setValue(1.5)
    seq.add_from_row()
    assert seq.steps[1:] == [WaitStep(r"\+XLWEVT: 1,2", 30.0), seq.steps[2]]
    assert cell(seq.table, 2, 1).text() == "delay 1.5"
    # A bad regex is refused with a message and adds nothing.
    seq.add_kind.setCurrentIndex(seq.add_kind.findData("wait"))
    seq.add_text.setText("([")
    seq.add_from_row()
    assert len(seq.steps) == 3 and "invalid pattern" in seq.message.text()
    # Move and remove.
    seq.table.selectRow(2)
    seq.move_step(-1)
    assert isinstance(seq.steps[1], type(seq.steps[1])) and cell(seq.table, 1, 1).text() == (
        "delay 1.5"
    )
    seq.remove()
    assert len(seq.steps) == 2


def test_edit_step_in_place(panel: CommandsPanel) -> None:
    seq = panel.sequence
    seq.set_sequence(CommandSequence.parse("AT\nwait OK timeout=5\n"))
    cell(seq.table, 1, 1).setText("wait \\+CEREG: 1 timeout=60")
    assert seq.steps[1] == WaitStep(r"\+CEREG: 1", 60.0) and seq.modified
    cell(seq.table, 0, 1).setText("sned AT")
    assert seq.steps[0] == SendStep("AT")  # unchanged
    assert cell(seq.table, 0, 1).text() == "send AT timeout=10"
    assert "Step 1: unknown step 'sned'" in seq.message.text()


def test_save_and_load_files(panel: CommandsPanel, tmp_path: Path) -> None:
    seq = panel.sequence
    seq.set_sequence(CommandSequence.parse("# hi\nAT+CMEE=2\nwait OK timeout=5\ndelay 1\n"))
    assert seq.save_file(tmp_path / "bring-up")
    saved = tmp_path / "bring-up.atseq"
    assert saved.read_text() == "# hi\nsend AT+CMEE=2 timeout=10\nwait OK timeout=5\ndelay 1\n"
    assert seq.name_label.text() == "bring-up" and not seq.modified
    seq.set_sequence(CommandSequence())
    assert seq.load_file(saved) and len(seq.steps) == 4
    bad = tmp_path / "bad.atseq"
    bad.write_text("AT\nsend AT expect=maybe\n")
    assert not seq.load_file(bad)
    assert "bad.atseq:2: expect=maybe is unknown" in seq.message.text()
    assert len(seq.steps) == 4  # nothing lost


def test_connect_sequence_of_the_current_plugin(
    panel: CommandsPanel, context: RecordingContext, example: Plugin
) -> None:
    seq = panel.sequence
    assert not seq.connect_button.isEnabled()  # the example plugin documents none
    assert not seq.load_connect_sequence("coap://127.0.0.1:5683")
    assert "documents no connect sequence" in seq.message.text()
    documented = dataclasses.replace(
        example, connect_sequence=lambda url: [f'AT+XLWCFG="{url}",300', "AT+XLWSTART"]
    )
    context.set_plugin(documented, "v1")
    assert seq.connect_button.isEnabled()
    context.server_url = "coap://127.0.0.1:5999"
    assert seq.load_connect_sequence()
    assert [s.command for s in seq.steps if isinstance(s, SendStep)] == [
        'AT+XLWCFG="coap://127.0.0.1:5999",300',
        "AT+XLWSTART",
    ]


def test_run_all_and_step_with_recording_context(
    panel: CommandsPanel, context: RecordingContext, loop: asyncio.AbstractEventLoop
) -> None:
    seq: SequencePanel = panel.sequence
    seq.set_sequence(CommandSequence.parse("# go\nAT\nsend AT+XLWSTOP\nAT+CGMI\n"))
    context.replies["AT+XLWSTOP"] = (ResultStatus.ERROR, [], "+CME ERROR: 3")
    task = seq.run_all()
    assert task is not None and seq.running and seq.stop_button.isEnabled()
    run(loop, task)
    assert [seq.outcome(i) for i in range(4)] == [
        Outcome.SKIPPED,
        Outcome.PASSED,
        Outcome.FAILED,
        Outcome.SKIPPED,
    ]
    assert cell(seq.table, 2, 2).text() == "✗ failed"
    assert "expected ok" in cell(seq.table, 2, 3).text()
    assert seq.summary.text() == "1 of 3 passed · 1 failed"
    assert [c for c, _ in context.sent] == ["AT", "AT+XLWSTOP"]

    # Step by step without stop-on-failure.
    seq.reset_run()
    seq.stop_on_failure.setChecked(False)
    context.sent.clear()
    for _ in range(3):
        step = seq.run_next_step()
        assert step is not None
        run(loop, step)
    assert [c for c, _ in context.sent] == ["AT", "AT+XLWSTOP", "AT+CGMI"]
    assert seq.outcome(3) is Outcome.PASSED


def test_stop_cancels_a_waiting_step(panel: CommandsPanel, loop: asyncio.AbstractEventLoop) -> None:
    seq = panel.sequence
    seq.set_sequence(CommandSequence.parse("AT\nwait NEVER timeout=60\nAT\n"))
    task = seq.run_all()
    assert task is not None

    async def stop_when_waiting() -> None:
        while seq.outcome(1) is not Outcome.RUNNING:
            await asyncio.sleep(0.01)
        seq.stop()
        await task

    run(loop, stop_when_waiting())
    assert seq.outcome(1) is Outcome.CANCELLED
    assert "stopped" in seq.summary.text()
    assert not seq.running and seq.run_button.isEnabled()


# -- screenshots ------------------------------------------------------------------------------


def test_screenshots_light_and_dark(
    qtbot: Any,
    registry: PluginRegistry,
    loop: asyncio.AbstractEventLoop,
) -> None:
    ctx = RecordingContext(registry)
    ctx.set_plugin(registry.get("quectel-bg95"), None)
    ctx.server_url = "coap://127.0.0.1:5683"
    widget = CommandsPanel(ctx)
    qtbot.addWidget(widget)
    widget.resize(980, 640)
    widget.show()
    form = widget.select_template("qlwcfg_security")
    form.field("server_addr").set_value("coaps://lwm2m.example.net:5684")
    form.field("PSK_ID").set_value("urn:imei:867730050000001")
    form.field("PSK_key").set_value("00112233445566778899AABBCCDDEEFF")
    shot(widget, "commands_form_light")

    seq = widget.sequence
    seq.set_sequence(
        CommandSequence.parse(
            "# Bring up and register\nAT\nAT+CMEE=2\nsend AT+QLWSVC=0 timeout=30\n"
            'wait \\+QLWURC: "report" timeout=0.2\ndelay 100ms\nAT+QLWCFG?\n'
        )
    )
    seq.stop_on_failure.setChecked(False)
    task = seq.run_all()
    assert task is not None
    run(loop, task)
    widget.tabs.setCurrentIndex(1)
    shot(widget, "commands_sequence_light")

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old = app.palette()
    app.setPalette(dark_palette())
    try:
        QApplication.processEvents()
        shot(widget, "commands_sequence_dark")
        widget.tabs.setCurrentIndex(0)
        server = widget.select_template("qlwcfg_server")
        server.field("disable_time").set_value("5")  # below its minimum of 60
        assert not server.send_button.isEnabled()
        shot(widget, "commands_form_dark")
    finally:
        app.setPalette(old)


# -- against the real context and a simulated module ----------------------------------------


def test_real_context_sends_and_runs_a_sequence_on_a_simulated_module(
    qtbot: Any, registry: PluginRegistry, loop: asyncio.AbstractEventLoop
) -> None:
    """The window's own context and connection (sim:// port, reader thread, AT engine):
    Send from a form and a sequence with a wait step both go through ``context.send``."""
    from workbench.app.connection import ModuleConnection
    from workbench.transport import register_url_handlers

    register_url_handlers()
    plugin = registry.get("quectel-bg95")
    ctx = WorkbenchContext(registry)
    ctx.set_plugin(plugin, None)
    widget = CommandsPanel(ctx)
    qtbot.addWidget(widget)
    form = widget.select_template("cgmi")
    assert not form.send_button.isEnabled()  # no port yet
    connection = ModuleConnection("sim://quectel-bg95", plugin, ctx.variant)

    seq = widget.sequence

    async def scenario() -> None:
        connection.open()
        ctx.set_connection(connection)
        try:
            assert form.send_button.isEnabled()
            form.send_button.click()
            assert widget._send_task is not None
            result = await widget._send_task
            assert result is not None and result.ok
            assert form.result.text().startswith("✓ OK\nQuectel")
            seq.set_sequence(
                CommandSequence.parse("AT+CMEE=2\nsend AT+CGMM timeout=3\nwait BG95 timeout=3\n")
            )
            task = seq.run_all()
            assert task is not None
            report = await task
            assert report.ok, report.failed
            assert [seq.outcome(i) for i in range(3)] == [Outcome.PASSED] * 3
            sent = [line.text for line in connection.history if line.direction == "tx"]
            assert sent == ["AT+CGMI", "AT+CMEE=2", "AT+CGMM"]
        finally:
            seq.shutdown()
            await connection.close()

    run(loop, scenario(), timeout=20)
