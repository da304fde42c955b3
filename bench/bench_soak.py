"""Soak benchmark (not a test): many live clients on our server and on lwm2m-node-lib's.

    .venv/bin/python bench/bench_soak.py [--count 10000] [--minutes 5] [--lifetime 60]
        [--notify-every 10] [--peer/--no-peer]

Per server (each in its own process, so its RSS is its own): ``--count`` raw-UDP clients on
127.0.0.1 register (``lt=--lifetime``), the server observes ``/3303/0/5700`` on every one of
them, then for ``--minutes`` every client sends a confirmable notification every
``--notify-every`` seconds and an Update every 0.9 × lifetime (before the lifetime runs out,
as clients do). Handling latency is measured at the client: datagram sent → the server's
answer (the ACK of a notification, the 2.04 of an Update) received; it therefore includes the
client process's own delays, the same for both servers. Printed every ``--report`` seconds:
notifications and updates answered, latency p50/p99/max of the interval, the server's RSS;
at the end the registrations the server still holds ("lost" = count − held), updates refused
(4.04 = the server forgot the client) and RSS per 1,000 clients.

The clients of both runs live in this one process; on a small machine they, not the server,
may be the bottleneck: the "late" column counts sends that left more than a second behind
their schedule.

lwm2m-node-lib (node-coap) does not acknowledge confirmable notifications (seen here: no ACK
within seconds, and the notification still reaches its observe handler), so for it the
latency columns hold Updates only, and "server_heard" (notifications the server's own
handler counted) is the notification figure to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))

from bench_server import NODE_DIR, ROOT, ServerProcess, free_port

from workbench.server.coapwire import MessageType, encode_message, parse_datagram

OBSERVED = (3303, 0, 5700)
CONTENT_TEXT = b""  # Content-Format 0 (text/plain) has an empty option value


class SoakClient(asyncio.DatagramProtocol):
    """A device: registers, answers the Observe GET, then notifies and updates on schedule."""

    def __init__(self, index: int, lifetime: int) -> None:
        self.index = index
        self.lifetime = lifetime
        self.transport: asyncio.DatagramTransport | None = None
        self.server: tuple[str, int] | None = None
        self.mid = random.getrandbits(16)
        self.location: list[bytes] = []
        self.registered = asyncio.get_running_loop().create_future()
        self.observe_token: bytes | None = None
        #: Where the Observe came from: notifications go there (node-coap asks from another
        #: socket than the one registrations reach).
        self.observe_addr: tuple[str, int] | None = None
        self.observe_seq = 1
        #: mid → (kind, send time) of confirmable messages waiting for their answer.
        self.waiting: dict[int, tuple[str, float]] = {}
        self.refused_updates = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def _next_mid(self) -> int:
        self.mid = (self.mid + 1) & 0xFFFF
        return self.mid

    def register(self, server: tuple[str, int]) -> None:
        assert self.transport is not None
        self.server = server
        query = [(15, f"ep=soak-{self.index}".encode()), (15, f"lt={self.lifetime}".encode())]
        message = encode_message(
            MessageType.CON, 0x02, self._next_mid(), self.index.to_bytes(4, "big"),
            [(11, b"rd"), (12, b"\x28"), *query, (15, b"b=U")],
            b"</1/0>,</3/0>,</3303/0>",
        )  # fmt: skip
        self.transport.sendto(message, server)

    def send_update(self, stats: Stats) -> None:
        if self.transport is None or self.server is None or not self.location:
            return
        mid = self._next_mid()
        options = [(11, part) for part in self.location]
        self.waiting[mid] = ("update", time.perf_counter())
        self.transport.sendto(
            encode_message(MessageType.CON, 0x02, mid, b"u", options), self.server
        )
        stats.updates_sent += 1

    def send_notification(self, stats: Stats) -> None:
        if self.transport is None or self.observe_addr is None or self.observe_token is None:
            return
        self.observe_seq += 1
        mid = self._next_mid()
        value = f"{20 + (self.observe_seq % 50) / 10:.1f}".encode()
        options = [(6, self.observe_seq.to_bytes(3, "big")), (12, CONTENT_TEXT)]
        message = encode_message(MessageType.CON, 0x45, mid, self.observe_token, options, value)
        self.waiting[mid] = ("notify", time.perf_counter())
        self.transport.sendto(message, self.observe_addr)
        stats.notifications_sent += 1

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            msg = parse_datagram(data)
        except ValueError:
            return
        assert self.transport is not None
        stats = STATS
        if msg.mtype is MessageType.ACK:
            pending = self.waiting.pop(msg.mid, None)
            if msg.code == 0x41 and not self.registered.done():  # 2.01 Created
                self.location = [value for number, value in msg.options if number == 8]
                self.registered.set_result(time.perf_counter())
            if pending is not None and stats is not None:
                kind, sent = pending
                stats.latencies.append((time.perf_counter() - sent) * 1000)
                if kind == "update":
                    if msg.code == 0x44:  # 2.04 Changed
                        stats.updates_ok += 1
                    else:
                        self.refused_updates += 1
                else:
                    stats.notifications_acked += 1
            return
        if msg.is_request and msg.code == 0x01:  # GET (the Observe, or a read)
            observe = any(number == 6 for number, _ in msg.options)
            if observe:
                self.observe_token = msg.token
                self.observe_addr = (str(addr[0]), int(addr[1]))
            options = [(6, self.observe_seq.to_bytes(3, "big"))] if observe else []
            options.append((12, CONTENT_TEXT))
            mtype = MessageType.ACK if msg.mtype is MessageType.CON else MessageType.NON
            self.transport.sendto(
                encode_message(mtype, 0x45, msg.mid, msg.token, options, b"20.0"), addr
            )
        elif msg.mtype is MessageType.CON:
            self.transport.sendto(encode_message(MessageType.ACK, 0, msg.mid), addr)
        elif msg.mtype is MessageType.RST:
            self.waiting.pop(msg.mid, None)


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.notifications_sent = 0
        self.notifications_acked = 0
        self.updates_sent = 0
        self.updates_ok = 0
        self.late = 0


#: The interval's counters, reached by every client's datagram_received (one run at a time).
STATS: Stats | None = None


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


async def make_clients(count: int, lifetime: int) -> list[SoakClient]:
    loop = asyncio.get_running_loop()
    out = []
    for index in range(count):
        _t, proto = await loop.create_datagram_endpoint(
            lambda i=index: SoakClient(i, lifetime),  # type: ignore[misc]
            local_addr=("127.0.0.1", 0),
        )
        out.append(proto)
    return out


class Updater:
    """Sends each registered client's Update every ``every`` seconds from its registration on.

    The clients wait in registration order and go to the back after each Update, so the
    queue stays in time order and a tick costs only the Updates that are due.
    """

    def __init__(self, every: float) -> None:
        self.every = every
        self.queue: deque[tuple[float, SoakClient]] = deque()
        #: Where the Updates of the set-up phases (registration, observe) are counted.
        self.setup = Stats()

    def add(self, client: SoakClient, registered_at: float) -> None:
        self.queue.append((registered_at + self.every, client))

    def run_due(self, now: float) -> None:
        stats = STATS if STATS is not None else self.setup
        while self.queue and self.queue[0][0] <= now:
            due, client = self.queue.popleft()
            if now - due > 1.0:
                stats.late += 1
            client.send_update(stats)
            self.queue.append((due + self.every, client))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.run_due(time.perf_counter())
            await asyncio.sleep(0.1)


async def register_all(
    clients: Sequence[SoakClient], server: tuple[str, int], window: int, updater: Updater
) -> float:
    start = time.perf_counter()
    semaphore = asyncio.Semaphore(window)

    async def one(client: SoakClient) -> None:
        async with semaphore:
            for _ in range(5):
                client.register(server)
                try:
                    at = await asyncio.wait_for(asyncio.shield(client.registered), 3)
                    updater.add(client, at)
                    return
                except TimeoutError:
                    continue

    await asyncio.gather(*(one(c) for c in clients))
    return time.perf_counter() - start


async def soak_one(
    name: str, server: ServerProcess, port: int, args: argparse.Namespace
) -> dict[str, Any]:
    global STATS
    print(
        f"\n## {name}: {args.count} clients, lt={args.lifetime} s, notify every "
        f"{args.notify_every} s, {args.minutes} min",
        flush=True,
    )
    await server.start()
    clients: list[SoakClient] = []
    update_task: asyncio.Task[None] | None = None
    try:
        await asyncio.sleep(0.3)
        base_rss = server.rss
        clients = await make_clients(args.count, args.lifetime)
        # Updates run from each registration on, through the observe phase too: a client
        # that registered first must not expire while the others register.
        updater = Updater(args.lifetime * 0.9)
        stop_updates = asyncio.Event()
        update_task = asyncio.create_task(updater.run(stop_updates))
        took = await register_all(clients, ("127.0.0.1", port), args.window, updater)
        registered = sum(1 for c in clients if c.registered.done())
        print(
            f"registered     {registered}/{args.count} in {took:.1f} s ("
            f"{registered / took:,.0f}/s)",
            flush=True,
        )
        observed = await server.ask(
            f"observe {' '.join(map(str, OBSERVED))} {args.window}", "observed", timeout=600
        )
        print(
            f"observed       {observed['ok']} ok, {observed['errors']} failed in "
            f"{observed['seconds']:.1f} s",
            flush=True,
        )
        print(
            f"{'t s':>6}{'notif/s':>9}{'acked':>8}{'upd/s':>7}{'p50 ms':>8}{'p99 ms':>8}"
            f"{'max ms':>8}{'late':>6}{'RSS MB':>8}",
            flush=True,
        )
        totals = Stats()
        start = time.perf_counter()
        end = start + args.minutes * 60
        # Client k notifies at start + period × (k / count) + m × period: one rotating index,
        # so a tick costs only the notifications that are due.
        period = args.notify_every
        sent = 0
        series: list[tuple[float, float]] = []
        report_at = start + args.report
        STATS = Stats()
        while True:
            now = time.perf_counter()
            if now >= end:
                break
            due = int((now - start) / period * len(clients)) + 1
            if due - sent > len(clients) / period + 1:
                STATS.late += due - sent  # more than a second behind: counted, then sent
            while sent < due:
                clients[sent % len(clients)].send_notification(STATS)
                sent += 1
            if now >= report_at:
                interval = now - (report_at - args.report)
                s = STATS
                rss = server.rss / 1e6
                series.append((now - start, rss))
                print(
                    f"{now - start:>6.0f}{s.notifications_sent / interval:>9.0f}"
                    f"{s.notifications_acked:>8}"
                    f"{s.updates_ok / interval:>7.0f}{pct(s.latencies, 50):>8.1f}"
                    f"{pct(s.latencies, 99):>8.1f}"
                    f"{max(s.latencies, default=float('nan')):>8.1f}{s.late:>6}{rss:>8.1f}",
                    flush=True,
                )
                for key in (
                    "notifications_sent",
                    "notifications_acked",
                    "updates_sent",
                    "updates_ok",
                    "late",
                ):
                    setattr(totals, key, getattr(totals, key) + getattr(s, key))
                totals.latencies.extend(s.latencies)
                STATS = Stats()
                report_at += args.report
            await asyncio.sleep(0.05)
        await asyncio.sleep(2)  # the last answers
        stop_updates.set()
        await update_task
        s = STATS
        for key in (
            "notifications_sent",
            "notifications_acked",
            "updates_sent",
            "updates_ok",
            "late",
        ):
            setattr(totals, key, getattr(totals, key) + getattr(s, key))
        totals.latencies.extend(s.latencies)
        final = await server.ask("count", "count")
        held, heard = final["n"], final.get("notifications", 0)
        rss = server.rss
    finally:
        STATS = None
        if update_task is not None:
            update_task.cancel()
        for client in clients:
            if client.transport is not None:
                client.transport.close()
        await server.stop()
    refused = sum(c.refused_updates for c in clients)
    per_1000 = (rss - base_rss) / max(args.count, 1) * 1000 / 1e6
    result = {
        "held": held, "lost": args.count - held, "server_heard": heard, "refused_updates": refused,
        "notif_sent": totals.notifications_sent, "notif_acked": totals.notifications_acked,
        "updates_sent": totals.updates_sent, "updates_ok": totals.updates_ok,
        "p50": pct(totals.latencies, 50), "p99": pct(totals.latencies, 99),
        "max": max(totals.latencies, default=float("nan")), "rss_mb": rss / 1e6,
        "rss_per_1000": per_1000, "late": totals.late,
        "rate": (totals.notifications_acked + totals.updates_ok) / (args.minutes * 60),
    }  # fmt: skip
    print(
        f"end            held {held}/{args.count} (lost {args.count - held}), updates refused "
        f"{refused}, "
        f"notifications {totals.notifications_acked}/{totals.notifications_sent} acked, "
        f"updates {totals.updates_ok}/{totals.updates_sent} ok; the server counted "
        f"{heard} notifications",
        flush=True,
    )
    print(
        f"latency        p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, max "
        f"{result['max']:.1f} ms;"
        f" throughput {result['rate']:.0f} answered msgs/s; RSS {rss / 1e6:.1f} MB"
        f" = {per_1000:.2f} MB per 1,000 clients over the empty server",
        flush=True,
    )
    return result


# -- our server in a child process ---------------------------------------------------------


async def observe_all(
    server: Any, path: str, window: int, callback: Any, observations: list[Any]
) -> int:
    """Observe ``path`` on every registered client, ``window`` at a time; returns failures."""
    semaphore = asyncio.Semaphore(window)
    errors = 0

    async def one(endpoint: str) -> None:
        nonlocal errors
        async with semaphore:
            try:
                observations.append(await server.observe(endpoint, path, callback=callback))
            except Exception:
                errors += 1

    await asyncio.gather(*(one(ep) for ep in list(server.clients)))
    return errors


async def serve_ours(port: int) -> None:
    from workbench.lwm2m.definitions import builtin_registry
    from workbench.server import LwM2MServer, ServerConfig

    server = LwM2MServer("127.0.0.1", port, builtin_registry(), config=ServerConfig())
    await server.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    notifications = [0]
    observations: list[Any] = []

    def out(obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    def counted(_n: Any) -> None:
        notifications[0] += 1

    out({"event": "ready"})
    try:
        while line := await reader.readline():
            parts = line.decode().split()
            if not parts:
                continue
            if parts[0] == "count":
                out({"event": "count", "n": len(server.clients), "notifications": notifications[0]})
            elif parts[0] == "observe":
                path = "/" + "/".join(parts[1:4])
                started = time.perf_counter()
                errors = await observe_all(server, path, int(parts[4]), counted, observations)
                out({"event": "observed", "ok": len(observations), "errors": errors,
                     "seconds": time.perf_counter() - started})  # fmt: skip
    finally:
        await server.stop()


async def run(args: argparse.Namespace) -> int:
    results: dict[str, dict[str, Any]] = {}
    port = free_port()
    argv = [sys.executable, str(ROOT / "bench" / "bench_soak.py"), "--serve-ours", str(port)]
    if args.profile:
        argv += ["--profile", args.profile]
    ours = ServerProcess("ours", argv)
    results["ours (aiocoap)"] = await soak_one("ours (aiocoap)", ours, port, args)
    node = shutil.which("node")
    if args.peer and node and (NODE_DIR / "node_modules" / "lwm2m-node-lib").is_dir():
        port = free_port()
        peer = ServerProcess("lwm2m-node-lib", [node, str(NODE_DIR / "server.js"), str(port)])
        results["lwm2m-node-lib"] = await soak_one("lwm2m-node-lib", peer, port, args)
    elif args.peer:
        print("lwm2m-node-lib not installed (bash scripts/install-peers.sh): peer skipped")
    print("\n## summary")
    keys = (
        "held",
        "lost",
        "refused_updates",
        "server_heard",
        "notif_acked",
        "updates_ok",
        "p50",
        "p99",
        "max",
        "rss_mb",
        "rss_per_1000",
        "late",
    )
    print(f"{'server':<16}" + "".join(f"{k:>{len(k) + 7}}" for k in keys))
    for name, r in results.items():
        cells = (
            f"{r[k]:>{len(k) + 7}.1f}" if isinstance(r[k], float) else f"{r[k]:>{len(k) + 7}}"
            for k in keys
        )
        print(f"{name:<16}" + "".join(cells))
    if len(results) == 2:
        a, b = results["ours (aiocoap)"], results["lwm2m-node-lib"]
        print(
            f"ratios ours/peer: p99 {a['p99'] / b['p99']:.2f}, RSS {a['rss_mb'] / b['rss_mb']:.2f}"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--lifetime", type=int, default=60)
    parser.add_argument("--notify-every", type=float, default=10.0)
    parser.add_argument("--report", type=float, default=30.0, help="seconds between report lines")
    parser.add_argument("--window", type=int, default=200, help="registrations/observes in flight")
    parser.add_argument("--no-peer", dest="peer", action="store_false")
    parser.add_argument("--serve-ours", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile our server into FILE (pstats format)"
    )
    args = parser.parse_args(argv)
    if args.serve_ours is not None:
        if args.profile:
            import cProfile

            # Written when stdin closes (the bench stops the server): where its time went.
            cProfile.runctx("asyncio.run(serve_ours(port))", globals(), {"port": args.serve_ours},
                            args.profile)  # fmt: skip
        else:
            asyncio.run(serve_ours(args.serve_ours))
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
