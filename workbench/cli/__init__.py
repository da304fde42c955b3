"""The ``lwm2m-workbench`` command line.

Each sub-command lives in its own module of this package and exposes
``register(subparsers) -> None``; the parser sets ``func`` on the namespace. Adding a command
means adding a module and naming it in :data:`COMMAND_MODULES`, nothing else.
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    "workbench.cli.session",
    "workbench.cli.run",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lwm2m-workbench",
        description="Debug the LwM2M client built into cellular IoT modules.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-test",
        nargs="?",
        const="",
        metavar="ID",
        help="check this installation headless (server + simulated module ID) and exit 0/1",
    )
    parser.add_argument(
        "--demo",
        nargs="?",
        const="",
        metavar="ID",
        help="open the window with the built-in server and a simulated module ID registering"
        " (default: the demo module)",
    )
    # Without a COMMAND the main window opens; sub-commands are the headless tools.
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _window_options(argv: Sequence[str]) -> argparse.Namespace | None:
    """The options when ``argv`` asks for the window (no sub-command), else None.

    Start-up time: the full parser imports every sub-command module (the demo's server and
    aiocoap, the session exporters...), a fifth of a second the window does not need before
    its first paint. The global options are parsed alone first; anything else goes to the
    full parser as before.
    """
    light = argparse.ArgumentParser(add_help=False)
    light.add_argument("--self-test", nargs="?", const="")
    light.add_argument("--demo", nargs="?", const="")
    try:
        args, rest = light.parse_known_args(list(argv))
    except SystemExit:  # let the full parser report the error
        return None
    if rest or args.self_test is not None:
        return None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    window = _window_options(sys.argv[1:] if argv is None else argv)
    if window is not None:
        return _open_window(window.demo)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test is not None:
        from workbench.app.selftest import main as self_test

        return self_test(args.self_test or None)
    if getattr(args, "func", None) is None:
        return _open_window(args.demo)
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `lwm2m-workbench decode big.log | head` closes stdout early; that is not an error.
        sys.stderr.close()
        return 0
    return result


def _open_window(demo: str | None) -> int:
    """No sub-command: the GUI (``--demo [ID]``: with the built-in demo running)."""
    if demo == "":
        from workbench.app.demo import DEFAULT_PLUGIN

        demo = DEFAULT_PLUGIN
    from workbench.gui.displaycheck import EXIT_NO_WINDOW, window_problem

    problem = window_problem(os.environ)
    if problem is not None:  # Qt would abort with a core dump and a cryptic message
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_NO_WINDOW
    try:
        from workbench.gui.app import run
    except ImportError as exc:  # a headless install without Qt still has every sub-command
        print(f"error: the window needs PySide6 ({exc}); see --help for commands", file=sys.stderr)
        return EXIT_NO_WINDOW
    return run(demo)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
