"""Exports: terminal text that decode reads back, events as JSON lines, CoAP as pcapng."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.peers import skip_missing_peer
from tests.plugin_fixtures import PLUGINS_OK
from tests.session.helpers import SERVER, T0, coap_entry, registration_entries, writer
from workbench.app.pipeline import Pipeline, decode_log, events_of, strip_timestamp
from workbench.module.events import Event
from workbench.plugin.loader import discover_plugins
from workbench.plugin_api import Plugin
from workbench.session import SessionReader
from workbench.session.export import export_coap_pcapng, export_events, export_terminal_text
from workbench.session.pcapng import (
    LINKTYPE_RAW,
    export_pcapng,
    parse_ip_udp,
    read_pcapng,
)
from workbench.session.transcript import format_time

#: (time offset, direction, bytes) as a live port would deliver them: echo on for the first
#: command, off (ATE0) for the later ones; reads split at awkward places.
TRAFFIC: list[tuple[float, str, bytes]] = [
    (0.000, "tx", b"AT+XLWCFG?\r"),
    (0.004, "rx", b"AT+XLW"),
    (0.005, "rx", b'CFG?\r\r\n+XLWCFG: "coap://h:5683",300\r'),
    (0.011, "rx", b"\n\r\nOK\r\n"),
    (1.000, "rx", b"+XLWEVT: 1,2\r\n+XLWRECV: "),
    (1.002, "rx", b'"/19/1/0",5\r\n68656c6c6f\r\n'),
    (2.000, "tx", b"ATE0\r"),
    (2.001, "rx", b"ATE0\r\r\nOK\r\n"),
    (3.000, "tx", b"AT+CGSN\r"),
    (3.010, "rx", b"\r\n490154203237518\r\n\r\nOK\r\n"),
    (4.000, "tx", b"AT+XLWSTART\r"),
    (4.010, "rx", b"\r\n+CME ERROR: 3\r\n"),
    (5.000, "rx", b"+XLWEVT: 1,77\r\n+XLWBOOT\r\n+ZZZ: \xff\r\n"),
]

#: The same conversation as a terminal shows it (each command once).
REFERENCE_LOG = (
    b"AT+XLWCFG?\r\n"
    b'+XLWCFG: "coap://h:5683",300\r\n'
    b"OK\r\n"
    b"+XLWEVT: 1,2\r\n"
    b'+XLWRECV: "/19/1/0",5\r\n'
    b"68656c6c6f\r\n"
    b"ATE0\r\n"
    b"OK\r\n"
    b"AT+CGSN\r\n"
    b"490154203237518\r\n"
    b"OK\r\n"
    b"AT+XLWSTART\r\n"
    b"+CME ERROR: 3\r\n"
    b"+XLWEVT: 1,77\r\n"
    b"+XLWBOOT\r\n"
    b"+ZZZ: \xff\r\n"
)


@pytest.fixture(scope="module")
def plugin() -> Plugin:
    registry = discover_plugins(
        bundled=False, entry_points=False, user=False, extra_dirs=[PLUGINS_OK]
    )
    return registry.get("example")


def record_traffic(path: Path, plugin: Plugin) -> list[Event]:
    """Record TRAFFIC plus the events a live pipeline decodes from the RX side."""
    live = Pipeline(plugin, "v1")
    decoded: list[Event] = []
    with writer(path) as w:
        for offset, direction, data in TRAFFIC:
            t = T0 + offset
            if direction == "tx":
                w.record_tx(data, t)
                continue
            w.record_rx(data, t)
            for event in events_of(live.feed_bytes(data, t)):
                w.record_event(event, t)
                decoded.append(event)
        for entry in registration_entries(T0 + 1.5):
            w.record_coap(entry)
    return decoded


def comparable(events: list[Event]) -> list[dict[str, Any]]:
    out = []
    for event in events:
        data = event.to_dict()
        data.pop("line")
        out.append(data)
    return out


def test_text_export_is_read_back_by_decode(tmp_path: Path, plugin: Plugin) -> None:
    path = tmp_path / "s.wbs"
    record_traffic(path, plugin)
    buffer = io.BytesIO()
    with SessionReader(path) as reader:
        count = export_terminal_text(reader, buffer, utc=True)
    text = buffer.getvalue()
    lines = text.split(b"\r\n")[:-1]
    assert count == len(lines) == REFERENCE_LOG.count(b"\r\n")
    assert lines[0] == b"[22:13:20.000] AT+XLWCFG?"
    assert lines[-1] == b"[22:13:25.000] +ZZZ: \xff"
    stripped = b"".join(strip_timestamp(line)[0] + b"\r\n" for line in lines)
    assert stripped == REFERENCE_LOG

    from_export = list(events_of(decode_log(text, plugin, "v1")))
    reference = list(events_of(decode_log(REFERENCE_LOG, plugin, "v1")))
    assert comparable(from_export) == comparable(reference)
    assert [e.line for e in from_export] == [e.line for e in reference]
    kinds = {e.kind for e in from_export}
    assert {"registration", "downlink", "boot", "error", "update_timer"} <= kinds
    # The timestamps survive as seconds of the day.
    assert strip_timestamp(lines[3])[1] == pytest.approx((22 * 60 + 13) * 60 + 21.0)


def test_tagged_text_export(tmp_path: Path, plugin: Plugin) -> None:
    path = tmp_path / "s.wbs"
    record_traffic(path, plugin)
    buffer = io.BytesIO()
    with SessionReader(path) as reader:
        export_terminal_text(reader, buffer, tags=True, utc=True)
    lines = buffer.getvalue().split(b"\r\n")
    assert lines[0] == b"[22:13:20.000] TX AT+XLWCFG?"
    assert lines[1] == b'[22:13:20.005] RX +XLWCFG: "coap://h:5683",300'
    assert b"[22:13:23.000] TX AT+CGSN" in lines


def test_format_time_rounds_milliseconds() -> None:
    assert format_time(T0 + 0.9996, utc=True) == "22:13:21.000"
    assert format_time(T0 + 59.0004, utc=True) == "22:14:19.000"


def test_events_export_matches_decode_output(tmp_path: Path, plugin: Plugin) -> None:
    path = tmp_path / "s.wbs"
    live = record_traffic(path, plugin)
    out = io.StringIO()
    with SessionReader(path) as reader:
        count = export_events(reader, out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(rows) == len(live)
    for row, event in zip(rows, live, strict=True):
        assert list(row)[:3] == ["kind", "line", "raw"]
        time = row.pop("time")
        assert row == event.to_dict()
        assert time >= T0


def test_pcapng_parses_back(tmp_path: Path, plugin: Plugin) -> None:
    path = tmp_path / "s.wbs"
    record_traffic(path, plugin)
    buffer = io.BytesIO()
    with SessionReader(path) as reader:
        count = export_coap_pcapng(reader, buffer)
        entries = list(reader.coap_log())
    parsed = read_pcapng(buffer.getvalue())
    assert count == 2 and parsed.linktypes == [LINKTYPE_RAW]
    assert parsed.application == "lwm2m-workbench"
    assert len(parsed.packets) == 2
    for packet, entry in zip(parsed.packets, entries, strict=True):
        assert packet.timestamp == pytest.approx(entry.time, abs=1e-6)
        udp = parse_ip_udp(packet.data)
        assert udp.ip_checksum_ok and udp.udp_checksum_ok
        assert udp.payload == entry.data
        client = ("127.0.0.1", 56830)
        server = ("127.0.0.1", 5683)
        if entry.direction == "in":
            assert ((udp.src, udp.sport), (udp.dst, udp.dport)) == (client, server)
        else:
            assert ((udp.src, udp.sport), (udp.dst, udp.dport)) == (server, client)


def test_pcapng_ipv6_mixed_and_comments() -> None:
    entries = [
        coap_entry("in", 2, path="/rd", peer="[2001:db8::7]:40000", t=T0),
        coap_entry("out", 3, path="/0/1/5", payload=b"\x00\x00", t=T0 + 1, peer="10.0.0.9:1"),
        coap_entry("in", 1, path="/x", peer="some-dtls-session", t=T0 + 2),
    ]
    entries[2].problem = "bad token length"
    buffer = io.BytesIO()
    export_pcapng([entries[0], (entries[1], True), entries[2]], buffer, server_address=SERVER)
    parsed = read_pcapng(buffer.getvalue())
    first, second, third = (parse_ip_udp(p.data) for p in parsed.packets)
    assert (first.src, first.sport, first.dst, first.dport) == (
        "2001:db8::7",
        40000,
        "::ffff:7f00:1",
        5683,
    )
    assert first.udp_checksum_ok
    assert (second.src, second.dst, second.dport) == ("127.0.0.1", "10.0.0.9", 1)
    assert "redacted" in parsed.packets[1].comments[0]
    assert third.src == "192.0.2.1" and "bad token length" in parsed.packets[2].comments[0]


def test_wireshark_sees_coap(tmp_path: Path, plugin: Plugin) -> None:
    """tshark (when installed) reads the file and its CoAP dissector decodes the messages."""
    tshark = shutil.which("tshark")
    if tshark is None:
        skip_missing_peer("tshark (bash scripts/install-peers.sh)")
    path = tmp_path / "s.wbs"
    record_traffic(path, plugin)
    out = tmp_path / "coap.pcapng"
    with SessionReader(path) as reader, open(out, "wb") as handle:
        export_coap_pcapng(reader, handle)
    result = subprocess.run(
        [
            tshark,
            "-n",
            "-r",
            str(out),
            "-T",
            "fields",
            "-e",
            "ip.src",
            "-e",
            "udp.dstport",
            "-e",
            "coap.code",
            "-e",
            "coap.opt.uri_path",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows == [["127.0.0.1", "5683", "2", "rd"], ["127.0.0.1", "56830", "65", ""]]
    # Another port: "Decode As" makes the dissector apply there too.
    other = tmp_path / "other.pcapng"
    with SessionReader(path) as reader, open(other, "wb") as handle:
        export_coap_pcapng(reader, handle, server_address="127.0.0.1:15683")
    decoded = subprocess.run(
        [tshark, "-n", "-r", str(other), "-d", "udp.port==15683,coap", "-T", "fields",
         "-e", "coap.code"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stdout.split() == ["2", "65"]
