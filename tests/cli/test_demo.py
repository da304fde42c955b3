"""``lwm2m-workbench demo``: a simulated module registers with the built-in server, no hardware."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.plugin_fixtures import BUNDLED_IDS
from workbench.app.demo import DEFAULT_PLUGIN, DemoReport, DemoSession, default_hosting
from workbench.cli import main
from workbench.plugin.loader import discover_plugins
from workbench.session.reader import SessionReader


def test_default_demo_plugin_is_bundled() -> None:
    assert DEFAULT_PLUGIN in BUNDLED_IDS


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The folder the demo records to."""
    monkeypatch.setenv("LWM2M_WORKBENCH_SESSIONS", str(tmp_path))
    return tmp_path


def test_demo_registers_and_reads_the_device_object(
    capsys: pytest.CaptureFixture[str], sessions: Path
) -> None:
    assert main(["demo", "--once", "--json", "--timeout", "20"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    sent = [r["text"] for r in records if r["type"] == "tx"]
    assert sent and all(cmd.startswith("AT") for cmd in sent)
    server = [r for r in records if r["type"] == "server"]
    assert any(r["kind"] == "registered" for r in server)
    decoded = [r for r in records if r["type"] == "event" and r["kind"] == "registration"]
    assert decoded and decoded[-1]["state"] == "registered"
    assert records[-1]["text"].endswith("PASS")
    assert any(r["type"] == "note" and r["text"].startswith("/3/0/0 = ") for r in records)
    # Recorded like the window's demo: serial traffic, events and the server's side.
    (recorded,) = sessions.glob("*.wbs")
    assert any(r["type"] == "note" and str(recorded) in r["text"] for r in records)
    with SessionReader(recorded) as reader:
        summary = reader.summary()
        assert summary.complete, summary.to_dict()
        assert summary.counts.get("tx") and summary.counts.get("rx")
        assert any(e.kind == "registration" for e in reader.events())
        assert any(e.kind == "registered" for e in reader.server_events())
        assert any(entry.direction == "in" for entry in reader.coap_log())


def test_demo_can_skip_recording(sessions: Path) -> None:
    assert main(["demo", "--once", "--no-record", "--timeout", "20"]) == 0
    assert not list(sessions.glob("*.wbs"))


def test_demo_unknown_module_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "no-such-module"]) == 2
    err = capsys.readouterr().err
    assert "no-such-module" in err and "modules:" in err


def test_demo_hosting_choice_follows_the_platform() -> None:
    assert default_hosting("win32") == "tcp"
    assert default_hosting("linux") == "pty"
    assert default_hosting("darwin") == "pty"


def test_demo_registers_over_a_tcp_hosted_simulator() -> None:
    """The Windows path (no pty): the simulator on loopback TCP, opened as socket://H:P."""
    plugins = discover_plugins(user=False, entry_points=False)

    async def scenario() -> DemoReport:
        session = DemoSession(plugins.get(DEFAULT_PLUGIN), hosting="tcp")
        try:
            await session.start()
            assert session.hosting == "tcp"
            assert session.pty_path.startswith("socket://127.0.0.1:")
            assert int(session.pty_path.rsplit(":", 1)[1]) > 0
            return await session.connect(20)
        finally:
            await session.stop()

    report = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert report.registered and report.module_registered, report.error
    assert report.device and not report.failed_commands
