"""``lwm2m-workbench session info|export|replay``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugin_fixtures import PLUGINS_OK, install_user_plugins
from tests.session.helpers import T0, crashed, leave_as_crashed, registration_entries, writer
from workbench.cli import main
from workbench.module.events import Event
from workbench.session.pcapng import read_pcapng


@pytest.fixture(autouse=True)
def example_plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_user_plugins(monkeypatch, tmp_path, PLUGINS_OK)


def make_session(path: Path, *, close: bool = True) -> Path:
    w = writer(crashed(path, close))
    w.record_tx(b"AT+XLWSTART\r", T0)
    w.record_rx(b"AT+XLWSTART\r\r\nOK\r\n", T0 + 0.01)
    w.record_rx(b"+XLWEVT: 1,2\r\n", T0 + 0.5)
    w.record_event(
        Event("registration", 3, "+XLWEVT: 1,2", {"server": "1", "state": "registered"}),
        T0 + 0.5,
    )
    for entry in registration_entries(T0 + 0.4):
        w.record_coap(entry)
    w.marker("done", T0 + 0.6)
    if close:
        w.close()
    else:
        leave_as_crashed(w, path)
    return path


def test_info_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_session(tmp_path / "s.wbs")
    assert main(["session", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "plugin example, variant v1" in out and "closed cleanly" in out
    assert "rx 2" in out and "coap 2" in out
    assert main(["session", "info", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["complete"] and data["counts"]["event"] == 1 and data["damage"] == []
    assert data["duration"] == pytest.approx(0.6)


def test_info_reports_a_crashed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_session(tmp_path / "s.wbs")
    path.write_bytes(path.read_bytes()[:-7])
    assert main(["session", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "not closed" in out and "torn tail" in out


def test_export_text_goes_back_through_decode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_session(tmp_path / "s.wbs")
    text = tmp_path / "terminal.log"
    events = tmp_path / "events.jsonl"
    pcap = tmp_path / "coap.pcapng"
    args = ["session", "export", str(path), "--text", str(text), "--events", str(events)]
    assert main([*args, "--pcapng", str(pcap)]) == 0
    err = capsys.readouterr().err
    assert "text: 3 lines" in err and "events: 1" in err and "pcapng: 2 packets" in err
    assert text.read_bytes().count(b"\r\n") == 3
    assert main(["decode", "--module", "example", str(text)]) == 0
    decoded = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["kind"], e["line"]) for e in decoded if e["kind"] == "registration"] == [
        ("registration", 3)
    ]
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    assert rows[0]["kind"] == "registration" and rows[0]["time"] == T0 + 0.5
    assert len(read_pcapng(pcap.read_bytes()).packets) == 2


def test_export_to_stdout_with_tags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_session(tmp_path / "s.wbs")
    assert main(["session", "export", str(path), "--text", "-", "--tags", "--utc"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "[22:13:20.000] TX AT+XLWSTART"


def test_replay_prints_every_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_session(tmp_path / "s.wbs", close=False)
    assert main(["session", "replay", str(path), "--speed", "0"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [row["record"] for row in rows]
    assert kinds[0] == "meta" and "end" not in kinds
    times = [row["time"] for row in rows[1:]]
    assert times == sorted(times)  # time order, although CoAP was recorded after the event
    assert main(["session", "replay", str(path), "--speed", "0", "--kind", "event"]) == 0
    (event,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert event["record"] == "event" and event["kind"] == "registration"


def test_replay_paces_with_speed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_session(tmp_path / "s.wbs")
    assert main(["session", "replay", str(path), "--speed", "100", "--kind", "rx"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["session", "info", str(tmp_path / "missing.wbs")]) == 2
    assert "cannot read" in capsys.readouterr().err
    other = tmp_path / "plain.log"
    other.write_text("AT\r\nOK\r\n" * 5)
    assert main(["session", "info", str(other)]) == 2
    assert "not a workbench session" in capsys.readouterr().err
    path = make_session(tmp_path / "s.wbs")
    assert main(["session", "export", str(path)]) == 2
    assert "at least one" in capsys.readouterr().err
    assert main(["session", "replay", str(path), "--speed", "-1"]) == 2
    assert main(["session", "export", str(path), "--pcapng", "-", "--server", "nohost"]) == 2
