"""Benchmark: our LwM2M server against lwm2m-node-lib's, on loopback (not a test).

Registers ``--count`` simulated clients (default 1,000) with each server, then reads a
resource from every client, and prints per server: registrations/s, read p50/p99 (ms), RSS
per 1,000 registered clients, and the our/peer ratios. Each server runs in its own process
(so its RSS is its own); the simulated clients are raw UDP sockets in this process, shared
by both runs, so the ratios compare the servers and not the clients.

lwm2m-node-lib's server API reads single resources only, so both servers read
``/3/0/0`` (``--path``). Run: ``.venv/bin/python bench/bench_server.py [--count N]``.
Install lwm2m-node-lib with ``bash scripts/install-peers.sh`` (skipped when missing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path as FsPath
from typing import Any

ROOT = FsPath(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.server.coapwire import (  # noqa: E402
    MessageType,
    encode_message,
    parse_datagram,
)

NODE_DIR = ROOT / "tests" / "interop" / "node"
RECEIVE_BUFFER = 4 * 1024 * 1024


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_of(pid: int) -> int:
    """Resident set size in bytes (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class SimClient(asyncio.DatagramProtocol):
    """One simulated device: registers, then answers every GET with 2.05 "Acme"."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.transport: asyncio.DatagramTransport | None = None
        self.registered = asyncio.get_running_loop().create_future()
        self.mid = random.getrandbits(16)
        self.reads = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def register(self, server: tuple[str, int]) -> None:
        assert self.transport is not None
        self.mid = (self.mid + 1) & 0xFFFF
        query = [(15, f"ep=bench-{self.index}".encode()), (15, b"lt=600"), (15, b"b=U")]
        message = encode_message(
            MessageType.CON,
            0x02,
            self.mid,
            self.index.to_bytes(4, "big"),
            [(11, b"rd"), (12, b"\x28"), *query],
            b"</1/0>,</3/0>",
        )
        self.transport.sendto(message, server)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            msg = parse_datagram(data)
        except ValueError:
            return
        assert self.transport is not None
        if msg.code == 0x41 and not self.registered.done():  # 2.01
            self.registered.set_result(time.perf_counter())
        elif msg.is_request and msg.code == 0x01:
            self.reads += 1
            mtype = MessageType.ACK if msg.mtype is MessageType.CON else MessageType.NON
            reply = encode_message(mtype, 0x45, msg.mid, msg.token, [(12, b"")], b"Acme")
            self.transport.sendto(reply, addr)
        elif msg.mtype is MessageType.CON and msg.code == 0:
            self.transport.sendto(encode_message(MessageType.RST, 0, msg.mid), addr)


def _client_factory(index: int) -> Callable[[], SimClient]:
    return lambda: SimClient(index)


async def make_clients(count: int) -> list[SimClient]:
    loop = asyncio.get_running_loop()
    clients = []
    for index in range(count):
        _transport, protocol = await loop.create_datagram_endpoint(
            _client_factory(index), local_addr=("127.0.0.1", 0)
        )
        clients.append(protocol)
    return clients


async def register_all(clients: Sequence[SimClient], server: tuple[str, int], window: int) -> float:
    """Register every client (``window`` in flight, retrying after 2 s); returns reg/s."""
    start = time.perf_counter()
    semaphore = asyncio.Semaphore(window)

    async def one(client: SimClient) -> None:
        async with semaphore:
            for _attempt in range(5):
                client.register(server)
                try:
                    await asyncio.wait_for(asyncio.shield(client.registered), 2)
                    return
                except TimeoutError:
                    continue

    await asyncio.gather(*(one(c) for c in clients))
    done = [c for c in clients if c.registered.done()]
    elapsed = time.perf_counter() - start
    return len(done) / elapsed if elapsed else 0.0


class ServerProcess:
    """A server in a child process speaking the JSON-lines protocol of the node script."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name = name
        self.argv = argv
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            limit=64 * 1024 * 1024,
        )
        await self.expect("ready")

    async def expect(self, event: str, timeout: float = 60) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"{self.name} exited")
                obj: dict[str, Any] = json.loads(line)
                if obj.get("event") == event:
                    return obj

    async def ask(self, command: str, event: str, timeout: float = 90) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self.expect(event, timeout)

    @property
    def rss(self) -> int:
        return 0 if self.proc is None else rss_of(self.proc.pid)

    async def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def bench_one(
    server: ServerProcess, port: int, count: int, path: str, window: int
) -> dict[str, float]:
    await server.start()
    try:
        await asyncio.sleep(0.3)
        base_rss = server.rss
        clients = await make_clients(count)
        try:
            rate = await register_all(clients, ("127.0.0.1", port), window)
            await asyncio.sleep(0.3)
            registered = (await server.ask("count", "count"))["n"]
            after_rss = server.rss
            obj, inst, res = path.strip("/").split("/")
            reads = await server.ask(f"read {obj} {inst} {res} {window}", "reads")
        finally:
            for client in clients:
                if client.transport is not None:
                    client.transport.close()
    finally:
        await server.stop()
    latencies = sorted(reads["latencies"])
    per_1000 = (after_rss - base_rss) / max(registered, 1) * 1000 / 1e6
    return {
        "registered": registered,
        "reg_per_s": rate,
        "read_ok": len(latencies),
        "read_errors": reads["errors"],
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        if latencies
        else float("nan"),
        "rss_mb": after_rss / 1e6,
        "rss_per_1000_mb": per_1000,
    }


# -- the server side of our server (run in a child process) -----------------------------


async def read_all(server: Any, path: str, window: int) -> tuple[list[float], int]:
    """Read ``path`` from every registered client, ``window`` at a time."""
    semaphore = asyncio.Semaphore(window)
    latencies: list[float] = []
    errors = 0

    async def one(endpoint: str) -> None:
        nonlocal errors
        async with semaphore:
            start = time.perf_counter()
            try:
                result = await server.read(endpoint, path)
            except Exception:
                errors += 1
                return
            if result.success:
                latencies.append((time.perf_counter() - start) * 1000)
            else:
                errors += 1

    await asyncio.gather(*(one(ep) for ep in list(server.clients)))
    return latencies, errors


async def serve_ours(port: int) -> None:
    from workbench.lwm2m.definitions import builtin_registry
    from workbench.server import LwM2MServer, ServerConfig

    server = LwM2MServer("127.0.0.1", port, builtin_registry(), config=ServerConfig())
    await server.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def out(obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    out({"event": "ready"})
    try:
        while line := await reader.readline():
            parts = line.decode().split()
            if not parts:
                continue
            if parts[0] == "count":
                out({"event": "count", "n": len(server.clients)})
            elif parts[0] == "read":
                path = "/" + "/".join(parts[1:4])
                latencies, errors = await read_all(server, path, int(parts[4]))
                out({"event": "reads", "latencies": latencies, "errors": errors})
    finally:
        await server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="simulated clients (1000)")
    parser.add_argument("--path", default="/3/0/0", help="resource to read (/3/0/0)")
    parser.add_argument("--window", type=int, default=100, help="requests in flight (100)")
    parser.add_argument("--serve-ours", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_ours is not None:
        asyncio.run(serve_ours(args.serve_ours))
        return 0
    return asyncio.run(run_bench(args))


async def run_bench(args: argparse.Namespace) -> int:
    results: dict[str, dict[str, float]] = {}
    port = free_port()
    ours = ServerProcess("ours", [sys.executable, __file__, "--serve-ours", str(port)])
    results["ours (aiocoap)"] = await bench_one(ours, port, args.count, args.path, args.window)
    node = shutil.which("node")
    if node and (NODE_DIR / "node_modules" / "lwm2m-node-lib").is_dir():
        port = free_port()
        peer = ServerProcess("lwm2m-node-lib", [node, str(NODE_DIR / "server.js"), str(port)])
        results["lwm2m-node-lib"] = await bench_one(peer, port, args.count, args.path, args.window)
    else:
        print("lwm2m-node-lib not installed (bash scripts/install-peers.sh): peer skipped")
    print(f"{args.count} clients, reads of {args.path}, {args.window} in flight, loopback")
    header = f"{'server':<16}{'reg':>6}{'reg/s':>9}{'reads':>7}{'err':>5}"
    header += f"{'p50 ms':>9}{'p99 ms':>9}{'RSS MB':>8}{'MB/1000':>9}"
    print(header)
    for name, r in results.items():
        print(
            f"{name:<16}{r['registered']:>6.0f}{r['reg_per_s']:>9.0f}{r['read_ok']:>7.0f}"
            f"{r['read_errors']:>5.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
            f"{r['rss_mb']:>8.1f}{r['rss_per_1000_mb']:>9.1f}"
        )
    if len(results) == 2:
        ours_r, peer_r = results["ours (aiocoap)"], results["lwm2m-node-lib"]

        def ratio(key: str) -> str:
            return f"{ours_r[key] / peer_r[key]:.2f}" if peer_r[key] else "n/a"

        print(
            f"our/peer: reg/s {ratio('reg_per_s')}, p50 {ratio('p50_ms')}, "
            f"p99 {ratio('p99_ms')}, RSS/1000 {ratio('rss_per_1000_mb')}"
        )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
