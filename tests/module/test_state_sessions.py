"""The module state through the demo pipeline: what the headline says in ordinary sessions.

Issue 12's four window situations, reproduced headless: a simulated module on a real pty
(pyserial) and the built-in server on UDP 127.0.0.1, wired by :class:`~workbench.app.demo.
DemoSession` exactly as ``lwm2m-workbench demo`` and the window's ``--demo`` are. The state
gets both sides: the module's decoded URCs and the server's events.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.async_helpers import until
from workbench.app.demo import DemoSession
from workbench.module.state import ModuleState, clock_text
from workbench.plugin.loader import discover_plugins

PLUGINS = discover_plugins(user=False, entry_points=False)


def run(
    plugin_id: str,
    scenario: Callable[[DemoSession, str], Awaitable[Any]],
    *,
    configure: Callable[[DemoSession], None] | None = None,
    watch: Callable[[DemoSession], None] | None = None,
) -> None:
    async def main() -> None:
        session = DemoSession(PLUGINS.get(plugin_id))
        if configure is not None:
            configure(session)
        try:
            await session.start()
            if watch is not None:
                watch(session)
            report = await session.connect(30)
            assert report.registered and report.module_registered, report.error
            await scenario(session, report.endpoint)
        finally:
            await session.stop()

    asyncio.run(asyncio.wait_for(main(), 120))


def _view_state(state: ModuleState) -> str | None:
    view = state.server_view
    return view.state if view is not None else None


def test_bg95_whole_session_headline_moves_with_registration() -> None:
    """INITIAL no longer pins "client initialising"; deregistration shows on both sides."""
    headlines: list[str] = []

    def watch(session: DemoSession) -> None:
        assert session.connection is not None
        session.connection.subscribe(lambda _line: headlines.append(session.state.module_summary()))

    async def scenario(session: DemoSession, endpoint: str) -> None:
        state = session.state
        assert state.client is not None and state.client.value == "initialising"  # INITIAL
        assert state.module_summary() == "Registered (server 100) · client ready"
        view = state.server_view
        assert view is not None and view.state == "registered" and view.endpoint == endpoint
        assert view.registered_at is not None
        assert state.server_summary() == (
            f"Server: {endpoint} registered since {clock_text(view.registered_at)}"
        )
        assert state.disagreement() is None
        assert (await session.send('AT+QLWSVC="dereg"')).ok
        await until(lambda: _view_state(state) == "deregistered", 15, "the server's deregistration")
        await until(lambda: state.client_headline == "stopped", 15, "+QLWDEREG: 0")
        assert state.module_summary() == "Not registered · client stopped"
        assert state.disagreement() is None
        assert state.summary()[1].startswith(f"Server: no registration of {endpoint} since ")

    run("quectel-bg95", scenario, watch=watch)
    registered = [h for h in headlines if h.startswith("Registered")]
    assert registered and all(h.endswith("client ready") for h in registered), headlines


def test_st87mxx_reboot_by_server_execute_resets_the_module_side() -> None:
    async def scenario(session: DemoSession, endpoint: str) -> None:
        state = session.state
        assert state.module_summary() == "Registered (server 1) · client ready"
        assert (await session.server.execute(endpoint, "/3/0/4")).code == "2.04"
        await until(lambda: state.last_boot is not None, 15, "#REBOOT_HOST")
        boot = state.last_boot
        # #REBOOT_HOST, then #SIMST: 1 (also a boot URC of the ST plugin): one reboot.
        assert boot is not None and boot.value == "#REBOOT_HOST"
        srv = state.servers["1"]
        assert srv.registration is None and srv.update_timer is None and not srv.observations
        assert state.module_summary() == (
            f"Not registered · module rebooted (line {boot.line}) · client unknown"
        )
        view = state.server_view
        assert view is not None and view.registered and view.registered_at is not None
        # The server still holds the registration the module lost: said in words, at once.
        assert state.disagreement() == (
            f"server has a registration since {clock_text(view.registered_at)}; "
            f"module rebooted (line {boot.line}) and has not registered again"
        )

    run("st-st87mxx", scenario)


def test_registration_expiry_on_the_server_is_shown_beside_the_module_view() -> None:
    """The server's lifetime runs out before the module's update (grace set far negative)."""

    def configure(session: DemoSession) -> None:
        # The BG95 registers with lifetime 60 s and updates well after 3 s: expire at 3 s.
        session.server.config = dataclasses.replace(session.server.config, expiry_grace=-57.0)

    async def scenario(session: DemoSession, endpoint: str) -> None:
        state = session.state
        await until(lambda: _view_state(state) == "expired", 20, "the server's expiry")
        view = state.server_view
        assert view is not None and view.reason == "lifetime expired"
        assert state.module_summary() == "Registered (server 100) · client ready"
        assert state.disagreement() == (
            "module says registered; server has no registration since "
            f"{clock_text(view.since)}, expired"
        )
        assert state.summary() == [
            "Registered (server 100) · client ready",
            f"Server: no registration of {endpoint} since {clock_text(view.since)}, expired",
            "Module says registered; server has no registration since "
            f"{clock_text(view.since)}, expired",
        ]

    run("quectel-bg95", scenario, configure=configure)


def test_failed_reregistration_after_lifetime_minus_5_drops_the_timer_and_owns_the_error() -> None:
    async def scenario(session: DemoSession, endpoint: str) -> None:
        state = session.state
        srv = state.servers["721"]
        await until(lambda: srv.update_timer is not None, 15, "the update timer URC")
        # An older, unrelated AT error first.
        assert not (await session.send('AT+ULWM2MREAD="/99/0"')).ok
        assert state.last_error is not None
        assert state.last_error.value["thing"] == "command +ULWM2MREAD /99/0"
        write = await session.server.write(endpoint, "/1/10/1", -5)
        assert write.code == "2.04"
        await until(
            lambda: srv.registration is not None and srv.registration.value == "failed",
            15,
            "+ULWM2MSTAT: 1,721,4",
        )
        assert srv.update_timer is None  # the 21 h timer died with its registration
        error = state.last_error
        assert error is not None and error.value["thing"] == "server 721 registration"
        assert error.value["text"] == "registration with server 721 failed"
        assert error.raw == "+ULWM2MSTAT: 1,721,4"
        assert "command +ULWM2MREAD /99/0" in state.errors  # still standing, not the headline
        assert state.module_summary() == "Not registered · client failed"
        view = state.server_view
        assert view is not None and view.registered and view.registered_at is not None
        assert state.disagreement() == (
            f"server has a registration since {clock_text(view.registered_at)}; module says failed"
        )

    run("ublox-sara-r5", scenario)


@pytest.mark.parametrize("plugin_id", ["ublox-sara-r5"])
def test_sara_r5_start_up_ordering(plugin_id: str) -> None:
    """Server's 2.01 first, the module's URC a moment later: no false "ready", no dispute."""
    moments: list[tuple[str, str, str | None, list[str]]] = []

    def record(session: DemoSession, what: str) -> None:
        state = session.state
        moments.append((what, state.module_summary(), state.disagreement(), state.summary()))

    def watch(session: DemoSession) -> None:
        assert session.connection is not None
        session.connection.subscribe(lambda line: record(session, line.text))
        session.server.events.subscribe(lambda event: record(session, f"server {event.kind}"))

    async def scenario(session: DemoSession, endpoint: str) -> None:
        await until(lambda: session.state.servers["721"].update_timer is not None, 15, "timer URC")

    run(plugin_id, scenario, watch=watch)
    whats = [m[0] for m in moments]
    server_at = whats.index("server registered")
    urc_at = whats.index("+ULWM2MSTAT: 1,721,3")
    # Before the module's own registration URC the client is never called ready (audit M5).
    assert all("client ready" not in m[1] for m in moments[:urc_at]), moments
    assert any(m[1].endswith("client initialising") for m in moments[:urc_at])
    # Every moment: no disagreement while the module's URC trails the server by a moment.
    assert [m for m in moments if m[2] is not None] == []
    # From the server's registration on, the server's side is part of the headline.
    assert all(any(s.startswith("Server: ") for s in m[3]) for m in moments[server_at:])
    assert moments[-1][1] == "Registered (server 721) · client ready"
