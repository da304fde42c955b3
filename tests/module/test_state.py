"""Module state model: folding contract events, provenance of every value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.module.events import Event
from workbench.module.state import REPORT_GRACE, ModuleState, clock_text


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
        "thing": "command +X",
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
    assert snap["network"] is None  # the reboot ended the network registration too
    assert snap["last_boot"] == {"value": "RDY", "line": 6, "kind": "boot"}
    assert snap["identity"]["imei"] == {"value": "1234", "line": 5, "kind": "identity"}
    assert snap["servers"]["1"]["observations"] == {}


# -- what supersedes what (issue 12) -----------------------------------------------------------


@dataclass
class FakeServerEvent:
    kind: str
    endpoint: str | None
    data: dict[str, Any] = field(default_factory=dict)
    time: float = 0.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_timer_dies_with_its_registration() -> None:
    state = ModuleState()
    state.apply(ev("registration", 1, server="721", state="registered"))
    state.apply(ev("update_timer", 2, server="721", seconds=77760))
    assert state.servers["721"].update_timer is not None
    assert "server 721 registration" not in state.errors
    state.apply(ev("registration", 3, server="721", state="failed"))
    assert state.servers["721"].update_timer is None
    state.apply(ev("registration", 4, server="721", state="registered"))
    state.apply(ev("update_timer", 5, server="721", seconds=60))
    state.apply(ev("registration", 6, server="721", state="update_pending"))
    assert state.servers["721"].update_timer is not None  # an update keeps the registration


def test_last_error_belongs_to_what_failed_and_a_success_of_it_clears_it() -> None:
    state = ModuleState()
    state.apply(ev("error", 1, text="+CME ERROR: 4", code=4, command='AT+QLWCFG="x",1'))
    state.apply(ev("registration", 2, server="100", state="failed"))
    assert state.last_error is not None and state.last_error.line == 2
    assert state.last_error.value["thing"] == "server 100 registration"
    # another command's success clears nothing; the registration's success clears its error
    state.apply(ev("result", 3, status="ok", command='AT+QLWSVC="state"'))
    state.apply(ev("registration", 4, server="100", state="registered"))
    assert state.last_error is not None and state.last_error.line == 1
    state.apply(ev("result", 5, status="ok", command='AT+QLWCFG="x",2'))
    assert state.last_error is None and state.errors == {}
    state.apply(ev("bootstrap", 6, server="100", state="failed"))
    assert (
        state.last_error is not None and state.last_error.value["thing"] == "server 100 bootstrap"
    )
    state.apply(ev("bootstrap", 7, server="100", state="finished"))
    assert state.last_error is None


def test_a_reboot_resets_what_it_invalidates() -> None:
    state = ModuleState()
    state.apply_all(
        [
            ev("client", 1, state="ready"),
            ev("registration", 2, server="1", state="registered"),
            ev("update_timer", 3, server="1", seconds=60),
            ev("observe", 4, server="1", path="/3/0/9", active=True),
            ev("notify", 5, server="1", path="/3/0/9"),
            ev("registration", 6, server="2", state="failed"),
            ev("error", 7, text="ERROR", command="AT+X"),
        ]
    )
    state.apply(ev("boot", 8, text="#REBOOT_HOST"))
    one = state.servers["1"]
    assert one.registration is None and one.update_timer is None and not one.observations
    assert one.notifications is not None and one.notifications.value == 1  # history stays
    assert state.client is None and state.client_headline is None
    assert set(state.errors) == {"command +X"}  # the sessions' errors went with them
    assert state.module_summary() == "Not registered · module rebooted (line 8) · client unknown"
    state.apply(ev("registration", 9, server="1", state="registered"))
    assert state.module_summary() == "Registered (server 1) · client ready"


def test_client_headline_moves_with_bootstrap_and_registration() -> None:
    state = ModuleState()
    assert state.client_headline is None
    state.apply(ev("client", 1, state="initialising"))
    assert state.client_headline == "initialising"
    state.apply(ev("bootstrap", 2, server="0", state="started"))
    assert state.client_headline == "bootstrapping"
    state.apply(ev("bootstrap", 3, server="0", state="finished"))
    assert state.client_headline == "registering"
    state.apply(ev("registration", 4, server="100", state="pending"))
    assert state.client_headline == "registering"
    state.apply(ev("registration", 5, server="100", state="registered"))
    assert state.client_headline == "ready"
    assert state.client is not None and state.client.value == "initialising"  # kept as said
    state.apply(ev("client", 6, state="stopped"))
    assert state.client_headline == "stopped"


def test_server_view_and_disagreement_in_words() -> None:
    clock = Clock()
    state = ModuleState(clock=clock)
    t0 = 1000.0
    state.apply_server_event(FakeServerEvent("registered", "ep", {"lifetime": 60}, t0))
    view = state.server_view
    assert view is not None and (view.state, view.registered_at, view.lifetime) == (
        "registered",
        t0,
        60,
    )
    # the module's URC trails the server's 2.01: no dispute within the grace
    clock.now = t0 + 1
    assert state.disagreement() is None
    clock.now = t0 + REPORT_GRACE + 1
    assert state.disagreement() == (
        f"server has a registration since {clock_text(t0)}; module has not said it registered"
    )
    state.apply(ev("registration", 1, server="100", state="registered"))
    assert state.disagreement() is None
    state.apply_server_event(
        FakeServerEvent("updated", "ep", {"changed": {"lifetime": 30}}, t0 + 9)
    )
    view = state.server_view
    assert view is not None and (view.state, view.registered_at, view.lifetime) == (
        "updated",
        t0,
        30,
    )
    state.apply_server_event(FakeServerEvent("expired", "ep", {"lifetime": 30}, t0 + 50))
    assert state.disagreement() == (
        f"module says registered; server has no registration since {clock_text(t0 + 50)}, expired"
    )
    assert (
        state.summary()[1] == f"Server: no registration of ep since {clock_text(t0 + 50)}, expired"
    )
    state.apply_server_event(
        FakeServerEvent(
            "deregistered", "ep", {"reason": "replaced by a newer registration"}, t0 + 60
        )
    )
    view = state.server_view
    assert view is not None and view.state == "replaced"
    state.apply_server_event(FakeServerEvent("registered", "ep", {"replaced": True}, t0 + 60))
    view = state.server_view
    assert view is not None and view.replaced and view.registered
    assert state.apply_server_event(FakeServerEvent("request", "ep")) == set()
    assert state.to_dict()["server_views"]["ep"]["replaced"] is True


def test_a_burst_of_boot_urcs_is_one_reboot() -> None:
    state = ModuleState()
    state.apply(ev("registration", 1, server="1", state="registered"))
    state.apply(ev("boot", 2, text="#REBOOT_HOST"))
    state.apply(ev("boot", 3, text="#SIMST: 1"))
    assert state.last_boot is not None and state.last_boot.line == 2
    state.apply(ev("client", 4, state="ready"))
    state.apply(ev("boot", 5, text="RDY"))
    assert state.last_boot is not None and state.last_boot.line == 5
