"""``lwm2m-workbench decode --module ID [--variant V] FILE|-``: AT log → JSON events.

Reads a log as a terminal shows it (optionally with ``[hh:mm:ss.mmm]`` prefixes), runs it
through the same framer → AT engine → plugin decoder chain as the live app, and prints one JSON
object per event per line (the contract in DESIGN.md). Lines no decoder understood come out as
kind ``unknown`` — nothing is dropped, so the output doubles as a coverage report for a plugin.

The log is read a megabyte at a time, so a log of any length decodes in constant memory;
``--jobs N`` spreads it over N processes (:mod:`workbench.app.paralleldecode`). When stderr is
a terminal a progress bar is drawn there (stdout stays pure JSON lines).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from typing import Any, BinaryIO

from workbench.app.paralleldecode import decode_parallel
from workbench.app.pipeline import Pipeline, count_log_lines, decode_log_lines, log_chunks
from workbench.cli.modules import registry_from_args
from workbench.cli.progress import ProgressBar
from workbench.plugin.api import Plugin
from workbench.plugin.loader import PluginUnavailable


def register(subparsers: Any) -> None:
    """Add the ``decode`` sub-command."""
    parser = subparsers.add_parser(
        "decode",
        help="decode an AT log into JSON events (one per line)",
        description="Decode an AT log with a module plugin; prints one JSON event per line.",
    )
    parser.add_argument("--module", "-m", required=True, metavar="ID", help="plugin id")
    parser.add_argument("--variant", metavar="V", help="module variant (default: the plugin's)")
    parser.add_argument("file", metavar="FILE", help="log file, or - for standard input")
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=1,
        metavar="N",
        help="decode on N processes (the log is cut at line boundaries; output order kept)",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar on a terminal's stderr"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    registry = registry_from_args(args)
    try:
        plugin = registry.get(args.module)
    except PluginUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        variant = plugin.resolve_variant(args.variant)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        handle: BinaryIO = (
            sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
        )
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        total = os.fstat(handle.fileno()).st_size if args.file != "-" else 0
    except (OSError, ValueError):
        total = 0
    bar = ProgressBar(sys.stderr, total) if sys.stderr.isatty() and not args.quiet else None
    # Bytes straight to the stream: the events' JSON is UTF-8 already (orjson), and a text
    # layer would decode and encode every line again.
    sys.stdout.flush()
    out: BinaryIO = sys.stdout.buffer
    try:
        chunks = log_chunks(handle.read)
        if args.jobs == 1:
            _decode_serial(chunks, plugin, variant, out, bar)
        else:
            progress = bar.update if bar is not None else None
            batch: list[bytes] = []
            for text in decode_parallel(chunks, plugin, variant, args.jobs, progress=progress):
                batch.append(text)
                if len(batch) >= _BATCH:
                    _write_lines(out, batch)
            _write_lines(out, batch)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
        if bar is not None:
            bar.finish()
    out.flush()
    return 0


def _decode_serial(
    chunks: Iterable[bytes],
    plugin: Plugin,
    variant: str,
    out: BinaryIO,
    bar: ProgressBar | None,
) -> None:
    """One pipeline over the whole stream, a chunk at a time (constant memory)."""
    pipeline = Pipeline(plugin, variant, keep_empty=True)
    first_line = 1
    done = 0
    for chunk in chunks:
        lines = [
            event.to_json_line()
            for decoded in decode_log_lines(pipeline, chunk, first_line)
            for event in decoded.events
        ]
        _write_lines(out, lines)
        first_line += count_log_lines(chunk)
        done += len(chunk)
        if bar is not None:
            bar.update(done)


#: JSON lines written at once by the parallel path (the serial one writes a chunk's worth).
_BATCH = 4096


def _write_lines(out: BinaryIO, lines: list[bytes]) -> None:
    """Write ``lines`` (each ending in a newline) in one call, and empty the list.

    A ``write`` call per event was a measurable share of the command's time (issue 17).
    """
    if lines:
        out.write(b"".join(lines))
        lines.clear()
