"""``lwm2m-workbench demo [ID]``: watch a simulated module register, no hardware needed.

Starts the built-in server on 127.0.0.1 and a simulated module of plugin ``ID`` on a pty, opens
the pty, sends the module's documented configuration sequence and prints the AT conversation,
the decoded events and the server's side as they happen. After the registration the server
reads ``/3/0``; for a module with host-managed objects (SIM7028, ST87MXX) it then reads a
resource only the host knows, which the workbench answers as the host. It then keeps running
(lifetime updates, notifications) until Ctrl-C, or exits with a one-line verdict with ``--once``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from typing import Any, TextIO

from workbench.app.demo import DEFAULT_PLUGIN, DemoCallbacks, DemoSession
from workbench.app.hostservice import HostAnswerReport
from workbench.at.types import ClassifiedLine, LineKind
from workbench.module.events import Event
from workbench.plugin.loader import discover_plugins
from workbench.server.coaplog import ServerEvent


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the built-in server and a simulated module, and watch it register",
        description=__doc__,
    )
    parser.add_argument("module", nargs="?", default=DEFAULT_PLUGIN, metavar="ID")
    parser.add_argument("--variant", help="product variant (see `lwm2m-workbench modules`)")
    parser.add_argument("--port", type=int, default=0, help="server UDP port (default: any free)")
    parser.add_argument("--once", action="store_true", help="exit after reading /3/0")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of text")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait to register")
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="do not record the session file the window would (LWM2M_WORKBENCH_SESSIONS sets "
        "its folder)",
    )
    parser.set_defaults(func=run)


class Printer:
    """Human or JSON-lines output of everything the demo sees."""

    def __init__(self, out: TextIO, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.start = time.monotonic()

    def _emit(self, record: dict[str, Any], text: str) -> None:
        if self.as_json:
            record["t"] = round(time.monotonic() - self.start, 3)
            print(json.dumps(record, default=str), file=self.out, flush=True)
        else:
            print(f"{time.monotonic() - self.start:8.3f}  {text}", file=self.out, flush=True)

    def tx(self, text: str) -> None:
        self._emit({"type": "tx", "text": text}, f"TX   {text}")

    def line(self, line: ClassifiedLine) -> None:
        if line.kind in (LineKind.BLANK, LineKind.ECHO):
            return
        tag = "URC " if line.kind is LineKind.URC else "RX  "
        self._emit({"type": "rx", "kind": line.kind.value, "text": line.text}, f"{tag} {line.text}")

    def event(self, event: Event) -> None:
        data = event.to_dict()
        if data.get("kind") == "unknown":
            return
        fields = {k: v for k, v in data.items() if k not in ("kind", "line", "raw")}
        detail = ", ".join(f"{k}={v}" for k, v in fields.items())
        self._emit({"type": "event", **data}, f"       -> {data['kind']}: {detail}")

    #: The server-event fields worth a line of text; the JSON output carries all of them.
    SERVER_FIELDS: tuple[str, ...] = (
        *("address", "lifetime", "binding", "lwm2m", "operation", "path", "state"),
        *("code", "rtt_ms", "reason"),
    )

    def server(self, event: ServerEvent) -> None:
        data = event.to_dict()
        data.pop("time", None)
        kind = data.pop("kind")
        shown = {k: v for k, v in data.items() if k in self.SERVER_FIELDS and v is not None}
        detail = ", ".join(f"{k}={v}" for k, v in shown.items())
        ep = data.get("endpoint", "")
        self._emit({"type": "server", "kind": kind, **data}, f"SRV  {kind} {ep} {detail}".rstrip())

    def note(self, text: str) -> None:
        self._emit({"type": "note", "text": text}, f"---  {text}")

    def host(self, report: HostAnswerReport) -> None:
        """What the host answered a request of the module (or why it could not)."""
        answer = report.answer
        paths = ", ".join(answer.paths if answer is not None else [r.path for r in report.group])
        op = answer.op if answer is not None else report.group[0].op
        if report.error:
            state, detail = "failed", report.error
        elif report.sent:
            state, detail = "accepted", ""
        else:
            state, detail = "answering", " ".join(answer.commands) if answer else ""
        record = {"type": "host", "op": op, "paths": paths, "state": state, "detail": detail}
        self._emit(record, f"HOST {op} {paths}: {state} {detail}".rstrip())


def run(args: argparse.Namespace) -> int:
    registry = discover_plugins()
    try:
        plugin = registry.get(args.module)
        plugin.resolve_variant(args.variant)
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"modules: {', '.join(registry.ids) or 'none found'}", file=sys.stderr)
        return 2
    if plugin.connect_sequence is None:
        print(f"error: {plugin.id} has no documented connect sequence to demo", file=sys.stderr)
        return 2
    return asyncio.run(_demo(plugin, args))


async def _demo(plugin: Any, args: argparse.Namespace) -> int:
    printer = Printer(sys.stdout, args.json)
    callbacks = DemoCallbacks(
        on_tx=printer.tx,
        on_line=printer.line,
        on_event=printer.event,
        on_server_event=printer.server,
        on_note=printer.note,
        on_host_answer=printer.host,
    )
    recorder: Any = None
    if not getattr(args, "no_record", False):
        # Recorded like the window's demo: the serial traffic, the events and the server's
        # side, secrets masked, in the same folder (File → Open session reopens it).
        from workbench.gui.sessions import start_recording
        from workbench.transport.serial_port import PortSettings

        variant = args.variant or plugin.default
        try:
            recorder, session_path = start_recording(
                f"sim://{plugin.id}", PortSettings(), plugin, variant, ""
            )
        except OSError as exc:
            printer.note(f"not recording the session: {exc}")
        else:
            if session_path is not None:
                printer.note(f"recording the session to {session_path}")
    session = DemoSession(
        plugin, args.variant, server_port=args.port, callbacks=callbacks, recorder=recorder
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await session.start()
        report = await session.connect(args.timeout)
        if report.registered:
            printer.note(f"registered as {report.endpoint} in {report.seconds_to_register} s")
            for path, value in report.device.items():
                printer.note(f"{path} = {value!r}")
        host_ok = True
        if report.registered and plugin.host_demo is not None:
            host_ok = await session.host_read()
            for path, value in report.host_read.items():
                printer.note(f"{path} = {value!r} (host-managed, answered by the host)")
        for failure in report.failed_commands:
            printer.note(f"command failed: {failure}")
        for line in session.state.summary():
            printer.note(f"state: {line}")
        if args.once or not report.registered:
            passed = (
                report.registered and report.module_registered and bool(report.device) and host_ok
            )
            if report.registered and not report.module_registered:
                report.error = "the server saw a registration the module did not report"
            verdict = "PASS" if passed else f"FAIL ({report.error})"
            printer.note(f"demo {plugin.id}: {verdict}")
            return 0 if passed else 1
        printer.note("running; Ctrl-C to stop")
        await stop.wait()
        return 0
    except OSError as exc:
        printer.note(f"error: {exc}")
        return 1
    finally:
        await session.stop()
        if recorder is not None:
            from workbench.gui.sessions import close_recorder

            if session.connection is not None:
                close_recorder(session.connection)
            else:
                recorder.close()
