"""The built-in server accepts every valid form of LwM2M 1.0, 1.1 and 1.2, and tells the user
(``conformance`` events) what a strict server of the declared version would reject."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiocoap import Message
from aiocoap.numbers.codes import Code

from tests.server.conftest import run, serving
from tests.server.device import FakeDevice
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path

OBJECTS = "</1/0>,</3/0>"

# (name, lwm2m, query after ep=, payload, expected ClientInfo fields) — every form is valid in
# its version: the server answers 2.01, reads it right, and reports nothing.
VALID_FORMS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    (
        "1.0 binding with Q (1.0 §5.3.1.1)",
        "1.0",
        "&lt=60&lwm2m=1.0&b=UQ",
        '</>;rt="oma.lwm2m";ct=11543,' + OBJECTS,
        {"binding": "UQ", "queue_mode": True, "content_formats": [11543], "lifetime": 60},
    ),
    (
        "1.0 UQS and sms (1.0 §5.3.1)",
        "1.0",
        "&lwm2m=1.0&b=UQS&sms=%2B123",
        OBJECTS,
        {"binding": "UQS", "queue_mode": True, "sms": "+123"},
    ),
    (
        "1.1 queue mode as the Q parameter (1.1 Core §6.2.1)",
        "1.1",
        "&lt=60&lwm2m=1.1&b=U&Q",
        '</>;rt="oma.lwm2m";ct=110,' + OBJECTS,
        {"binding": "U", "queue_mode": True, "content_formats": [110]},
    ),
    (
        "1.1 without </> and with ver on objects (1.1 Core §6.2.2)",
        "1.1",
        "&lwm2m=1.1&b=UT",
        "</1/0>,</3>;ver=1.1,</3/0>",
        {"binding": "UT", "root": "/", "objects": {"3": {"version": "1.1", "instances": [0]}}},
    ),
    (
        "1.1 absent optional parameters (defaults: lt 86400, b U)",
        "1.1",
        "&lwm2m=1.1",
        OBJECTS,
        {"lifetime": 86400, "binding": "U", "queue_mode": False, "content_formats": []},
    ),
    (
        "1.1 alternate root path (1.1 Core §6.2.1)",
        "1.1",
        "&lwm2m=1.1",
        '</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>',
        {"root": "/lwm2m"},
    ),
    (
        "1.2 content-format list (1.2 Core §6.2.1)",
        "1.2",
        "&lwm2m=1.2&b=U&Q",
        '</>;rt="oma.lwm2m";ct="60 110 112 11542 11543 11544",' + OBJECTS,
        {"content_formats": [60, 110, 112, 11542, 11543, 11544], "queue_mode": True},
    ),
    (
        "1.2 MQTT and HTTP binding letters (1.2 Transport)",
        "1.2",
        "&lwm2m=1.2&b=UMH",
        OBJECTS,
        {"binding": "UMH"},
    ),
]


@pytest.mark.parametrize(
    ("name", "version", "query", "payload", "expected"),
    VALID_FORMS,
    ids=[f[0] for f in VALID_FORMS],
)
def test_every_valid_form_registers_without_findings(
    registry: ObjectRegistry,
    name: str,
    version: str,
    query: str,
    payload: str,
    expected: dict[str, Any],
) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, endpoint="form")
        async with serving(registry, dev) as server:
            events: list[Any] = []
            server.events.subscribe(events.append)
            host, port = server.address
            response = await dev.request(
                Code.POST,
                f"coap://{host}:{port}/rd?ep=form{query}",
                payload.encode(),
                content_format=ContentFormat.LINK_FORMAT,
            )
            assert response.code == Code.CREATED, response.payload
            info = server.client("form").to_dict()
            assert info["lwm2m"] == version
            for key, value in expected.items():
                if key == "objects":
                    for oid, obj in value.items():
                        assert info["objects"][oid] == obj
                else:
                    assert info[key] == value, key
            dev.location = "/".join(response.opt.location_path)
            dev.server = server.address
            # Updates of the same version: lifetime only, binding only, a new object list.
            assert (await dev.update("lt=120")).code == Code.CHANGED
            assert (await dev.update("b=U")).code == Code.CHANGED
            update = await dev.request(
                Code.POST,
                f"coap://{host}:{port}/{dev.location}",
                OBJECTS.encode(),
                content_format=ContentFormat.LINK_FORMAT,
            )
            assert update.code == Code.CHANGED
            assert (await dev.deregister()).code == Code.DELETED
            assert [e for e in events if e.kind == "conformance"] == []
            assert server.conformance("form") == []

    run(scenario())


def _golden(event: Any) -> dict[str, Any]:
    data = event.to_dict()
    del data["time"], data["peer"]
    return data  # type: ignore[no-any-return]


async def _register(dev: FakeDevice, server: Any, query: str, payload: bytes) -> Any:
    host, port = server.address
    response = await dev.request(
        Code.POST,
        f"coap://{host}:{port}/rd?{query}",
        payload,
        content_format=ContentFormat.LINK_FORMAT,
    )
    dev.server = server.address
    dev.location = "/".join(response.opt.location_path)
    return response


async def _conformance_events(events: list[Any], count: int) -> list[Any]:
    async with asyncio.timeout(5):
        while len([e for e in events if e.kind == "conformance"]) < count:
            await asyncio.sleep(0.01)
    return [e for e in events if e.kind == "conformance"]


def test_golden_ct_list_in_a_1_1_register(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, endpoint="ct-list")
        async with serving(registry, dev) as server:
            events: list[Any] = []
            server.events.subscribe(events.append)
            payload = b'</>;rt="oma.lwm2m";ct="60 110 112 11542 11543",</1/0>,</3/0>'
            response = await _register(dev, server, "ep=ct-list&lt=60&lwm2m=1.1&b=U", payload)
            assert response.code == Code.CREATED  # accepted: the server keeps working
            (event,) = await _conformance_events(events, 1)
            assert _golden(event) == {
                "kind": "conformance",
                "endpoint": "ct-list",
                "version": "1.1",
                "operation": "register",
                "rule": "ct-single",
                "fragment": 'ct="60 110 112 11542 11543"',
                "section": "1.1 Core §6.2.1: one Content-Format on the root link (inferred "
                "value set: the multi-value formats a 1.1 server may be told to prefer; "
                "Wakaama's prv_parseLinkAttributes accepts exactly 11543, 110 and 112)",
                "severity": "reject",
                "reason": "ct must be a single content format in LwM2M 1.1",
                "plain": "a strict 1.1 server answers 4.00 to this: ct must be a single "
                "content format in LwM2M 1.1",
                "message": "POST /rd?ep=ct-list&lt=60&lwm2m=1.1&b=U",
            }
            assert server.conformance("ct-list") == [{k: v for k, v in event.data.items()}]
            # It keeps working: reads go on as usual.
            read = await server.read("ct-list", "/3/0/0")
            assert read.values
            # A clean re-registration clears what the row shows.
            await _register(dev, server, "ep=ct-list&lt=60&lwm2m=1.1&b=U", b"</1/0>,</3/0>")
            assert server.conformance("ct-list") == []

    run(scenario())


def test_golden_1_0_register_with_the_1_1_queue_parameter(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, endpoint="old-q")
        async with serving(registry, dev) as server:
            events: list[Any] = []
            server.events.subscribe(events.append)
            response = await _register(
                dev, server, "ep=old-q&lwm2m=1.0&b=U&Q", b"</1>;ver=1.2,</1/0>,</3/0>"
            )
            assert response.code == Code.CREATED
            assert server.client("old-q").queue_mode  # understood here...
            found = await _conformance_events(events, 2)
            assert [(e.data["rule"], e.data["fragment"], e.data["severity"]) for e in found] == [
                ("queue-parameter-1.0", "Q", "warn"),
                ("object-version-newer", "</1>;ver=1.2", "warn"),
            ]
            assert found[0].data["plain"] == (
                "a strict 1.0 server may ignore this: the Q parameter is LwM2M 1.1; in 1.0 "
                "queue mode is the binding b=UQ (the server will not know the client sleeps)"
            )

    run(scenario())


def test_golden_update_and_send_break_the_registered_version(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, endpoint="upd", lwm2m="1.0")
        async with serving(registry, dev) as server:
            events: list[Any] = []
            server.events.subscribe(events.append)
            await _register(dev, server, "ep=upd&lwm2m=1.0&b=U", b"</1/0>,</3/0>")
            # An Update with a 1.1 binding letter, then a Send, which 1.0 does not have.
            assert (await dev.update("b=T")).code == Code.CHANGED
            await dev.send({Path.of(3, 0, 0): "Acme"}, ContentFormat.SENML_JSON)
            found = await _conformance_events(events, 2)
            assert [(e.endpoint, e.data["operation"], e.data["rule"]) for e in found] == [
                ("upd", "update", "binding-value"),
                ("upd", "send", "operation-not-in-version"),
            ]
            assert found[0].data["plain"] == (
                "a strict 1.0 server answers 4.00 to this: b=T is not a LwM2M 1.0 binding "
                "(U, UQ, S, SQ, US, UQS); T and N bindings arrive with 1.1"
            )
            assert found[1].data["message"] == "POST /dp"

    run(scenario())


def test_golden_notification_in_another_format_than_asked(registry: ObjectRegistry) -> None:
    async def scenario() -> None:
        dev = FakeDevice(registry, endpoint="obs")
        async with serving(registry, dev) as server:
            events: list[Any] = []
            server.events.subscribe(events.append)
            await _register(dev, server, "ep=obs&lwm2m=1.1", b"</1/0>,</3/0>")
            await server.observe("obs", "/3/0/0", fmt=ContentFormat.TEXT)
            original = dev._encode

            def wrong_format(path: Path, accept: int | None) -> Message:
                return original(path, ContentFormat.SENML_JSON)  # ignores Accept

            dev._encode = wrong_format  # type: ignore[method-assign]
            assert dev.notify() == 1
            (event,) = await _conformance_events(events, 1)
            assert _golden(event) == {
                "kind": "conformance",
                "endpoint": "obs",
                "version": "1.1",
                "operation": "notify",
                "rule": "notify-accept",
                "fragment": "Content-Format: 110",
                "section": "RFC 7252 §5.10.4; 1.1 Core §6.4.2; RFC 7641 §4.2",
                "severity": "reject",
                "reason": "the Observe asked for Accept 0, the notification is 110",
                "plain": "a strict 1.1 server answers 4.00 to this: the Observe asked for "
                "Accept 0, the notification is 110",
                "message": "2.05 notify (Content-Format 110)",
            }

    run(scenario())


def test_a_retransmitted_register_is_judged_once(registry: ObjectRegistry) -> None:
    """The monitor sits on the datagram tap: the same CON (peer, message id) twice is one
    message, so the user sees one finding."""
    from workbench.server.coapwire import parse_datagram

    async def scenario() -> None:
        async with serving(registry) as server:
            raw = parse_datagram(_register_datagram(4242, "ep=twice", b'</>;ct="110 112",</3/0>'))
            monitor = server.conformance_monitor
            assert len(monitor.incoming(raw, "127.0.0.1:9")) == 1
            assert monitor.incoming(raw, "127.0.0.1:9") == []
            assert len(server.conformance("twice")) == 1

    run(scenario())


def test_a_flood_is_not_judged_beyond_the_budget(registry: ObjectRegistry) -> None:
    """Judging runs on the loop that reads datagrams: a burst beyond the budget is counted,
    not judged, so a flood of registrations is not slowed down by the checker."""
    from workbench.server.coapwire import parse_datagram
    from workbench.server.conformance import BUDGET_BURST, ConformanceMonitor

    published: list[Any] = []
    now = [100.0]
    monitor = ConformanceMonitor(
        lambda *_: (None, None), lambda ep, d: published.append(d), clock=lambda: now[0]
    )
    payload = b'</>;ct="110 112",</3/0>'
    for mid in range(BUDGET_BURST + 50):
        monitor.incoming(parse_datagram(_register_datagram(mid, "ep=flood", payload)), "a:9")
    assert (len(published), monitor.skipped) == (BUDGET_BURST, 50)
    now[0] += 1.0  # a second later the budget is back
    monitor.incoming(parse_datagram(_register_datagram(1, "ep=flood", payload)), "b:9")
    assert len(published) == BUDGET_BURST + 1


def _register_datagram(mid: int, endpoint: str, payload: bytes) -> bytes:
    """A CON POST /rd?<endpoint>&lwm2m=1.1 with a link-format payload, as bytes."""
    from workbench.server.coapwire import MessageType, encode_message

    options = [(11, b"rd"), (12, b"\x28"), (15, endpoint.encode()), (15, b"lwm2m=1.1")]
    return encode_message(MessageType.CON, 2, mid, b"\x01", options, payload)


def test_notifications_of_many_observations_are_judged_against_their_accept() -> None:
    """The Accept of each Observe is kept while its observation lives: with more observations
    than ``remember`` (a fixed 1,024 once, against a 10,000-client soak), the oldest one's
    notification in another format is still found."""
    from workbench.server.coapwire import MessageType, encode_message, parse_datagram
    from workbench.server.conformance import ConformanceMonitor

    published: list[Any] = []
    live = {bytes([i]) for i in range(10)}
    monitor = ConformanceMonitor(
        lambda *_: ("obs", "1.1"),
        lambda ep, data: published.append(data),
        remember=2,
        live_observations=lambda: live,
    )
    for i in range(10):  # Observe /3/0/0 with Accept 0 (text/plain), token i
        options = [(6, b""), (11, b"3"), (11, b"0"), (11, b"0"), (17, b"")]
        request = encode_message(MessageType.CON, 1, 100 + i, bytes([i]), options, b"")
        monitor.outgoing(parse_datagram(request))
    note = encode_message(MessageType.NON, 69, 7, bytes([0]), [(6, b"\x05"), (12, b"\x6e")], b"x")
    monitor.incoming(parse_datagram(note), "127.0.0.1:9")
    assert [d["rule"] for d in published] == ["notify-accept"], published
