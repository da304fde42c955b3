"""Write throughput at serial speed: printed, not asserted on time (shared CI machines)."""

from __future__ import annotations

import time
from pathlib import Path

from workbench.session import SessionReader, SessionWriter

LINE = b'+ULWM2MSTAT: 3,123,"/3/0/13"\r\n+CSQ: 20,99\r\nOK\r\n+QLWURC: "recv",1,5\r\n'
CHUNK = 64
RATE = 1_000_000  # bytes per second


def stream(total: int) -> list[bytes]:
    data = (LINE * (total // len(LINE) + 1))[:total]
    return [data[i : i + CHUNK] for i in range(0, total, CHUNK)]


def test_flat_out_throughput(tmp_path: Path) -> None:
    chunks = stream(4 * RATE)
    path = tmp_path / "fast.wbs"
    started = time.perf_counter()
    with SessionWriter(path) as writer:
        for i, chunk in enumerate(chunks):
            writer.record_rx(chunk, 1_700_000_000 + i * CHUNK / RATE)
    elapsed = time.perf_counter() - started
    stats = writer.stats
    size = path.stat().st_size
    print(
        f"\nflat out: {len(chunks)} records of {CHUNK} B in {elapsed:.2f} s = "
        f"{4 * RATE / elapsed / 1e6:.1f} MB/s of serial data "
        f"({len(chunks) / elapsed:,.0f} records/s); {stats.writes} writes, {stats.syncs} fsyncs; "
        f"file {size / 1e6:.1f} MB"
    )
    assert stats.dropped == 0
    # Batching, not timing: far fewer fsyncs than records, and everything durable at close.
    assert stats.syncs * 100 < len(chunks)
    assert stats.durable == stats.recorded
    with SessionReader(path) as reader:
        assert reader.serial_bytes() == b"".join(chunks)


def test_one_second_at_one_megabyte_per_second(tmp_path: Path) -> None:
    chunks = stream(RATE)
    path = tmp_path / "paced.wbs"
    writer = SessionWriter(path)
    started = time.perf_counter()
    busy = 0.0
    for i, chunk in enumerate(chunks):
        if i % 160 == 0:  # pace like a serial port delivering ~10 KB reads
            ahead = started + i * CHUNK / RATE - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)
        t0 = time.perf_counter()
        writer.record_rx(chunk)
        busy += time.perf_counter() - t0
    elapsed = time.perf_counter() - started
    stats = writer.stats
    writer.close()
    per_call = busy / len(chunks) * 1e6
    print(
        f"\npaced 1 MB/s for {elapsed:.2f} s: {len(chunks)} records, {per_call:.1f} us per "
        f"record_rx call, {stats.writes} writes, {stats.syncs} fsyncs while recording"
    )
    # 0.5 s sync interval plus one per 4096 records, not one per record.
    assert stats.syncs < len(chunks) / 100
