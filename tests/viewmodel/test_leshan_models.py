"""The Qt-free models of the Leshan-style operations: the bootstrap form, the Send log, the
observation rows and the tree's attribute/discover notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from workbench.lwm2m.codecs.linkformat import parse_links
from workbench.lwm2m.paths import Path
from workbench.server.bootstrap import BootstrapConfig, BootstrapConfigError
from workbench.viewmodel.bootstrapform import (
    BootstrapForm,
    dumps,
    form_fields,
    form_from_json,
    to_json,
    validate,
)
from workbench.viewmodel.observations import observation_rows
from workbench.viewmodel.senddata import SendLog, row_from_send
from workbench.viewmodel.timeline import Lane, Tone
from workbench.viewmodel.treenotes import TreeNotes


# -- bootstrap form ---------------------------------------------------------------------------
def test_the_default_form_is_valid_and_loads_as_the_server_does() -> None:
    form = BootstrapForm()
    assert validate(form) == {}
    config = BootstrapConfig.from_json(to_json(form))
    plan = config.for_endpoint("any-endpoint")
    assert plan is not None and plan.delete == ["/"]
    written = {str(base): values for base, values in plan.writes}
    assert written["/1/0"][Path.parse("/1/0/0")] == 101
    assert written["/0/1"][Path.parse("/0/1/0")] == "coap://127.0.0.1:5683"


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"endpoint": "two words"}, "endpoint"),
        ({"server_uri": "http://x"}, "server_uri"),
        ({"server_uri": "coap://h:99999"}, "server_uri"),
        ({"server_uri": "coaps://h:5684"}, "server_uri"),  # NoSec over coaps
        ({"short_id": "0"}, "short_id"),
        ({"short_id": "65535"}, "short_id"),
        ({"lifetime": "1.5"}, "lifetime"),
        ({"binding": "X"}, "binding"),
        ({"security_mode": 0, "server_uri": "coaps://h:5684", "psk_key": "abc"}, "psk_key"),
        ({"security_mode": 0, "server_uri": "coaps://h:5684", "psk_key": "00"}, "psk_identity"),
        ({"delete": "/, 3/0"}, "delete"),
        ({"content_format": 50}, "content_format"),
    ],
)
def test_each_bad_field_is_named(changes: dict[str, Any], field_name: str) -> None:
    form = BootstrapForm(**changes)
    errors = validate(form)
    assert field_name in errors, errors
    assert set(errors) <= set(form_fields())
    with pytest.raises(BootstrapConfigError, match=field_name):
        to_json(form)


def test_psk_round_trip_through_the_file() -> None:
    form = BootstrapForm(
        endpoint="dev-1",
        server_uri="coaps://10.0.0.1:5684",
        security_mode=0,
        psk_identity="dev-1",
        psk_key="0A0B0C",
        delete="/0, /1",
        content_format=112,
        discover=True,
    )
    data = to_json(form)
    assert data["endpoints"]["dev-1"]["security"][0]["psk_key"] == "0a0b0c"
    again = form_from_json(data)
    assert (again.endpoint, again.psk_identity, again.delete) == ("dev-1", "dev-1", "/0, /1")
    assert again.content_format == 112 and again.discover and again.notes == []
    assert dumps(again) == dumps(form).replace("0A0B0C", "0a0b0c")


def test_what_the_form_cannot_show_is_noted() -> None:
    data = to_json(BootstrapForm())
    data["endpoints"]["other"] = data["endpoints"]["*"]
    acl = {"instance": 0, "object": 3, "object_instance": 0, "owner": 101}
    data["endpoints"]["*"]["acl"] = [acl]
    form = form_from_json(data)
    assert "1 more endpoint(s)" in form.notes[0] and "access control" in form.notes[1]
    with pytest.raises(BootstrapConfigError):
        form_from_json({"not": "a configuration"})


# -- Send log ---------------------------------------------------------------------------------
@dataclass
class _Event:
    kind: str
    endpoint: str | None
    data: dict[str, Any] = field(default_factory=dict)
    time: float = 0.0


def test_send_log_per_client_latest_and_refused() -> None:
    log = SendLog()
    log.add(_Event("send", "a", {"format": 112, "values": {"/3/0/14": "+01:00"}}, 1.0))
    log.add(_Event("send", "a", {"format": 110, "values": {"/3/0/14": "+02:00", "/3/0/9": 80}}, 2))
    log.add(_Event("send", "b", {"error": "Send needs SenML", "raw_hex": "00"}, 3.0))
    assert log.add(_Event("registered", "a")) == []
    assert log.endpoints == ["a", "b"] and log.count("a") == 2 and log.count("b") == 1
    assert [(v.path, v.value_text, v.format) for v in log.values("a")][:2] in (
        [("/3/0/14", "+02:00", "SenML JSON"), ("/3/0/9", "80", "SenML JSON")],
        [("/3/0/9", "80", "SenML JSON"), ("/3/0/14", "+02:00", "SenML JSON")],
    )
    assert {p: v.value_text for p, v in log.latest("a").items()} == {
        "/3/0/14": "+02:00",
        "/3/0/9": "80",
    }
    (refused,) = log.values("b")
    assert refused.value_text == "refused: Send needs SenML" and log.latest("b") == {}
    assert len(log.values()) == 4


def test_send_rows_on_the_notify_lane() -> None:
    one = row_from_send(5.0, "a", {"values": {"/3/0/14": "x"}}, -1)
    assert one == (5.0, int(Lane.NOTIFY), int(Tone.GOOD), "send /3/0/14 · a", -1)
    many = row_from_send(6.0, None, {"values": {"/1": 1, "/2": 2}}, -2)
    assert many[3] == "send 2 values"
    bad = row_from_send(7.0, "a", {"error": "bad CBOR"}, -3)
    assert bad[2] == int(Tone.BAD) and bad[3].startswith("send refused: bad CBOR")


# -- observation rows -------------------------------------------------------------------------
@dataclass
class _Result:
    values: dict[Any, Any]


@dataclass
class _Notification:
    result: _Result
    time: float


@dataclass
class _Obs:
    endpoint: str
    path: str
    notifications: int = 0
    initial: Any = None
    last: Any = None
    active: bool = True
    composite: tuple[str, ...] = ()


def test_observation_rows_per_client() -> None:
    observations = [
        _Obs("b", "/3/0/9", 0, _Result({"/3/0/9": 80})),
        _Obs("a", "/3/0/14", 2, _Result({}), _Notification(_Result({"/3/0/14": "+02:00"}), 9.0)),
        _Obs("a", "/3/0/13", active=False),
        _Obs("a", "/3/0/1,/3/0/2", 0, _Result({"/3/0/1": "M", "/3/0/2": "S"}),
             composite=("/3/0/1", "/3/0/2")),
    ]  # fmt: skip
    rows = observation_rows(observations)
    assert [(r.endpoint, r.path) for r in rows] == [
        ("a", "/3/0/1, /3/0/2"),
        ("a", "/3/0/14"),
        ("b", "/3/0/9"),
    ]
    assert rows[0].key == "/3/0/1,/3/0/2" and rows[0].last_value == "/3/0/1=M, /3/0/2=S"
    assert (rows[1].last_value, rows[1].last_time, rows[1].notifications) == ("+02:00", 9.0, 2)
    assert (rows[2].last_value, rows[2].last_time) == ("80", None)
    assert [r.path for r in observation_rows(observations, "b")] == ["/3/0/9"]


# -- tree notes -------------------------------------------------------------------------------
def test_notes_from_write_attributes_and_discover() -> None:
    notes = TreeNotes()
    target = Path.parse("/3/0/14")
    assert notes.written(target, {"pmin": 10, "gt": 2.5, "st": None}, "2.04") == (
        "attributes pmin=10&gt=2.5&st (2.04)"
    )
    links = parse_links("</3/0>,</3/0/6>;dim=2,</3/0/14>;pmin=10;pmax=60,</3/0/0>")
    found = notes.discovered(Path.parse("/3/0"), links)
    assert found["/3/0/6"] == "discovered: dim=2"
    assert notes.note("/3/0/14") == "discovered: pmin=10, pmax=60"  # the newer note wins
    assert notes.note("/3/0/0") == "discovered" and notes.note("/3/0/9") == ""
    assert notes.discovered(Path.parse("/5"), []) == {"/5": "discovered (nothing listed)"}
