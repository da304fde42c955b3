"""SessionPlayer: the time cursor behind the session window's replay controls."""

from __future__ import annotations

import math

import pytest

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
