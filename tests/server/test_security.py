"""The security store's rules and the PSK entry syntax (the DTLS side is in tests/interop)."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
from aiocoap.numbers.codes import Code

from tests.peers import skip_missing_peer
from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from tests.server.psk_cases import CASES, PskCase, case_id
from tests.server.test_cli import start_cli
from workbench.cli import build_parser
from workbench.cli.server import load_psk
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.server import BootstrapConfig, LwM2MServer
from workbench.server.dtls import (
    HandshakeWatch,
    dtls_available,
    handshake_failure,
    has_encrypted_handshake,
)
from workbench.server.limits import RateGate
from workbench.server.security import (
    PskEntry,
    SecurityStore,
    parse_psk_entry,
    parse_psk_lines,
    psk_entry,
    psk_tables,
)


def test_an_endpoint_with_credentials_registers_only_with_its_identity() -> None:
    store = SecurityStore.from_entries({"dev": "urn:imei:1", "free": None})
    assert store.check("urn:imei:1", "dev") is None
    assert "only over DTLS" in (store.check("urn:imei:1", None) or "")
    assert "belongs to PSK identity 'dev'" in (store.check("urn:imei:1", "free") or "")
    assert "bound to endpoint 'urn:imei:1'" in (store.check("other", "dev") or "")
    assert store.check("plain", None) is None  # no credentials: plain CoAP is fine


def test_an_identity_without_endpoint_is_bound_by_its_first_registration() -> None:
    store = SecurityStore.from_entries({"dev": None})
    assert store.check("d1", "dev") is None
    assert store.bind("dev", "d1")
    assert not store.bind("dev", "d2")  # bound once, for good
    assert store.check("d1", "dev") is None
    assert store.check("d2", "dev") is not None
    assert store.check("d1", None) is not None


def test_one_endpoint_cannot_have_two_identities() -> None:
    with pytest.raises(ValueError, match="two PSK identities"):
        SecurityStore.from_entries({"a": "ep", "b": "ep"})


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("dev:00ff", PskEntry("dev", b"\x00\xff")),
        ("a:b:cafe", PskEntry("a:b", b"\xca\xfe")),
        ("dev:0011@urn:imei:35", PskEntry("dev", b"\x00\x11", "urn:imei:35")),
        ("id@x:0011@ep", PskEntry("id@x", b"\x00\x11", "ep")),
    ],
)
def test_psk_entries(text: str, entry: PskEntry) -> None:
    assert parse_psk_entry(text) == entry


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dev:", "must not be empty"),
        ("dev:@ep", "must not be empty"),
        ("dev:0011@", "endpoint after @"),
        (":0011", "IDENTITY:HEXKEY"),
        ("dev:secretnothex", "not hex"),
        ("dev:abc", "odd number"),
        ("nocolon", "IDENTITY:HEXKEY"),
    ],
)
def test_bad_psk_entries_never_echo_the_key(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words) as info:
        parse_psk_entry(text)
    assert "secretnothex" not in str(info.value)


def test_psk_lines_and_tables() -> None:
    entries = parse_psk_lines(["# keys", "a:00 b:11@ep-b", "", "c:22  # trailing"], "file")
    keys, endpoints = psk_tables(entries)
    assert keys == {"a": b"\x00", "b": b"\x11", "c": b"\x22"}
    assert endpoints == {"a": None, "b": "ep-b", "c": None}
    with pytest.raises(ValueError, match="file line 2"):
        parse_psk_lines(["a:00", "b:"], "file")
    with pytest.raises(ValueError, match="given twice"):
        psk_tables([PskEntry("a", b"\x00"), PskEntry("a", b"\x01")])


def test_the_server_refuses_empty_keys(registry: ObjectRegistry) -> None:
    with pytest.raises(ValueError, match="non-empty key"):
        LwM2MServer("127.0.0.1", 0, registry, psk={"dev": b""})
    with pytest.raises(ValueError, match="non-empty"):
        LwM2MServer("127.0.0.1", 0, registry, psk={"": b"\x01"})


def _record(kind: int, epoch: int, body: bytes = b"x") -> bytes:
    header = bytes([kind, 0xFE, 0xFD]) + epoch.to_bytes(2, "big") + bytes(6)
    return header + len(body).to_bytes(2, "big") + body


def test_handshake_failure_causes() -> None:
    hello = _record(22, 0)
    finished = _record(22, 0) + _record(20, 0) + _record(22, 1)
    assert has_encrypted_handshake(finished) and not has_encrypted_handshake(hello)
    assert handshake_failure(HandshakeWatch(), 0, hello, False) is None
    unknown = handshake_failure(HandshakeWatch(b"who"), -1, hello, False)
    assert unknown is not None and unknown[0] == "unknown PSK identity"
    wrong = handshake_failure(HandshakeWatch(b"dev"), 0, finished, True)
    assert wrong is not None and wrong[0] == "wrong PSK key"
    early = handshake_failure(HandshakeWatch(), -1, hello, False)
    assert early is not None and "cipher suite" in early[1]
    assert handshake_failure(HandshakeWatch(b"dev", connected=True), 0, finished, True) is None
    assert handshake_failure(HandshakeWatch(b"dev", reported=True), -1, finished, True) is None


def test_rate_gate_counts_what_it_leaves_out() -> None:
    gate = RateGate()
    assert gate.allow("a", now=5.0) == 0
    assert gate.allow("a", now=5.5) is None and gate.allow("b", now=5.5) == 0
    assert gate.allow("a", now=5.9) is None
    assert gate.allow("a", now=6.1) == 2


def test_a_flood_of_refused_registrations_is_answered_but_reported_sparingly(
    registry: ObjectRegistry,
) -> None:
    if not dtls_available():
        skip_missing_peer("DTLSSocket (bash scripts/install-peers.sh)")

    async def scenario() -> None:
        dev = FakeDevice(registry, endpoint="d1")
        psk = {"dev": b"\x01\x02"}
        async with serving(registry, dev, psk=psk, psk_endpoints={"dev": "d1"}, dtls_port=0) as srv:
            events: list[dict[str, Any]] = []
            srv.events.subscribe(lambda ev: events.append(ev.to_dict()))
            for _ in range(20):
                response = await dev.register(srv.address)
                assert response.code == Code.FORBIDDEN
            refusals = [e for e in events if e["kind"] == "security"]
            # One event a second for the same refusal; 20 would be one per datagram.
            assert 1 <= len(refusals) <= 5, refusals
            assert "d1" not in srv.clients

    run(scenario())


# -- one parser for every entry point (issue 14) ---------------------------------------------


def _verdict(make: Any) -> tuple[str, bytes | None, str | None] | str:
    """``make()``'s entry as (identity, key, endpoint), or the refusal's message."""
    try:
        entry = make()
    except ValueError as exc:
        return str(exc)
    return (entry.identity, entry.key, entry.endpoint)


def _check(case: PskCase, verdict: tuple[str, bytes | None, str | None] | str) -> None:
    if case.accepted is not None:
        assert verdict == (case.identity, case.accepted, case.endpoint)
        return
    assert isinstance(verdict, str), f"accepted {verdict}"
    assert case.words in verdict
    if case.key:
        assert case.key not in verdict


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_core_parser(case: PskCase) -> None:
    _check(case, _verdict(lambda: psk_entry(case.identity, case.key, case.endpoint)))
    _check(case, _verdict(lambda: parse_psk_entry(case.cli_text)))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_cli_arguments_and_key_file(case: PskCase, tmp_path: pathlib.Path) -> None:
    parser = build_parser()

    def load(*argv: str) -> PskEntry:
        entries, _warnings = load_psk(parser.parse_args(["server", *argv]))
        assert len(entries) == 1
        return entries[0]

    _check(case, _verdict(lambda: load("--psk", case.cli_text)))
    keys = tmp_path / "keys.txt"
    keys.write_text(case.cli_text + "\n", encoding="utf-8")
    from_file = _verdict(lambda: load("--psk-file", str(keys)))
    if case.accepted is not None or not any(c.isspace() for c in case.cli_text):
        _check(case, from_file)
    else:  # a file splits entries at spaces: still refused, for that reason
        assert isinstance(from_file, str)


@pytest.mark.parametrize("case", [c for c in CASES if c.endpoint is None], ids=case_id)
def test_the_bootstrap_file(case: PskCase) -> None:
    security = {"instance": 0, "mode": 0, "psk_identity": case.identity, "psk_key": case.key}

    def load() -> PskEntry:
        config = BootstrapConfig.from_json({"endpoints": {"*": {"security": [security]}}})
        plan = config.for_endpoint("any")
        assert plan is not None
        values = plan.writes[0][1]
        identity = values[Path.of(0, 0, 3)]
        key = values[Path.of(0, 0, 5)]
        assert isinstance(identity, bytes) and isinstance(key, bytes)
        return PskEntry(identity.decode("utf-8"), key)

    _check(case, _verdict(load))


def test_the_cli_process_refuses_what_the_window_used_to_take() -> None:
    async def scenario() -> None:
        cli = await start_cli("--psk", "dev:0x00112233")
        try:
            error = (await cli.next("error"))["error"]
        finally:
            await cli.close()
        assert "without 0x" in error and "00112233" not in error

    run(scenario())
