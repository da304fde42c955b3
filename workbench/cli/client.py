"""``lwm2m-workbench client --server coap://H:P --ep NAME [--count N]``: simulated clients.

Runs one plain LwM2M client, or ``--count`` of them named ``NAME-0000``, ``NAME-0001``... in
one process (each with its own UDP port, like real devices), prints every event as a JSON
line on stdout and a summary line at the end. Ctrl-C or end of stdin de-registers every
client and exits cleanly. ``--quiet`` prints only the summary (load tests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from collections import Counter
from typing import Any, TextIO

from workbench.client import ClientConfig, ClientEvent, LwM2MClient
from workbench.client.defaults import default_registry


def register(subparsers: Any) -> None:
    """Add the ``client`` sub-command to the ``lwm2m-workbench`` parser."""
    parser = subparsers.add_parser(
        "client",
        help="run one or many simulated LwM2M clients against a server",
        description=(
            "Run simulated LwM2M clients (Security, Server, Device, Connectivity, Firmware "
            "objects) against a server; print their events as JSON lines. Ctrl-C or end of "
            "stdin de-registers and exits."
        ),
    )
    parser.add_argument("--server", default="coap://127.0.0.1:5683", help="LwM2M server URI")
    parser.add_argument("--bootstrap", metavar="URI", help="bootstrap server URI")
    parser.add_argument("--ep", default="workbench", help="endpoint name (prefix with --count)")
    parser.add_argument("--count", type=int, default=1, help="number of clients")
    parser.add_argument("--lifetime", type=int, default=300, help="registration lifetime (s)")
    parser.add_argument(
        "--lwm2m", default="1.1", choices=("1.0", "1.1", "1.2"), help="LwM2M version"
    )
    parser.add_argument("--binding", default="U", help="binding (U, UQ...)")
    parser.add_argument("--bind", default="127.0.0.1", help="local address to bind")
    parser.add_argument(
        "--transport", action="append", help="aiocoap transport (default udp6 on Linux)"
    )
    parser.add_argument(
        "--ramp", type=float, default=0.0, help="seconds between client starts (spread load)"
    )
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.set_defaults(func=run)


def endpoint_names(prefix: str, count: int) -> list[str]:
    """``NAME`` for one client, ``NAME-0000``.. for several."""
    if count <= 1:
        return [prefix]
    return [f"{prefix}-{index:04d}" for index in range(count)]


def run(args: argparse.Namespace) -> int:
    """Entry point of the sub-command; returns the process exit code."""
    if args.count < 1:
        print("error: --count must be at least 1", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run_clients(args, sys.stdout))
    except KeyboardInterrupt:
        return 130


async def run_clients(args: argparse.Namespace, out: TextIO) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    watcher = _watch_stdin(stop)
    counts: Counter[str] = Counter()

    def on_event(event: ClientEvent) -> None:
        if event.kind == "registration":
            counts[str(event.fields.get("state"))] += 1
        if not args.quiet:
            out.write(json.dumps(event.to_json(), default=str) + "\n")
            out.flush()

    registry = default_registry()  # parsed once, shared: most of a client's memory otherwise
    clients = [
        LwM2MClient(
            name,
            args.server if args.bootstrap is None else None,
            registry=registry,
            on_event=on_event,
            config=ClientConfig(
                lifetime=args.lifetime,
                lwm2m_version=args.lwm2m,
                binding=args.binding,
                bootstrap_url=args.bootstrap,
                local_host=args.bind,
                transports=args.transport,
            ),
        )
        for name in endpoint_names(args.ep, args.count)
    ]
    started = time.monotonic()
    starts: list[asyncio.Task[None]] = []
    for client in clients:
        starts.append(asyncio.create_task(client.start(wait=False)))
        if args.ramp:
            await asyncio.sleep(args.ramp)
    await asyncio.gather(*starts, return_exceptions=True)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(args.duration):  # not wait_for (3.11 cancel race)
            await stop.wait()
    registered = sum(1 for c in clients if c.registered)
    await asyncio.gather(*(c.stop() for c in clients), return_exceptions=True)
    if watcher is not None:
        watcher()
    summary = {
        "kind": "summary",
        "clients": len(clients),
        "registered_at_stop": registered,
        "registrations": counts["registered"],
        "updates": counts["updated"],
        "failures": counts["failed"] + counts["update_failed"],
        "deregistered": counts["deregistered"],
        "seconds": round(time.monotonic() - started, 3),
    }
    out.write(json.dumps(summary) + "\n")
    out.flush()
    return 0 if registered == len(clients) else 1


def _watch_stdin(stop: asyncio.Event) -> Any:
    """Set ``stop`` at end of stdin (a pipe closed by the parent); returns an unwatch function."""
    loop = asyncio.get_running_loop()
    try:
        fd = sys.stdin.fileno()
        if sys.stdin.isatty():
            return None
    except (AttributeError, OSError, ValueError):
        return None

    def readable() -> None:
        import os

        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(fd)
            stop.set()

    try:
        loop.add_reader(fd, readable)
    except (NotImplementedError, OSError, ValueError, PermissionError):
        return None
    return lambda: loop.remove_reader(fd)
