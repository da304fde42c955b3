"""The guided connect flow against real pieces: bundled plugins' simulators on a pty, a real
LwM2M server on 127.0.0.1, the module connection the GUI uses. Failures are provoked for real
(a closed port, a rejected command, a refused bootstrap, no network); only the PSK verdict is
also checked on hand-made observations, because no simulator speaks DTLS."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from tests.peers import skip_missing_peer
from workbench.app.connection import ModuleConnection
from workbench.app.guided import (
    CHECK_COMMANDS,
    GuidedConnect,
    GuidedPlan,
    Observations,
    Step,
    diagnose,
    plan_for,
)
from workbench.module.events import Event
from workbench.plugin.loader import discover_plugins
from workbench.plugin_api import Plugin
from workbench.server import LwM2MServer
from workbench.transport.hosting import PtyHost

pytestmark = pytest.mark.skipif(os.name != "posix", reason="modules are hosted on a pty")

PLUGINS = discover_plugins()
RUNNABLE = [
    e.id
    for e in PLUGINS.entries
    if e.available
    and e.plugin is not None
    and e.plugin.connect_sequence is not None
    and e.plugin.simulator_factory is not None
]


def closed_port() -> int:
    """A UDP port nobody listens on (bound, read, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Bench:
    plugin: Plugin
    server: LwM2MServer
    server_url: str
    sim: Any
    conn: ModuleConnection

    def guide(self, plan: GuidedPlan, **kwargs: Any) -> GuidedConnect:
        guide = GuidedConnect(plan, self.conn.send, self.server, **kwargs)
        guide.attach(self.conn)
        return guide


@asynccontextmanager
async def bench(
    plugin_id: str,
    *,
    module_url: str | None = None,
    prepare: Callable[[Any], None] | None = None,
    psk: dict[str, bytes] | None = None,
) -> AsyncIterator[Bench]:
    """Server + simulated module (pointed at ``module_url`` or the server) + connection."""
    plugin = PLUGINS.get(plugin_id)
    server = LwM2MServer("127.0.0.1", 0, psk=psk, dtls_port=0 if psk else None)
    await server.start()
    host, port = server.address
    url = f"coap://{host}:{port}"
    sim = plugin.make_simulator(None, module_url or url)
    pty = PtyHost(sim)
    await pty.start()
    if prepare is not None:
        prepare(sim)
    conn = ModuleConnection(pty.path, plugin, None)
    conn.open()
    try:
        yield Bench(plugin, server, url, sim, conn)
    finally:
        await conn.close()
        await pty.stop()
        await server.stop()


def test_plan_is_the_plugins_sequence_after_the_checks() -> None:
    for plugin_id in RUNNABLE:
        plugin = PLUGINS.get(plugin_id)
        assert plugin.connect_sequence is not None
        plan = plan_for(plugin, "coap://127.0.0.1:5683")
        assert plan.commands == list(plugin.connect_sequence("coap://127.0.0.1:5683"))
        steps = plan.steps()
        assert [s.command for s in steps[: len(CHECK_COMMANDS)]] == [c for c, _ in CHECK_COMMANDS]
        assert all(s.role == "sequence" for s in steps[len(CHECK_COMMANDS) :])
        assert any("127.0.0.1" in note for note in plan.notes)  # local-only server explained


def test_plan_notes_a_sequence_without_address_and_refuses_without_server() -> None:
    sara = PLUGINS.get("ublox-sara-r5")
    plan = plan_for(sara, "coap://127.0.0.1:5683")
    assert any("does not carry the server address" in n for n in plan.notes)
    quectel = PLUGINS.get("quectel-bg95")
    assert not any("does not carry" in n for n in plan_for(quectel, "coap://10.1.2.3:5683").notes)
    with pytest.raises(ValueError, match="not running"):
        plan_for(quectel, "")


def test_psk_plan_points_at_dtls_and_masks_the_key() -> None:
    quectel = PLUGINS.get("quectel-bg95")
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    plan = plan_for(
        quectel,
        "coap://127.0.0.1:5683",
        psk=("bench-id", key),
        dtls_url="coaps://127.0.0.1:5684",
    )
    assert plan.secure and plan.server_url == "coaps://127.0.0.1:5684"
    assert any("coaps://127.0.0.1:5684" in c for c in plan.commands)
    assert any("bench-id" in n for n in plan.notes)
    assert plan.mask(f"AT+X={key.hex()}") == "AT+X=***"
    assert all(key.hex() not in s.shown for s in plan.steps())

    def with_psk(url: str, *, psk_identity: str = "", psk_key: str = "") -> list[str]:
        return [f'AT+SEC="{url}","{psk_identity}","{psk_key}"']

    plugin = Plugin(
        id="psk-aware",
        name="PSK aware",
        description="",
        vendor="",
        decoder_factory=quectel.decoder_factory,
        connect_sequence=with_psk,
    )
    plan = plan_for(plugin, "coap://h:1", psk=("me", key), dtls_url="coaps://h:2")
    assert plan.commands == [f'AT+SEC="coaps://h:2","me","{key.hex()}"']
    assert plan.steps()[-1].shown == 'AT+SEC="coaps://h:2","me","***"'


@pytest.mark.parametrize("plugin_id", RUNNABLE)
def test_registers_and_both_sides_agree(plugin_id: str) -> None:
    async def body() -> None:
        async with bench(plugin_id) as b:
            updates: list[str] = []
            plan = plan_for(b.plugin, b.server_url)
            guide = b.guide(plan, on_update=lambda g: updates.append(g.phase))
            verdict = await asyncio.wait_for(guide.run(), 40)
            assert verdict.ok, verdict.text()
            assert verdict.endpoint in b.server.clients
            assert guide.seen.module_registered is not None, "the module said so too"
            assert "reported the registration too" in verdict.explanation
            assert all(s.status == "ok" for s in guide.steps if s.role == "sequence")
            assert guide.seen.network_state in ("registered_home", "registered_roaming")
            assert guide.seen.addresses and not guide.seen.network_down
            assert updates[0] == "sending" and updates[-1] == "done"

    asyncio.run(body())


@pytest.mark.parametrize("plugin_id", ["quectel-bg95", "simcom-sim7028", "st-st87mxx"])
def test_closed_port_is_wrong_address(plugin_id: str) -> None:
    """The module is pointed at a port where nothing listens: it says failed (or its open
    command fails), the server saw nothing → wrong address / unreachable."""

    async def body() -> None:
        bad = f"coap://127.0.0.1:{closed_port()}"
        async with bench(plugin_id, module_url=bad) as b:
            plan = plan_for(b.plugin, bad)
            verdict = await asyncio.wait_for(b.guide(plan).run(), 40)
            assert verdict.outcome == "wrong_address", verdict.text()
            assert "saw nothing" in verdict.explanation
            assert b.server.clients == {}

    asyncio.run(body())


def test_rejected_command_names_the_step_and_the_modules_words() -> None:
    async def body() -> None:
        async with bench("quectel-bg95") as b:
            plan = plan_for(b.plugin, b.server_url)
            bad = 'AT+QLWCFG="security",0,100,"http://example.invalid",0,3'
            plan.commands[1] = bad
            guide = b.guide(plan)
            verdict = await asyncio.wait_for(guide.run(), 20)
            assert verdict.outcome == "command_rejected", verdict.text()
            assert verdict.step is not None
            step = guide.steps[verdict.step]
            assert step.command == bad and step.status == "failed"
            assert f"step {verdict.step + 1}" in verdict.title
            assert "ERROR" in verdict.explanation
            # Nothing after the rejected step was sent.
            assert all(s.status == "skipped" for s in guide.steps[verdict.step + 1 :])

    asyncio.run(body())


def test_refused_bootstrap_is_server_refused() -> None:
    """The module asks for bootstrap; the server has no bootstrap configuration (4.04)."""

    async def body() -> None:
        async with bench("quectel-bg95") as b:
            plan = plan_for(b.plugin, b.server_url)
            plan.commands = [c.replace(",0,3", ",1,3") for c in plan.commands]
            verdict = await asyncio.wait_for(b.guide(plan).run(), 20)
            assert verdict.outcome == "server_refused", verdict.text()
            assert "4.04 to its Bootstrap-Request" in verdict.explanation
            assert "no bootstrap configuration" in verdict.explanation

    asyncio.run(body())


def test_no_network_wins_over_wrong_address() -> None:
    async def body() -> None:
        bad = f"coap://127.0.0.1:{closed_port()}"
        async with bench(
            "quectel-bg95", module_url=bad, prepare=lambda sim: sim.set_registration(0)
        ) as b:
            guide = b.guide(plan_for(b.plugin, bad), register_timeout=4)
            verdict = await asyncio.wait_for(guide.run(), 40)
            assert verdict.outcome == "no_network", verdict.text()
            assert "+CEREG" in verdict.explanation

    asyncio.run(body())


def _failed_event() -> Event:
    return Event("registration", 9, "+QLWURC: x", {"server": 1, "state": "failed"})


def test_psk_mismatch_verdict() -> None:
    plan = GuidedPlan("p", "P", "coaps://127.0.0.1:5684", ["AT+GO"], secure=True,
                      psk_identity="bench")  # fmt: skip
    steps = [Step("AT+GO", "AT+GO", "sequence", status="ok")]
    seen = Observations(module_failed=_failed_event())
    verdict = diagnose(plan, steps, seen)
    assert verdict.outcome == "psk_mismatch"
    assert "bench" in verdict.text()
    plan.secure = False
    assert diagnose(plan, steps, seen).outcome == "wrong_address"
    # Silence (no failure, no server traffic) is not blamed on anything specific.
    assert diagnose(plan, steps, Observations()).outcome == "no_registration"


def test_dtls_server_and_a_module_without_the_key() -> None:
    """A real DTLS listener; the simulated module has no key (it cannot do DTLS): it fails,
    the server sees nothing → the PSK verdict."""
    if importlib.util.find_spec("DTLSSocket") is None:
        skip_missing_peer("DTLSSocket (bash scripts/install-peers.sh)")

    async def body() -> None:
        key = bytes.fromhex("0102030405060708")
        async with bench("quectel-bg95", psk={"bench": key}) as b:
            dtls = b.server.dtls_address
            assert dtls is not None
            dtls_url = f"coaps://{dtls[0]}:{dtls[1]}"
            b.sim.server_url = dtls_url
            plan = plan_for(b.plugin, b.server_url, psk=("bench", key), dtls_url=dtls_url)
            verdict = await asyncio.wait_for(b.guide(plan, register_timeout=25).run(), 40)
            assert verdict.outcome == "psk_mismatch", verdict.text()

    asyncio.run(body())
