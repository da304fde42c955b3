"""``lwm2m-workbench server``: the built-in LwM2M server, headless.

Prints one JSON object per line on stdout for every server event (and, with ``--coap-log``,
every datagram), and reads one command per line on stdin::

    list [OFFSET [LIMIT]]         (a page of clients: LIMIT 1..1000, default 100)
    read EP PATH [FMT]            write EP PATH VALUE [FMT]      exec EP PATH [ARGS]
    observe EP PATH [FMT]         cancel EP PATH [passive]       discover EP PATH
    attrs EP PATH pmin=10 gt=2.5  create EP PATH JSON            delete EP PATH
    fota EP FILE [pull|push|auto] [URI]      quit

``fota`` runs a whole firmware update (object 5, see :mod:`workbench.server.fota`): its
steps print as ``fota`` events and its ``result`` comes when the update finished or failed.

Each command answers with a ``result`` or an ``error`` object carrying ``command``; a bad
command never stops the server. Stdin is read by a thread so the event loop never blocks
(a pipe or a console behave the same on every OS).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import shlex
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.paths import Path
from workbench.lwm2m.tasks import TaskSet
from workbench.lwm2m.values import Value

if TYPE_CHECKING:
    from workbench.server.security import PskEntry

HELP = (
    "list [OFFSET [LIMIT]] | read EP PATH [FMT] | write EP PATH VALUE [FMT] | "
    "exec EP PATH [ARGS] | observe EP PATH [FMT] | cancel EP PATH [passive] | discover EP PATH | "
    "attrs EP PATH name=value... | create EP PATH JSON | delete EP PATH | "
    "fota EP FILE [pull|push|auto] [URI] | quit"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "server",
        help="run the built-in LwM2M server headless (JSON events out, commands in)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5683, help="CoAP port (0 picks a free one)")
    parser.add_argument(
        "--all-interfaces",
        action="store_true",
        help="bind every interface (exposes the server to the network)",
    )
    parser.add_argument(
        "--psk",
        action="append",
        default=[],
        metavar="ID:HEXKEY[@EP]",
        help="DTLS pre-shared key for a client identity, bound to endpoint EP (default: the "
        "endpoint it first registers); repeatable; needs DTLSSocket. Visible in ps: prefer "
        "--psk-file or --psk-env",
    )
    parser.add_argument(
        "--psk-file",
        metavar="FILE",
        help="read ID:HEXKEY[@EP] entries from FILE (one per line, # comments)",
    )
    parser.add_argument(
        "--psk-env",
        metavar="VAR",
        help="read ID:HEXKEY[@EP] entries (space or newline separated) from variable VAR",
    )
    parser.add_argument("--dtls-port", type=int, default=None, help="DTLS port (default CoAP+1)")
    parser.add_argument("--bootstrap", metavar="FILE", help="bootstrap configuration (JSON)")
    parser.add_argument(
        "--max-clients", type=int, help="most registered clients (default 10,000; 0: no cap)"
    )
    parser.add_argument(
        "--max-objects",
        type=int,
        help="most object and instance links in one registration (default 1,024; 0: no cap)",
    )
    parser.add_argument(
        "--max-lifetime",
        type=int,
        help="largest accepted lifetime in seconds (default 30 days; 0: no cap)",
    )
    parser.add_argument("--coap-log", action="store_true", help="also print every datagram")
    parser.add_argument(
        "--objects", action="append", default=[], metavar="DIR", help="extra DDF XML folder"
    )
    parser.set_defaults(func=main)


def parse_psk(items: list[str]) -> dict[str, bytes]:
    """``ID:HEXKEY[@EP]`` entries as identity → key; errors never repeat the key."""
    from workbench.server.security import parse_psk_entry, psk_tables

    return psk_tables(parse_psk_entry(item) for item in items)[0]


def load_psk(args: argparse.Namespace) -> tuple[list[PskEntry], list[str]]:
    """The entries of ``--psk``, ``--psk-file`` and ``--psk-env``, and warnings about them.

    A key on the command line is visible to every local user in ``ps``; a file (readable by
    its owner only) or a variable keeps it out of there.
    """
    from workbench.server.security import parse_psk_entry, parse_psk_lines

    entries = [parse_psk_entry(item) for item in args.psk]
    warnings: list[str] = []
    if args.psk:
        warnings.append(
            "--psk puts keys on the command line, visible to other local users (ps); "
            "prefer --psk-file or --psk-env"
        )
    if args.psk_file:
        path = pathlib.Path(args.psk_file)
        try:
            text = path.read_text(encoding="utf-8")
            mode = path.stat().st_mode
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"--psk-file {args.psk_file}: cannot read it ({exc})") from None
        if os.name == "posix" and mode & 0o077:
            warnings.append(f"--psk-file {args.psk_file} is readable by other users; chmod 600 it")
        entries += parse_psk_lines(text.splitlines(), f"--psk-file {args.psk_file}")
    if args.psk_env:
        value = os.environ.get(args.psk_env)
        if value is None:
            raise ValueError(f"--psk-env: the variable {args.psk_env} is not set")
        entries += parse_psk_lines(value.splitlines(), f"--psk-env {args.psk_env}")
    return entries, warnings


def main(args: argparse.Namespace) -> int:
    from workbench.server.security import psk_tables

    try:
        entries, warnings = load_psk(args)
        psk, endpoints = psk_tables(entries)
    except ValueError as exc:
        print(json.dumps({"kind": "error", "error": str(exc)}), flush=True)
        return 2
    for warning in warnings:
        print(json.dumps({"kind": "warning", "text": warning}), flush=True)
    try:
        return asyncio.run(serve(args, psk, sys.stdin, sys.stdout, endpoints))
    except KeyboardInterrupt:
        return 130


class Output:
    """One JSON object per line, flushed (a pipe reader sees events as they happen)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, obj: dict[str, Any]) -> None:
        try:
            self.stream.write(json.dumps(obj, default=str) + "\n")
            self.stream.flush()
        except (BrokenPipeError, ValueError):
            pass


def start_stdin_reader(
    stream: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]
) -> threading.Thread:
    """Read lines in a daemon thread and hand them to the loop (``None`` at end of input).

    Bytes are read and decoded line by line with ``surrogateescape``: a text stream's strict
    decoder raises on the first non-UTF-8 byte and ends the iteration, which silently
    stopped every later command (``quit`` included). Bad bytes now reach the loop as lone
    surrogates, which :func:`undecodable` spots so the line is answered with an error.
    """
    raw = getattr(stream, "buffer", None)

    def lines() -> Iterator[str]:
        if raw is None:
            yield from stream
            return
        for data in raw:
            yield data.decode("utf-8", "surrogateescape")

    def reader() -> None:
        try:
            for line in lines():
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError):
            pass
        finally:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, None)
            except RuntimeError:
                pass  # the loop is already closed

    thread = threading.Thread(target=reader, name="stdin-reader", daemon=True)
    thread.start()
    return thread


def undecodable(line: str) -> str | None:
    """``line`` shown with its bad bytes escaped when it was not valid UTF-8, else ``None``."""
    if not any("\udc80" <= char <= "\udcff" for char in line):
        return None
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


async def serve(
    args: argparse.Namespace,
    psk: dict[str, bytes],
    stdin: TextIO,
    stdout: TextIO,
    psk_endpoints: dict[str, str | None] | None = None,
) -> int:
    from workbench.lwm2m.definitions import load_registry
    from workbench.server import BootstrapConfig, BootstrapConfigError, LwM2MServer, ServerConfig
    from workbench.server.gcpolicy import ServerGcPolicy
    from workbench.server.limits import Limits

    out = Output(stdout)
    registry, problems = load_registry(args.objects)
    for problem in problems:
        out({"kind": "warning", "text": str(problem)})
    bootstrap = None
    if args.bootstrap:
        try:
            bootstrap = BootstrapConfig.load(args.bootstrap)
        except BootstrapConfigError as exc:
            out({"kind": "error", "error": str(exc)})
            return 2
    try:
        server = LwM2MServer(
            args.host,
            args.port,
            registry,
            all_interfaces=args.all_interfaces,
            psk=psk,
            bootstrap=bootstrap,
            psk_endpoints=psk_endpoints,
            config=ServerConfig(limits=_limits(args, Limits())),
        )
        server.dtls_port = args.dtls_port
    except ValueError as exc:
        out({"kind": "error", "error": str(exc)})
        return 2
    server.events.subscribe(lambda ev: out(ev.to_dict()))
    if args.coap_log:
        server.coap_log.subscribe(lambda entry: out(entry.to_dict()))
    try:
        await server.start()
    except (OSError, RuntimeError, ValueError) as exc:
        out({"kind": "error", "error": f"cannot start: {exc}"})
        return 1
    # This process only serves: no full collection over every client's objects every few
    # seconds (see workbench.server.gcpolicy).
    gc_policy = ServerGcPolicy()
    gc_policy.start()
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    start_stdin_reader(stdin, loop, queue)
    commands = Commands(server, out)
    pending = TaskSet(
        lambda name, exc: out({"kind": "error", "command": name[:200], "error": repr(exc)[:500]}),
        owner="server command",
    )
    try:
        while True:
            line = await queue.get()
            if line is None:
                # End of input: keep serving until interrupted (started with < /dev/null).
                await asyncio.Event().wait()
                continue
            line = line.strip()
            if not line:
                continue
            shown = undecodable(line)
            if shown is not None:
                out({"kind": "error", "command": shown[:200], "error": "not valid UTF-8"})
                continue
            if line in ("quit", "exit"):
                break
            pending.spawn(commands.run(line), line)
    finally:
        gc_policy.stop()
        await pending.close()
        await server.stop()
    return 0


def _limits(args: argparse.Namespace, limits: Any) -> Any:
    """``limits`` (the defaults) with the caps given on the command line (0: no cap)."""
    for name in ("max_clients", "max_objects", "max_lifetime"):
        value = getattr(args, name, None)
        if value is not None:
            setattr(limits, name, value or None)
    return limits


def _fmt(text: str | None) -> int | None:
    return None if text is None else int(ContentFormat.parse(text))


def _number(text: str) -> float | int | None:
    if text == "":
        return None
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


#: Clients per ``list`` answer by default, and at most (one JSON line each).
LIST_PAGE = 100
MAX_LIST_PAGE = 1000


class Commands:
    """The stdin command language, mapped onto the server's async API."""

    def __init__(self, server: Any, out: Callable[[dict[str, Any]], None]) -> None:
        self.server = server
        self.out = out

    async def run(self, line: str) -> None:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            self.out({"kind": "error", "command": line, "error": f"cannot parse: {exc}"})
            return
        name, args = words[0], words[1:]
        handler = getattr(self, f"cmd_{name}", None)
        if handler is None:
            self.out({"kind": "error", "command": line, "error": f"unknown command; {HELP}"})
            return
        try:
            result = await handler(*args)
        except TypeError as exc:
            if "positional argument" in str(exc):
                self.out({"kind": "error", "command": line, "error": f"usage: {HELP}"})
                return
            self.out({"kind": "error", "command": line, "error": str(exc)})
            return
        except Exception as exc:
            self.out({"kind": "error", "command": line, "error": str(exc) or type(exc).__name__})
            return
        self.out({"kind": "result", "command": line, **result})

    def _value(self, path: str, text: str) -> Value | dict[Path, Value]:
        if text.startswith("{"):
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("a JSON value must be an object of path → value")
            return {Path.parse(k): self._json_value(k, v) for k, v in data.items()}
        value: Value = self.server.parse_value(path, text)
        return value

    def _json_value(self, path: str, value: Any) -> Value:
        if isinstance(value, dict) and "hex" in value:
            return bytes.fromhex(str(value["hex"]))
        if isinstance(value, str):
            parsed: Value = self.server.parse_value(path, value)
            return parsed
        if isinstance(value, bool | int | float) or value is None:
            return value
        raise ValueError(f"{path}: unsupported JSON value {value!r}")

    async def cmd_list(self, offset: str = "0", limit: str = str(LIST_PAGE)) -> dict[str, Any]:
        try:
            start, count = int(offset), int(limit)
        except ValueError:
            raise ValueError("list takes OFFSET and LIMIT as numbers") from None
        if start < 0 or not 1 <= count <= MAX_LIST_PAGE:
            raise ValueError(f"list: OFFSET >= 0 and LIMIT 1..{MAX_LIST_PAGE}")
        page, total = self.server.client_page(start, count)
        after = start + len(page)
        return {
            "clients": [info.to_dict() for info in page],
            "offset": start,
            "total": total,
            "next": after if after < total else None,
        }

    async def cmd_read(self, ep: str, path: str, fmt: str | None = None) -> dict[str, Any]:
        result = await self.server.read(ep, path, _fmt(fmt))
        out: dict[str, Any] = result.to_dict()
        return out

    async def cmd_write(
        self, ep: str, path: str, value: str, fmt: str | None = None
    ) -> dict[str, Any]:
        result = await self.server.write(ep, path, self._value(path, value), _fmt(fmt))
        out: dict[str, Any] = result.to_dict()
        return out

    async def cmd_exec(self, ep: str, path: str, *arguments: str) -> dict[str, Any]:
        result = await self.server.execute(ep, path, " ".join(arguments))
        out: dict[str, Any] = result.to_dict()
        return out

    async def cmd_observe(self, ep: str, path: str, fmt: str | None = None) -> dict[str, Any]:
        obs = await self.server.observe(ep, path, _fmt(fmt))
        out: dict[str, Any] = obs.initial.to_dict()
        out["token"] = obs.token.hex()
        return out

    async def cmd_cancel(self, ep: str, path: str, mode: str = "active") -> dict[str, Any]:
        if mode not in ("active", "passive"):
            raise ValueError("cancel mode is 'active' or 'passive'")
        answer = await self.server.cancel_observation(ep, path, active=mode == "active")
        out: dict[str, Any] = {"cancelled": path, "mode": mode}
        if answer is not None:
            out.update(answer.to_dict())
        return out

    async def cmd_discover(self, ep: str, path: str) -> dict[str, Any]:
        result = await self.server.discover(ep, path)
        out: dict[str, Any] = result.to_dict()
        return out

    async def cmd_attrs(self, ep: str, path: str, *pairs: str) -> dict[str, Any]:
        attributes: dict[str, float | int | None] = {}
        for pair in pairs:
            name, _sep, value = pair.partition("=")
            try:
                attributes[name] = _number(value)
            except ValueError:
                raise ValueError(f"{pair}: the value must be a number") from None
        result = await self.server.write_attributes(ep, path, attributes)
        out: dict[str, Any] = result.to_dict()
        return out

    async def cmd_create(
        self, ep: str, path: str, data: str, fmt: str | None = None
    ) -> dict[str, Any]:
        values = self._value(path, data)
        if not isinstance(values, dict):
            raise ValueError("create takes a JSON object of path → value")
        result = await self.server.create(ep, path, values, _fmt(fmt))
        out: dict[str, Any] = result.to_dict()
        return out

    async def cmd_delete(self, ep: str, path: str) -> dict[str, Any]:
        result = await self.server.delete(ep, path)
        out: dict[str, Any] = result.to_dict()
        return out

    async def cmd_fota(
        self, ep: str, file: str, method: str = "auto", uri: str | None = None
    ) -> dict[str, Any]:
        from workbench.server.fota import cli_fota

        return await cli_fota(self.server, ep, file, method, uri)

    async def cmd_help(self) -> dict[str, Any]:
        return {"help": HELP}
