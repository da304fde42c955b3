"""``lwm2m-workbench server``: the built-in LwM2M server, headless.

Prints one JSON object per line on stdout for every server event (and, with ``--coap-log``,
every datagram), and reads one command per line on stdin::

    list
    read EP PATH [FMT]            write EP PATH VALUE [FMT]      exec EP PATH [ARGS]
    observe EP PATH [FMT]         cancel EP PATH [passive]       discover EP PATH
    attrs EP PATH pmin=10 gt=2.5  create EP PATH JSON            delete EP PATH
    fota EP FILE [pull|push]      quit

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
import shlex
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value

HELP = (
    "list | read EP PATH [FMT] | write EP PATH VALUE [FMT] | exec EP PATH [ARGS] | "
    "observe EP PATH [FMT] | cancel EP PATH [passive] | discover EP PATH | "
    "attrs EP PATH name=value... | create EP PATH JSON | delete EP PATH | "
    "fota EP FILE [pull|push] | quit"
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
        metavar="ID:HEXKEY",
        help="DTLS pre-shared key for a client identity (repeatable; needs DTLSSocket)",
    )
    parser.add_argument("--dtls-port", type=int, default=None, help="DTLS port (default CoAP+1)")
    parser.add_argument("--bootstrap", metavar="FILE", help="bootstrap configuration (JSON)")
    parser.add_argument("--coap-log", action="store_true", help="also print every datagram")
    parser.add_argument(
        "--objects", action="append", default=[], metavar="DIR", help="extra DDF XML folder"
    )
    parser.set_defaults(func=main)


def parse_psk(items: list[str]) -> dict[str, bytes]:
    """``ID:HEXKEY`` pairs; the error never repeats the key."""
    out: dict[str, bytes] = {}
    for item in items:
        identity, sep, key = item.rpartition(":")
        if not sep or not identity:
            raise ValueError("--psk takes IDENTITY:HEXKEY")
        try:
            out[identity] = bytes.fromhex(key)
        except ValueError:
            raise ValueError(f"--psk {identity}: the key is not hex") from None
    return out


def main(args: argparse.Namespace) -> int:
    try:
        psk = parse_psk(args.psk)
    except ValueError as exc:
        print(json.dumps({"kind": "error", "error": str(exc)}), flush=True)
        return 2
    try:
        return asyncio.run(serve(args, psk, sys.stdin, sys.stdout))
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
    """Read lines in a daemon thread and hand them to the loop (``None`` at end of input)."""

    def reader() -> None:
        try:
            for line in stream:
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


async def serve(
    args: argparse.Namespace, psk: dict[str, bytes], stdin: TextIO, stdout: TextIO
) -> int:
    from workbench.lwm2m.definitions import load_registry
    from workbench.server import BootstrapConfig, BootstrapConfigError, LwM2MServer

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
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    start_stdin_reader(stdin, loop, queue)
    commands = Commands(server, out)
    pending: set[asyncio.Task[None]] = set()
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
            if line in ("quit", "exit"):
                break
            task = loop.create_task(commands.run(line))
            pending.add(task)
            task.add_done_callback(pending.discard)
    finally:
        for task in list(pending):
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await server.stop()
    return 0


def _fmt(text: str | None) -> int | None:
    return None if text is None else int(ContentFormat.parse(text))


def _number(text: str) -> float | int | None:
    if text == "":
        return None
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


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

    async def cmd_list(self) -> dict[str, Any]:
        return {"clients": [info.to_dict() for info in self.server.clients.values()]}

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

    async def cmd_fota(self, ep: str, file: str, method: str = "auto") -> dict[str, Any]:
        from workbench.server.fota import cli_fota

        return await cli_fota(self.server, ep, file, method)

    async def cmd_help(self) -> dict[str, Any]:
        return {"help": HELP}
