"""Streaming and parallel log decoding give exactly the events of one pass over the whole log.

The logs are every plugin's golden transcripts joined and repeated, with mixed line endings,
cut into tiny pieces so that nearly every kind of line lands on a cut somewhere.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.app.paralleldecode import Piece, decode_parallel, decode_piece, pieces
from workbench.app.pipeline import (
    Pipeline,
    count_log_lines,
    decode_log,
    events_of,
    log_chunks,
    split_log_lines,
)
from workbench.plugin.loader import discover_plugins
from workbench.plugin_api import Plugin

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = discover_plugins(user=False, entry_points=False)


def _plugin_log(plugin: Plugin) -> bytes | None:
    package = type(plugin.make_decoder()).__module__.split(".")[1]
    folder = ROOT / "tests" / "plugins" / package / "transcripts"
    texts = [p.read_bytes() for p in sorted(folder.glob("*.txt"))]
    if not texts:
        return None
    # Mixed endings on purpose: CRLF, LF and CR CR LF must count and cut the same everywhere.
    mixed = [t.replace(b"\r\n", b"\n") if i % 3 == 1 else t for i, t in enumerate(texts)]
    mixed = [t.replace(b"\r\n", b"\r\r\n") if i % 3 == 2 else t for i, t in enumerate(mixed)]
    return b"".join(mixed) * 3


PLUGINS = [p for p in REGISTRY.plugins if _plugin_log(p) is not None]


def _one_pass(log: bytes, plugin: Plugin) -> list[bytes]:
    return [event.to_json_line() for event in events_of(decode_log(log, plugin))]


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.id)
def test_pieces_decoded_apart_equal_one_pass(plugin: Plugin) -> None:
    log = _plugin_log(plugin)
    assert log is not None
    expected = _one_pass(log, plugin)
    # Pieces of ~700 bytes: dozens of cuts, each decoded by a fresh pipeline after warm-up,
    # just as a worker process does it.
    got: list[bytes] = []
    for piece in pieces(log_chunks(io.BytesIO(log).read, 97), 700):
        got.extend(decode_piece(Pipeline(plugin, None, keep_empty=True), piece).lines)
    assert got == expected


@pytest.mark.parametrize("plugin", PLUGINS[:2], ids=lambda p: p.id)
def test_decode_parallel_in_processes_equals_one_pass(plugin: Plugin) -> None:
    log = _plugin_log(plugin)
    assert log is not None
    chunks = log_chunks(io.BytesIO(log).read, 512)
    seen: list[int] = []
    got = list(decode_parallel(chunks, plugin, None, 2, piece_bytes=900, progress=seen.append))
    assert got == _one_pass(log, plugin)
    assert seen[-1] == len(log) and seen == sorted(seen)


def test_decoder_error_counts_run_over_the_whole_file() -> None:
    # JSON the SARA decoder cannot read raises inside it: each such line gets an error event
    # whose count must run 1, 2, 3... in file order although other processes decoded them.
    plugin = REGISTRY.get("ublox-sara-r5")
    log = b"".join(b"AT+ULWM2MREAD=0,3\r\n+ULWM2MREAD: {bad %d\r\nOK\r\n" % i for i in range(300))
    expected = _one_pass(log, plugin)
    counts = [json.loads(e)["count"] for e in expected if b'"source":"decoder"' in e]
    assert counts == list(range(1, 301))
    chunks = log_chunks(io.BytesIO(log).read, 256)
    assert list(decode_parallel(chunks, plugin, None, 2, piece_bytes=600)) == expected


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=200)
    .map(lambda b: b.replace(b"\x00", b"\r"))
    .map(lambda b: b.replace(b"\x01", b"\n")),
    size=st.integers(1, 17),
)
def test_chunks_split_like_the_whole(data: bytes, size: int) -> None:
    # Cut anywhere a read happens to end, the chunks split into the whole's lines and counts.
    chunks = list(log_chunks(io.BytesIO(data).read, size))
    assert b"".join(chunks) == data
    assert [line for c in chunks for line in split_log_lines(c)] == split_log_lines(data)
    assert sum(count_log_lines(c) for c in chunks) == len(split_log_lines(data))


def test_piece_numbers_follow_the_file() -> None:
    data = b"".join(b"line %d\r\n" % i for i in range(1, 2001))
    numbered = list(pieces(log_chunks(io.BytesIO(data).read, 100), 1000))
    assert all(isinstance(p, Piece) for p in numbered)
    for piece in numbered:
        first = split_log_lines(piece.data)[0]
        assert first == b"line %d" % piece.first_line
        assert piece.warm_lines == len(split_log_lines(piece.warm)) <= 512
