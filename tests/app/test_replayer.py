"""SessionPlayer: the time cursor behind the session window's replay controls."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from workbench.app.connection import ModuleConnection
from workbench.app.replayer import SessionPlayer
from workbench.plugin.loader import discover_plugins

REG = b'\r\n+QLWURC: "event",123,2,"REG_READY"\r\n'
ITEMS: list[tuple[str, float, bytes | str]] = [
    ("rx", 120.0, REG),
    ("tx", 100.0, b"ATI\r\n"),  # recorded after, happened before: time order wins
    ("rx", 100.5, b"\r\nBG95-M3\r\n\r\nOK\r\n"),
    ("note", 130.0, "closed"),
]


def _player() -> SessionPlayer:
    plugin = discover_plugins().get("quectel-bg95")
    return SessionPlayer("/dev/ttyUSB0", plugin, None, ITEMS)


def _texts(player: SessionPlayer) -> list[str]:
    conn = player.connection_at()
    return [line.text for line in conn.history]


def test_opens_at_the_end_and_seeks_in_time_order() -> None:
    player = _player()
    assert (player.start, player.end, player.shown) == (100.0, 130.0, 4)
    assert any("REG_READY" in t for t in _texts(player))
    assert player.seek(110.0) == 2
    texts = _texts(player)
    assert "ATI" in texts and "BG95-M3" in texts and not any("REG_READY" in t for t in texts)
    state = player.connection_at().state
    assert all(s.registration is None for s in state.servers.values())
    assert player.seek(-5.0) == 1 and player.position == 100.0  # clamped to the start
    assert player.seek(1e12) == 4


def test_play_pause_speed() -> None:
    player = _player()
    player.play()  # at the end: starts over
    assert player.playing and player.position == 100.0
    player.set_speed(10.0)
    assert player.advance(1.0) is True and player.position == 110.0
    player.pause()
    assert player.advance(5.0) is False and player.position == 110.0
    player.play()
    player.set_speed(math.inf)
    assert player.advance(0.0) is True and player.position == 130.0 and not player.playing
    with pytest.raises(ValueError):
        player.set_speed(0)


TRANSCRIPTS = Path(__file__).resolve().parents[1] / "plugins" / "quectel_bg95" / "transcripts"


def _chunked_session(seed: int) -> list[tuple[str, float, bytes | str]]:
    """Every BG95 transcript as one recording, cut into rx chunks at random bytes (lines
    split across chunks, as a serial port delivers them), one chunk per 0.1 s."""
    data = b"".join(
        p.read_bytes().replace(b"\n", b"\r\n") for p in sorted(TRANSCRIPTS.glob("*.txt"))
    )
    rng = random.Random(seed)
    items: list[tuple[str, float, bytes | str]] = []
    at = 0
    while at < len(data):
        size = rng.randint(1, 300)
        items.append(("rx", 1000.0 + len(items) * 0.1, data[at : at + size]))
        at += size
    return items


def _snapshot(conn: ModuleConnection) -> tuple[list[tuple[str, str, tuple[str, ...]]], str]:
    lines = [(ln.text, ln.kind, tuple(e.kind for e in ln.events)) for ln in conn.history]
    return lines, repr(conn.state.servers)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stepping_forward_shows_what_a_rebuild_shows(seed: int) -> None:
    """Playing forward goes on with the same connection and feeds it only the items passed;
    at every step (and at the end, where a line without terminator is flushed) it holds
    exactly what a rebuild from the start holds."""
    items = _chunked_session(seed)
    plugin = discover_plugins().get("quectel-bg95")
    player = SessionPlayer("/dev/ttyUSB0", plugin, None, items)
    rng = random.Random(seed)
    player.seek(player.start)
    first, same = player.view()
    assert not same
    while player.position < player.end:
        before = first.bytes_in
        passed = player.shown
        player.seek(player.position + rng.uniform(0.05, 3.0))
        view, same = player.view()
        assert same and view is first
        fed = sum(len(d) for _, _, d in items[passed : player.shown] if isinstance(d, bytes))
        assert view.bytes_in - before == fed  # only the new items, no rebuild
        rebuilt = SessionPlayer("/dev/ttyUSB0", plugin, None, items)
        rebuilt.seek(player.position)
        assert _snapshot(view) == _snapshot(rebuilt.connection_at())
    assert player.shown == len(items)


def test_stepping_back_rebuilds() -> None:
    player = _player()
    first, _ = player.view()
    player.seek(110.0)
    view, same = player.view()
    assert not same and view is not first
    assert not any("REG_READY" in line.text for line in view.history)
