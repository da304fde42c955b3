"""Benchmark: the server's memory per registration and its ceiling under a flood (not a test).

Starts ``lwm2m-workbench server`` (default caps: 10,000 clients, 1,024 links per
registration, 250,000 in all, 30-day lifetimes) in its own process on 127.0.0.1 and
registers distinct endpoint names from this process over loopback (tests/server/flood.py):

1. ``--count`` registrations (default 5,000) in steps of 1,000: RSS after each step and the
   RSS per 1,000 registrations;
2. a flood of ``--flood`` further names (default 25,000, past the client cap): RSS every
   5,000, the answers (2.01 / 5.03) and the ceiling;
3. ``--big`` registrations (default 2,000) of 450 links each (the largest that fit one
   4 KB datagram): the all-clients link budget stops them, RSS before and after.

Run: ``.venv/bin/python bench/bench_limits.py [--count N] [--flood N] [--big N]``.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import threading
import time
from pathlib import Path as FsPath

ROOT = FsPath(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server.flood import flood  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident set size in MB (Linux /proc)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """``lwm2m-workbench server --port 0`` with its event lines drained and counted."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench", "server", "--port", "0"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.kinds: collections.Counter[str] = collections.Counter()
        self.limits: list[dict[str, object]] = []
        started = json.loads(self.proc.stdout.readline())
        assert started["kind"] == "server_started", started
        self.address = (str(started["host"]), int(started["port"]))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            self.kinds[event["kind"]] += 1
            if event["kind"] == "limit":
                self.limits.append(event)

    def rss(self) -> float:
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(30)


def register(server: Server, prefix: str, start: int, count: int, payload: bytes) -> str:
    names = [f"{prefix}{index}" for index in range(start, start + count)]
    answers = flood(server.address[0], server.address[1], names, payload, window=50)
    codes = collections.Counter(
        "none" if a is None else f"{a[0] >> 5}.{a[0] & 31:02d}" for a in answers
    )
    return ", ".join(f"{code}×{n}" for code, n in sorted(codes.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5_000)
    parser.add_argument("--flood", type=int, default=25_000)
    parser.add_argument("--big", type=int, default=2_000)
    args = parser.parse_args()
    small = b"</1/0>,</3/0>,</4/0>,</5/0>"
    server = Server()
    try:
        time.sleep(0.5)
        base = server.rss()
        print(f"server RSS at start: {base:.1f} MB (pid {server.proc.pid})")
        print(f"1. {args.count:,} registrations ({small.decode()}), in steps of 1,000:")
        previous = base
        per_step = []
        done = 0
        while done < args.count:
            step = min(1_000, args.count - done)
            answers = register(server, "ep-", done, step, small)
            done += step
            now = server.rss()
            per_step.append((now - previous) * 1000 / step)
            print(f"   {done:>6,} clients: RSS {now:6.1f} MB (+{now - previous:5.1f}) [{answers}]")
            previous = now
        per_1000 = (previous - base) * 1000 / max(done, 1)
        print(f"   RSS per 1,000 registrations: {per_1000:.2f} MB (mean over {done:,})")
        print(f"2. flood of {args.flood:,} more distinct names (default caps):")
        sent = 0
        ceiling = previous
        while sent < args.flood:
            step = min(5_000, args.flood - sent)
            answers = register(server, "flood-", sent, step, small)
            sent += step
            now = server.rss()
            ceiling = max(ceiling, now)
            print(f"   {done + sent:>6,} names sent: RSS {now:6.1f} MB [{answers}]")
        print(
            f"   flood ceiling with default caps: {ceiling:.1f} MB RSS; "
            f"limit events {server.kinds['limit']:,} (rate-limited), "
            f"registered events {server.kinds['registered']:,}"
        )
        big = ",".join(f"</3/{i}>" for i in range(450)).encode()
        print(f"3. {args.big:,} registrations of 450 links ({len(big):,} bytes) each:")
        # Room first: the client cap is full, so drop the small ones by restarting.
        server.stop()
        server = Server()
        time.sleep(0.5)
        before = server.rss()
        answers = register(server, "big-", 0, args.big, big)
        after = server.rss()
        print(f"   RSS {before:.1f} → {after:.1f} MB [{answers}]")
        if server.limits:
            last = server.limits[-1]
            print(f"   last limit event: {last['limit']} cap {last['cap']} → {last['answer']}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
