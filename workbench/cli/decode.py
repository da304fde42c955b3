"""``lwm2m-workbench decode --module ID [--variant V] FILE|-``: AT log → JSON events.

Reads a log as a terminal shows it (optionally with ``[hh:mm:ss.mmm]`` prefixes), runs it
through the same framer → AT engine → plugin decoder chain as the live app, and prints one JSON
object per event per line (the contract in DESIGN.md). Lines no decoder understood come out as
kind ``unknown`` — nothing is dropped, so the output doubles as a coverage report for a plugin.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.app.pipeline import decode_log
from workbench.cli.modules import registry_from_args
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
    try:
        if args.file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    out = sys.stdout
    for decoded in decode_log(data, plugin, variant):
        for event in decoded.events:
            out.write(event.to_json())
            out.write("\n")
    out.flush()
    return 0
