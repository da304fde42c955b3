"""The headless ``server`` command: JSON events out, commands in, errors never crash it."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import sys
from typing import Any

from tests.peers import skip_missing_peer
from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from tests.server.flood import run_flood
from workbench.cli.server import Commands, parse_psk
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path


class Cli:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.seen: list[dict[str, Any]] = []

    async def next(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await self.proc.stdout.readline()
                assert line, "the CLI exited"
                obj: dict[str, Any] = json.loads(line)
                self.seen.append(obj)
                if obj["kind"] == kind:
                    return obj

    async def command(self, line: str, kind: str = "result") -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self.next(kind)

    async def close(self) -> None:
        """End the server process if a test left it running, and reap it."""
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()


async def start_cli(*args: str, env: dict[str, str] | None = None) -> Cli:
    """``lwm2m-workbench server --port 0 ARGS`` as a subprocess with piped stdin/stdout."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "workbench",
        "server",
        "--port",
        "0",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    return Cli(proc)


def test_cli_commands(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        cli = await start_cli("--coap-log")
        proc = cli.proc
        dev = FakeDevice(registry)
        await dev.start()
        try:
            started = await cli.next("server_started")
            assert started["host"] == "127.0.0.1"
            await dev.register(("127.0.0.1", started["port"]))
            assert (await cli.next("registered"))["endpoint"] == "dev-1"
            listed = await cli.command("list")
            assert [c["endpoint"] for c in listed["clients"]] == ["dev-1"]
            read = await cli.command("read dev-1 /3/0/0 text")
            assert read["values"] == {"/3/0/0": "Acme"} and read["code"] == "2.05"
            assert (await cli.command("write dev-1 /1/0/1 99"))["code"] == "2.04"
            assert dev.values[Path.of(1, 0, 1)] == 99
            assert "unknown command" in (await cli.command("bogus", "error"))["error"]
            assert "usage" in (await cli.command("read", "error"))["error"]
            assert "no client" in (await cli.command("read nobody /3/0", "error"))["error"]
            assert (await cli.command("write dev-1 /1/0/1 abc", "error"))["error"]
            assert (await cli.command('exec dev-1 /3/0/4 "1,2"'))["code"] == "2.04"
            observed = await cli.command("observe dev-1 /3/0/9")
            assert observed["values"] == {"/3/0/9": 87}
            dev.values[Path.of(3, 0, 9)] = 12
            dev.notify()
            note = await cli.next("notification")
            assert note["values"] == {"/3/0/9": 12}
            cancelled = await cli.command("cancel dev-1 /3/0/9")
            assert cancelled["mode"] == "active"
            disc = await cli.command("discover dev-1 /3/0")
            assert "</3/0/0>" in disc["links"]
            assert (await cli.command("attrs dev-1 /3/0/9 pmin=5 gt=1.5"))["code"] == "2.04"
            assert dev.attributes["/3/0/9"] == ("pmin=5", "gt=1.5")
            instance = '{"/1/5/0": 5, "/1/5/1": 60, "/1/5/6": false, "/1/5/7": "U"}'
            created = await cli.command(f"create dev-1 /1 '{instance}' tlv")
            assert created["location"] == "/1/5"
            assert (await cli.command("delete dev-1 /1/5"))["code"] == "2.02"
            assert any(o["kind"] == "coap" and o["direction"] == "in" for o in cli.seen)
            assert proc.stdin is not None
            proc.stdin.write(b"quit\n")
            await proc.stdin.drain()
            assert await asyncio.wait_for(proc.wait(), 10) == 0
        finally:
            await cli.close()
            await dev.stop()

    run(scenario())


def test_keys_from_a_file_and_a_variable_bound_to_endpoints(tmp_path: pathlib.Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("# identity:key@endpoint\nfile-id:0011@ep-file\n", encoding="utf-8")
    keys.chmod(0o600)

    async def scenario() -> None:
        cli = await start_cli(
            "--psk-file",
            str(keys),
            "--psk-env",
            "WB_TEST_PSK",
            "--dtls-port",
            "0",
            env={"WB_TEST_PSK": "env-id:2233"},
        )
        try:
            started = await cli.next("server_started")
            if "dtls_port" not in started:
                skip_missing_peer("DTLSSocket (bash scripts/install-peers.sh)")
            assert not [o for o in cli.seen if o["kind"] == "warning"]
            await cli.command("quit", "server_stopped")
        finally:
            await cli.close()
        assert "0011" not in json.dumps(cli.seen) and "2233" not in json.dumps(cli.seen)

    run(scenario())


def test_empty_keys_and_unset_variables_are_refused(tmp_path: pathlib.Path) -> None:
    async def first_line(*args: str) -> dict[str, Any]:
        cli = await start_cli(*args)
        try:
            return await cli.next("error")
        finally:
            await cli.close()

    async def scenario() -> None:
        assert "must not be empty" in (await first_line("--psk", "dev:"))["error"]
        assert "not set" in (await first_line("--psk-env", "WB_NO_SUCH_VARIABLE"))["error"]
        missing = str(tmp_path / "missing.txt")
        assert "cannot read" in (await first_line("--psk-file", missing))["error"]

    run(scenario())


def test_psk_parsing_never_echoes_keys() -> None:
    assert parse_psk(["dev-1:00112233", "a:b:cafe"]) == {
        "dev-1": bytes.fromhex("00112233"),
        "a:b": b"\xca\xfe",
    }
    try:
        parse_psk(["dev:secretnothex"])
    except ValueError as exc:
        assert "secretnothex" not in str(exc)


def test_bad_bytes_on_stdin_get_an_error_and_reading_goes_on() -> None:
    async def scenario() -> None:
        # A UTF-8 locale gives stdin a strict decoder (the C locale would escape bytes).
        cli = await start_cli(env={"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"})
        proc = cli.proc
        try:
            await cli.next("server_started")
            assert proc.stdin is not None
            proc.stdin.write(b"list \xff\xfe\xc3\n")
            error = await cli.next("error")
            assert error["error"] == "not valid UTF-8"
            assert "\\xff" in error["command"]
            assert (await cli.command("list"))["clients"] == []
            proc.stdin.write(b"quit\n")
            await proc.stdin.drain()
            assert await asyncio.wait_for(proc.wait(), 10) == 0
        finally:
            await cli.close()

    run(scenario())


def test_list_answers_in_pages(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        async with serving(registry) as server:
            answers = await run_flood(server.address, "page-", 250, b"</1/0>,</3/0>")
            assert all(a is not None and a[0] == 0x41 for a in answers)
            out: list[dict[str, Any]] = []
            commands = Commands(server, out.append)
            await commands.run("list")
            first = out[-1]
            assert (len(first["clients"]), first["total"], first["next"]) == (100, 250, 100)
            await commands.run(f"list {first['next']} 1000")
            rest = out[-1]
            assert (len(rest["clients"]), rest["offset"], rest["next"]) == (150, 100, None)
            names = [c["endpoint"] for c in first["clients"] + rest["clients"]]
            assert sorted(names) == sorted(f"page-{i}" for i in range(250))
            await commands.run("list 0 5000")
            assert out[-1]["kind"] == "error" and "LIMIT 1..1000" in out[-1]["error"]
            await commands.run("list x")
            assert out[-1]["kind"] == "error"

    run(scenario())
