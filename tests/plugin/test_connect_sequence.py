"""``ConnectSequence``: mypy holds every plugin's connect sequence to it (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.app.guided import plan_for
from workbench.plugin.api import ConnectSequence, Decoder, Plugin
from workbench.plugin.loader import discover_plugins

ROOT = Path(__file__).resolve().parents[2]

CHECKED = """
from workbench.plugin.api import ConnectSequence, Decoder, Plugin


def keyed(url: str, *, psk_identity: str = "", psk_key: str = "") -> list[str]:
    return [f"AT+SEC={url},{psk_identity},{psk_key}"]


def plain(url: str) -> tuple[str, ...]:
    return (f"AT+GO={url}",)


good: ConnectSequence = keyed
Plugin("good", "G", "", "", decoder_factory=Decoder, connect_sequence=keyed)
Plugin("bad", "B", "", "", decoder_factory=Decoder, connect_sequence=plain)
"""


def test_mypy_refuses_a_sequence_without_the_psk_keywords(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    source = tmp_path / "candidate.py"
    source.write_text(CHECKED, encoding="utf-8")
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--no-error-summary",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(source),
        ]
    )
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 1 and len(errors) == 1, stdout + stderr
    assert 'Argument "connect_sequence" to "Plugin"' in errors[0]
    bad = 1 + CHECKED.splitlines().index(next(x for x in CHECKED.splitlines() if '"bad"' in x))
    assert "ConnectSequence" in errors[0] and f"candidate.py:{bad}:" in errors[0]


def test_every_bundled_plugin_takes_the_psk_keywords() -> None:
    for plugin in discover_plugins(entry_points=False, user=False).plugins:
        sequence: ConnectSequence | None = plugin.connect_sequence
        if sequence is None:
            continue
        plain = list(sequence("coaps://127.0.0.1:5684"))
        keyed = list(sequence("coaps://127.0.0.1:5684", psk_identity="id", psk_key="0011"))
        assert keyed == plain, plugin.id  # no bundled document configures a key in its sequence


def test_a_sequence_that_ignores_the_key_gets_the_by_hand_note() -> None:
    def same(url: str, *, psk_identity: str = "", psk_key: str = "") -> list[str]:
        return [f"AT+GO={url}"]

    plugin = Plugin("ignores", "Ignores", "", "", decoder_factory=Decoder, connect_sequence=same)
    plan = plan_for(plugin, "coap://h:1", psk=("me", b"\x00\x11"), dtls_url="coaps://h:2")
    assert plan.commands == ["AT+GO=coaps://h:2"]
    assert any("set the same identity and key on the module by hand" in n for n in plan.notes)


def test_a_plugin_from_before_the_protocol_gets_a_clear_error() -> None:
    def old(url: str) -> list[str]:
        return [f"AT+GO={url}"]

    plugin = Plugin("old", "Old", "", "", decoder_factory=Decoder, connect_sequence=old)
    assert plan_for(plugin, "coap://h:1").commands == ["AT+GO=coap://h:1"]  # plain CoAP works
    with pytest.raises(ValueError, match="Old's connect sequence does not take the PSK"):
        plan_for(plugin, "coap://h:1", psk=("me", b"\x00\x11"), dtls_url="coaps://h:2")
