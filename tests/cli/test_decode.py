"""``lwm2m-workbench decode``: log → JSON events per the contract."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.plugin_fixtures import PLUGINS_OK, install_user_plugins
from workbench.app.pipeline import split_log_lines, strip_timestamp
from workbench.cli import main

LOG = (
    "[10:00:00.000] AT+XLWCFG?\r\n"
    '[10:00:00.010] +XLWCFG: "coap://h:5683",300\r\n'
    "[10:00:00.011] OK\r\n"
    "\r\n"
    "10:00:01.000 +XLWEVT: 1,2\r\n"
    '+XLWRECV: "/19/1/0",5\r\n'
    "68656c6c6f\r\n"
    "AT+CGSN\r\r\n"
    "490154203237518\n"
    "OK\n"
    "AT+XLWSTART\r\n"
    "+CME ERROR: 3\r\n"
    "something odd\r\n"
    "+XLWEVT: 1,77\r\n"
    "+XLWBOOT\r\n"
    "+ZZZ: \xff\r\n"
)


@pytest.fixture(autouse=True)
def example_plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_user_plugins(monkeypatch, tmp_path, PLUGINS_OK)


def decode(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["decode", *args])
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    return code, events, captured.err


def write_log(tmp_path: Path, text: str = LOG) -> Path:
    path = tmp_path / "session.log"
    path.write_bytes(text.encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff"))
    return path


def test_decode_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, events, err = decode(capsys, "--module", "example", str(write_log(tmp_path)))
    assert code == 0, err
    by_line: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        assert list(event)[:3] == ["kind", "line", "raw"]
        by_line.setdefault(event["line"], []).append(event)
    assert by_line[1] == [
        {"kind": "command", "line": 1, "raw": "AT+XLWCFG?", "command": "AT+XLWCFG?"}
    ]
    assert [e["kind"] for e in by_line[2]] == ["setting", "update_timer"]
    assert by_line[2][1]["seconds"] == 300
    assert by_line[3][0]["kind"] == "result"
    assert 4 not in by_line  # blank line
    assert by_line[5][0] == {
        "kind": "registration", "line": 5, "raw": "+XLWEVT: 1,2", "server": "1",
        "state": "registered", "code": 2,
    }  # fmt: skip
    downlink = by_line[6][0]
    assert downlink["kind"] == "downlink" and downlink["value"] == "68656c6c6f"
    assert downlink["path"] == "/19/1/0"
    assert 7 not in by_line  # the data line belongs to the event of line 6
    assert by_line[9][0] == {
        "kind": "identity",
        "line": 9,
        "raw": "490154203237518",
        "imei": "490154203237518",
    }
    assert by_line[12][0]["kind"] == "error" and by_line[12][0]["code"] == 3
    assert by_line[13][0]["kind"] == "unknown"
    assert by_line[14][0]["inferred"] is True
    assert by_line[15][0]["kind"] == "boot"
    assert by_line[16][0]["kind"] == "unknown" and "\ufffd" in by_line[16][0]["raw"]
    assert max(by_line) == 16


def test_variant_changes_meaning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_log(tmp_path, "+XLWEVT: 1,3\r\n")
    _, v1, _ = decode(capsys, "--module", "example", str(path))
    _, v2, _ = decode(capsys, "--module", "example", "--variant", "v2", str(path))
    assert v1[0]["state"] == "updated" and v2[0]["state"] == "registered"


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"AT\r\nOK\r\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, events, _ = decode(capsys, "--module", "example", "-")
    assert code == 0 and [e["kind"] for e in events] == ["command", "result"]


def test_unknown_module_lists_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, events, err = decode(capsys, "--module", "nope", str(write_log(tmp_path)))
    assert code == 2 and events == []
    assert "nope" in err and "example" in err


def test_unknown_variant_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = decode(
        capsys, "--module", "example", "--variant", "v9", str(write_log(tmp_path))
    )
    assert code == 2 and "v9" in err
    code, _, err = decode(capsys, "--module", "example", str(tmp_path / "missing.log"))
    assert code == 2 and "cannot read" in err


def test_timestamp_stripping_and_line_splitting() -> None:
    assert strip_timestamp(b"[12:34:56.789] OK") == (b"OK", 45296.789)
    assert strip_timestamp(b"12:34:56.789 +X: 1") == (b"+X: 1", 45296.789)
    assert strip_timestamp(b"[01:02:03]AT") == (b"AT", 3723.0)
    assert strip_timestamp(b"+CCLK: 12:34:56") == (b"+CCLK: 12:34:56", None)
    assert strip_timestamp(b"OK") == (b"OK", None)
    assert split_log_lines(b"a\r\nb\r\r\nc\nd\re\n\n") == [b"a", b"b", b"c", b"d", b"e", b""]
