"""The ``lwm2m-workbench`` command line.

Each sub-command lives in its own module of this package and exposes
``register(subparsers) -> None``; the parser sets ``func`` on the namespace. Adding a command
means adding a module and naming it in :data:`COMMAND_MODULES`, nothing else.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workbench import __version__

#: Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES = [
    "workbench.cli.objects",
    "workbench.cli.modules",
    "workbench.cli.decode",
    "workbench.cli.simulate",
    "workbench.cli.demo",
    "workbench.cli.server",
    "workbench.cli.client",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lwm2m-workbench",
        description="Debug the LwM2M client built into cellular IoT modules.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `lwm2m-workbench decode big.log | head` closes stdout early; that is not an error.
        sys.stderr.close()
        return 0
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
