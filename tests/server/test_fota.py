"""FOTA end to end: the built-in server updates the plain client engine over 127.0.0.1.

Push and pull of a 200 KB package must end with /3/0/3 carrying the package's hash prefix
after the client re-registered; each injected failure must give its Update Result.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiocoap import Message
from aiocoap.numbers.codes import Code
from aiocoap.optiontypes import BlockOption

from tests.server.conftest import run
from workbench.client import ClientConfig, LwM2MClient
from workbench.client.firmware import FirmwareOptions
from workbench.lwm2m import firmware as fw
from workbench.server import LwM2MServer, ServerConfig
from workbench.server.fota import FirmwarePackage, FotaOptions, FotaOutcome

PACKAGE = FirmwarePackage("fw-200k.bin", os.urandom(200 * 1024))


@contextlib.asynccontextmanager
async def bench(
    options: FirmwareOptions | None = None, endpoint: str = "fota-ep"
) -> AsyncIterator[tuple[LwM2MServer, LwM2MClient]]:
    server = LwM2MServer("127.0.0.1", 0, config=ServerConfig(request_timeout=5))
    await server.start()
    host, port = server.address
    client = LwM2MClient(
        endpoint,
        f"coap://{host}:{port}",
        firmware=options,
        config=ClientConfig(lifetime=60, request_timeout=5),
    )
    try:
        await client.start(timeout=10)
        for _ in range(100):
            if endpoint in server.clients:
                break
            await asyncio.sleep(0.02)
        yield server, client
    finally:
        await client.stop()
        await server.stop()


def fota_events(server: LwM2MServer) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    server.events.subscribe(lambda ev: seen.append(ev.to_dict()) if ev.kind == "fota" else None)
    return seen


def assert_success(outcome: FotaOutcome, client: LwM2MClient, package: FirmwarePackage) -> None:
    assert outcome.ok, outcome
    assert outcome.result == fw.SUCCESS and outcome.result_text == "firmware updated successfully"
    expected = "+" + hashlib.sha256(package.data).hexdigest()[:8]
    assert outcome.firmware_version is not None and outcome.firmware_version.endswith(expected)
    assert outcome.hash_match is True
    assert client.get_value("/3/0/3").endswith(expected)
    assert outcome.bytes == package.size


@pytest.mark.parametrize("method", ["pull", "push"])
def test_update_200k_end_to_end(method: str) -> None:
    async def scenario() -> None:
        async with bench() as (server, client):
            events = fota_events(server)
            client_events: list[Any] = []
            client.subscribe(client_events.append)
            outcome = await server.fota.update(
                "fota-ep", PACKAGE, FotaOptions(method=method, block_size=512)
            )
            assert_success(outcome, client, PACKAGE)
            assert outcome.method == method
            assert outcome.blocks >= PACKAGE.size // 1024
            steps = [e["step"] for e in events]
            for step in ("started", "downloaded", "executing", "rebooted", "reregistered"):
                assert step in steps, steps
            assert steps[-1] == "finished"
            states = [e["state"] for e in events if e["step"] == "state"]
            assert "downloading" in states and "downloaded" in states and "updating" in states
            final = events[-1]
            assert final["result"] == 1 and final["bytes"] == PACKAGE.size and final["rate"] > 0
            assert final["endpoint"] == "fota-ep"
            reboots = [e.fields.get("state") for e in client_events if e.kind == "reboot"]
            assert reboots == ["rebooting", "booted"]
            assert client.registered and client.get_value("/5/0/3") == fw.IDLE

    run(scenario(), timeout=90)


def test_push_follows_smaller_client_blocks() -> None:
    """The client accepts 128-byte blocks; the server offering 1024 must step down (§2.5)."""

    async def scenario() -> None:
        package = FirmwarePackage("small.bin", os.urandom(20_000))
        async with bench(FirmwareOptions(max_block_size=128)) as (server, client):
            outcome = await server.fota.update(
                "fota-ep", package, FotaOptions(method="push", block_size=1024)
            )
            assert_success(outcome, client, package)
            # The first block went at 1024, then the rest in 128-byte blocks.
            assert outcome.blocks == 1 + -(-(20_000 - 1024) // 128)

    run(scenario())


def test_pull_asks_for_its_own_block_size() -> None:
    async def scenario() -> None:
        package = FirmwarePackage("p64.bin", os.urandom(10_000))
        async with bench(FirmwareOptions(max_block_size=64)) as (server, client):
            outcome = await server.fota.update("fota-ep", package, FotaOptions(method="pull"))
            assert_success(outcome, client, package)
            assert outcome.blocks == -(-10_000 // 64)

    run(scenario())


@pytest.mark.parametrize(
    ("method", "fail", "result"),
    [
        ("pull", "integrity", fw.INTEGRITY_FAILURE),
        ("push", "integrity", fw.INTEGRITY_FAILURE),
        ("pull", "unsupported", fw.UNSUPPORTED_PACKAGE),
        ("push", "unsupported", fw.UNSUPPORTED_PACKAGE),
        ("pull", "storage", fw.NOT_ENOUGH_FLASH),
        ("push", "storage", fw.NOT_ENOUGH_FLASH),
        ("pull", "connection", fw.CONNECTION_LOST),
        ("push", "connection", fw.CONNECTION_LOST),
        ("pull", "uri", fw.INVALID_URI),
        ("push", "update", fw.UPDATE_FAILED),
    ],
)
def test_injected_failures_give_their_update_result(method: str, fail: str, result: int) -> None:
    async def scenario() -> None:
        package = FirmwarePackage("bad.bin", os.urandom(30_000))
        async with bench(FirmwareOptions(fail=fail)) as (server, client):
            events = fota_events(server)
            outcome = await server.fota.update("fota-ep", package, FotaOptions(method=method))
            assert not outcome.ok
            assert outcome.result == result, outcome
            assert outcome.result_text == fw.RESULT_TEXT[result]
            assert events[-1]["step"] == "failed"
            assert events[-1]["result_text"] == fw.RESULT_TEXT[result]
            assert client.get_value("/5/0/5") == result
            assert not client.get_value("/3/0/3").endswith("+" + package.tag)

    run(scenario())


def test_real_storage_limit_and_unsupported_scheme() -> None:
    async def scenario() -> None:
        package = FirmwarePackage("big.bin", os.urandom(50_000))
        async with bench(FirmwareOptions(storage=10_000)) as (server, _client):
            outcome = await server.fota.update("fota-ep", package, FotaOptions(method="push"))
            assert outcome.result == fw.NOT_ENOUGH_FLASH and outcome.bytes == 0
            outcome = await server.fota.update("fota-ep", package, FotaOptions(method="pull"))
            assert outcome.result == fw.NOT_ENOUGH_FLASH
            outcome = await server.fota.update(
                "fota-ep",
                package,
                FotaOptions(method="pull", uri="https://127.0.0.1:1/fw.bin"),
            )
            assert outcome.result == fw.UNSUPPORTED_PROTOCOL

    run(scenario())


def test_method_the_client_does_not_allow_is_refused() -> None:
    async def scenario() -> None:
        async with bench(FirmwareOptions(delivery=fw.PULL_ONLY)) as (server, client):
            outcome = await server.fota.update("fota-ep", PACKAGE, FotaOptions(method="push"))
            assert not outcome.ok and outcome.error is not None
            assert "does not allow push" in outcome.error
            # Pushing anyway, by hand: the client refuses the Package.
            record = server.client("fota-ep")
            assert record.endpoint == "fota-ep"
            answer = await server.write("fota-ep", "/5/0/0", b"abc")
            assert answer.code == "2.04"
            assert client.get_value("/5/0/5") == fw.UNSUPPORTED_PROTOCOL

    run(scenario())


def test_confirm_and_cancel() -> None:
    async def scenario() -> None:
        package = FirmwarePackage("c.bin", os.urandom(5_000))
        async with bench() as (server, client):
            job = server.fota.job("fota-ep", package, FotaOptions(auto_update=False))
            task = asyncio.create_task(job.run())
            for _ in range(200):
                if job.history and job.history[-1]["step"] == "awaiting_confirmation":
                    break
                await asyncio.sleep(0.02)
            assert client.get_value("/5/0/3") == fw.DOWNLOADED
            job.confirm()
            outcome = await task
            assert_success(outcome, client, package)

            job = server.fota.job("fota-ep", package, FotaOptions(auto_update=False))
            task = asyncio.create_task(job.run())
            for _ in range(200):
                if client.get_value("/5/0/3") == fw.DOWNLOADED:
                    break
                await asyncio.sleep(0.02)
            await job.cancel()
            outcome = await task
            assert not outcome.ok and outcome.error == "cancelled"
            assert client.get_value("/5/0/3") == fw.IDLE
            assert client.get_value("/5/0/5") == fw.CANCELLED

    run(scenario())


def test_package_host_serves_blocks_with_etag_and_size2() -> None:
    """A plain CoAP GET of the hosted package, block by block, as a third party would."""

    async def scenario() -> None:
        from aiocoap import Context

        package = FirmwarePackage("hosted.bin", os.urandom(20_000))
        server = LwM2MServer("127.0.0.1", 0)
        await server.start()
        server.fota.host.add(package)
        host, port = server.address
        ctx = await Context.create_client_context()
        try:
            uri = f"coap://{host}:{port}/fw/{package.name}"
            got = bytearray()
            number = 0
            while True:
                request = Message(code=Code.GET, uri=uri)
                request.opt.block2 = BlockOption.BlockwiseTuple(number, False, 2)  # 64 bytes
                response = await ctx.request(request, handle_blockwise=False).response
                assert response.code == Code.CONTENT
                assert response.opt.etag == package.etag
                assert response.opt.size2 == package.size
                got += response.payload
                if not response.opt.block2.more:
                    break
                number += 1
            assert bytes(got) == package.data and number + 1 == -(-package.size // 64)
            missing = await ctx.request(Message(code=Code.GET, uri=uri + "x")).response
            assert missing.code == Code.NOT_FOUND
            put = await ctx.request(Message(code=Code.PUT, uri=uri, payload=b"x")).response
            assert put.code == Code.METHOD_NOT_ALLOWED
            beyond = Message(code=Code.GET, uri=uri)
            beyond.opt.block2 = BlockOption.BlockwiseTuple(10_000, False, 6)
            answer = await ctx.request(beyond, handle_blockwise=False).response
            assert answer.code == Code.BAD_OPTION
        finally:
            await ctx.shutdown()
            await server.stop()

    run(scenario())
