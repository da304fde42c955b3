"""ModuleConnection over a real pty with a simulated module (no Qt)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.plugin_fixtures import bundled_plugins
from workbench.app.connection import ModuleConnection, TerminalLine
from workbench.plugin.loader import discover_plugins
from workbench.plugin_api import Plugin
from workbench.transport.hosting import PtyHost
from workbench.transport.serial_port import PortError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals need POSIX")


def _plugin() -> Plugin:
    """The first bundled plugin (each has a simulator and identification patterns)."""
    plugin = bundled_plugins()[0]
    assert plugin.simulator_factory is not None and plugin.identify, plugin.id
    return plugin


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def _run(coro: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(coro(), 30))


def test_send_shows_tx_and_rx_and_detects_the_module() -> None:
    plugin = _plugin()

    async def main() -> None:
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        seen: list[TerminalLine] = []
        conn = ModuleConnection(host.path)  # no plugin yet: generic AT
        conn.subscribe(seen.append)
        try:
            conn.open()
            assert conn.status == "open"
            result = await conn.send("AT", timeout=5)
            assert result.ok
            detection = await conn.detect(discover_plugins().plugins)
            assert detection.text, detection.error
            assert plugin in detection.candidates
            assert detection.suggestion is not None
        finally:
            await conn.close()
            await host.stop()
        kinds = [(line.direction, line.kind) for line in seen]
        assert ("tx", "tx") in kinds
        assert ("rx", "final") in kinds
        tx = next(line for line in seen if line.direction == "tx")
        assert tx.text == "AT" and tx.raw == b"AT\r"
        seqs = [line.seq for line in seen]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        # Subscribers and drain see the same lines; history keeps them.
        assert [line.seq for line in conn.drain()] == seqs
        assert conn.drain() == []
        assert list(conn.history) == seen
        assert conn.line(seqs[3]) == seen[3]
        assert conn.status == "closed"

    _run(main)


def test_events_carry_the_terminal_seq_and_fold_into_state() -> None:
    plugin = _plugin()

    async def main() -> None:
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        conn = ModuleConnection(host.path, plugin)
        try:
            conn.open()
            result = await conn.send("AT+CGMM", timeout=5)
            assert result.ok
            await _until(lambda: any(line.events for line in conn.history))
        finally:
            await conn.close()
            await host.stop()
        for line in conn.history:
            for event in line.events:
                assert event.line == line.seq
        assert conn.state.events_applied > 0
        assert conn.bytes_in > 0 and conn.bytes_out == len(b"AT+CGMM\r")

    _run(main)


def test_missing_port_is_a_clear_error(tmp_path: Path) -> None:
    async def main() -> None:
        conn = ModuleConnection(str(tmp_path / "ttyNOPE"))
        with pytest.raises(PortError, match="does not exist"):
            conn.open()
        assert conn.status == "closed"
        assert "does not exist" in conn.reason
        assert conn.history[-1].direction == "note"
        with pytest.raises(PortError):
            await conn.send("AT")

    _run(main)


def test_lost_port_keeps_everything_and_reconnect_works(tmp_path: Path) -> None:
    """Unplug (the pty disappears), then the 'adapter' comes back under the same name."""
    plugin = _plugin()
    link = tmp_path / "ttyWB0"

    async def main() -> None:
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        link.symlink_to(host.path)
        statuses: list[str] = []
        conn = ModuleConnection(str(link), plugin)
        conn.subscribe_status(lambda status, reason: statuses.append(status))
        try:
            conn.open()
            assert (await conn.send("AT", timeout=5)).ok
            before = len(conn.history)
            await host.stop()
            await _until(lambda: conn.status == "lost")
            assert conn.reason
            assert len(conn.history) > before  # the loss note, nothing dropped
            with pytest.raises(PortError):
                await conn.send("AT")
            # The adapter comes back.
            host = PtyHost(plugin.make_simulator(None, ""))
            await host.start()
            link.unlink()
            link.symlink_to(host.path)
            conn.reconnect()
            assert conn.status == "open"
            assert (await conn.send("AT", timeout=5)).ok
        finally:
            await conn.close()
            await host.stop()
        assert statuses[:4] == ["opening", "open", "lost", "opening"]
        assert conn.history[0].text.startswith("opened")
        seqs = [line.seq for line in conn.history]
        assert seqs == list(range(1, len(seqs) + 1))

    _run(main)


def test_plugin_change_and_line_ending() -> None:
    plugin = _plugin()

    async def main() -> None:
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        conn = ModuleConnection(host.path)
        try:
            conn.open()
            conn.set_plugin(plugin)
            assert conn.plugin is plugin and conn.variant == plugin.default
            conn.line_ending = b"\r\n"
            assert (await conn.send("AT", timeout=5)).ok
        finally:
            await conn.close()
            await host.stop()
        tx = [line for line in conn.history if line.direction == "tx"]
        assert tx[-1].raw == b"AT\r\n"
        assert any(f"decoding as {plugin.id}" in line.text for line in conn.history)

    _run(main)


def test_history_is_bounded() -> None:
    conn = ModuleConnection("loop://", history=5)
    for i in range(8):
        conn.note(f"n{i}")
    assert [line.text for line in conn.history] == ["n3", "n4", "n5", "n6", "n7"]
    assert conn.trimmed == 3
    assert conn.line(1) is None and conn.line(8) is not None
    assert len(conn.drain(limit=2)) == 2


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def record_rx(self, data: bytes) -> None:
        self.calls.append(("rx", data))

    def record_tx(self, data: bytes) -> None:
        self.calls.append(("tx", data))

    def record_event(self, event: Any) -> None:
        self.calls.append(("event", event))

    def note(self, text: str) -> None:
        raise RuntimeError("a broken recorder must not break the connection")


def test_recorder_sees_bytes_and_events() -> None:
    plugin = _plugin()

    async def main() -> _Recorder:
        recorder = _Recorder()
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        conn = ModuleConnection(host.path, plugin, recorder=recorder)
        try:
            conn.open()
            assert (await conn.send("AT+CGMM", timeout=5)).ok
        finally:
            await conn.close()
            await host.stop()
        return recorder

    recorder = _run(main)
    kinds = {kind for kind, _ in recorder.calls}
    assert {"rx", "tx", "event"} <= kinds
    assert (b"".join(d for k, d in recorder.calls if k == "tx")) == b"AT+CGMM\r"


def test_close_decodes_the_backlog_in_slices_and_loses_nothing() -> None:
    """A close while decoding is behind (a burst the window has not caught up with) decodes
    every queued byte before it returns, in slices, so the loop (the window's) keeps
    running meanwhile instead of freezing for the whole backlog."""
    plugin = _plugin()

    async def main() -> None:
        host = PtyHost(plugin.make_simulator(None, ""))
        await host.start()
        conn = ModuleConnection(host.path, plugin)
        conn.open()
        lines = 40_000
        burst = b"".join(b'+CEREG: 1,"1A2B","01A2B3C4",7\r\n' for _ in range(lines))
        # As the reader thread hands it over, faster than one slice decodes it.
        for start in range(0, len(burst), 4096):
            conn._on_data(burst[start : start + 4096])
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        beating = asyncio.create_task(ticker())
        try:
            assert conn.backlog_bytes > 0
            await conn.close()
        finally:
            beating.cancel()
            await host.stop()
        assert conn.backlog_bytes == 0
        received = [line for line in conn.history if line.text.startswith("+CEREG")]
        assert len(received) == lines
        assert ticks > 5  # the loop ran between the slices

    _run(main)
