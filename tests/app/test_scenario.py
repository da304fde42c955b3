"""Scenarios end to end: a simulated module behind a real pseudo-terminal, the built-in server
on 127.0.0.1, AT and LwM2M steps judged on both sides, and the JUnit XML parsed back."""

from __future__ import annotations

import asyncio
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from workbench.app.connection import ModuleConnection
from workbench.app.demo import host_simulator
from workbench.app.junit import junit_tree, write_junit
from workbench.app.scenario import (
    ConnectionTarget,
    FileReport,
    ScenarioExecutor,
    StepRecord,
    load_scenarios,
    plugin_scenarios,
    run_scenarios,
    state_values,
    values_equal,
)
from workbench.app.scenario_steps import ReadStep
from workbench.app.sequences import CommandSequence, Outcome, SequenceError, SequenceRunner
from workbench.lwm2m.model import ResourceType, parse_text_value
from workbench.module.state import ModuleState
from workbench.plugin.loader import discover_plugins
from workbench.server import LwM2MServer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX-only")

QUECTEL = "quectel-bg95"

SCENARIO = """\
# A Quectel run: AT, connect, typed reads, a wrong expectation, observe and notify
AT+CGMM
connect timeout=30
state registration=registered timeout=10
read /3/0/0 == Nokia
read /1/0/1 == 60
observe /1/0/1
write /1/0/1 0120
notify /1/0/1 == 120 timeout=10
cancel /1/0/1
"""


async def _run_on_pty(
    tmp_path: Path, text: str, *, keep_going: bool
) -> tuple[list[FileReport], list[StepRecord], ModuleConnection]:
    plugin = discover_plugins().get(QUECTEL)
    server = LwM2MServer("127.0.0.1", 0)
    await server.start()
    host, port = server.address
    simulator = plugin.make_simulator(None, f"coap://{host}:{port}")
    pty, path = await host_simulator(simulator, "pty")
    assert path.startswith("/dev/")  # a real pseudo-terminal, opened with pyserial
    conn = ModuleConnection(path, plugin)
    conn.attach_server(server.events)
    conn.open()
    file = tmp_path / "quectel.atseq"
    file.write_text(text, encoding="utf-8")
    executor = ScenarioExecutor(server, plugin, conn.send, lambda: conn)
    seen: list[StepRecord] = []
    try:
        reports = await run_scenarios(
            load_scenarios([file]),
            ConnectionTarget(conn),
            executor,
            keep_going=keep_going,
            on_record=seen.append,
        )
    finally:
        await executor.close()
        await conn.close()
        await pty.stop()
        await server.stop()
    return reports, seen, conn


def test_a_scenario_over_a_pty_judges_both_sides_and_says_expected_vs_got(tmp_path: Path) -> None:
    reports, seen, conn = asyncio.run(_run_on_pty(tmp_path, SCENARIO, keep_going=True))
    (report,) = reports
    by_line = {r.line: r for r in report.records}
    assert [r.line for r in seen] == [r.line for r in report.records]  # reported as they ran
    assert by_line[2].outcome is Outcome.PASSED and "BG95-M3" in by_line[2].evidence
    connect = by_line[3]
    assert connect.outcome is Outcome.PASSED, connect.message
    assert any("REG_READY" in line for line in connect.evidence)
    assert any(line.startswith("server: registered") for line in connect.evidence)
    assert by_line[4].outcome is Outcome.PASSED
    wrong = by_line[5]
    assert wrong.outcome is Outcome.FAILED
    assert (wrong.expected, wrong.got) == ("'Nokia'", "'Quectel'")
    assert wrong.where.endswith("quectel.atseq:5")
    assert any("2.05" in line and "GET" not in line for line in wrong.evidence)
    assert any("GET /3/0/0" in line for line in wrong.evidence)  # the CoAP exchange
    # Typed: "60" equals the integer lifetime; "0120" is the integer 120.
    assert by_line[6].outcome is Outcome.PASSED, by_line[6].message
    assert by_line[8].outcome is Outcome.PASSED
    notify = by_line[9]
    assert notify.outcome is Outcome.PASSED, notify.message
    assert "120" in notify.message
    assert by_line[10].outcome is Outcome.PASSED
    assert not report.ok and report.failures == [wrong]
    assert conn.state.servers  # the decoded state folded the module's URCs

    tree = junit_tree(reports)
    root = ET.fromstring(ET.tostring(tree.getroot()))  # parsed back
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "9" and suite.get("failures") == "1"  # the comment is no test
    cases = suite.findall("testcase")
    assert [c.get("line") for c in cases] == ["2", "3", "4", "5", "6", "7", "8", "9", "10"]
    failures = [c.find("failure") for c in cases if c.find("failure") is not None]
    assert len(failures) == 1
    message = failures[0].get("message", "")  # type: ignore[union-attr]
    assert "quectel.atseq:5" in message
    assert "expected 'Nokia'" in message and "got 'Quectel'" in message


def test_without_keep_going_the_first_failure_skips_the_rest(tmp_path: Path) -> None:
    text = "connect timeout=30\nread /3/0/0 == Nokia\nread /3/0/0 == Quectel\n"
    reports, _, _ = asyncio.run(_run_on_pty(tmp_path, text, keep_going=False))
    outcomes = [r.outcome for r in reports[0].records]
    assert outcomes == [Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED]


def test_state_and_notify_time_out_with_what_they_saw(tmp_path: Path) -> None:
    text = (
        "connect timeout=30\n"
        "state registration=deregistered timeout=0.3\n"
        "observe /1/0/1\n"
        "notify /1/0/1 timeout=0.3\n"
        "notify /3/0/0\n"
        "write /1/0/1 soon\n"
        "write /3/0/0 Nokia expect=4.05\n"
        "write /3/0/0 Nokia\n"
    )
    reports, _, _ = asyncio.run(_run_on_pty(tmp_path, text, keep_going=True))
    records = reports[0].records
    state, notify, unobserved = records[1], records[3], records[4]
    untyped, refused, wrong_code = records[5], records[6], records[7]
    assert untyped.outcome is Outcome.FAILED
    assert "'soon' is not a valid Integer" in untyped.message
    assert refused.outcome is Outcome.PASSED, refused.message  # /3/0/0 is read-only
    assert wrong_code.outcome is Outcome.FAILED
    assert (wrong_code.expected, wrong_code.got) == ("2.04", "4.05")
    assert state.outcome is Outcome.TIMEOUT
    assert state.expected == "registration=deregistered"
    assert "registered" in state.got
    assert notify.outcome is Outcome.TIMEOUT
    assert "no notification within 0.3 s" in notify.got
    assert unobserved.outcome is Outcome.FAILED
    assert "add 'observe /3/0/0'" in unobserved.message


def test_lwm2m_steps_without_a_server_fail_clearly() -> None:
    class Silent:
        async def send(self, command: str, timeout: float | None = None) -> object:
            raise AssertionError("no AT step here")

        def subscribe_lines(self, callback: object) -> object:
            return lambda: None

    sequence = CommandSequence.parse("read /3/0/0\n")
    runner = SequenceRunner(sequence, Silent())  # type: ignore[arg-type]
    report = asyncio.run(runner.run())
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert "needs the built-in server" in result.message
    assert isinstance(result.step, ReadStep)


def test_values_compare_typed() -> None:
    as_integer = parse_text_value(ResourceType.INTEGER, "3800")
    assert values_equal(as_integer, 3800)
    assert values_equal(as_integer, 3800.0)
    assert not values_equal(as_integer, 3801)
    assert values_equal(parse_text_value(ResourceType.BOOLEAN, "true"), True)
    assert not values_equal(parse_text_value(ResourceType.BOOLEAN, "1"), 1.5)
    assert not values_equal("3800", 3800)  # a string resource is compared as a string
    assert values_equal(parse_text_value(ResourceType.OPAQUE, "0aff"), b"\x0a\xff")


def test_state_values_read_the_decoded_state() -> None:
    assert state_values(ModuleState(), "registration") == []
    assert state_values(ModuleState(), "server") == []


def test_load_scenarios_names_the_file_as_given(tmp_path: Path) -> None:
    bad = tmp_path / "sub" / "bad.atseq"
    bad.parent.mkdir()
    bad.write_text("connect\nread /3/0/0 ==\n", encoding="utf-8")
    with pytest.raises(SequenceError) as caught:
        load_scenarios([bad])
    assert str(caught.value).startswith(f"{bad}:2: ")
    with pytest.raises(SequenceError, match="file not found"):
        load_scenarios([tmp_path / "missing.atseq"])


def test_every_plugin_package_ships_the_six_flows() -> None:
    flows = ("connect", "read-device", "write-read", "observe-notify", "reboot", "deregister")
    registry = discover_plugins()
    for plugin_id in registry.ids:
        names = [p.name for p in plugin_scenarios(registry.get(plugin_id))]
        for flow in flows:
            assert any(flow in name for name in names), (plugin_id, flow, names)


def test_junit_file_is_utf8_xml_with_skips(tmp_path: Path) -> None:
    skipped = StepRecord("a.atseq", 3, "read /3/0/0", Outcome.SKIPPED, 0.0, "not run")
    report = FileReport("a.atseq", "a", [skipped])
    out = tmp_path / "out" / "junit.xml"
    write_junit([report], out)
    root = ET.parse(out).getroot()
    assert root.get("skipped") == "1" and root.get("failures") == "0"
    case = root.find("testsuite/testcase")
    assert case is not None and case.find("skipped") is not None
