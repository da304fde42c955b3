"""The vendor-neutral module state model: decoded events folded into one picture.

Every value remembers the event that set it (line number, kind, timestamp, raw text), because
the workbench always shows the raw code beside its interpretation — "registered (line 412:
<the URC as printed>)". Pure Python, no Qt: the GUI subscribes to the set of changed sections
that :meth:`ModuleState.apply` returns.

Kinds beyond the contract that the model understands (plugins may emit them):
``host_response`` (fields ``op``, ``path``: the host answered a request, drop it from pending),
``network``/``signal``/``identity`` (3GPP values from the base decoder), ``result`` (an AT
command's final result: a success clears that command's earlier error).

What supersedes what (issue 12):

* Per server, in the order the module said it: a registration state replaces the previous one;
  a timer dies with its registration (any state that is not a registration clears the update
  timer), observations die with a deregistration or failure.
* A reboot/boot URC ends every session: registrations, timers, observations, connections,
  pending host requests, the client state and the network registration are reset; the servers
  keep their rows with "—" and the headline says the module rebooted.
* An error belongs to the thing that failed — an AT command (by name), a server's registration
  or bootstrap — and a later success of that same thing clears it; :attr:`ModuleState.last_error`
  is the most recent error still standing, never an older unrelated one.
* The client headline moves with registration: a bootstrap/registration event newer than the
  last client-state event says more about the client than that event (INITIAL must not pin
  "initialising" for a whole session).
* Both sides are kept: the module's URCs and the built-in server's view
  (:meth:`ModuleState.apply_server_event`: registered / updated / expired / deregistered /
  replaced). When they disagree, :meth:`ModuleState.disagreement` says so in words instead of
  picking one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, Protocol, TypeVar

from workbench.at.syntax import parse_command
from workbench.module.cellular import CellularState
from workbench.module.events import Event, Kind

T = TypeVar("T")

#: Server key used when an event does not name its server.
DEFAULT_SERVER = "default"
#: Registration states in which a registration exists (and its update timer runs).
REGISTERED_STATES = frozenset({"registered", "updated", "update_pending"})
#: Seconds the module's URC may trail the built-in server's registration before the two are
#: said to disagree (a module reports a little after the server's 2.01).
REPORT_GRACE = 5.0
#: Client headline derived from a bootstrap / registration state.
_CLIENT_BY_BOOTSTRAP = MappingProxyType(
    {
        "started": "bootstrapping",
        "pending": "bootstrapping",
        "retrying": "bootstrapping",
        "holdoff": "bootstrapping",
        "finished": "registering",
    }
)
_CLIENT_BY_REGISTRATION = MappingProxyType(
    {
        "pending": "registering",
        "retrying": "registering",
        "registered": "ready",
        "updated": "ready",
        "update_pending": "ready",
    }
)


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
        return self.registration is not None and self.registration.value in REGISTERED_STATES

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
    """A request the module passed to the host: the server read, wrote or executed a
    host-managed object (a ``host_request`` event)."""

    op: str
    path: str
    value: Any
    line: int
    raw: str
    timestamp: float = 0.0


class ServerEventLike(Protocol):
    """What :meth:`ModuleState.apply_server_event` reads of a built-in server event."""

    @property
    def kind(self) -> str: ...

    @property
    def endpoint(self) -> str | None: ...

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def time(self) -> float: ...


@dataclass(frozen=True, slots=True)
class ServerView:
    """The built-in server's side for one endpoint (from its events, not the module's URCs)."""

    endpoint: str
    #: registered, updated, expired, deregistered or replaced
    state: str
    #: Wall time of the server event that set :attr:`state`.
    since: float
    #: Wall time of the registration the server holds (None when it holds none).
    registered_at: float | None = None
    lifetime: int | None = None
    reason: str = ""
    #: The registration replaced an older one of the same endpoint.
    replaced: bool = False

    @property
    def registered(self) -> bool:
        return self.state in ("registered", "updated")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"endpoint": self.endpoint, "state": self.state}
        out["since"] = round(self.since, 3)
        if self.registered_at is not None:
            out["registered_at"] = round(self.registered_at, 3)
        if self.lifetime is not None:
            out["lifetime"] = self.lifetime
        if self.reason:
            out["reason"] = self.reason
        if self.replaced:
            out["replaced"] = True
        return out


def as_sentence(text: str) -> str:
    """``text`` with a capital first letter (the disagreement line opens a headline line)."""
    return text[:1].upper() + text[1:]


def clock_text(wall: float) -> str:
    """``10:42:03`` (local time), how the state names a moment of the server's side."""
    return time.strftime("%H:%M:%S", time.localtime(wall))


class ModuleState:
    """Fold events into state; one instance per connection.

    ``clock`` (wall seconds) stamps when each side's news arrived, so the module's URCs and
    the built-in server's events can be compared on one clock; tests pass their own.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
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
        #: The radio side the network card shows (registration, signal, PSM/eDRX, APN, IP).
        self.cellular = CellularState()
        #: Number of events applied, and of ``unknown`` ones among them.
        self.events_applied = 0
        self.unknown_lines = 0
        #: The last reboot/boot URC (what reset the sessions), if any.
        self.last_boot: Tracked[str] | None = None
        #: Errors still standing, by the thing that failed (``command +QLWSVC``, ``server 100
        #: registration``...), each with the order it was applied in.
        self.errors: dict[str, tuple[int, Tracked[dict[str, Any]]]] = {}
        #: The built-in server's view, per endpoint.
        self.server_views: dict[str, ServerView] = {}
        #: Order of the last client-state event and of the last bootstrap/registration event.
        self._client_order = 0
        self._session_order = 0
        #: Wall time each server's registration state was last reported by the module.
        self._reported_at: dict[str, float] = {}
        self._boot_at = 0.0
        self._boot_order = 0

    # -- folding ------------------------------------------------------------------------------
    def apply_all(self, events: Iterable[Event]) -> set[str]:
        changed: set[str] = set()
        for event in events:
            changed |= self.apply(event)
        return changed

    def apply(self, event: Event) -> set[str]:
        """Fold one event; returns the names of the sections that changed (for the GUI)."""
        self.events_applied += 1
        cellular = self.cellular.apply(event)
        handler = _HANDLERS.get(event.kind)
        if handler is None:
            if event.kind == Kind.UNKNOWN:
                self.unknown_lines += 1
                return {"unknown"}
            return cellular
        return handler(self, event) | cellular

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
        self._client_order = self.events_applied
        return {"client"}

    def _registration(self, event: Event) -> set[str]:
        srv = self.server(event.get("server"))
        state = event.get("state")
        changed = {"servers", "client"}
        if state is not None:
            state = str(state)
            srv.registration = Tracked.of(state, event)
            self._session_order = self.events_applied
            self._reported_at[srv.server] = self._clock()
            if state not in REGISTERED_STATES:
                srv.update_timer = None  # the timer died with the registration
            if state in ("deregistered", "failed"):
                srv.observations.clear()
            thing = f"server {srv.server} registration"
            if state in ("failed", "update_failed"):
                what = "registration" if state == "failed" else "registration update"
                text = f"{what} with server {srv.server} failed"
                fields = {"server": srv.server}
                if event.get("code") is not None:
                    fields["code"] = event.get("code")
                changed |= self._fail(thing, event, text, **fields)
            elif state in ("registered", "updated", "deregistered"):
                changed |= self._succeed(thing)
        if event.get("code") is not None:
            srv.registration_code = Tracked.of(event.get("code"), event)
        return changed

    def _bootstrap(self, event: Event) -> set[str]:
        srv = self.server(event.get("server"))
        state = event.get("state")
        changed = {"servers", "client"}
        if state is not None:
            srv.bootstrap = Tracked.of(str(state), event)
            self._session_order = self.events_applied
            thing = f"server {srv.server} bootstrap"
            if state == "failed":
                text = f"bootstrap with server {srv.server} failed"
                changed |= self._fail(thing, event, text, server=srv.server)
            elif state == "finished":
                changed |= self._succeed(thing)
        return changed

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
        fields: dict[str, Any] = {}
        if event.get("code") is not None:
            fields["code"] = event.get("code")
        command = event.get("command")
        if command is not None:
            fields["command"] = command
        return self._fail(_command_thing(command), event, event.get("text"), **fields)

    def _result(self, event: Event) -> set[str]:
        """A command that succeeds clears the error an earlier run of it left standing."""
        if event.get("status") != "ok" or event.get("command") is None:
            return set()
        return self._succeed(_command_thing(event.get("command")))

    def _fail(self, thing: str, event: Event, text: Any, **fields: Any) -> set[str]:
        detail: dict[str, Any] = {"text": text, **fields, "thing": thing}
        self.errors[thing] = (self.events_applied, Tracked.of(detail, event))
        self._latest_error()
        return {"error"}

    def _succeed(self, thing: str) -> set[str]:
        if self.errors.pop(thing, None) is None:
            return set()
        self._latest_error()
        return {"error"}

    def _latest_error(self) -> None:
        standing = max(self.errors.values(), key=lambda item: item[0], default=None)
        self.last_error = standing[1] if standing is not None else None

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
        """A module reboot ends every session: what it invalidates is reset (module docstring).

        Each server keeps its row (so the user sees "—" where "registered" was), its
        notification count stays as history; the errors of its sessions go with them.
        """
        for key, srv in list(self.servers.items()):
            fresh = ServerState(key)
            fresh.notifications, fresh.last_notify = srv.notifications, srv.last_notify
            self.servers[key] = fresh
            self._reported_at.pop(key, None)
        for thing in [t for t in self.errors if t.startswith("server ")]:
            del self.errors[thing]
        self._latest_error()
        self.pending_requests.clear()
        self.client = None
        self.network = None
        quiet = self._client_order == self._session_order == self._boot_order > 0
        if self.last_boot is None or not quiet:  # a burst (#REBOOT_HOST, #SIMST) is one reboot
            self.last_boot = Tracked.of(str(event.get("text") or event.raw), event)
            self._boot_at = self._clock()
        self._client_order = self._session_order = self._boot_order = self.events_applied
        return {"servers", "requests", "client", "network", "error"}

    # -- the built-in server's side -------------------------------------------------------------
    def apply_server_event(self, event: ServerEventLike) -> set[str]:
        """Fold one built-in server event (``registered``, ``updated``, ``expired``...).

        Returns ``{"server_view"}`` when the server's view of an endpoint changed.
        """
        endpoint = event.endpoint
        if not endpoint:
            return set()
        data = event.data
        old = self.server_views.get(endpoint)
        lifetime = data.get("lifetime", old.lifetime if old is not None else None)
        lifetime = int(lifetime) if isinstance(lifetime, int | float) else None
        kind = event.kind
        if kind == "registered":
            view = ServerView(
                endpoint, "registered", event.time, event.time, lifetime,
                replaced=bool(data.get("replaced")),
            )  # fmt: skip
        elif kind == "updated":
            changed = data.get("changed")
            if isinstance(changed, dict) and isinstance(changed.get("lifetime"), int):
                lifetime = changed["lifetime"]
            registered_at = old.registered_at if old is not None else None
            view = ServerView(endpoint, "updated", event.time, registered_at, lifetime)
        elif kind in ("expired", "deregistered"):
            reason = str(data.get("reason") or ("lifetime expired" if kind == "expired" else ""))
            state = "replaced" if "replaced" in reason else kind
            view = ServerView(endpoint, state, event.time, None, lifetime, reason)
        else:
            return set()
        self.server_views[endpoint] = view
        return {"server_view"}

    @property
    def server_view(self) -> ServerView | None:
        """The built-in server's view of the endpoint it heard from last."""
        return max(self.server_views.values(), key=lambda v: v.since, default=None)

    # -- what the headline says -------------------------------------------------------------------
    @property
    def client_headline(self) -> str | None:
        """The client state the headline shows (module docstring: it moves with registration)."""
        if self.client is not None and self._client_order >= self._session_order:
            return self.client.value
        registrations = [s.registration.value for s in self.servers.values() if s.registration]
        derived = [_CLIENT_BY_REGISTRATION.get(r) for r in registrations]
        if "ready" in derived:
            return "ready"
        if "registering" in derived:
            return "registering"
        bootstraps = [s.bootstrap.value for s in self.servers.values() if s.bootstrap]
        for state in bootstraps:
            if state in _CLIENT_BY_BOOTSTRAP:
                return _CLIENT_BY_BOOTSTRAP[state]
        if "failed" in registrations or "failed" in bootstraps:
            return "failed"
        return self.client.value if self.client is not None else None

    def module_summary(self) -> str:
        """``Registered (server 100) · client ready`` — the module's own side, in words."""
        registered = [key for key, srv in self.servers.items() if srv.registered]
        client = self.client_headline or "unknown"
        if registered:
            servers = ", ".join(f"server {key}" for key in registered)
            return f"Registered ({servers}) · client {client}"
        text = "Not registered"
        if (
            self.last_boot is not None
            and self._session_order == self._client_order
            and (self.client is None)
        ):
            text += f" · module rebooted (line {self.last_boot.line})"
        return f"{text} · client {client}"

    def server_summary(self) -> str | None:
        """``Server: registered since 10:42:03`` — the built-in server's side (None: no news)."""
        view = self.server_view
        if view is None:
            return None
        if view.registered and view.registered_at is not None:
            text = f"Server: {view.endpoint} registered since {clock_text(view.registered_at)}"
            if view.state == "updated":
                text += f" (updated {clock_text(view.since)})"
            return text
        return f"Server: no registration of {view.endpoint} since {clock_text(view.since)}, " + (
            view.state
        )

    def disagreement(self, now: float | None = None) -> str | None:
        """When the module and the built-in server disagree, a plain-words line; else None.

        Only asked when the server has heard of the module at all. A module whose URC has not
        caught up with a fresh registration yet gets :data:`REPORT_GRACE` seconds.
        """
        view = self.server_view
        if view is None:
            return None
        registered = [srv for srv in self.servers.values() if srv.registered]
        if registered and not view.registered:
            return (
                f"module says registered; server has no registration since "
                f"{clock_text(view.since)}, {view.state}"
            )
        if not view.registered or registered or view.registered_at is None:
            return None
        news = [*self._reported_at.values(), *([self._boot_at] if self._boot_at else [])]
        reported = [t for t in news if t >= view.registered_at]
        now = self._clock() if now is None else now
        if not reported and now - view.registered_at < REPORT_GRACE:
            return None
        said = sorted({srv.registration.value for srv in self.servers.values() if srv.registration})
        module = f"module says {', '.join(said)}" if said else "module has not said it registered"
        if self.last_boot is not None and not said:
            module = f"module rebooted (line {self.last_boot.line}) and has not registered again"
        return f"server has a registration since {clock_text(view.registered_at)}; {module}"

    def summary(self, now: float | None = None) -> list[str]:
        """The headline lines: the module's side, the server's side, their disagreement."""
        lines = [self.module_summary()]
        server = self.server_summary()
        if server is not None:
            lines.append(server)
        disagreement = self.disagreement(now)
        if disagreement is not None:
            lines.append(as_sentence(disagreement))
        return lines

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
            "errors": {k: v.to_dict() for k, (_, v) in sorted(self.errors.items())},
            "last_boot": t(self.last_boot),
            "server_views": {k: v.to_dict() for k, v in sorted(self.server_views.items())},
            "client_headline": self.client_headline,
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
        Kind.RESULT: ModuleState._result,
        Kind.NETWORK: ModuleState._network,
        Kind.SIGNAL: ModuleState._signal,
        Kind.IDENTITY: ModuleState._identity,
        Kind.BOOT: ModuleState._boot,
    }
)


def _command_thing(command: Any) -> str:
    """The thing an AT error belongs to: its command, by name and first argument.

    ``AT+XSVC="reg"`` and ``AT+XSVC="state"`` are different things (Quectel's sub-commands,
    u-blox's server ids), so a successful state query does not clear a failed registration
    command; the read, test and execute forms are the command itself. Errors no command caused
    belong to the ``module``.
    """
    if command is None:
        return "module"
    parsed = parse_command(str(command))
    if parsed is None:
        return f"command {command}"
    args = parsed.arg_list() if parsed.args else []
    first = f" {args[0].strip().lower()}" if args else ""
    return f"command {parsed.name}{first}"
