"""Our server against third-party peers: libcoap's CLI client and lwm2m-node-lib's client.

Install the peers with ``bash scripts/install-peers.sh``; a missing peer skips its test with
the reason shown (under CI it fails: tests/peers.py).
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import shutil

import pytest

from tests.peers import needs_peer
from tests.server.conftest import run, serving
from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def registry() -> ObjectRegistry:
    return builtin_registry()


NODE_DIR = pathlib.Path(__file__).parent / "node"
COAP_CLIENT = shutil.which("coap-client-notls")


async def coap_client(*args: str, binary: str | None = COAP_CLIENT) -> tuple[int, str]:
    """Run one of libcoap's CLI clients; its exit code and output (stdout and stderr)."""
    assert binary is not None
    proc = await asyncio.create_subprocess_exec(
        binary,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    return proc.returncode or 0, out.decode("utf-8", "replace")


@needs_peer(COAP_CLIENT is not None, "coap-client-notls (Debian libcoap3-bin)")
def test_libcoap_client_registers_updates_and_deregisters(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        async with serving(registry) as server:
            events: list[dict[str, object]] = []
            server.events.subscribe(lambda ev: events.append(ev.to_dict()))
            host, port = server.address
            base = f"coap://{host}:{port}"
            links = ",".join(f"</{o}/0>" for o in (1, 3, 4, 5, 6, 7, 3303, 3304, 3311, 3340))
            # -b 32 forces Block1: the registration payload arrives in pieces.
            rc, out = await coap_client(
                "-m",
                "post",
                "-t",
                "40",
                "-b",
                "32",
                "-e",
                links,
                f"{base}/rd?ep=libcoap&lt=60&lwm2m=1.1&b=U",
            )
            assert rc == 0, out
            info = server.clients["libcoap"]
            assert sorted(info.objects) == [1, 3, 4, 5, 6, 7, 3303, 3304, 3311, 3340]
            location = info.location
            rc, out = await coap_client("-m", "post", f"{base}/rd/{location}?lt=120")
            assert rc == 0, out
            assert server.clients["libcoap"].lifetime == 120
            rc, out = await coap_client("-m", "get", f"{base}/nothing")
            # libcoap prints the response code of an error response ("4.04 Not Found").
            assert "4.04" in out, out
            rc, out = await coap_client("-m", "delete", f"{base}/rd/{location}")
            assert rc == 0, out
            assert "libcoap" not in server.clients
            kinds = [e["kind"] for e in events]
            assert {"registered", "updated", "deregistered"} <= set(kinds)
            assert server.errors == 0

    run(scenario())


NODE = shutil.which("node")
NODE_LIB = NODE_DIR / "node_modules" / "lwm2m-node-lib"


@needs_peer(NODE is not None, "node (Debian nodejs)")
@needs_peer(NODE_LIB.is_dir(), "lwm2m-node-lib (bash scripts/install-peers.sh)")
def test_lwm2m_node_lib_client(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        async with serving(registry) as server:
            host, port = server.address
            assert NODE is not None
            proc = await asyncio.create_subprocess_exec(
                NODE,
                str(NODE_DIR / "client.js"),
                host,
                str(port),
                "node-ep",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            assert proc.stdin is not None and proc.stdout is not None

            async def line() -> dict[str, str]:
                assert proc.stdout is not None
                data: dict[str, str] = json.loads(
                    await asyncio.wait_for(proc.stdout.readline(), 10)
                )
                return data

            try:
                assert (await line())["event"] == "registered"
                info = server.clients["node-ep"]
                assert info.lwm2m_version == "1.0" and 3 in info.objects
                read = await server.read("node-ep", "/3/0/0")
                assert read.values == {Path.of(3, 0, 0): "Telefonica"}
                assert (await server.write("node-ep", "/3/0/9", 5)).code == "2.04"
                assert await line() == {"event": "write", "path": "/3/0/9", "value": "5"}
                assert (await server.execute("node-ep", "/3/0/4", "now")).code == "2.04"
                assert await line() == {"event": "execute", "path": "/3/0/4", "args": "now"}
                obs = await server.observe("node-ep", "/3/0/9")
                assert obs.initial.values == {Path.of(3, 0, 9): 5}
                proc.stdin.write(b"set /3/0 9 44\n")
                await proc.stdin.drain()
                note = await obs.next(5)
                assert note.result.values == {Path.of(3, 0, 9): 44}
                # lwm2m-node-lib does not answer a GET with Observe=1: cancel passively.
                await obs.cancel(active=False)
                proc.stdin.close()
                await asyncio.wait_for(proc.wait(), 10)
                await asyncio.sleep(0.2)
                assert "node-ep" not in server.clients
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()

    run(scenario())


COAP_CLIENT_DTLS = shutil.which("coap-client-openssl") or shutil.which("coap-client-gnutls")


def _dtls_available() -> bool:
    from workbench.server.dtls import dtls_available

    return dtls_available()


@needs_peer(COAP_CLIENT_DTLS is not None, "libcoap's DTLS client (Debian libcoap3-bin)")
@needs_peer(_dtls_available(), "DTLSSocket (bash scripts/install-peers.sh)")
def test_libcoap_dtls_psk_client_registers_and_a_wrong_key_does_not(
    registry: ObjectRegistry,
) -> None:
    key = "interop-psk-key-1"

    async def scenario() -> None:
        async with serving(registry, psk={"libcoap-dtls": key.encode()}, dtls_port=0) as server:
            assert server.dtls_address is not None
            host, port = server.dtls_address
            url = f"coaps://{host}:{port}/rd?ep=libcoap-dtls&lt=60&lwm2m=1.1"
            common = ["-m", "post", "-t", "40", "-e", "</1/0>,</3/0>", "-u", "libcoap-dtls"]
            # A wrong key: libcoap exits 0 and only says so in its output (ECOSYSTEM.md).
            rc, out = await dtls_client(*common, "-k", "not-the-key", "-B", "3", url)
            assert "libcoap-dtls" not in server.clients, out
            rc, out = await dtls_client(*common, "-k", key, url)
            assert rc == 0, out
            info = server.clients["libcoap-dtls"]
            assert info.secure and sorted(info.objects) == [1, 3]

    run(scenario())


async def dtls_client(*args: str) -> tuple[int, str]:
    return await coap_client(*args, binary=COAP_CLIENT_DTLS)


needs_notls = needs_peer(COAP_CLIENT is not None, "coap-client-notls (libcoap3-bin)")
needs_dtls_client = needs_peer(COAP_CLIENT_DTLS is not None, "libcoap's DTLS client (libcoap3-bin)")
needs_dtlssocket = needs_peer(_dtls_available(), "DTLSSocket (bash scripts/install-peers.sh)")


@needs_notls
@needs_dtls_client
@needs_dtlssocket
def test_plain_coap_cannot_take_over_an_endpoint_registered_over_dtls(
    registry: ObjectRegistry,
) -> None:
    key = "takeover-psk-key"

    async def scenario() -> None:
        async with serving(registry, psk={"dev": key.encode()}, dtls_port=0) as server:
            events: list[dict[str, object]] = []
            server.events.subscribe(lambda ev: events.append(ev.to_dict()))
            host, port = server.address
            dtls_host, dtls_port = server.dtls_address or ("", 0)
            payload = ["-m", "post", "-t", "40", "-e", "</1/0>,</3/0>"]
            secure = ["-u", "dev", "-k", key]
            rc, out = await dtls_client(
                *payload, *secure, f"coaps://{dtls_host}:{dtls_port}/rd?ep=d1&lt=60"
            )
            assert rc == 0, out
            assert server.clients["d1"].secure
            location = server.clients["d1"].location
            # The takeover of the issue: the same name over plain CoAP.
            rc, out = await coap_client(*payload, f"coap://{host}:{port}/rd?ep=d1&lt=60")
            assert "4.03" in out, out
            assert server.clients["d1"].secure and server.clients["d1"].location == location
            # Plain CoAP may not update or delete the secure registration either.
            rc, out = await coap_client("-m", "delete", f"coap://{host}:{port}/rd/{location}")
            assert "4.03" in out, out
            assert "d1" in server.clients
            # The identity maps to its endpoint: it cannot register a second name.
            rc, out = await dtls_client(
                *payload, *secure, f"coaps://{dtls_host}:{dtls_port}/rd?ep=d2&lt=60"
            )
            assert "4.03" in out, out
            assert "d2" not in server.clients
            refusals = [e for e in events if e["kind"] == "security" and e.get("problem")]
            assert [e["problem"] for e in refusals] == [
                "Register refused",
                "De-register refused",
                "Register refused",
            ]
            assert "only over DTLS" in str(refusals[0]["cause"])
            assert str(refusals[0]["address"]).startswith("coap://127.0.0.1:")
            assert "bound to endpoint 'd1'" in str(refusals[2]["cause"])
            assert refusals[2]["identity"] == "dev"
            assert key not in json.dumps(events)
            assert server.errors == 0

    run(scenario())


@needs_dtls_client
@needs_dtlssocket
def test_failed_dtls_handshakes_leave_a_security_event(registry: ObjectRegistry) -> None:
    key = "handshake-psk-key"

    async def scenario() -> None:
        async with serving(registry, psk={"dev": key.encode()}, dtls_port=0) as server:
            events: list[dict[str, object]] = []
            server.events.subscribe(lambda ev: events.append(ev.to_dict()))
            dtls_host, dtls_port = server.dtls_address or ("", 0)
            url = f"coaps://{dtls_host}:{dtls_port}/rd?ep=d1&lt=60"
            payload = ["-m", "post", "-t", "40", "-e", "</3/0>", "-B", "3"]
            await dtls_client(*payload, "-u", "dev", "-k", "not-the-key", url)
            await dtls_client(*payload, "-u", "stranger", "-k", key, url)
            failures = [e for e in events if e.get("problem") == "handshake failed"]
            assert [(e["summary"], e["identity"], e["identity_known"]) for e in failures] == [
                ("wrong PSK key", "dev", True),
                ("unknown PSK identity", "stranger", False),
            ], events
            for failure in failures:
                assert str(failure["address"]).startswith("coaps://127.0.0.1:")
                assert "key" in str(failure["cause"]) or "identity" in str(failure["cause"])
            assert "d1" not in server.clients
            assert key not in json.dumps(events) and "not-the-key" not in json.dumps(events)

    run(scenario())
