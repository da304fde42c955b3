"""``lwm2m-workbench simulate ID (--pty | --tcp H:P | --stdio)``: serve a simulated module.

The simulated module speaks its vendor's AT dialect on the chosen byte pipe and runs a real
LwM2M client against whatever server its AT commands (or ``--server``) configure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from typing import Any

from workbench.plugin.loader import discover_plugins
from workbench.transport.hosting import PtyHost, StdioHost, TcpHost


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="serve a simulated module's AT interface on a pty, TCP or stdio",
        description=__doc__,
    )
    parser.add_argument("module", metavar="ID", help="plugin id (see `lwm2m-workbench modules`)")
    parser.add_argument("--variant", help="product variant, e.g. 63B for ublox-sara-r4")
    parser.add_argument(
        "--server",
        default="",
        help="LwM2M server URL for modules with a factory server, e.g. coap://127.0.0.1:5683",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal")
    where.add_argument("--tcp", metavar="H:P", help="listen on TCP (open with socket://H:P)")
    where.add_argument("--stdio", action="store_true", help="use stdin/stdout")
    parser.set_defaults(func=run)


def _parse_host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--tcp expects HOST:PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def run(args: argparse.Namespace) -> int:
    registry = discover_plugins()
    try:
        plugin = registry.get(args.module)
        simulator = plugin.make_simulator(args.variant, args.server)
        tcp = _parse_host_port(args.tcp) if args.tcp else None
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"modules: {', '.join(registry.ids) or 'none found'}", file=sys.stderr)
        return 2
    return asyncio.run(_serve(plugin.id, simulator, args, tcp))


async def _serve(plugin_id: str, simulator: Any, args: argparse.Namespace, tcp: Any) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    host: PtyHost | TcpHost | StdioHost
    if args.pty:
        host = PtyHost(simulator)
        await host.start()
        _announce({"module": plugin_id, "pty": host.path})
    elif tcp is not None:
        host = TcpHost(simulator, *tcp)
        try:
            await host.start()
        except OSError as exc:
            print(f"error: cannot listen on {args.tcp}: {exc}", file=sys.stderr)
            return 1
        _announce({"module": plugin_id, "tcp": f"{host.host}:{host.port}"})
    else:
        host = StdioHost(simulator)
        await host.start()
        eof_waiter = asyncio.ensure_future(host.eof.wait())
        eof_waiter.add_done_callback(lambda _: stop.set())
    try:
        await stop.wait()
    finally:
        await host.stop()
    return 0


def _announce(info: dict[str, str]) -> None:
    """Tell the user (or a script) where to connect; stderr when stdout is the AT channel."""
    print(json.dumps(info), flush=True)
    if "pty" in info:
        print(f"simulated {info['module']} on {info['pty']} (Ctrl-C to stop)", file=sys.stderr)
