"""``fota EP FILE [pull|push|auto] [URI]`` on the headless server's stdin, with a client."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path as FilePath

import pytest

from tests.server.conftest import run
from tests.server.test_cli import Cli, start_cli
from workbench.client import ClientConfig, LwM2MClient
from workbench.server import LwM2MServer
from workbench.server.fota import FirmwarePackage


@contextlib.asynccontextmanager
async def server_with_client(endpoint: str) -> AsyncIterator[tuple[Cli, LwM2MClient]]:
    """The headless server (a subprocess) and a client engine registered with it."""
    cli = await start_cli()
    client: LwM2MClient | None = None
    try:
        started = await cli.next("server_started")
        client = LwM2MClient(
            endpoint, f"coap://127.0.0.1:{started['port']}", config=ClientConfig(lifetime=60)
        )
        await client.start(timeout=10)
        await cli.next("registered")
        yield cli, client
    finally:
        if client is not None:
            await client.stop()
        await cli.close()


@pytest.mark.parametrize("method", ["pull", "push"])
def test_fota_command_updates_and_answers_with_a_result(tmp_path: FilePath, method: str) -> None:
    data = os.urandom(200 * 1024)
    package = tmp_path / "fw 1.bin"
    package.write_bytes(data)
    tag = hashlib.sha256(data).hexdigest()[:8]

    async def scenario() -> None:
        async with server_with_client("cli-ep") as (cli, client):
            result = await asyncio.wait_for(cli.command(f"fota cli-ep '{package}' {method}"), 60)
            assert result["command"].startswith("fota cli-ep")
            assert result["ok"] is True and result["result"] == 1
            assert result["result_text"] == "firmware updated successfully"
            assert result["method"] == method and result["bytes"] == len(data)
            assert result["firmware_version"].endswith("+" + tag)
            steps = [o["step"] for o in cli.seen if o["kind"] == "fota"]
            assert steps[0] == "started" and steps[-1] == "finished"
            assert client.get_value("/3/0/3").endswith("+" + tag)
            # Bad input: a clear error, the server keeps running.
            missing = await cli.command(f"fota cli-ep {tmp_path / 'nope.bin'}", "error")
            assert "cannot read" in missing["error"]
            wrong = await cli.command(f"fota cli-ep '{package}' sideways", "error")
            assert "method must be one of" in wrong["error"]
            unknown = await cli.command(f"fota nobody '{package}'")
            assert unknown["ok"] is False and "no client" in unknown["error"]

    run(scenario(), timeout=120)


def test_fota_command_pulls_from_a_package_uri_the_user_typed(tmp_path: FilePath) -> None:
    """``fota EP FILE pull URI``: the URI goes to /5/0/1 as typed; the package comes from there.

    The "external" host is a second server of ours on 127.0.0.1 serving the file under /fw/,
    so the client's blocks provably come from another address than the server that manages
    the update.
    """
    data = os.urandom(64 * 1024)
    package = tmp_path / "external.bin"
    package.write_bytes(data)
    tag = hashlib.sha256(data).hexdigest()[:8]

    async def scenario() -> None:
        external = LwM2MServer("127.0.0.1", 0)
        await external.start()
        served: list[int] = []
        external.fota.host.add(FirmwarePackage("external.bin", data))
        external.fota.host.listen(lambda name, peer, offset, length: served.append(length))
        host, port = external.address
        uri = f"coap://{host}:{port}/fw/external.bin"
        try:
            async with server_with_client("ext-ep") as (cli, client):
                result = await asyncio.wait_for(
                    cli.command(f"fota ext-ep '{package}' pull {uri}"), 60
                )
                assert result["ok"] is True and result["method"] == "pull", result
                assert result["firmware_version"].endswith("+" + tag)
                written = [
                    o for o in cli.seen if o["kind"] == "fota" and o["step"] == "uri_written"
                ]
                assert written and written[0]["uri"] == uri
                assert sum(served) == len(data)  # every byte came from the other host
                assert client.get_value("/3/0/3").endswith("+" + tag)
                # A URI is for pull only, and must name a scheme the client could fetch.
                push = await cli.command(f"fota ext-ep '{package}' push {uri}", "error")
                assert "for pull" in push["error"]
                ftp = await cli.command(f"fota ext-ep '{package}' pull ftp://x/y", "error")
                assert "must start with" in ftp["error"]
        finally:
            await external.stop()

    run(scenario(), timeout=120)
