"""``lwm2m-workbench run FILE... --port P --module ID``: run scenarios against a module.

Opens the port (a serial device, ``socket://H:P`` or ``sim://ID``), starts the built-in server
on 127.0.0.1, runs each ``.atseq`` file in order (AT steps and LwM2M steps, see the README) and
prints one line per step: verdict, time, and the lines or CoAP messages that decided it.
``--junit`` writes JUnit XML, ``--session`` records the whole run (serial bytes, decoded
events, the server's CoAP messages) as a session file.

Exit status: 0 when every step passed, 1 when one failed, 2 for a bad file or option (the
message names the file and line; a port that cannot be opened counts as a bad option).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import urllib.parse
from pathlib import Path
from typing import Any, TextIO

from workbench.app.scenario import (
    ConnectionTarget,
    FileReport,
    ScenarioExecutor,
    StepRecord,
    load_scenarios,
    run_scenarios,
)
from workbench.app.sequences import CommandSequence, Outcome, SequenceError
from workbench.plugin.loader import discover_plugins

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_MARK = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAIL",
    Outcome.TIMEOUT: "TIME",
    Outcome.SKIPPED: "SKIP",
    Outcome.CANCELLED: "STOP",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run .atseq scenarios (AT and LwM2M steps) against a module; JUnit output",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".atseq scenario files")
    parser.add_argument(
        "--port", required=True, help="serial device, socket://HOST:PORT or sim://ID"
    )
    parser.add_argument("--module", required=True, metavar="ID", help="module plugin id")
    parser.add_argument("--variant", help="product variant (see `lwm2m-workbench modules`)")
    parser.add_argument("--junit", metavar="OUT.xml", help="write JUnit XML here")
    parser.add_argument("--session", metavar="OUT", help="record the run to this session file")
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="run every step even after a failure (default: stop at the first)",
    )
    parser.add_argument(
        "--server-port",
        type=int,
        default=0,
        metavar="PORT",
        help="UDP port of the built-in server (default: any free port)",
    )
    parser.set_defaults(func=run)


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    registry = discover_plugins()
    try:
        plugin = registry.get(args.module)
        variant = plugin.resolve_variant(args.variant)
    except (LookupError, ValueError) as exc:
        return _usage(f"{exc} (modules: {', '.join(registry.ids) or 'none found'})")
    if not 0 <= args.server_port <= 65535:
        return _usage(f"--server-port {args.server_port} is not a UDP port (0..65535)")
    if args.session and Path(args.session).exists():
        return _usage(f"--session {args.session}: the file exists (choose a new name)")
    try:
        sequences = load_scenarios(args.files)
    except SequenceError as exc:
        return _usage(str(exc))
    return asyncio.run(_run(args, plugin, variant, sequences))


def sim_url(port: str, server_url: str, variant: str) -> str:
    """A ``sim://`` port pointed at the run's server (and variant) unless it names its own."""
    if not port.startswith("sim://"):
        return port
    parts = urllib.parse.urlsplit(port)
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    query.setdefault("server", [server_url])
    if variant:
        query.setdefault("variant", [variant])
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, doseq=True)))


class StepPrinter:
    """One line per step (verdict, time, file:line, step, message), evidence indented."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, record: StepRecord) -> None:
        if record.text.startswith("#"):
            return
        mark = _MARK.get(record.outcome, str(record.outcome))
        print(
            f"{mark} {record.elapsed:7.3f}s  {record.where}  {record.text}  — {record.message}",
            file=self.out,
            flush=True,
        )
        if record.outcome is Outcome.SKIPPED or list(record.evidence) == [record.message]:
            return  # nothing the step line did not already say
        for line in record.evidence:
            print(f"{'':16}{line}", file=self.out, flush=True)


async def _run(
    args: argparse.Namespace, plugin: Any, variant: str, sequences: list[CommandSequence]
) -> int:
    from workbench.app.connection import ModuleConnection, PortError
    from workbench.server import LwM2MServer

    server = LwM2MServer("127.0.0.1", args.server_port)
    try:
        await server.start()
    except OSError as exc:  # --server-port taken: the option is unusable
        print(f"error: cannot start the built-in server: {exc}", file=sys.stderr)
        return EXIT_USAGE
    host, port = server.address
    server_url = f"coap://{host}:{port}"
    url = sim_url(args.port, server_url, variant)
    recorder = _recorder(args.session, url, plugin.id, variant, f"{host}:{port}")
    unsubscribe = []
    if recorder is not None:
        unsubscribe.append(server.events.subscribe(recorder.record_server_event))
        unsubscribe.append(server.coap_log.subscribe(recorder.record_coap))
    conn = ModuleConnection(url, plugin, variant, recorder=recorder)
    unsubscribe.append(conn.attach_server(server.events))
    print(f"server {server_url}; module {plugin.id} ({variant}) on {url}", flush=True)
    reports: list[FileReport] = []
    executor: ScenarioExecutor | None = None
    try:
        try:
            conn.open()
        except PortError as exc:  # no such device, or a sim:// id no plugin simulates
            print(f"error: --port {args.port}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        executor = ScenarioExecutor(
            server, plugin, lambda command, timeout: conn.send(command, timeout), lambda: conn
        )
        printer = StepPrinter(sys.stdout)

        def on_record(record: StepRecord) -> None:
            printer(record)
            if recorder is not None:
                recorder.marker(f"{record.where} {record.outcome}: {record.text}")

        reports = await run_scenarios(
            sequences,
            ConnectionTarget(conn),
            executor,
            keep_going=args.keep_going,
            on_record=on_record,
        )
    finally:
        if executor is not None:
            await executor.close()
        for undo in unsubscribe:
            undo()
        await conn.close()
        await server.stop()
        if recorder is not None:
            recorder.close()
    return _summary(reports, args)


def _recorder(path: str | None, url: str, plugin: str, variant: str, server: str) -> Any:
    if not path:
        return None
    from workbench.session.meta import SessionMeta
    from workbench.session.writer import SessionWriter

    meta = SessionMeta(plugin=plugin, variant=variant, port=url, server_address=server)
    return SessionWriter(path, meta)


def _summary(reports: list[FileReport], args: argparse.Namespace) -> int:
    records = [r for report in reports for r in report.records if not r.text.startswith("#")]
    passed = sum(r.outcome is Outcome.PASSED for r in records)
    failed = [r for r in records if r.outcome.bad]
    skipped = sum(r.outcome is Outcome.SKIPPED for r in records)
    if args.junit:
        from workbench.app.junit import write_junit

        write_junit(reports, args.junit)
    verdict = "PASSED" if not failed else "FAILED"
    print(
        f"{verdict}: {passed} passed, {len(failed)} failed, {skipped} skipped "
        f"in {len(reports)} file{'s' if len(reports) != 1 else ''}",
        flush=True,
    )
    for record in failed:
        print(f"  {record.where}: {record.message}", flush=True)
    if args.junit:
        print(f"JUnit XML: {args.junit}", flush=True)
    if args.session:
        print(f"session: {args.session}", flush=True)
    return EXIT_FAILED if failed else EXIT_PASSED
