"""The built-in LwM2M server: registration, device management, reporting, queue mode.

One :class:`LwM2MServer` owns one aiocoap context bound to one address (127.0.0.1 unless the
caller explicitly asks for all interfaces). Requests to a client always go to the address the
client last registered/updated from (``request.remote``): a cellular module's NAT binding only
lets answers through on that path (ECOSYSTEM.md).

Events (:class:`ServerEvent`) and the CoAP log (:class:`CoapLogEntry`) are published on two
:class:`EventBus` instances; nothing here knows about the CLI or the GUI.

:class:`LwM2MServer` is a façade: it owns the life cycle, the event buses, the CoAP log tap
and the routing of incoming requests, and hands the rest to its parts, which reach the shared
state through it as a :class:`~workbench.server.host.ServerHost`:

* :class:`~workbench.server.registrar.Registrar` — the client table, Register/Update/
  De-register/Send, expiry, caps and security refusals;
* :class:`~workbench.server.exchange.Exchanger` — one request in the client's turn, followed
  through queue mode and module restarts, and the recent requests;
* :class:`~workbench.server.operations.Operations` — Read, Write, Execute and the other
  device-management operations, with their content formats;
* :class:`~workbench.server.observer.Observer` — observations and their notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aiocoap import Message
from aiocoap.numbers.codes import Code

from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.model import ObjectRegistry, ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.tasks import TaskSet
from workbench.lwm2m.values import Value
from workbench.server.bootstrap import BootstrapConfig, BootstrapSession
from workbench.server.coaplog import CoapLogEntry, ServerEvent, jsonable_values, touches_secrets
from workbench.server.coapwire import is_request_bytes, parse_datagram
from workbench.server.config import ServerConfig
from workbench.server.conformance import ConformanceMonitor
from workbench.server.events import EventBus
from workbench.server.exchange import Exchanger
from workbench.server.limits import LimitGuard
from workbench.server.logroute import route_logger
from workbench.server.observe import Observation
from workbench.server.observer import Observer
from workbench.server.operations import Operations, PathLike
from workbench.server.registrar import Registrar, remote_address
from workbench.server.registration import ClientInfo, RegistrationError, parse_query
from workbench.server.requests import (
    CreateResult,
    DiscoverResult,
    Notification,
    OperationResult,
    PendingRequest,
    ReadResult,
)
from workbench.server.robustness import Verdict, make_loop_exception_handler
from workbench.server.security import SecurityStore
from workbench.server.site import HandlerResult, ServerSite
from workbench.server.tokenpaths import TokenPaths
from workbench.server.transport import (
    BuiltContext,
    build_context,
    check_transport,
    default_transport,
)

if TYPE_CHECKING:
    from workbench.server.fota import FotaService

__all__ = ["LwM2MServer", "PathLike", "ServerConfig"]

_log = logging.getLogger(__name__)


class _Tap:
    """Turns datagrams into CoAP log entries (only when someone listens)."""

    def __init__(self, server: LwM2MServer, max_payload: int) -> None:
        self._server = server
        self.max_payload = max_payload
        self._token_paths = TokenPaths(
            lambda: {obs.token for obs in server.observer.observations}, server.config.log_tokens
        )
        self.rejected = 0
        self.received = 0
        self.sent = 0
        #: How long the last datagram read had waited in the socket, and when it was read.
        self._waited = (0.0, 0.0)

    def waited(self, seconds: float) -> None:
        self._waited = (seconds, time.monotonic())

    def observing(self, token: bytes) -> bool:
        return self._server.observer.observing(token)

    def notification(self, token: bytes, data: bytes, peer: str) -> bool:
        return self._server.observer.notification(token, data, peer)

    @property
    def receive_lag(self) -> float:
        """Seconds of datagrams that may still be unread in the socket (0 when caught up).

        The last datagram read had waited ``w`` seconds; what arrived after it waits at most
        ``w`` minus the time since (had the socket run dry, the loop would have read it)."""
        seconds, at = self._waited
        return max(0.0, seconds - (time.monotonic() - at))

    def datagram(self, direction: str, data: bytes, peer: str, verdict: Verdict | None) -> None:
        if direction == "in":
            self.received += 1
            if verdict is not None and not verdict.accept:
                self.rejected += 1
        else:
            self.sent += 1
        log = self._server.coap_log
        message = verdict.message if verdict is not None else None
        if direction == "out" and is_request_bytes(data):
            # Remember which path a token belongs to, so answers can be decoded and redacted.
            # (Only our requests are parsed for this: our ACKs and answers are half of all
            # datagrams at 10,000 clients, and only a listening log needs them parsed.)
            try:
                message = parse_datagram(data)
            except ValueError:
                message = None
            if message is not None:
                self._token_paths.remember(
                    message.token,
                    "/" + "/".join(v.decode("utf-8", "replace") for v in message.option_values(11)),
                    observe=message.code in (1, 5) and message.uint_option(6) == 0,
                )
        findings = self._judge(direction, message, peer, verdict) if message is not None else []
        if not log.has_subscribers:
            return
        if message is None:
            try:
                message = parse_datagram(data)
            except ValueError:
                message = None
        entry = CoapLogEntry(direction, peer, data, message=message)
        if verdict is not None:
            entry.problem = verdict.problem
            entry.action = verdict.action
        if findings:
            entry.conformance = findings
        if message is not None:
            if message.is_request:
                entry.path = "/" + "/".join(
                    v.decode("utf-8", "replace") for v in message.option_values(11)
                )
            elif message.token:
                entry.path = self._token_paths.get(message.token)
            if message.payload and entry.path:
                entry.values = self._server._log_values(entry.path, message)
        log.publish(entry)

    def _judge(
        self, direction: str, message: Any, peer: str, verdict: Verdict | None
    ) -> list[dict[str, Any]]:
        """Hand accepted client messages (and our Observe requests) to the conformance check."""
        monitor = self._server.conformance_monitor
        try:
            if direction == "out":
                if message.is_request:
                    monitor.outgoing(message)
            elif verdict is None or verdict.accept:
                return monitor.incoming(message, peer)
        except Exception as exc:  # a checker bug must not cost a datagram
            self.internal_error("conformance", exc)
        return []

    def internal_error(self, where: str, exc: BaseException) -> None:
        self._server._report_error(where, exc)


class LwM2MServer:
    """An asyncio LwM2M server for debugging modules (see the module docstring).

    >>> server = LwM2MServer("127.0.0.1", 0)           # doctest: +SKIP
    >>> await server.start()                           # doctest: +SKIP
    >>> result = await server.read("my-ep", "/3/0")    # doctest: +SKIP
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 5683,
        registry: ObjectRegistry | None = None,
        *,
        all_interfaces: bool = False,
        psk: Mapping[str, bytes] | None = None,
        bootstrap: BootstrapConfig | None = None,
        config: ServerConfig | None = None,
        dtls_port: int | None = None,
        transport: str | None = None,
        psk_endpoints: Mapping[str, str | None] | None = None,
    ) -> None:
        if all_interfaces:
            host = "::"
        elif host in ("", "0.0.0.0", "::"):
            raise ValueError(
                "binding every interface exposes the server to the network; "
                "pass all_interfaces=True to do it on purpose"
            )
        self.host = host
        self.port = port
        self.config = config or ServerConfig()
        #: The aiocoap UDP transport (argument, else the config's, else the platform's default).
        self.transport = transport or self.config.transport or default_transport()
        check_transport(self.transport, host)
        if registry is None:
            from workbench.lwm2m.definitions import builtin_registry

            registry = builtin_registry()
        self.registry = registry
        self.psk: dict[str, bytes] = dict(psk or {})
        for identity, key in self.psk.items():
            if not identity or not key:
                raise ValueError("a PSK needs a non-empty identity and a non-empty key")
        #: Which identity may register which endpoint (``psk_endpoints``: identity → endpoint;
        #: an identity without one is bound at its first DTLS registration).
        self.security = SecurityStore.from_entries(
            {identity: (psk_endpoints or {}).get(identity) for identity in self.psk}
        )
        self.bootstrap_config = bootstrap
        #: DTLS port when PSKs are given: None means the CoAP port + 1 (a free one when the CoAP
        #: port is itself a free one), 0 a free one.
        self.dtls_port = dtls_port
        self.events: EventBus[ServerEvent] = EventBus("server events")
        self.coap_log: EventBus[CoapLogEntry] = EventBus("coap log")
        self.limit_guard = LimitGuard(self.config.limits)
        # The façade's parts (see the module docstring); each reaches the shared state
        # through this server as a ServerHost.
        self.registrar: Registrar = Registrar(
            self, lambda record, why: self.observer.drop_for(record, why)
        )
        self.exchanger: Exchanger = Exchanger(self, self.registrar)
        self.operations: Operations = Operations(self, self.registrar, self.exchanger)
        self.observer: Observer = Observer(self, self.registrar, self.exchanger, self.operations)
        self._tasks = TaskSet(lambda name, exc: self._report_error(f"task {name}", exc))
        self._built: BuiltContext | None = None
        self._dtls: Any = None
        self._tap: _Tap = _Tap(self, self.config.max_payload)
        #: Judges what clients send against their declared LwM2M version (``conformance``).
        self.conformance_monitor = ConformanceMonitor(
            self.registrar.conformance_client,
            lambda ep, data: self._event("conformance", ep, data),
            registry=registry,
            live_observations=lambda: {obs.token for obs in self.observer.observations},
        )
        self._site: ServerSite | None = None
        self._old_handler: Any = None
        self._handler_installed = False
        self._fota: FotaService | None = None
        self._unroute_log: Callable[[], None] | None = None
        self.errors = 0

    @property
    def fota(self) -> FotaService:
        """The FOTA service (object 5 push/pull, packages under ``/fw/``), made on first use."""
        if self._fota is None:
            from workbench.server.fota import FotaService

            self._fota = FotaService(self)
        return self._fota

    # -- life cycle -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._built is not None

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); the port is the real one when 0 was asked for."""
        if self._built is None:
            raise RuntimeError("the server is not running")
        return self._built.address

    @property
    def dtls_address(self) -> tuple[str, int] | None:
        return None if self._dtls is None else self._dtls.address

    async def start(self) -> None:
        """Bind and serve; raises :class:`OSError` when the address is taken."""
        if self._built is not None:
            raise RuntimeError("the server is already running")
        loop = asyncio.get_running_loop()
        if self.config.loop_exception_handler and loop.get_exception_handler() is None:
            loop.set_exception_handler(make_loop_exception_handler(self._report_loop_error))
            self._handler_installed = True
        self._site = ServerSite(self._handle, self._report_error, self.config.max_body)
        log_name = f"workbench.coap.{id(self):x}"
        self._unroute_log = route_logger(
            log_name, lambda data: self._event("transport_warning", None, data)
        )
        try:
            self._built = await build_context(
                self._site,
                self.host,
                self.port,
                self._tap,
                logger_name=log_name,
                transport=self.transport,
            )
            if self.psk:
                from workbench.server.dtls import start_dtls

                self._dtls = await start_dtls(
                    self._built, self._tap, self.psk, self.dtls_handshake_failed, self._dtls_bind()
                )
        except BaseException:
            await self._teardown()
            raise
        host, port = self._built.address
        data: dict[str, Any] = {"host": host, "port": port}
        data["receive_buffer"] = self._built.receive_buffer
        data["transport"] = self.transport
        if self._dtls is not None:
            data["dtls_port"] = self._dtls.address[1]
        self._event("server_started", None, data)

    def _dtls_bind(self) -> int | None:
        """The DTLS port to ask for: CoAPS' 5684 beside a fixed 5683, else a free one.

        "CoAP port + 1" only means something when the user chose the CoAP port; beside an
        ephemeral port, port + 1 may belong to another program (tests running in parallel
        hit "Address already in use" there), so the listener takes a free port of its own.
        """
        if self.dtls_port is not None:
            return self.dtls_port
        return None if self.port else 0

    async def stop(self) -> None:
        """Close every observation, request, task, socket and context this server opened."""
        if self._built is None and self._dtls is None:
            return
        self.registrar.close_all("server stopped")
        self._event("server_stopped", None, {})
        await self._teardown()
        self.events.close()
        self.coap_log.close()
        # New subscriptions may be taken after a restart.
        self.events = EventBus("server events")
        self.coap_log = EventBus("coap log")

    async def _teardown(self) -> None:
        await self._tasks.close()
        self.registrar.shutdown("server stopped")
        self.observer.drop_all("server stopped")
        await self.observer.close()
        # The DTLS transport is one of the context's request interfaces: the context's
        # shutdown closes it.
        self._dtls = None
        if self._built is not None:
            built, self._built = self._built, None
            with contextlib.suppress(Exception):
                await built.context.shutdown()
        if self._site is not None:
            self._site.spool.clear()
        if self._unroute_log is not None:
            self._unroute_log()
            self._unroute_log = None
        if self._handler_installed:
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().set_exception_handler(None)
            self._handler_installed = False

    async def __aenter__(self) -> LwM2MServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- events -------------------------------------------------------------------------------

    def _event(self, kind: str, endpoint: str | None, data: dict[str, Any]) -> None:
        self.events.publish(ServerEvent(kind, endpoint, data))

    def _report_error(self, where: str, exc: BaseException) -> None:
        self.errors += 1
        _log.warning("server error in %s: %r", where, exc, exc_info=exc)
        self._event("server_error", None, {"where": where, "error": repr(exc)[:500]})

    def _report_loop_error(self, message: str, exc: BaseException | None) -> None:
        self.errors += 1
        self._event(
            "server_error",
            None,
            {"where": "event loop", "error": message + (f": {exc!r}"[:500] if exc else "")},
        )

    def dtls_handshake_failed(
        self, identity: bytes | None, known: bool, peer: str, summary: str, cause: str
    ) -> None:
        """A ``security`` event for a DTLS handshake that failed (called by the DTLS layer)."""
        shown = None if identity is None else identity.decode("utf-8", "backslashreplace")[:64]
        suppressed = self.registrar.security_gate.allow(f"handshake {summary} {shown}")
        if suppressed is None:
            return
        self._event(
            "security",
            None,
            {
                "problem": "handshake failed",
                "summary": summary,
                "identity": shown,
                "identity_known": known,
                "address": "coaps://" + peer,
                "cause": cause,
                "suppressed": suppressed,
            },
        )

    def _log_values(self, path_text: str, message: Any) -> dict[str, Any] | None:
        """Decoded values of a logged payload when its path and format allow it."""
        cf = message.uint_option(12)
        if cf is None or cf in (ContentFormat.LINK_FORMAT,):
            return None
        try:
            path = Path.parse(path_text)
            values = codec_for(cf).decode(path, message.payload, self.registry)
        except Exception:
            return None
        result = jsonable_values(values)
        if touches_secrets(path) and not result:
            return None
        return result

    # -- state kept by the parts ------------------------------------------------------------

    @property
    def built(self) -> BuiltContext | None:
        """The running aiocoap context (``None`` while stopped); the parts send through it."""
        return self._built

    @property
    def receive_lag(self) -> float:
        """How far behind the server reads its socket (seconds; see :class:`_Tap`)."""
        return self._tap.receive_lag

    def emit(self, kind: str, endpoint: str | None, data: dict[str, Any]) -> None:
        """Publish a server event (the parts' way to :meth:`_event`)."""
        self._event(kind, endpoint, data)

    @property
    def clients(self) -> dict[str, ClientInfo]:
        """Snapshots of the registered clients by endpoint name."""
        return self.registrar.clients

    @property
    def requests(self) -> list[PendingRequest]:
        """The recent requests (last 1,000) with their states."""
        return self.exchanger.requests

    @property
    def observations(self) -> list[Observation]:
        return self.observer.observations

    def conformance(self, endpoint: str) -> list[dict[str, Any]]:
        """What a strict peer would reject in ``endpoint``'s messages since it registered."""
        return self.conformance_monitor.findings(endpoint)

    # -- the parts' operations (delegated, so callers keep one object) ---------------------

    def client_page(self, offset: int = 0, limit: int = 100) -> tuple[list[ClientInfo], int]:
        """Snapshots of ``limit`` clients from ``offset`` (registration order) and the total.

        A page is built without snapshotting the others: at 22,000 clients the whole table
        as one answer was a 42 MB line that stalled the server for seconds.
        """
        return self.registrar.client_page(offset, limit)

    def client(self, endpoint: str) -> ClientInfo:
        return self.registrar.client(endpoint)

    async def read(
        self, endpoint: str, path: PathLike, fmt: int | None = None, *, timeout: float | None = None
    ) -> ReadResult:
        """Read ``path``; ``fmt`` None asks for the client's best format (retrying on 4.06)."""
        return await self.operations.read(endpoint, path, fmt, timeout=timeout)

    def parse_value(self, path: PathLike, text: str) -> Value:
        """A typed value for ``path`` from its text form (CLI, GUI editors)."""
        return self.operations.parse_value(path, text)

    async def write(
        self,
        endpoint: str,
        path: PathLike,
        value: Value | Mapping[PathLike, Value],
        fmt: int | None = None,
        *,
        replace: bool = True,
        timeout: float | None = None,
    ) -> OperationResult:
        """Write: replace (PUT) or, with ``replace=False``, partial update (POST)."""
        return await self.operations.write(
            endpoint, path, value, fmt, replace=replace, timeout=timeout
        )

    async def write_attributes(
        self,
        endpoint: str,
        path: PathLike,
        attributes: Mapping[str, float | int | None],
        *,
        timeout: float | None = None,
    ) -> OperationResult:
        """Write-Attributes: ``{"pmin": 10, "gt": 20.5, "st": None}`` (None clears one)."""
        return await self.operations.write_attributes(endpoint, path, attributes, timeout=timeout)

    async def discover(
        self, endpoint: str, path: PathLike, *, timeout: float | None = None
    ) -> DiscoverResult:
        return await self.operations.discover(endpoint, path, timeout=timeout)

    async def execute(
        self, endpoint: str, path: PathLike, arguments: str = "", *, timeout: float | None = None
    ) -> OperationResult:
        return await self.operations.execute(endpoint, path, arguments, timeout=timeout)

    async def create(
        self,
        endpoint: str,
        path: PathLike,
        values: Mapping[PathLike, Value],
        fmt: int | None = None,
        *,
        timeout: float | None = None,
    ) -> CreateResult:
        """Create an instance of object ``path`` (values keyed by full paths with instance)."""
        return await self.operations.create(endpoint, path, values, fmt, timeout=timeout)

    async def delete(
        self, endpoint: str, path: PathLike, *, timeout: float | None = None
    ) -> OperationResult:
        return await self.operations.delete(endpoint, path, timeout=timeout)

    async def read_composite(
        self,
        endpoint: str,
        paths: Sequence[PathLike],
        fmt: int | None = None,
        *,
        timeout: float | None = None,
    ) -> ReadResult:
        """Read-Composite: FETCH on the root with a SenML list of paths."""
        return await self.operations.read_composite(endpoint, paths, fmt, timeout=timeout)

    async def write_composite(
        self,
        endpoint: str,
        values: Mapping[PathLike, Value],
        fmt: int | None = None,
        *,
        timeout: float | None = None,
    ) -> OperationResult:
        """Write-Composite: iPATCH on the root with SenML values."""
        return await self.operations.write_composite(endpoint, values, fmt, timeout=timeout)

    def resource_type(self, path: Path) -> ResourceType | None:
        return self.operations.resource_type(path)

    def paths_in(self, values: Iterable[PathLike]) -> list[Path]:
        return self.operations.paths_in(values)

    async def observe(
        self,
        endpoint: str,
        path: PathLike,
        fmt: int | None = None,
        *,
        callback: Callable[[Notification], object] | None = None,
        timeout: float | None = None,
    ) -> Observation:
        """Observe ``path``; the result's ``initial`` holds the first answer.

        Raises :class:`RequestFailedError` when the client refuses (no Observe in the answer).
        """
        return await self.observer.observe(endpoint, path, fmt, callback=callback, timeout=timeout)

    async def observe_composite(
        self,
        endpoint: str,
        paths: Sequence[PathLike],
        fmt: int | None = None,
        *,
        callback: Callable[[Notification], object] | None = None,
        timeout: float | None = None,
    ) -> Observation:
        """Observe-Composite: FETCH with Observe=0 and a SenML list of paths."""
        return await self.observer.observe_composite(
            endpoint, paths, fmt, callback=callback, timeout=timeout
        )

    def find_observation(self, endpoint: str, path: PathLike) -> Observation | None:
        return self.observer.find_observation(endpoint, path)

    async def cancel_observation(
        self, endpoint: str, path: PathLike, *, active: bool = True
    ) -> ReadResult | None:
        """Cancel the observation of ``path``; see :meth:`Observation.cancel`."""
        return await self.observer.cancel_observation(endpoint, path, active=active)

    # -- incoming requests ---------------------------------------------------------------------

    async def _handle(self, request: Any, body: bytes) -> HandlerResult:
        path = tuple(request.opt.uri_path)
        code = request.code
        if request.opt.proxy_uri is not None or request.opt.proxy_scheme is not None:
            return Message(code=Code.PROXYING_NOT_SUPPORTED), None
        if path == ("rd",):
            if code != Code.POST:
                return Message(code=Code.METHOD_NOT_ALLOWED), None
            return self.registrar.register(request, body)
        if len(path) == 2 and path[0] == "rd":
            if code == Code.POST:
                return self.registrar.update(request, path[1], body)
            if code == Code.DELETE:
                return self.registrar.deregister(request, path[1])
            return Message(code=Code.METHOD_NOT_ALLOWED), None
        if path == ("bs",):
            if code != Code.POST:
                return Message(code=Code.METHOD_NOT_ALLOWED), None
            return self._bootstrap_request(request)
        if path == ("dp",):
            if code != Code.POST:
                return Message(code=Code.METHOD_NOT_ALLOWED), None
            return self.registrar.send(request, body)
        if path and path[0] == "fw":
            return self.fota.handle(request, remote_address(request.remote)), None
        return Message(code=Code.NOT_FOUND), None

    def _bootstrap_request(self, request: Any) -> HandlerResult:
        config = self.bootstrap_config
        if config is None:
            return Message(code=Code.NOT_FOUND, payload=b"no bootstrap configuration"), None
        try:
            params = parse_query(request.opt.uri_query)
        except RegistrationError as exc:
            return self.registrar.bad(str(exc))
        if params.endpoint is None:
            return self.registrar.bad("Bootstrap-Request needs ep=<endpoint name>")
        plan = config.for_endpoint(params.endpoint)
        if plan is None:
            self._event("bootstrap", params.endpoint, {"state": "refused"})
            return Message(code=Code.BAD_REQUEST, payload=b"no bootstrap entry"), None
        session = BootstrapSession(self, params.endpoint, request.remote, plan)

        def start() -> None:
            self._tasks.spawn(session.run(), f"bootstrap {params.endpoint}")

        self._event(
            "bootstrap",
            params.endpoint,
            {"state": "started", "address": remote_address(request.remote)},
        )
        return Message(code=Code.CHANGED), start

    # -- raw requests (bootstrap) -----------------------------------------------------------------

    async def request_to(
        self,
        remote: Any,
        endpoint: str,
        operation: str,
        message: Any,
        *,
        timeout: float | None = None,
    ) -> tuple[PendingRequest, Any]:
        """Send ``message`` to an address that is not a registered client (bootstrap)."""
        return await self.exchanger.exchange(
            endpoint,
            operation,
            "/" + "/".join(message.opt.uri_path),
            lambda _rec: message,
            timeout=timeout,
            remote=remote,
        )

    def bootstrap_event(self, endpoint: str, data: dict[str, Any]) -> None:
        self._event("bootstrap", endpoint, data)
