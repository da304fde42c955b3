"""AT benchmarks (not a test): decode throughput per plugin and AT round trips over a pty.

    .venv/bin/python bench/bench_at.py [--lines 100000] [--seconds 5]

Decode: each plugin's golden transcripts (tests/plugins/<pkg>/transcripts/*.txt) are repeated
into a mixed log of ``--lines`` lines and run through the same pipeline as ``lwm2m-workbench
decode`` (framer → AT engine → plugin decoder), on one core. The baseline on the same log is
splitting it into lines only, so the ratio says what classification and decoding cost.

Round trips: ``AT`` → ``OK`` to the plugin's simulator on a real pseudo-terminal through
pyserial, as fast as one host thread can go, for ``--seconds``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import serial

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.app.pipeline import decode_log, events_of  # noqa: E402
from workbench.plugin.loader import discover_plugins  # noqa: E402
from workbench.plugin_api import Plugin  # noqa: E402
from workbench.transport.hosting import PtyHost  # noqa: E402
from workbench.transport.loopthread import LoopThread  # noqa: E402


def mixed_log(plugin: Plugin, lines: int) -> bytes | None:
    """The plugin's transcripts repeated to ``lines`` lines (None when it ships none)."""
    module = sys.modules[type(plugin.make_decoder()).__module__].__name__
    package = module.split(".")[1] if module.startswith("plugins.") else ""
    folder = ROOT / "tests" / "plugins" / package / "transcripts"
    texts = [p.read_bytes() for p in sorted(folder.glob("*.txt"))] if package else []
    source = [ln for t in texts for ln in t.splitlines() if ln.strip()]
    if not source:
        return None
    repeated = (source * (lines // len(source) + 1))[:lines]
    return b"\r\n".join(repeated) + b"\r\n"


def bench_decode(plugin: Plugin, log: bytes) -> tuple[float, float, int]:
    start = time.perf_counter()
    events = sum(1 for _ in events_of(decode_log(log, plugin)))
    decode_s = time.perf_counter() - start
    start = time.perf_counter()
    _ = [ln for ln in log.splitlines() if ln]
    split_s = time.perf_counter() - start
    return decode_s, split_s, events


def bench_round_trips(plugin: Plugin, seconds: float) -> float:
    thread = LoopThread()
    host = PtyHost(plugin.make_simulator(None, "coap://127.0.0.1:9"))
    thread.run(host.start())
    try:
        with serial.Serial(host.path, 115200, timeout=2) as port:
            port.write(b"ATE0\r\n")
            time.sleep(0.3)
            port.reset_input_buffer()
            count = 0
            deadline = time.perf_counter() + seconds
            start = time.perf_counter()
            while time.perf_counter() < deadline:
                port.write(b"AT\r\n")
                reply = b""
                while not reply.endswith(b"OK\r\n"):
                    chunk = port.read(port.in_waiting or 1)
                    if not chunk:
                        raise RuntimeError(f"{plugin.id}: no OK to AT, got {reply!r}")
                    reply += chunk
                count += 1
            return count / (time.perf_counter() - start)
    finally:
        thread.run(host.stop())
        thread.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    registry = discover_plugins(user=False, entry_points=False)
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.lines} lines/log")
    header = f"{'plugin':<18}{'lines/s':>12}{'MB/s':>8}{'events':>9}{'vs split':>10}{'AT rt/s':>10}"
    print(header)
    for plugin in registry.plugins:
        log = mixed_log(plugin, args.lines)
        if log is None:
            print(f"{plugin.id:<18}  (no transcripts shipped; skipped)")
            continue
        decode_s, split_s, events = bench_decode(plugin, log)
        rate = args.lines / decode_s
        mbps = len(log) / decode_s / 1e6
        rts = bench_round_trips(plugin, args.seconds)
        ratio = f"{decode_s / split_s:.0f}x"
        print(f"{plugin.id:<18}{rate:>12,.0f}{mbps:>8.2f}{events:>9}{ratio:>10}{rts:>10,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
