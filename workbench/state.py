"""The vendor-neutral module state model: decoded events folded into one picture.

Every value remembers the event that set it (line number, kind, timestamp, raw text), because
the workbench always shows the raw code beside its interpretation — "registered (line 412:
``+ULWM2MSTAT: 1,3``)". Pure Python, no Qt: the GUI subscribes to the set of changed sections
that :meth:`ModuleState.apply` returns.

Kinds beyond the contract that the model understands (plugins may emit them):
``host_response`` (fields ``op``, ``path``: the host answered a request, drop it from pending),
``network``/``signal``/``identity`` (3GPP values from the base decoder).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from workbench.events import Event, Kind

T = TypeVar("T")

#: Server key used when an event does not name its server.
DEFAULT_SERVER = "default"


@dataclass(frozen=True, slots=True)
class Tracked(Generic[T]):
    """A value plus the event that set it."""

    value: T
    line: int
    kind: str
    raw: str
    timestamp: float = 0.0
    inferred: bool = False

    @classmethod
    def of(cls, value: T, event: Event) -> Tracked[T]:
        return cls(value, event.line, event.kind, event.raw, event.timestamp, event.inferred)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "line": self.line, "kind": self.kind}
        if self.inferred:
            out["inferred"] = True
        return out


@dataclass(slots=True)
class ServerState:
    """What we know about one LwM2M server session of the module's client."""

    server: str
    registration: Tracked[str] | None = None
    registration_code: Tracked[Any] | None = None
    bootstrap: Tracked[str] | None = None
    update_timer: Tracked[int] | None = None
    #: path → the observe event that (de)activated it; only active ones are kept.
    observations: dict[str, Tracked[bool]] = field(default_factory=dict)
    notifications: Tracked[int] | None = None
    last_notify: Tracked[str] | None = None
    connection: Tracked[str] | None = None
    address: Tracked[str] | None = None
    sent: Tracked[int] | None = None
    received: Tracked[int] | None = None

    @property
    def observed_paths(self) -> set[str]:
        return set(self.observations)

    @property
    def registered(self) -> bool:
        return self.registration is not None and self.registration.value in (
            "registered",
            "updated",
            "update_pending",
        )

    def to_dict(self) -> dict[str, Any]:
        def t(x: Tracked[Any] | None) -> dict[str, Any] | None:
            return x.to_dict() if x is not None else None

        return {
            "server": self.server,
            "registration": t(self.registration),
            "registration_code": t(self.registration_code),
            "bootstrap": t(self.bootstrap),
            "update_timer": t(self.update_timer),
            "observations": {p: v.to_dict() for p, v in sorted(self.observations.items())},
            "notifications": t(self.notifications),
            "last_notify": t(self.last_notify),
            "connection": t(self.connection),
            "address": t(self.address),
            "sent": t(self.sent),
            "received": t(self.received),
        }


@dataclass(frozen=True, slots=True)
class HostRequest:
    """A request the module passed to the host (ST ``#LWNTY*``, SIM7028 ``+LWREAD``...)."""

    op: str
    path: str
    value: Any
    line: int
    raw: str
    timestamp: float = 0.0


class ModuleState:
    """Fold events into state; one instance per connection."""

    def __init__(self) -> None:
        self.client: Tracked[str] | None = None
        self.servers: dict[str, ServerState] = {}
        self.pending_requests: list[HostRequest] = []
        self.objects: Tracked[list[str]] | None = None
        self.values: dict[str, Tracked[Any]] = {}
        self.last_downlink: Tracked[dict[str, Any]] | None = None
        self.last_error: Tracked[dict[str, Any]] | None = None
        self.network: Tracked[str] | None = None
        self.signal: Tracked[dict[str, Any]] | None = None
        self.identity: dict[str, Tracked[str]] = {}
        #: Number of events applied, and of ``unknown`` ones among them.
        self.events_applied = 0
        self.unknown_lines = 0

    # -- folding ------------------------------------------------------------------------------
    def apply_all(self, events: Iterable[Event]) -> set[str]:
        changed: set[str] = set()
        for event in events:
            changed |= self.apply(event)
        return changed

    def apply(self, event: Event) -> set[str]:
        """Fold one event; returns the names of the sections that changed (for the GUI)."""
        self.events_applied += 1
        handler = _HANDLERS.get(event.kind)
        if handler is None:
            if event.kind == Kind.UNKNOWN:
                self.unknown_lines += 1
                return {"unknown"}
            return set()
        return handler(self, event)

    def server(self, server_id: Any) -> ServerState:
        """The state of server ``server_id`` (created on first use)."""
        key = DEFAULT_SERVER if server_id is None or server_id == "" else str(server_id)
        state = self.servers.get(key)
        if state is None:
            state = ServerState(key)
            self.servers[key] = state
        return state

    def _client(self, event: Event) -> set[str]:
        state = event.get("state")
        if state is None:
            return set()
        self.client = Tracked.of(str(state), event)
        return {"client"}

    def _registration(self, event: Event) -> set[str]:
        srv = self.server(event.get("server"))
        state = event.get("state")
        if state is not None:
            srv.registration = Tracked.of(str(state), event)
            if state in ("deregistered", "failed"):
                srv.observations.clear()
        if event.get("code") is not None:
            srv.registration_code = Tracked.of(event.get("code"), event)
        return {"servers"}

    def _bootstrap(self, event: Event) -> set[str]:
        srv = self.server(event.get("server"))
        state = event.get("state")
        if state is not None:
            srv.bootstrap = Tracked.of(str(state), event)
        return {"servers"}

    def _update_timer(self, event: Event) -> set[str]:
        seconds = event.get("seconds")
        if seconds is None:
            return set()
        self.server(event.get("server")).update_timer = Tracked.of(int(seconds), event)
        return {"servers"}

    def _notify(self, event: Event) -> set[str]:
        srv = self.server(event.get("server"))
        count = srv.notifications.value + 1 if srv.notifications is not None else 1
        srv.notifications = Tracked.of(count, event)
        path = event.get("path")
        if path is not None:
            srv.last_notify = Tracked.of(str(path), event)
        return {"servers"}

    def _observe(self, event: Event) -> set[str]:
        srv = self.server(event.get("server"))
        path = event.get("path")
        if path is None:
            return set()
        if event.get("active", True):
            srv.observations[str(path)] = Tracked.of(True, event)
        else:
            srv.observations.pop(str(path), None)
        return {"servers"}

    def _connection(self, event: Event) -> set[str]:
        srv = self.server(event.get("server"))
        if event.get("state") is not None:
            srv.connection = Tracked.of(str(event.get("state")), event)
        if event.get("address") is not None:
            srv.address = Tracked.of(str(event.get("address")), event)
        if event.get("sent") is not None:
            srv.sent = Tracked.of(int(event.get("sent")), event)
        if event.get("received") is not None:
            srv.received = Tracked.of(int(event.get("received")), event)
        return {"servers"}

    def _host_request(self, event: Event) -> set[str]:
        self.pending_requests.append(
            HostRequest(
                op=str(event.get("op", "")),
                path=str(event.get("path", "")),
                value=event.get("value"),
                line=event.line,
                raw=event.raw,
                timestamp=event.timestamp,
            )
        )
        return {"requests"}

    def _host_response(self, event: Event) -> set[str]:
        """The host answered: drop the oldest matching pending request."""
        op, path = event.get("op"), event.get("path")
        for index, request in enumerate(self.pending_requests):
            if (op is None or request.op == op) and (path is None or request.path == path):
                del self.pending_requests[index]
                return {"requests"}
        return set()

    def _downlink(self, event: Event) -> set[str]:
        self.last_downlink = Tracked.of(
            {"path": event.get("path"), "value": event.get("value")}, event
        )
        return {"downlink"}

    def _objects(self, event: Event) -> set[str]:
        paths = event.get("paths")
        if paths is None:
            return set()
        self.objects = Tracked.of([str(p) for p in paths], event)
        return {"objects"}

    def _values(self, event: Event) -> set[str]:
        values = event.get("values")
        if not isinstance(values, dict):
            return set()
        for path, value in values.items():
            self.values[str(path)] = Tracked.of(value, event)
        return {"values"}

    def _error(self, event: Event) -> set[str]:
        detail: dict[str, Any] = {"text": event.get("text")}
        if event.get("code") is not None:
            detail["code"] = event.get("code")
        if event.get("command") is not None:
            detail["command"] = event.get("command")
        self.last_error = Tracked.of(detail, event)
        return {"error"}

    def _network(self, event: Event) -> set[str]:
        if event.get("state") is None:
            return set()
        self.network = Tracked.of(str(event.get("state")), event)
        return {"network"}

    def _signal(self, event: Event) -> set[str]:
        self.signal = Tracked.of(dict(event.fields), event)
        return {"network"}

    def _identity(self, event: Event) -> set[str]:
        for key, value in event.fields.items():
            self.identity[key] = Tracked.of(str(value), event)
        return {"identity"}

    def _boot(self, event: Event) -> set[str]:
        """A module reboot ends every session: registrations and observations are gone."""
        for srv in self.servers.values():
            srv.observations.clear()
            srv.connection = None
        self.pending_requests.clear()
        return {"servers", "requests"}

    # -- snapshots ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly snapshot (tests, the CLI, session files)."""

        def t(x: Tracked[Any] | None) -> dict[str, Any] | None:
            return x.to_dict() if x is not None else None

        return {
            "client": t(self.client),
            "servers": {k: s.to_dict() for k, s in sorted(self.servers.items())},
            "pending_requests": [
                {"op": r.op, "path": r.path, "value": r.value, "line": r.line}
                for r in self.pending_requests
            ],
            "objects": t(self.objects),
            "values": {p: v.to_dict() for p, v in sorted(self.values.items())},
            "last_downlink": t(self.last_downlink),
            "last_error": t(self.last_error),
            "network": t(self.network),
            "signal": t(self.signal),
            "identity": {k: v.to_dict() for k, v in sorted(self.identity.items())},
        }


_HANDLERS: Mapping[str, Callable[[ModuleState, Event], set[str]]] = MappingProxyType(
    {
        Kind.CLIENT: ModuleState._client,
        Kind.REGISTRATION: ModuleState._registration,
        Kind.BOOTSTRAP: ModuleState._bootstrap,
        Kind.UPDATE_TIMER: ModuleState._update_timer,
        Kind.NOTIFY: ModuleState._notify,
        Kind.OBSERVE: ModuleState._observe,
        Kind.CONNECTION: ModuleState._connection,
        Kind.HOST_REQUEST: ModuleState._host_request,
        "host_response": ModuleState._host_response,
        Kind.DOWNLINK: ModuleState._downlink,
        Kind.OBJECTS: ModuleState._objects,
        Kind.VALUES: ModuleState._values,
        Kind.ERROR: ModuleState._error,
        Kind.NETWORK: ModuleState._network,
        Kind.SIGNAL: ModuleState._signal,
        Kind.IDENTITY: ModuleState._identity,
        Kind.BOOT: ModuleState._boot,
    }
)
