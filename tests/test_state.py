"""Module state model: folding contract events, provenance of every value."""

from __future__ import annotations

from typing import Any

from workbench.events import Event
from workbench.state import ModuleState


def ev(kind: str, line: int, **fields: Any) -> Event:
    return Event(kind, line, f"raw {line}", fields)


def test_client_and_registration_with_provenance() -> None:
    state = ModuleState()
    changed = state.apply_all(
        [
            ev("client", 1, state="registering"),
            ev("registration", 2, server="1", state="pending", code=0),
            ev("registration", 3, server="1", state="registered", code=3),
            ev("update_timer", 4, server="1", seconds=270),
        ]
    )
    assert changed == {"client", "servers"}
    assert state.client is not None and state.client.value == "registering"
    srv = state.servers["1"]
    assert srv.registered
    assert srv.registration is not None and srv.registration.line == 3
    assert srv.registration_code is not None and srv.registration_code.value == 3
    assert srv.update_timer is not None and (srv.update_timer.value, srv.update_timer.line) == (
        270,
        4,
    )


def test_observations_notifications_and_deregistration() -> None:
    state = ModuleState()
    state.apply_all(
        [
            ev("observe", 1, server="1", path="/3/0/9", active=True),
            ev("observe", 2, server="1", path="/3303/0/5700", active=True),
            ev("observe", 3, server="1", path="/3/0/9", active=False),
            ev("notify", 4, server="1", path="/3303/0/5700"),
            ev("notify", 5, server="1", path="/3303/0/5700"),
        ]
    )
    srv = state.servers["1"]
    assert srv.observed_paths == {"/3303/0/5700"}
    assert srv.notifications is not None and (srv.notifications.value, srv.notifications.line) == (
        2,
        5,
    )
    assert srv.last_notify is not None and srv.last_notify.value == "/3303/0/5700"
    state.apply(ev("registration", 6, server="1", state="deregistered"))
    assert srv.observed_paths == set() and not srv.registered


def test_bootstrap_connection_default_server() -> None:
    state = ModuleState()
    state.apply(ev("bootstrap", 1, state="finished", code=8))
    state.apply(
        ev("connection", 2, server=1, state="created", address="1.2.3.4:5683", sent=3, received=4)
    )
    assert state.servers["default"].bootstrap is not None
    conn = state.servers["1"]
    assert conn.connection is not None and conn.connection.value == "created"
    assert conn.address is not None and conn.sent is not None and conn.sent.value == 3
    assert conn.received is not None and conn.received.value == 4


def test_host_requests_values_objects_downlink_errors() -> None:
    state = ModuleState()
    state.apply(ev("host_request", 1, op="read", path="/3/0/0"))
    state.apply(ev("host_request", 2, op="write", path="/3/0/1", value="x"))
    assert [r.path for r in state.pending_requests] == ["/3/0/0", "/3/0/1"]
    assert state.apply(ev("host_response", 3, op="read", path="/3/0/0")) == {"requests"}
    assert [r.line for r in state.pending_requests] == [2]
    assert state.apply(ev("host_response", 4, op="execute", path="/9")) == set()
    state.apply(ev("objects", 5, paths=["/1/0", "/3/0"]))
    state.apply(ev("values", 6, values={"/3/0/0": "u-blox", "/3/0/9": 80}))
    state.apply(ev("downlink", 7, path="/19/1/0", value="abc"))
    state.apply(ev("error", 8, text="ERROR", code=4, command="AT+X"))
    assert state.objects is not None and state.objects.value == ["/1/0", "/3/0"]
    assert state.values["/3/0/9"].value == 80 and state.values["/3/0/9"].line == 6
    assert state.last_downlink is not None and state.last_downlink.value["path"] == "/19/1/0"
    assert state.last_error is not None and state.last_error.value == {
        "text": "ERROR",
        "code": 4,
        "command": "AT+X",
    }


def test_unknown_counted_other_kinds_ignored_inferred_kept() -> None:
    state = ModuleState()
    assert state.apply(ev("unknown", 1)) == {"unknown"}
    assert state.apply(ev("command", 2, command="AT")) == set()
    event = ev("registration", 3, server="1", state="registered")
    event.inferred = True
    state.apply(event)
    reg = state.servers["1"].registration
    assert reg is not None and reg.inferred and reg.to_dict()["inferred"] is True
    assert state.unknown_lines == 1 and state.events_applied == 3


def test_boot_network_identity_and_snapshot() -> None:
    state = ModuleState()
    state.apply(ev("observe", 1, server="1", path="/3/0/9", active=True))
    state.apply(ev("host_request", 2, op="read", path="/3/0/0"))
    state.apply(ev("network", 3, stat=1, state="registered_home"))
    state.apply(ev("signal", 4, rssi=20, ber=99))
    state.apply(ev("identity", 5, imei="1234"))
    state.apply(ev("boot", 6, text="RDY"))
    assert state.servers["1"].observed_paths == set() and state.pending_requests == []
    snap = state.to_dict()
    assert snap["network"]["value"] == "registered_home"
    assert snap["identity"]["imei"] == {"value": "1234", "line": 5, "kind": "identity"}
    assert snap["servers"]["1"]["observations"] == {}
