"""``lwm2m-workbench session info|export|replay FILE``: look into a recorded session file.

* ``info`` — metadata, record counts per kind, time span, whether the writer closed the file
  and any damage found (a torn tail after a crash is normal and reported as such).
* ``export`` — ``--text OUT`` the terminal log as ``[hh:mm:ss.mmm] line`` (``decode`` reads it
  back; ``--tags`` adds a TX/RX column), ``--events OUT`` decoded events as JSON lines (the
  ``decode`` shape plus ``time``), ``--pcapng OUT`` the server's CoAP traffic for Wireshark.
  OUT ``-`` is standard output. Several exports can be given at once.
* ``replay`` — every record as one JSON object per line (``record`` names the kind), in time
  order and with the original pacing (``--speed 10`` ten times faster, ``--speed 0`` at once).

Files written by a killed writer, or still being written, are fine: damage is skipped and
reported on standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TextIO

from workbench.session.export import export_coap_pcapng, export_events, export_terminal_text
from workbench.session.format import RecordKind, SessionFormatError
from workbench.session.reader import Report, SessionReader
from workbench.session.replay import replay


def register(subparsers: Any) -> None:
    """Add the ``session`` sub-command and its three actions."""
    parser = subparsers.add_parser(
        "session",
        help="inspect, export or replay a recorded session file",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="session_action", metavar="ACTION", required=True)

    info = actions.add_parser("info", help="metadata, counts, time span and damage")
    info.add_argument("file", metavar="FILE")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=run_info)

    export = actions.add_parser("export", help="terminal text, events JSON lines, CoAP pcapng")
    export.add_argument("file", metavar="FILE")
    export.add_argument("--text", metavar="OUT", help="terminal log ([hh:mm:ss.mmm] line)")
    export.add_argument("--events", metavar="OUT", help="decoded events as JSON lines")
    export.add_argument("--pcapng", metavar="OUT", help="CoAP datagrams as pcapng")
    export.add_argument("--tags", action="store_true", help="text: add a TX/RX column")
    export.add_argument("--utc", action="store_true", help="text: UTC instead of local time")
    export.add_argument(
        "--server", metavar="HOST:PORT", help="pcapng: server address (default: the session's)"
    )
    export.set_defaults(func=run_export)

    play = actions.add_parser("replay", help="print records as JSON lines with their timing")
    play.add_argument("file", metavar="FILE")
    play.add_argument(
        "--speed", type=float, default=1.0, help="time factor (default 1; 0 = no waiting)"
    )
    play.add_argument(
        "--max-gap", type=float, default=None, metavar="S", help="wait at most S seconds"
    )
    play.add_argument(
        "--kind",
        action="append",
        choices=[k.label for k in RecordKind],
        help="only these record kinds (repeatable)",
    )
    play.set_defaults(func=run_replay)


def _warn(report: Report) -> None:
    print(f"warning: {report.describe()}", file=sys.stderr)


def _open_session(path: str) -> SessionReader | str:
    try:
        return SessionReader(path)
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    except SessionFormatError as exc:
        return f"{path}: {exc}"


def _with_session(args: argparse.Namespace, body: Callable[[SessionReader], int]) -> int:
    opened = _open_session(args.file)
    if isinstance(opened, str):
        print(f"error: {opened}", file=sys.stderr)
        return 2
    with opened:
        return body(opened)


def run_info(args: argparse.Namespace) -> int:
    def body(reader: SessionReader) -> int:
        summary = reader.summary()
        data = summary.to_dict()
        if args.json:
            print(json.dumps(data, ensure_ascii=False))
            return 0
        meta = summary.meta
        print(f"file:      {summary.path} ({summary.size} bytes)")
        print(f"recorded:  {meta.get('started_iso', '?')} by {meta.get('app', '?')} "
              f"{meta.get('app_version', '')}".rstrip())  # fmt: skip
        print(f"module:    plugin {meta.get('plugin')}, variant {meta.get('variant')}")
        print(f"port:      {meta.get('port')} {json.dumps(meta.get('port_settings') or {})}")
        if meta.get("server_address"):
            print(f"server:    {meta['server_address']}")
        duration = data["duration"]
        print(f"duration:  {'-' if duration is None else f'{duration:.3f} s'}")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items()))
        print(f"records:   {summary.records} ({counts})")
        state = "closed cleanly" if summary.complete else "not closed (crashed or still recording)"
        print(f"state:     {state}" + (f", resumed {summary.resumed}x" if summary.resumed else ""))
        if summary.redacted:
            print(f"redacted:  {summary.redacted} records had secrets masked")
        for report in summary.reports:
            print(f"damage:    {report.describe()}")
        return 0

    return _with_session(args, body)


@contextlib.contextmanager
def _binary_output(target: str) -> Iterator[BinaryIO]:
    if target == "-":
        yield sys.stdout.buffer
        return
    with open(target, "wb") as handle:
        yield handle


@contextlib.contextmanager
def _text_output(target: str) -> Iterator[TextIO]:
    if target == "-":
        yield sys.stdout
        return
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        yield handle


def run_export(args: argparse.Namespace) -> int:
    if not (args.text or args.events or args.pcapng):
        print("error: give at least one of --text, --events, --pcapng", file=sys.stderr)
        return 2

    def body(reader: SessionReader) -> int:
        try:
            if args.text:
                with _binary_output(args.text) as out:
                    lines = export_terminal_text(
                        reader, out, tags=args.tags, utc=args.utc, on_report=_warn
                    )
                print(f"text: {lines} lines", file=sys.stderr)
            if args.events:
                with _text_output(args.events) as out:
                    count = export_events(reader, out, on_report=_warn)
                print(f"events: {count}", file=sys.stderr)
            if args.pcapng:
                with _binary_output(args.pcapng) as out:
                    packets = export_coap_pcapng(
                        reader, out, server_address=args.server, on_report=_warn
                    )
                print(f"pcapng: {packets} packets", file=sys.stderr)
        except OSError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0

    return _with_session(args, body)


def run_replay(args: argparse.Namespace) -> int:
    if args.speed < 0:
        print("error: --speed must be 0 or positive", file=sys.stderr)
        return 2

    def body(reader: SessionReader) -> int:
        out = sys.stdout
        records = reader.records(args.kind, on_report=_warn)
        for record in replay(records, speed=args.speed, max_gap=args.max_gap):
            out.write(json.dumps(record.to_dict(), ensure_ascii=False))
            out.write("\n")
            out.flush()
        return 0

    return _with_session(args, body)
