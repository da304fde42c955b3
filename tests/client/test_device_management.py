"""Every device-management operation and its response codes, over real UDP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import cbor2
from aiocoap.numbers.codes import Code

from tests.client.helpers import Recorder, run
from tests.client.mini_server import MiniServer
from workbench.client import ClientConfig, LwM2MClient
from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.paths import Path

Scenario = Callable[[MiniServer, LwM2MClient, Recorder], Awaitable[None]]


def with_client(scenario: Scenario, **kwargs: Any) -> None:
    async def main() -> None:
        async with MiniServer() as server:
            client = LwM2MClient("dm", server.url, config=ClientConfig(**kwargs))
            rec = Recorder(client)
            await client.start(timeout=5)
            try:
                await scenario(server, client, rec)
            finally:
                await client.stop()

    run(main())


def test_read_in_every_format() -> None:
    async def scenario(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        r = await server.request("dm", Code.GET, "/3/0/0")
        assert (r.code, r.opt.content_format, r.payload) == (Code.CONTENT, 0, b"LwM2M Workbench")
        # Instance without Accept: TLV (LwM2M 1.1 default).
        r = await server.request("dm", Code.GET, "/3/0")
        assert r.code == Code.CONTENT and r.opt.content_format == 11542
        tlv = codec_for(11542).decode(Path.of(3, 0), r.payload, client.registry)
        assert tlv[Path.of(3, 0, 9)] == 87 and tlv[Path.of(3, 0, 6, 1)] == 5
        assert Path.of(3, 0, 4) not in tlv  # executable resources are not read
        for fmt in (110, 112, 11543, 11542):
            r = await server.request("dm", Code.GET, "/3/0", accept=fmt)
            assert r.code == Code.CONTENT and r.opt.content_format == fmt, fmt
            decoded = codec_for(fmt).decode(Path.of(3, 0), r.payload, client.registry)
            assert decoded == tlv, fmt
        r = await server.request("dm", Code.GET, "/3/0", accept=110)
        assert isinstance(json.loads(r.payload), list)
        r = await server.request("dm", Code.GET, "/3/0/9", accept=112)
        assert isinstance(cbor2.loads(r.payload), list)
        r = await server.request("dm", Code.GET, "/3/0/9", accept=60)
        assert r.code == Code.CONTENT and cbor2.loads(r.payload) == 87
        r = await server.request("dm", Code.GET, "/3", accept=112)
        assert r.code == Code.CONTENT
        r = await server.request("dm", Code.GET, "/3/0/6/1")
        assert (r.code, r.payload) == (Code.CONTENT, b"5")
        r = await server.request("dm", Code.GET, "/5/0/3")
        assert r.payload == b"0"

    with_client(scenario)


def test_read_errors() -> None:
    async def scenario(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        cases = [
            ("/3/0", 0, Code.NOT_ACCEPTABLE),  # text cannot carry an instance
            ("/3/0/0", 42, Code.NOT_ACCEPTABLE),  # opaque for a string
            ("/3/0/0", 9999, Code.NOT_ACCEPTABLE),  # unknown format
            ("/3/1", None, Code.NOT_FOUND),
            ("/3/0/99", None, Code.NOT_FOUND),
            ("/77", None, Code.NOT_FOUND),
            ("/3/0/4", None, Code.METHOD_NOT_ALLOWED),  # execute-only resource
            ("/5/0/0", None, Code.METHOD_NOT_ALLOWED),  # write-only resource
            ("/0/0", None, Code.UNAUTHORIZED),  # Security: bootstrap server only
            ("/abc", None, Code.NOT_FOUND),
        ]
        for path, accept, code in cases:
            r = await server.request("dm", Code.GET, path, accept=accept)
            assert r.code == code, (path, accept, r.code)
        assert rec.of("request", op="read", path="/3/1", code="4.04")

    with_client(scenario)


def test_write_replace_partial_and_errors() -> None:
    async def scenario(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        r = await server.request("dm", Code.PUT, "/3/0/14", payload=b"+02:00", content_format=0)
        assert r.code == Code.CHANGED and client.get_value("/3/0/14") == "+02:00"
        # Partial update of an instance in SenML JSON.
        body = json.dumps([{"bn": "/1/0/", "n": "2", "v": 5}, {"n": "3", "v": 50}]).encode()
        r = await server.request("dm", Code.POST, "/1/0", payload=body, content_format=110)
        assert r.code == Code.CHANGED
        assert client.get_value("/1/0/2") == 5 and client.get_value("/1/0/3") == 50
        # Replace of an instance in TLV.
        tlv = codec_for(11542).encode(
            Path.of(1, 0), {Path.of(1, 0, 2): 1, Path.of(1, 0, 3): 9}, client.registry
        )
        r = await server.request("dm", Code.PUT, "/1/0", payload=tlv, content_format=11542)
        assert r.code == Code.CHANGED and client.get_value("/1/0/3") == 9
        cases = [
            ("/3/0/0", b"x", 0, Code.METHOD_NOT_ALLOWED),  # read-only
            ("/3/0/13", b"soon", 0, Code.BAD_REQUEST),  # not an integer
            ("/3/0/13", b"1", 12345, Code.UNSUPPORTED_CONTENT_FORMAT),
            ("/3/0/13", b"\xff\x00", 11542, Code.BAD_REQUEST),  # broken TLV
            ("/3/0/13", b"1", None, Code.BAD_REQUEST),  # no content format
            ("/3/7/13", b"1", 0, Code.NOT_FOUND),
            ("/0/0/0", b"coap://evil", 0, Code.UNAUTHORIZED),
            ("/3", b"1", 0, Code.METHOD_NOT_ALLOWED),  # object-level write is bootstrap only
        ]
        for path, payload, fmt, code in cases:
            r = await server.request("dm", Code.PUT, path, payload=payload, content_format=fmt)
            assert r.code == code, (path, r.code, r.payload)
        # A write mixing a writable and a read-only resource changes nothing.
        body = json.dumps([{"n": "/3/0/14", "vs": "+05:00"}, {"n": "/3/0/0", "vs": "x"}]).encode()
        r = await server.request("dm", Code.POST, "/3/0", payload=body, content_format=110)
        assert r.code == Code.METHOD_NOT_ALLOWED and client.get_value("/3/0/14") == "+02:00"

    with_client(scenario)


def test_execute_with_arguments() -> None:
    async def scenario(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        seen: list[tuple[Path, str]] = []
        client.store.on_execute(Path.of(3, 0, 4), lambda p, a: seen.append((p, a)))
        r = await server.request("dm", Code.POST, "/3/0/4", payload=b"0='now',1")
        assert r.code == Code.CHANGED
        assert seen == [(Path.of(3, 0, 4), "0='now',1")]
        assert rec.of("execute", path="/3/0/4", arguments="0='now',1")
        for path, code in [
            ("/3/0/9", Code.METHOD_NOT_ALLOWED),  # readable, not executable
            ("/3/0/77", Code.NOT_FOUND),
            ("/3/0/4/0", Code.METHOD_NOT_ALLOWED),
        ]:
            r = await server.request("dm", Code.POST, path)
            assert r.code == code, path
        # Registration Update Trigger.
        r = await server.request("dm", Code.POST, "/1/0/8")
        assert r.code == Code.CHANGED
        await server.wait_for("update")

    with_client(scenario)


def test_firmware_update_flow() -> None:
    async def scenario(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        r = await server.request("dm", Code.POST, "/5/0/2")
        assert r.code == Code.METHOD_NOT_ALLOWED  # nothing downloaded
        r = await server.request("dm", Code.PUT, "/5/0/0", payload=b"\x01\x02", content_format=42)
        assert r.code == Code.CHANGED and client.get_value("/5/0/3") == 2
        r = await server.request("dm", Code.POST, "/5/0/2")
        assert r.code == Code.CHANGED and client.get_value("/5/0/3") == 3
        await asyncio.sleep(0.4)
        assert client.get_value("/5/0/3") == 0 and client.get_value("/5/0/5") == 1

    with_client(scenario)


def test_discover_and_write_attributes() -> None:
    async def scenario(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        r = await server.request("dm", Code.PUT, "/3/0/9", query=("pmin=10", "pmax=60", "gt=50"))
        assert r.code == Code.CHANGED
        r = await server.request("dm", Code.PUT, "/3/0", query=("pmax=30",))
        assert r.code == Code.CHANGED
        r = await server.request("dm", Code.GET, "/3/0", accept=40)
        assert r.code == Code.CONTENT and r.opt.content_format == 40
        links = r.payload.decode().split(",")
        assert links[0] == "</3/0>;pmax=30"
        assert "</3/0/9>;pmin=10;pmax=60;gt=50" in links
        assert "</3/0/6>;dim=2" in links
        r = await server.request("dm", Code.GET, "/3", accept=40)
        assert r.payload.decode().startswith("</3>")
        r = await server.request("dm", Code.GET, "/3/0/6", accept=40)
        assert r.payload.decode() == "</3/0/6>;dim=2,</3/0/6/0>,</3/0/6/1>"
        # Removing an attribute: name without value.
        r = await server.request("dm", Code.PUT, "/3/0/9", query=("gt",))
        assert r.code == Code.CHANGED
        r = await server.request("dm", Code.GET, "/3/0/9", accept=40)
        assert r.payload == b"</3/0/9>;pmin=10;pmax=60"
        for path, query, code in [
            ("/3/0/9", ("foo=1",), Code.BAD_REQUEST),
            ("/3/0/9", ("pmin=-1",), Code.BAD_REQUEST),
            ("/3/0/9", ("lt=10", "gt=5"), Code.BAD_REQUEST),
            ("/3/0/9", ("lt=1", "gt=5", "st=3"), Code.BAD_REQUEST),
            ("/3/0/0", ("gt=5",), Code.BAD_REQUEST),  # string resource
            ("/3/0", ("st=5",), Code.BAD_REQUEST),  # not a resource
            ("/3/9", ("pmin=1",), Code.NOT_FOUND),
        ]:
            r = await server.request("dm", Code.PUT, path, query=query)
            assert r.code == code, (path, query, r.code)
        r = await server.request("dm", Code.GET, "/3/9", accept=40)
        assert r.code == Code.NOT_FOUND

    with_client(scenario)


def test_create_and_delete() -> None:
    async def scenario(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        assert 3303 in client.registry
        body = json.dumps([{"n": "/3303/0/5700", "v": 21.5}]).encode()
        r = await server.request("dm", Code.POST, "/3303", payload=body, content_format=110)
        assert r.code == Code.CREATED and r.opt.location_path == ("3303", "0")
        update = await server.wait_for("update")
        assert b"</3303/0>" in update.payload
        r = await server.request("dm", Code.GET, "/3303/0/5700")
        assert r.payload == b"21.5"
        body = json.dumps([{"n": "/3303/0/5700", "v": 1.0}]).encode()
        r = await server.request("dm", Code.POST, "/3303", payload=body, content_format=110)
        assert r.code == Code.BAD_REQUEST  # instance 0 exists
        r = await server.request("dm", Code.POST, "/3", payload=b"", content_format=110)
        assert r.code == Code.BAD_REQUEST  # single-instance object
        r = await server.request("dm", Code.DELETE, "/3303/0")
        assert r.code == Code.DELETED and client.store.instance_ids(3303) == []
        for path, code in [
            ("/3303/0", Code.NOT_FOUND),
            ("/3/0", Code.METHOD_NOT_ALLOWED),
            ("/3/0/1", Code.METHOD_NOT_ALLOWED),
            ("/0/0", Code.UNAUTHORIZED),
        ]:
            r = await server.request("dm", Code.DELETE, path)
            assert r.code == code, path
        r = await server.request("dm", Code.POST, "/9999", payload=b"[]", content_format=110)
        assert r.code == Code.NOT_FOUND
        r = await server.request("dm", Code.PATCH, "/3/0")
        assert r.code == Code.METHOD_NOT_ALLOWED

    with_client(scenario)


def test_request_events_have_op_path_code() -> None:
    async def scenario(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        await server.request("dm", Code.GET, "/3/0/1")
        event = rec.of("request")[-1]
        assert event.fields == {"op": "read", "path": "/3/0/1", "code": "2.05", "format": 0}
        json.dumps(event.to_json())

    with_client(scenario)


def test_lwm2m_10_reads_instances_in_tlv_and_12_in_senml_cbor() -> None:
    async def scenario(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        r = await server.request("dm", Code.GET, "/3/0")
        assert r.opt.content_format == 11542

    with_client(scenario, lwm2m_version="1.0")

    async def scenario12(server: MiniServer, client: LwM2MClient, rec: Recorder) -> None:
        assert server.registrations["dm"].query["lwm2m"] == "1.2"
        r = await server.request("dm", Code.GET, "/3/0")
        assert r.opt.content_format == 112

    with_client(scenario12, lwm2m_version="1.2")
