"""Soak benchmark (not a test): many live clients on our server and on lwm2m-node-lib's.

    .venv/bin/python bench/bench_soak.py [--count 10000] [--minutes 5] [--lifetime 60]
        [--notify-every 10] [--tick 0.005] [--peer/--no-peer]

Per server (each in its own process, so its RSS is its own): ``--count`` raw-UDP clients on
127.0.0.1 register (``lt=--lifetime``), the server observes ``/3303/0/5700`` on every one of
them, then for ``--minutes`` every client sends a confirmable notification every
``--notify-every`` seconds and an Update every 0.9 × lifetime (before the lifetime runs out,
as clients do), each at its own time to within ``--tick`` seconds. Printed every ``--report``
seconds: notifications and updates answered, latency p50/p99/max of the interval, the
server's CPU use and RSS; at the end the registrations the server still holds ("lost" = count
− held), updates refused (4.04 = the server forgot the client) and RSS per 1,000 clients.

What is measured where (the clients must not measure themselves):

* The server runs in a child process; the 10,000 clients share this process. Each client is a
  plain non-blocking UDP socket read through ``loop.add_reader`` (no asyncio transport).
* Handling latency is datagram sent (wall clock just before ``sendto``) → the server's answer
  (the ACK of a notification, the 2.04 of an Update) *arriving at the client's socket*, from
  the kernel's receive timestamp (``SO_TIMESTAMPNS``). So it is the server's handling plus
  loopback, and not the time the answer then waited for this busy process to read it; the
  latter is printed apart ("client queue p99"). Before this, the latency included that queue.
* Server CPU: user+system seconds of the server's process from ``/proc/<pid>/stat`` per
  interval, printed as a share of one core and as CPU µs per answered message (a figure that
  does not depend on the machine's load the way wall-clock latency does).
* The "late" column counts sends that left more than a second behind their schedule (this
  process could not keep up; the run then understates the load).

lwm2m-node-lib (node-coap) does not acknowledge confirmable notifications (seen here: no ACK
within seconds, and the notification still reaches its observe handler), so for it the
latency columns hold Updates only, and "server_heard" (notifications the server's own
handler counted) is the notification figure to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import pathlib
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from bench_server import NODE_DIR, ROOT, ServerProcess, free_port

from workbench.server.coapwire import MessageType, encode_message, parse_datagram

OBSERVED = (3303, 0, 5700)
CONTENT_TEXT = b""  # Content-Format 0 (text/plain) has an empty option value


SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
CMSG_SPACE = socket.CMSG_SPACE(16)


class SoakClient:
    """A device: registers, answers the Observe GET, then notifies and updates on schedule."""

    def __init__(self, index: int, lifetime: int, sock: socket.socket) -> None:
        self.index = index
        self.lifetime = lifetime
        self.sock = sock
        self.server: tuple[str, int] | None = None
        self.mid = random.getrandbits(16)
        self.location: list[bytes] = []
        self.registered = asyncio.get_running_loop().create_future()
        self.observe_token: bytes | None = None
        #: Where the Observe came from: notifications go there (node-coap asks from another
        #: socket than the one registrations reach).
        self.observe_addr: tuple[str, int] | None = None
        self.observe_seq = 1
        #: mid → (kind, wall-clock ns when sent) of confirmable messages waiting for answers.
        self.waiting: dict[int, tuple[str, int]] = {}
        self.refused_updates = 0

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self.sock.sendto(data, addr)
        except (BlockingIOError, InterruptedError):
            pass  # a full send buffer drops the datagram, as UDP would; CON retries are ours

    def _next_mid(self) -> int:
        self.mid = (self.mid + 1) & 0xFFFF
        return self.mid

    def register(self, server: tuple[str, int]) -> None:
        self.server = server
        query = [(15, f"ep=soak-{self.index}".encode()), (15, f"lt={self.lifetime}".encode())]
        message = encode_message(
            MessageType.CON, 0x02, self._next_mid(), self.index.to_bytes(4, "big"),
            [(11, b"rd"), (12, b"\x28"), *query, (15, b"b=U")],
            b"</1/0>,</3/0>,</3303/0>",
        )  # fmt: skip
        self.sendto(message, server)

    def send_update(self, stats: Stats) -> None:
        if self.server is None or not self.location:
            return
        mid = self._next_mid()
        options = [(11, part) for part in self.location]
        data = encode_message(MessageType.CON, 0x02, mid, b"u", options)
        self.waiting[mid] = ("update", time.time_ns())
        self.sendto(data, self.server)
        stats.updates_sent += 1

    def send_notification(self, stats: Stats) -> None:
        if self.observe_addr is None or self.observe_token is None:
            return
        self.observe_seq += 1
        mid = self._next_mid()
        value = f"{20 + (self.observe_seq % 50) / 10:.1f}".encode()
        options = [(6, self.observe_seq.to_bytes(3, "big")), (12, CONTENT_TEXT)]
        message = encode_message(MessageType.CON, 0x45, mid, self.observe_token, options, value)
        self.waiting[mid] = ("notify", time.time_ns())
        self.sendto(message, self.observe_addr)
        stats.notifications_sent += 1

    def readable(self) -> None:
        """Read every datagram waiting on the socket (``loop.add_reader`` callback)."""
        while True:
            try:
                data, ancdata, _flags, addr = self.sock.recvmsg(2048, CMSG_SPACE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # ICMP errors (a server that stopped) surface here
            arrived = 0
            for level, kind, cdata in ancdata:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", cdata[:16])
                    arrived = sec * 1_000_000_000 + nsec
            self.datagram_received(data, addr, arrived or time.time_ns())

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int], arrived: int) -> None:
        try:
            msg = parse_datagram(data)
        except ValueError:
            return
        stats = STATS
        if msg.mtype is MessageType.ACK:
            pending = self.waiting.pop(msg.mid, None)
            if msg.code == 0x41 and not self.registered.done():  # 2.01 Created
                self.location = [value for number, value in msg.options if number == 8]
                self.registered.set_result(time.perf_counter())
            if pending is not None and stats is not None:
                kind, sent = pending
                stats.latencies.append((arrived - sent) / 1e6)
                stats.queue.append((time.time_ns() - arrived) / 1e6)
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
            self.sendto(encode_message(mtype, 0x45, msg.mid, msg.token, options, b"20.0"), addr)
        elif msg.mtype is MessageType.CON:
            self.sendto(encode_message(MessageType.ACK, 0, msg.mid), addr)
        elif msg.mtype is MessageType.RST:
            self.waiting.pop(msg.mid, None)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
        self.sock.close()


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        #: How long answers waited in the client's socket before this process read them.
        self.queue: list[float] = []
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
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.bind(("127.0.0.1", 0))
        client = SoakClient(index, lifetime, sock)
        loop.add_reader(sock.fileno(), client.readable)
        out.append(client)
        if index % 500 == 499:
            await asyncio.sleep(0)
    return out


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc; 0 elsewhere)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Updater:
    """Sends each registered client's Update every ``every`` seconds from its registration on.

    The clients wait in registration order and go to the back after each Update, so the
    queue stays in time order and a tick costs only the Updates that are due.
    """

    def __init__(self, every: float, tick: float) -> None:
        self.every = every
        self.tick = tick
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
            await asyncio.sleep(self.tick)


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
        updater = Updater(args.lifetime * 0.9, args.tick)
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
            f"{'max ms':>8}{'queue99':>8}{'late':>6}{'srv CPU':>8}{'µs/msg':>8}{'RSS MB':>8}",
            flush=True,
        )
        pid = server.proc.pid if server.proc is not None else None
        cpu_start = cpu_last = cpu_seconds(pid)
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
                cpu_now = cpu_seconds(pid)
                # Per message the server received (lwm2m-node-lib does not ACK notifications).
                answered = max(s.notifications_sent + s.updates_sent, 1)
                print(
                    f"{now - start:>6.0f}{s.notifications_sent / interval:>9.0f}"
                    f"{s.notifications_acked:>8}"
                    f"{s.updates_ok / interval:>7.0f}{pct(s.latencies, 50):>8.1f}"
                    f"{pct(s.latencies, 99):>8.1f}"
                    f"{max(s.latencies, default=float('nan')):>8.1f}{pct(s.queue, 99):>8.1f}"
                    f"{s.late:>6}{(cpu_now - cpu_last) / interval:>8.0%}"
                    f"{(cpu_now - cpu_last) / answered * 1e6:>8.0f}{rss:>8.1f}",
                    flush=True,
                )
                cpu_last = cpu_now
                for key in (
                    "notifications_sent",
                    "notifications_acked",
                    "updates_sent",
                    "updates_ok",
                    "late",
                ):
                    setattr(totals, key, getattr(totals, key) + getattr(s, key))
                totals.latencies.extend(s.latencies)
                totals.queue.extend(s.queue)
                STATS = Stats()
                report_at += args.report
            await asyncio.sleep(args.tick)
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
        totals.queue.extend(s.queue)
        cpu_total = cpu_seconds(pid) - cpu_start
        final = await server.ask("count", "count")
        held, heard = final["n"], final.get("notifications", 0)
        if "gc" in final:
            print(
                f"server gc      {final['gc']} collections, longest"
                f" {final['gc_max'] * 1000:.0f} ms;"
                f" {final['gc_full']} full, longest {final['gc_full_max'] * 1000:.0f} ms",
                flush=True,
            )
        rss = server.rss
    finally:
        STATS = None
        if update_task is not None:
            update_task.cancel()
        for client in clients:
            client.close()
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
        "queue_p99": pct(totals.queue, 99),
        "cpu_us_per_msg": cpu_total / max(totals.notifications_sent + totals.updates_sent, 1)
        * 1e6,
        "server_cpu_s": cpu_total,
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
    print(
        f"server CPU     {cpu_total:.1f} s over the soak = {result['cpu_us_per_msg']:.0f} µs per"
        f" message sent to it; answers waited in the client process p99"
        f" {result['queue_p99']:.1f} ms (not in the latency above)",
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


async def serve_ours(port: int, trace_memory: str | None = None) -> None:
    from workbench.lwm2m.definitions import builtin_registry
    from workbench.server import LwM2MServer, ServerConfig

    if trace_memory:
        import tracemalloc

        tracemalloc.start(4)
        traced_from = tracemalloc.take_snapshot()

    server = LwM2MServer("127.0.0.1", port, builtin_registry(), config=ServerConfig())
    await server.start()
    try:  # what `lwm2m-workbench serve` does (absent from older trees: --baseline)
        from workbench.server.gcpolicy import ServerGcPolicy
    except ImportError:
        pass
    else:
        ServerGcPolicy().start()
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

    # Garbage-collector pauses of this server process: (generation, seconds) of the longest.
    gc_pauses: list[tuple[int, float]] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append((info["generation"], time.perf_counter() - gc_started[0]))

    gc.callbacks.append(on_gc)
    out({"event": "ready"})
    try:
        while line := await reader.readline():
            parts = line.decode().split()
            if not parts:
                continue
            if parts[0] == "count":
                if trace_memory:
                    # What the clients cost, by allocation site: the bench's --trace-memory.
                    diff = tracemalloc.take_snapshot().compare_to(traced_from, "lineno")
                    with open(trace_memory, "w", encoding="utf-8") as report:
                        for stat in diff[:60]:
                            print(stat, file=report)
                        census(report, len(server.clients))
                full = [t for g, t in gc_pauses if g == 2]
                out({"event": "count", "n": len(server.clients), "notifications": notifications[0],
                     "gc": len(gc_pauses), "gc_max": max((t for _g, t in gc_pauses), default=0.0),
                     "gc_full": len(full), "gc_full_max": max(full, default=0.0)})  # fmt: skip
            elif parts[0] == "observe":
                path = "/" + "/".join(parts[1:4])
                started = time.perf_counter()
                errors = await observe_all(server, path, int(parts[4]), counted, observations)
                out({"event": "observed", "ok": len(observations), "errors": errors,
                     "seconds": time.perf_counter() - started})  # fmt: skip
    finally:
        await server.stop()


def _holder(obj: Any) -> str:
    """A readable name for what keeps ``obj`` alive (an attribute dict names its owner)."""
    name = type(obj).__name__
    if isinstance(obj, dict):
        for owner in gc.get_referrers(obj):
            if getattr(owner, "__dict__", None) is obj:
                return f"{type(owner).__module__}.{type(owner).__qualname__}"
    if name == "cell":
        for owner in gc.get_referrers(obj):
            if isinstance(owner, tuple):
                for fn in gc.get_referrers(owner):
                    if getattr(fn, "__closure__", None) is owner:
                        return f"closure of {fn.__qualname__}"
    if name == "frame":
        return f"frame {obj.f_code.co_qualname}"
    if name == "coroutine":
        return f"coroutine {obj.__qualname__}"
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _held_by(
    objects: list[Any], sample: int, label: Callable[[Any], str] = lambda _o: ""
) -> Counter[str]:
    """What holds each of a random sample of ``objects`` (``gc.get_referrers`` is slow, hence
    the sample), counted by ``label(obj)`` and the holders' names."""
    chosen = random.sample(objects, min(sample, len(objects)))
    held: Counter[str] = Counter()
    for obj in chosen:
        names = sorted(
            _holder(r) for r in gc.get_referrers(obj) if r is not chosen and r is not objects
        )
        held[label(obj) + (" + ".join(names) or "-")] += 1
    return held


def census(report: Any, clients: int, sample: int = 300) -> None:
    """What the server keeps per client, by kind: the objects its memory is made of.

    Per client: gc-tracked objects by type (count and shallow bytes), closures by name,
    aiocoap messages by code, asyncio tasks by coroutine and futures; and for a sample of the
    messages, aiocoap's pipes and requests, deques and asyncio events, what holds each.
    """
    from aiocoap import Message
    from aiocoap.pipe import Pipe
    from aiocoap.protocol import BlockwiseRequest, Request

    gc.unfreeze()  # the server's GC policy freezes what survives; get_objects skips that
    gc.collect()
    everything = gc.get_objects()
    per = max(clients, 1)
    of_type: dict[type, list[Any]] = {}
    by_type: Counter[str] = Counter()
    size_of: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    for obj in everything:
        kind = type(obj)
        of_type.setdefault(kind, []).append(obj)
        name = f"{kind.__module__}.{kind.__qualname__}"
        by_type[name] += 1
        size_of[name] += sys.getsizeof(obj)
        if kind.__name__ == "function":
            functions[obj.__qualname__] += 1
    messages = of_type.get(Message, [])
    tasks = [o for o in everything if isinstance(o, asyncio.Task)]
    print(f"\n## census: {clients} clients, objects per client", file=report)
    print(f"{len(everything) / per:8.1f}  gc-tracked objects", file=report)
    del everything
    print(f"{len(messages) / per:8.2f}  aiocoap messages", file=report)
    for code, n in Counter(str(m.code) for m in messages).most_common():
        print(f"{n / per:8.2f}    {code}", file=report)
    print(f"{len(tasks) / per:8.2f}  asyncio tasks", file=report)
    for coro, n in Counter(t.get_coro().__qualname__ for t in tasks).most_common(12):
        print(f"{n / per:8.2f}    {coro}", file=report)
    del tasks
    print(f"{len(of_type.get(asyncio.Future, [])) / per:8.2f}  asyncio futures", file=report)
    print("functions (closures) by name, per client:", file=report)
    for name, n in functions.most_common(8):
        print(f"{n / per:8.2f}    {name}", file=report)
    print("gc-tracked objects by type (count, shallow bytes per client):", file=report)
    for name, n in size_of.most_common(25):
        print(f"{by_type[name] / per:8.2f} {n / per:8.0f} B  {name}", file=report)
    held = _held_by(messages, sample, lambda m: f"{m.code}: ")
    print(f"messages held by (a sample of {min(sample, len(messages))}):", file=report)
    for what, n in held.most_common(20):
        print(f"{n:6d}  {what}", file=report)
    for kind in (Pipe, Request, BlockwiseRequest, deque, asyncio.Event):
        found = of_type.get(kind, [])
        print(f"{len(found) / per:8.2f}  {kind.__qualname__} per client, held by:", file=report)
        for what, n in _held_by(found, sample).most_common(6):
            print(f"{n:6d}  {what}", file=report)


def extract(rev: str, into: str) -> pathlib.Path:
    """The repository's tree at ``rev`` (``git archive``) under ``into``: the previous server."""
    tree = pathlib.Path(into) / rev
    tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


async def run(args: argparse.Namespace) -> int:
    results: dict[str, dict[str, Any]] = {}
    if args.baseline:
        # The previous server, from its own tree (its bench script puts that tree first on
        # sys.path), against the same clients in the same run: the ratio to trust.
        with tempfile.TemporaryDirectory() as tmp:
            tree = extract(args.baseline, tmp)
            port = free_port()
            argv = [sys.executable, str(tree / "bench" / "bench_soak.py"), "--serve-ours",
                    str(port)]  # fmt: skip
            name = f"ours @ {args.baseline}"
            results[name] = await soak_one(name, ServerProcess(name, argv), port, args)
    port = free_port()
    argv = [sys.executable, str(ROOT / "bench" / "bench_soak.py"), "--serve-ours", str(port)]
    if args.profile:
        argv += ["--profile", args.profile]
    if args.trace_memory:
        argv += ["--trace-memory", args.trace_memory]
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
        "cpu_us_per_msg",
        "late",
    )
    print(f"{'server':<16}" + "".join(f"{k:>{len(k) + 7}}" for k in keys))
    for name, r in results.items():
        cells = (
            f"{r[k]:>{len(k) + 7}.1f}" if isinstance(r[k], float) else f"{r[k]:>{len(k) + 7}}"
            for k in keys
        )
        print(f"{name:<16}" + "".join(cells))
    a = results["ours (aiocoap)"]
    for name, b in results.items():
        if b is a:
            continue
        print(
            f"ratios ours/{name}: p99 {a['p99'] / b['p99']:.2f},"
            f" RSS {a['rss_mb'] / b['rss_mb']:.2f},"
            f" RSS per 1,000 clients {a['rss_per_1000'] / b['rss_per_1000']:.2f},"
            f" server CPU per message {a['cpu_us_per_msg'] / b['cpu_us_per_msg']:.2f}"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--lifetime", type=int, default=60)
    parser.add_argument("--notify-every", type=float, default=10.0)
    parser.add_argument(
        "--tick",
        type=float,
        default=0.005,
        help="seconds between the client process's sends: each client's Update and "
        "notification leaves within this of its own time (0.1 sent the Updates of a wave in "
        "bursts of ~480 at once, which measured the bench's pacing more than the server)",
    )
    parser.add_argument("--report", type=float, default=30.0, help="seconds between report lines")
    parser.add_argument("--window", type=int, default=200, help="registrations/observes in flight")
    parser.add_argument("--no-peer", dest="peer", action="store_false")
    parser.add_argument(
        "--baseline", metavar="REV", help="also soak our server as of git revision REV (first)"
    )
    parser.add_argument("--serve-ours", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile our server into FILE (pstats format)"
    )
    parser.add_argument(
        "--trace-memory",
        metavar="FILE",
        help="tracemalloc our server; at the end write its top allocation sites to FILE",
    )
    args = parser.parse_args(argv)
    if args.serve_ours is not None:
        if args.profile:
            import cProfile

            # Written when stdin closes (the bench stops the server): where its time went.
            cProfile.runctx("asyncio.run(serve_ours(port))", globals(), {"port": args.serve_ours},
                            args.profile)  # fmt: skip
        else:
            asyncio.run(serve_ours(args.serve_ours, args.trace_memory))
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
