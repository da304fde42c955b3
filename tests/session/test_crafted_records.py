"""Records with valid checksums that say anything: every reader and exporter must survive them.

A crafted or buggy file passes the checksum but may carry ``"line": 1e999``, JSON nested
100,000 deep, a time of ±1e300 or a port of 70,000. Each one is skipped, counted and
reported as a :class:`Problem` like a torn record; the good records around it are read.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import random
import struct
from pathlib import Path
from typing import Any

import pytest

from tests.session.helpers import T0
from tests.session.test_recovery import build
from workbench.cli import main as cli_main
from workbench.server.coapwire import MessageType, encode_message
from workbench.session.export import export_coap_pcapng, export_events, export_terminal_text
from workbench.session.format import encode_record
from workbench.session.reader import Problem, SessionReader
from workbench.session.records import RecordKind
from workbench.session.replay import replay, replay_async
from workbench.session.transcript import export_text

DATAGRAM = encode_message(MessageType.CON, 2, 1, b"t", [(11, b"rd")], b"</3/0>")
DEEP = "[" * 100_000 + "]" * 100_000
#: Values that broke a reader or an exporter, or could: out of range, wrong type, deep.
HOSTILE: list[Any] = [
    1e999,
    -1e999,
    1e300,
    -1e300,
    float("nan"),
    -1,
    2**70,
    70000,
    True,
    None,
    "",
    "x" * 5000,
    [],
    {},
    {"a": [1, {"b": None}]},
]


def coap_payload(info: dict[str, Any] | str, datagram: bytes = DATAGRAM) -> bytes:
    text = (info if isinstance(info, str) else json.dumps(info)).encode()
    return struct.pack("<I", len(text)) + text + datagram


#: (kind, record time, payload): each must be refused by the reader.
CRAFTED: list[tuple[int, float, bytes]] = [
    (RecordKind.EVENT, T0, b'{"event": {"kind": "x", "line": 1e999}}'),
    (RecordKind.EVENT, T0, ('{"event": ' + DEEP + "}").encode()),
    (RecordKind.EVENT, T0, DEEP.encode()),
    (RecordKind.EVENT, T0, b'{"event": {"kind": "x", "line": -5}}'),
    (RecordKind.EVENT, T0, b'{"event": {"kind": 7}}'),
    (RecordKind.EVENT, T0, b'{"event": {"kind": "x"}, "timestamp": 1e300}'),
    (RecordKind.EVENT, T0, b'{"event": {"kind": "x"}, "timestamp": NaN}'),
    (RecordKind.EVENT, 1e300, b'{"event": {"kind": "x"}}'),
    (RecordKind.RX, 1e300, b"OK\r\n"),
    (RecordKind.TX, -1e300, b"AT\r"),
    (RecordKind.RX, -1.0, b"OK\r\n"),
    (RecordKind.COAP, T0, coap_payload({"direction": "in", "peer": "127.0.0.1:70000"})),
    (RecordKind.COAP, T0, coap_payload({"direction": "out", "peer": "[::1]:99999999"})),
    (RecordKind.COAP, T0, coap_payload({"direction": "in", "time": 1e300})),
    (RecordKind.COAP, T0, coap_payload({"direction": "in", "time": -1e300})),
    (RecordKind.COAP, T0, coap_payload({"direction": "sideways"})),
    (RecordKind.COAP, T0, coap_payload({"direction": "in", "path": 5})),
    (RecordKind.COAP, T0, struct.pack("<I", 2**31) + b"{}"),
    (RecordKind.COAP, T0, coap_payload('{"direction": "in", "peer": ' + DEEP + "}")),
    (RecordKind.SERVER_EVENT, T0, b'{"kind": "registered", "time": 1e300}'),
    (RecordKind.SERVER_EVENT, T0, b'{"kind": [], "time": 1}'),
    (RecordKind.SERVER_EVENT, T0, b'{"kind": "x", "endpoint": {"a": 1}}'),
    (RecordKind.NOTE, T0, b'{"text": 5}'),
    (RecordKind.NOTE, T0, b'{"text": "x", "marker": "yes"}'),
    (RecordKind.META, T0, DEEP.encode()),
]


def random_records(seed: int, count: int) -> list[tuple[int, float, bytes]]:
    """Well-formed records with one field replaced by a hostile value (seeded)."""
    rng = random.Random(seed)
    shapes: list[tuple[int, dict[str, Any], list[str]]] = [
        (RecordKind.EVENT, {"event": {"kind": "k", "line": 3, "raw": "r"}}, ["event"]),
        (RecordKind.COAP, {"direction": "in", "peer": "127.0.0.1:5683", "time": T0}, []),
        (RecordKind.SERVER_EVENT, {"kind": "registered", "time": T0, "endpoint": "e"}, []),
        (RecordKind.NOTE, {"text": "t", "marker": False}, []),
    ]
    out = []
    for _ in range(count):
        kind, template, nested = rng.choice(shapes)
        data = json.loads(json.dumps(template))
        target = data[nested[0]] if nested else data
        target[rng.choice([*sorted(target), "timestamp", "line", "time"])] = rng.choice(HOSTILE)
        text = json.dumps(data)  # 1e999 and NaN become Infinity/NaN, which json reads back
        payload = coap_payload(text) if kind == RecordKind.COAP else text.encode()
        when = rng.choice([T0, T0, T0, 1e300, -1e300, 0.0])
        out.append((kind, when, payload))
    return out


def crafted_file(path: Path, records: list[tuple[int, float, bytes]]) -> None:
    build(path, close=False)
    with open(path, "ab") as handle:
        for kind, when, payload in records:
            handle.write(encode_record(kind, 0, when, payload))
        handle.write(encode_record(RecordKind.NOTE, 0, T0 + 9, b'{"text": "still read"}'))


def every_reader_and_exporter(path: Path, tmp_path: Path) -> list[Problem]:
    """Run each view, exporter and CLI command over ``path``; the problems reported."""
    problems: list[Problem] = []

    def report(item: object) -> None:
        if isinstance(item, Problem):
            problems.append(item)

    with SessionReader(path) as reader:
        summary = reader.summary()
        json.dumps(summary.to_dict())
        records = list(reader.records(on_report=report))
        assert records[-1].body.text == "still read"  # type: ignore[union-attr]
        list(reader.events())
        list(reader.coap_log())
        list(reader.server_events())
        list(reader.notes())
        list(reader.transcript())
        reader.module_state()
        reader.serial_bytes("rx")
        reader.poll()
        export_terminal_text(reader, io.BytesIO(), tags=True)
        export_terminal_text(reader, io.BytesIO(), utc=True)
        export_events(reader, io.StringIO())
        export_coap_pcapng(reader, io.BytesIO())
        export_text(reader.records(), io.BytesIO())
        list(replay(reader.records(), speed=1e9, sleep=lambda _s: None))

        async def play_async() -> None:
            async for _record in replay_async(reader.records(), speed=1e12, max_gap=0.0):
                pass

        asyncio.run(play_async())
    out = tmp_path / "out"
    commands = [
        ["session", "info", str(path)],
        ["session", "info", "--json", str(path)],
        ["session", "export", str(path), "--text", f"{out}.txt", "--events", f"{out}.jsonl"],
        ["session", "export", str(path), "--pcapng", f"{out}.pcapng"],
        ["session", "replay", str(path), "--speed", "0"],
    ]
    for argv in commands:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert cli_main(argv) in (0, 1), argv
    return problems


def test_crafted_records_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "crafted.wbs"
    crafted_file(path, CRAFTED)
    problems = every_reader_and_exporter(path, tmp_path)
    assert len(problems) == len(CRAFTED), [p.describe() for p in problems]


@pytest.mark.parametrize("seed", range(4))
def test_random_hostile_fields_never_crash_a_reader(tmp_path: Path, seed: int) -> None:
    path = tmp_path / f"random-{seed}.wbs"
    crafted_file(path, random_records(seed, 150))
    every_reader_and_exporter(path, tmp_path)
