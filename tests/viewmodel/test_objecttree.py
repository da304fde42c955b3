"""The object tree's pure core and the host-request answers (the latter against real simulators)."""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Any

import pytest

from workbench.lwm2m.codecs.linkformat import ObjectInfo
from workbench.lwm2m.definitions import builtin_registry, load_registry
from workbench.lwm2m.errors import ValueValidationError
from workbench.lwm2m.model import Operations, ResourceDefinition, ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.server.coapwire import MessageType, RawMessage
from workbench.viewmodel.objecttree import (
    ObjectTreeData,
    display_value,
    parse_attributes,
    parse_create_values,
    parse_value,
    recorded_value,
    session_trees,
)


@pytest.fixture(scope="module")
def registry() -> Any:
    return builtin_registry()


def test_tree_merges_registration_definitions_and_values(registry: Any) -> None:
    data = ObjectTreeData(registry)
    data.set_registered({3: ObjectInfo(3, "1.1", [0]), 1: ObjectInfo(1, None, [0])})
    rev = data.revision
    mixed: dict[Any, Value] = {"/3/0/0": "ACME", Path.parse("/3/0/7/0"): 3800}
    assert data.apply_values(mixed, "read") == 2
    assert data.revision > rev
    objects = data.objects()
    assert [o.path.object_id for o in objects] == [1, 3]
    device = objects[1]
    assert device.label == "Device v1.1"
    rows = {r.path.resource_id: r for r in device.instances[0].resources}
    assert rows[0].name == "Manufacturer" and rows[0].value_text == "ACME"
    assert rows[0].ops == "R" and rows[0].type_label == "String"
    assert rows[9].units == "/100" and rows[9].range_text == "0..100"
    # A multi-instance resource lists its instances.
    assert [c.name for c in rows[7].instances] == ["[0]"]
    assert rows[7].instances[0].value_text == "3800"
    # Observation and errors are per row; a new value clears the error.
    data.set_observed("/3/0/13", True)
    data.set_error("/3/0/13", "4.04 Not Found")
    row13 = {r.path.resource_id: r for r in data.objects()[1].instances[0].resources}[13]
    assert row13.observed and row13.error == "4.04 Not Found"
    assert row13.value_text == ""
    data.apply_values({"/3/0/13": 0}, "notification")
    row13 = {r.path.resource_id: r for r in data.objects()[1].instances[0].resources}[13]
    assert row13.error == "" and row13.value_text.startswith("1970-01-01 00:00:00 UTC")
    assert data.value_info("/3/0/13").source == "notification"  # type: ignore[union-attr]


def test_unknown_objects_and_resources_are_shown_by_id(registry: Any) -> None:
    data = ObjectTreeData(registry)
    data.apply_values({"/32769/1/5": b"\x01\x02"}, "read")
    obj = data.objects()[0]
    assert obj.name == "Object 32769"
    row = obj.instances[0].resources[0]
    assert row.name == "Resource 5" and row.type_label == "?" and row.value_text == "01 02"


def test_deleted_instances_disappear_until_seen_again(registry: Any) -> None:
    data = ObjectTreeData(registry)
    data.set_registered({3303: ObjectInfo(3303, None, [0, 1])})
    data.mark_deleted("/3303/1")
    assert data.instance_ids(3303) == [0]
    data.apply_values({"/3303/1/5700": 1.5}, "read")
    assert data.instance_ids(3303) == [0, 1]


def test_registry_change_retypes_the_tree(tmp_path: FsPath) -> None:
    registry, _ = load_registry()
    data = ObjectTreeData(registry)
    data.apply_values({"/33001/0/1": 5}, "read")
    assert data.objects()[0].name == "Object 33001"
    (tmp_path / "x.xml").write_text(
        """<?xml version="1.0"?><LWM2M><Object ObjectType="MODefinition"><Name>Gizmo</Name>
        <ObjectID>33001</ObjectID><MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Optional</Mandatory><Resources><Item ID="1"><Name>Speed</Name>
        <Operations>RW</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory><Type>Integer</Type><RangeEnumeration>0..10</RangeEnumeration>
        <Units>rpm</Units></Item></Resources></Object></LWM2M>"""
    )
    (tmp_path / "broken.xml").write_text("<LWM2M><Object>")
    bigger, errors = load_registry([tmp_path])
    assert errors and "broken.xml" in str(
        errors[0].source if hasattr(errors[0], "source") else errors[0]
    )
    data.set_registry(bigger)
    obj = data.objects()[0]
    assert obj.name == "Gizmo"
    row = obj.instances[0].resources[0]
    assert (row.name, row.units, row.ops, row.range_text) == ("Speed", "rpm", "RW", "0..10")
    with pytest.raises(ValueValidationError, match="outside"):
        parse_value(row.definition, "11")


def test_parse_value_checks_type_range_and_enumeration(registry: Any) -> None:
    device = registry.get(3)
    assert parse_value(device.resource(14), "+02:00") == "+02:00"
    assert parse_value(device.resource(13), "1700000000") == 1700000000
    with pytest.raises(ValueValidationError):
        parse_value(device.resource(13), "soon")
    with pytest.raises(ValueValidationError):
        parse_value(device.resource(9), "101")  # battery level 0..100
    assert parse_value(None, "anything") == "anything"
    assert display_value(ObjectLink(3, 0)) == "3:0"
    assert display_value(True) == "true"
    assert display_value(b"\x00" * 40).endswith("(40 bytes)")


def test_parse_attributes() -> None:
    assert parse_attributes({"pmin": "10", "pmax": "60", "gt": "20.5", "lt": "", "st": "-"}) == {
        "pmin": 10,
        "pmax": 60,
        "gt": 20.5,
        "st": None,
    }
    with pytest.raises(ValueValidationError, match="greater than pmax"):
        parse_attributes({"pmin": "61", "pmax": "60"})
    with pytest.raises(ValueValidationError, match="whole number"):
        parse_attributes({"pmin": "1.5"})
    with pytest.raises(ValueValidationError, match="below gt"):
        parse_attributes({"gt": "1", "lt": "2"})
    with pytest.raises(ValueValidationError, match="not a number"):
        parse_attributes({"st": "x"})


def test_parse_create_values(registry: Any) -> None:
    values = parse_create_values(registry, 3303, 2, "5700=21.5\n# comment\n5750=kitchen\n")
    assert values == {Path.of(3303, 2, 5700): 21.5, Path.of(3303, 2, 5750): "kitchen"}
    with pytest.raises(ValueValidationError, match="line 1"):
        parse_create_values(registry, 3303, 2, "temperature")


# -- a recorded session's server view -----------------------------------------------------------
PEER_A, PEER_B = "127.0.0.1:5001", "127.0.0.1:5002"


def _coap(direction: str, peer: str, code: int, token: bytes, t: float, path: str,
          values: dict[str, Any] | None = None, payload: bytes = b"",
          options: tuple[tuple[int, bytes], ...] = ()) -> CoapLogEntry:  # fmt: skip
    mtype = MessageType.CON if 1 <= code <= 31 else MessageType.ACK
    message = RawMessage(mtype, code, 1, token, options, payload)
    return CoapLogEntry(direction, peer, b"", t, message, path=path, values=values)


def _registered(ep: str, peer: str, t: float, objects: dict[str, Any]) -> ServerEvent:
    return ServerEvent("registered", ep, {"address": peer, "objects": objects}, t)


def test_session_trees_rebuild_each_endpoint_from_the_records(registry: Any) -> None:
    events = [
        _registered("ep-a", PEER_A, 1.0, {"3": {"version": None, "instances": [0]},
                                          "3303": {"version": "1.1", "instances": [0, 1]}}),
        _registered("ep-b", PEER_B, 1.5, {"3": {"version": None, "instances": [0]}}),
        ServerEvent("observe_started", "ep-a", {"path": "/3303/0/5700", "success": True,
                                                "values": {"/3303/0/5700": 21.5}}, 4.0),
        ServerEvent("send", "ep-b", {"values": {"/3/0/1": "Model B"}}, 6.0),
    ]  # fmt: skip
    coap = [
        # A read of /3/0 on A, decoded by the server (opaque as hex, objlnk as text).
        _coap("out", PEER_A, 1, b"\x01", 2.0, "/3/0"),
        _coap("in", PEER_A, 69, b"\x01", 2.1, "/3/0",
              {"/3/0/0": "Acme", "/3/0/9": 87, "/3/0/17": {"hex": "0102"}}),
        # A read whose values were not kept: the raw text payload is decoded here.
        _coap("in", PEER_B, 69, b"\x02", 3.0, "/3/0/0", None, b"Other Corp",
              ((12, b""),)),
        # A notification (Observe option) on A.
        _coap("in", PEER_A, 69, b"\x03", 5.0, "/3303/0/5700", {"/3303/0/5700": 22.0},
              options=((6, b"\x02"),)),
        # A write A acknowledged with 2.04, and one B refused with 4.05.
        _coap("out", PEER_A, 3, b"\x04", 7.0, "/3303/1/5750", {"/3303/1/5750": "hall"}),
        _coap("in", PEER_A, 68, b"\x04", 7.1, "/3303/1/5750"),
        _coap("out", PEER_B, 3, b"\x05", 7.0, "/3/0/14", {"/3/0/14": "+02"}),
        _coap("in", PEER_B, 133, b"\x05", 7.1, "/3/0/14"),
        # A datagram from nobody who registered is ignored.
        _coap("in", "10.0.0.9:1", 69, b"\x06", 8.0, "/3/0/0", {"/3/0/0": "stranger"}),
    ]  # fmt: skip
    trees = session_trees(coap, events, registry)
    assert sorted(trees) == ["ep-a", "ep-b"]
    a, b = trees["ep-a"], trees["ep-b"]
    assert a.object_ids() == [3, 3303] and a.instance_ids(3303) == [0, 1]
    assert a.value("/3/0/0") == "Acme"
    info = a.value_info("/3/0/0")
    assert info is not None and info.source == "read" and info.time == 2.1
    assert a.value("/3/0/9") == 87
    assert a.value("/3/0/17") == b"\x01\x02"
    assert a.value("/3303/0/5700") == 22.0  # the notification after the initial 21.5
    last = a.value_info("/3303/0/5700")
    assert last is not None and last.source == "notification"
    assert a.is_observed("/3303/0/5700")
    assert a.value("/3303/1/5750") == "hall"
    written = a.value_info("/3303/1/5750")
    assert written is not None and written.source == "write"
    assert b.value("/3/0/0") == "Other Corp"
    assert b.value("/3/0/1") == "Model B"
    assert b.value("/3/0/14") is None  # the refused write changed nothing
    assert "stranger" not in [v for t in trees.values() for v in t.values().values()]
    rows = {str(r.path): r for o in a.objects() for i in o.instances for r in i.resources}
    assert rows["/3/0/0"].value_text == "Acme"


def test_session_trees_follow_deletes_observe_ends_and_objlnks(registry: Any) -> None:
    events = [
        _registered("ep", PEER_A, 1.0, {"3303": {"version": None, "instances": [0, 1]},
                                        "bad": {"instances": [0]}, "9": "junk"}),
        ServerEvent("observe_started", "ep", {"path": "/3303/0", "success": True}, 2.0),
        ServerEvent("observe_ended", "ep", {"path": "/3303/0", "reason": "cancelled"}, 3.0),
        ServerEvent("server_started", None, {}, 0.5),
    ]  # fmt: skip
    coap = [
        _coap("out", PEER_A, 4, b"\x07", 4.0, "/3303/1"),
        _coap("in", PEER_A, 66, b"\x07", 4.1, "/3303/1"),
        _coap("in", PEER_A, 69, b"\x08", 5.0, "/1/0", {"/1/0/0": 1}),
        _coap("in", PEER_A, 69, b"\x09", 5.0, "/0/0", {"/0/0/3": "***"}),
        CoapLogEntry("in", PEER_A, b"\xff", 6.0),  # not CoAP at all
    ]  # fmt: skip
    trees = session_trees(coap, events, registry)
    data = trees["ep"]
    assert data.instance_ids(3303) == [0]
    assert not data.is_observed("/3303/0")
    assert data.value("/1/0/0") == 1
    assert data.value("/0/0/3") == "***"  # a masked secret stays masked
    # A single registered endpoint takes datagrams from any peer (NAT rebinding, no update).
    other = session_trees([_coap("in", PEER_B, 69, b"\x01", 2.0, "/3/0/0", {"/3/0/0": "X"})],
                          [_registered("solo", PEER_A, 1.0, {})], registry)  # fmt: skip
    assert other["solo"].value("/3/0/0") == "X"


def test_recorded_values_are_typed_back(registry: Any) -> None:
    device = registry.get(3)
    assert recorded_value({"hex": "00ff"}, None) == b"\x00\xff"
    assert recorded_value({"hex": "zz"}, None) == "zz"
    assert recorded_value("3:0", None) == "3:0"
    link = ResourceDefinition(2, "Link", ResourceType.OBJLNK, Operations.READ)
    assert recorded_value("3:0", link) == ObjectLink(3, 0)
    assert recorded_value("nonsense", link) == "nonsense"
    assert recorded_value(12, device.resource(9)) == 12
    assert recorded_value([1, 2], None) == "[1, 2]"
    assert recorded_value(None, None) is None
