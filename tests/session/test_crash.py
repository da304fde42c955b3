"""(b) A real crash: a writer process is killed with SIGKILL while it records."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.session.crash_writer import T0, payload
from tests.session.helpers import writer
from workbench.session import Damage, Problem, RecordKind, SerialData, SessionReader

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def run_and_kill(path: Path, rng: random.Random) -> int:
    """Start the writer, wait until some records are durable, kill it; return durable count."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.session.crash_writer", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    durable = 0
    reports = 0
    deadline = time.monotonic() + 60
    target = rng.randint(3, 12)
    try:
        assert child.stdout is not None
        while reports < target and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            durable = max(durable, int(line.split()[1]))
            reports += 1
        time.sleep(rng.uniform(0, 0.05))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        # Reports printed between our last read and the kill still count.
        for line in child.stdout:
            durable = max(durable, int(line.split()[1]))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert durable > 1, "the writer never reported durable records"
    return durable


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_loses_nothing_reported_durable(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "crash.wbs"
    durable = run_and_kill(path, random.Random(seed))

    reports: list[Damage | Problem] = []
    with SessionReader(path) as reader:
        records = list(reader.records(on_report=reports.append))
    # Only a torn tail is acceptable: no damage in the middle, nothing undecodable.
    assert all(isinstance(r, Damage) and r.tail for r in reports), reports
    assert records[0].kind is RecordKind.META
    assert len(records) >= durable, (len(records), durable)
    for number, record in enumerate(records[1:]):
        assert isinstance(record.body, SerialData)
        assert record.body.data == payload(number), number
        assert record.t == T0 + number / 1000
    print(f"\nseed {seed}: {durable} records reported durable, {len(records)} in the file")

    # The file is still appendable and readable: the torn tail is cut, nothing else.
    with writer(path, append=True) as w:
        w.record_rx(b"after the crash\r\n")
    after_reports: list[Damage | Problem] = []
    with SessionReader(path) as reader:
        again = list(reader.records(on_report=after_reports.append))
        summary = reader.summary()
    assert after_reports == []
    assert [repr(r.body) for r in again[: len(records)]] == [repr(r.body) for r in records]
    assert [r.kind for r in again[len(records) :]] == [
        RecordKind.META,
        RecordKind.RX,
        RecordKind.END,
    ]
    assert summary.complete and summary.resumed == 1
