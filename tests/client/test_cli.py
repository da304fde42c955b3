"""The ``client`` sub-command: many clients, JSON lines, summary, clean de-registration."""

from __future__ import annotations

import argparse
import io
import json

from tests.client.helpers import run
from tests.client.mini_server import MiniServer
from workbench.cli import build_parser
from workbench.cli.client import endpoint_names, run_clients


def test_endpoint_names() -> None:
    assert endpoint_names("dev", 1) == ["dev"]
    assert endpoint_names("dev", 3) == ["dev-0000", "dev-0001", "dev-0002"]


def test_parser_knows_the_command() -> None:
    args = build_parser().parse_args(["client", "--ep", "x", "--count", "2", "--lifetime", "30"])
    assert (args.ep, args.count, args.lifetime) == ("x", 2, 30)


def test_many_clients_register_print_events_and_deregister() -> None:
    async def scenario() -> None:
        async with MiniServer() as server:
            args = build_parser().parse_args(
                [
                    "client",
                    "--server",
                    server.url,
                    "--ep",
                    "load",
                    "--count",
                    "5",
                    "--duration",
                    "0.5",
                ]
            )
            assert isinstance(args, argparse.Namespace)
            out = io.StringIO()
            code = await run_clients(args, out)
            assert code == 0
            lines = [json.loads(line) for line in out.getvalue().splitlines()]
            summary = lines[-1]
            assert summary["kind"] == "summary" and summary["registrations"] == 5
            assert summary["deregistered"] == 5
            endpoints = {line["endpoint"] for line in lines[:-1]}
            assert endpoints == {f"load-{i:04d}" for i in range(5)}
            assert server.registrations == {}
            assert server.ops().count("deregister") == 5

    run(scenario())
