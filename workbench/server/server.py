"""The built-in LwM2M server: registration, device management, reporting, queue mode.

One :class:`LwM2MServer` owns one aiocoap context bound to one address (127.0.0.1 unless the
caller explicitly asks for all interfaces). Requests to a client always go to the address the
client last registered/updated from (``request.remote``): a cellular module's NAT binding only
lets answers through on that path (ECOSYSTEM.md).

Events (:class:`ServerEvent`) and the CoAP log (:class:`CoapLogEntry`) are published on two
:class:`EventBus` instances; nothing here knows about the CLI or the GUI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiocoap import Message
from aiocoap import error as coap_error
from aiocoap.numbers.codes import Code

from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.codecs.linkformat import parse_links
from workbench.lwm2m.errors import CodecError, PathError, ValueValidationError
from workbench.lwm2m.model import ObjectRegistry, ResourceType
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.server.bootstrap import BootstrapConfig, BootstrapSession
from workbench.server.coaplog import CoapLogEntry, ServerEvent, jsonable_values, touches_secrets
from workbench.server.coapwire import parse_datagram
from workbench.server.conformance import ConformanceMonitor
from workbench.server.events import EventBus
from workbench.server.limits import (
    RETRY_AFTER,
    LimitGuard,
    Limits,
    RateGate,
    Refusal,
    link_count,
)
from workbench.server.logroute import route_logger
from workbench.server.observe import Observation
from workbench.server.queue import (
    IDEMPOTENT,
    ChannelClosedError,
    ClientChannel,
    ReturnWatch,
    port_closed,
    resendable,
)
from workbench.server.registration import (
    DEFAULT_LIFETIME,
    ClientInfo,
    ClientRecord,
    ClientTable,
    RegistrationError,
    default_format,
    new_location,
    parse_query,
    parse_registration_payload,
)
from workbench.server.requests import (
    CreateResult,
    DiscoverResult,
    Notification,
    OperationResult,
    PendingRequest,
    ReadResult,
    RequestFailedError,
    RequestState,
    RequestTimeoutError,
    UnknownClientError,
    request_ids,
)
from workbench.server.robustness import Verdict, make_loop_exception_handler
from workbench.server.security import SecurityStore
from workbench.server.site import HandlerResult, ServerSite
from workbench.server.transport import (
    BuiltContext,
    build_context,
    check_transport,
    default_transport,
    format_peer,
)

if TYPE_CHECKING:
    from workbench.server.fota import FotaService

_log = logging.getLogger(__name__)

PathLike = Path | str


@dataclass(slots=True)
class ServerConfig:
    """Tunables; the defaults suit a module on a desk."""

    #: Seconds to wait for a client's answer once a request is sent.
    request_timeout: float = 30.0
    #: Seconds a request may wait for a sleeping (queue-mode) client before it times out.
    queue_timeout: float = 300.0
    #: Seconds a queue-mode client listens after it last talked.
    awake_window: float = 30.0
    #: Seconds after the lifetime ends before a silent client is dropped.
    expiry_grace: float = 2.0
    #: Largest request payload accepted in one datagram (bigger: 4.13, use Block1).
    max_payload: int = 16 * 1024
    #: Largest Block1-reassembled request body.
    max_body: int = 64 * 1024
    #: Install a loop exception handler while the server runs (when none is installed).
    loop_exception_handler: bool = True
    #: aiocoap UDP transport: ``"udp6"`` (Linux) or ``"simplesocketserver"`` (Windows, macOS;
    #: binds one concrete address only). ``None`` picks the platform's default.
    transport: str | None = None
    #: Caps on clients, objects and lifetime that bound memory (see :mod:`.limits`).
    limits: Limits = field(default_factory=Limits)


def _as_path(path: PathLike) -> Path:
    return path if isinstance(path, Path) else Path.parse(path)


def _code_text(code: Any) -> str:
    return f"{int(code) >> 5}.{int(code) & 0x1F:02d}"


def _remote_address(remote: Any) -> str:
    sockaddr = getattr(remote, "sockaddr", None)
    if sockaddr is not None:
        return format_peer(sockaddr)
    hostinfo = getattr(remote, "hostinfo", None)
    return str(hostinfo) if hostinfo is not None else repr(remote)


class _RestartedError(Exception):
    """The module registered again (new port) while a request to its old address was out."""


class _Tap:
    """Turns datagrams into CoAP log entries (only when someone listens)."""

    def __init__(self, server: LwM2MServer, max_payload: int) -> None:
        self._server = server
        self.max_payload = max_payload
        self._token_paths: OrderedDict[bytes, str] = OrderedDict()
        self.rejected = 0
        self.received = 0
        self.sent = 0

    def datagram(self, direction: str, data: bytes, peer: str, verdict: Verdict | None) -> None:
        if direction == "in":
            self.received += 1
            if verdict is not None and not verdict.accept:
                self.rejected += 1
        else:
            self.sent += 1
        log = self._server.coap_log
        message = verdict.message if verdict is not None else None
        if direction == "out" or (message is not None and message.is_request):
            # Remember which path a token belongs to, so answers can be decoded and redacted.
            if message is None:
                try:
                    message = parse_datagram(data)
                except ValueError:
                    message = None
            if message is not None and message.is_request:
                path = "/" + "/".join(
                    v.decode("utf-8", "replace") for v in message.option_values(11)
                )
                if direction == "out":
                    self._token_paths[message.token] = path
                    if len(self._token_paths) > 4096:
                        self._token_paths.popitem(last=False)
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
        #: DTLS port when PSKs are given: None means the CoAP port + 1, 0 a free one.
        self.dtls_port = dtls_port
        self.events: EventBus[ServerEvent] = EventBus("server events")
        self.coap_log: EventBus[CoapLogEntry] = EventBus("coap log")
        self._table = ClientTable()
        self.limit_guard = LimitGuard(self.config.limits)
        #: Security events under a flood: one a second per problem and endpoint/identity.
        self._security_gate = RateGate()
        #: Object and instance links per registration, and their sum (the objects budget).
        self._links: dict[ClientRecord, int] = {}
        self._total_links = 0
        self._channels: dict[ClientRecord, ClientChannel] = {}
        self._returns = ReturnWatch()
        self._expiry: dict[ClientRecord, asyncio.TimerHandle] = {}
        self._observations: dict[tuple[str, str], Observation] = {}
        self._requests: OrderedDict[int, PendingRequest] = OrderedDict()
        self._ids = request_ids()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._built: BuiltContext | None = None
        self._dtls: Any = None
        self._tap = _Tap(self, self.config.max_payload)
        #: Judges what clients send against their declared LwM2M version (``conformance``).
        self.conformance_monitor = ConformanceMonitor(
            self._conformance_client,
            lambda ep, data: self._event("conformance", ep, data),
            registry=registry,
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

                self._dtls = await start_dtls(self, self._site, self.dtls_port)
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

    async def stop(self) -> None:
        """Close every observation, request, task, socket and context this server opened."""
        if self._built is None and self._dtls is None:
            return
        for record in list(self._table):
            self._close_client(record, "server stopped")
        self._table.clear()
        self._event("server_stopped", None, {})
        await self._teardown()
        self.events.close()
        self.coap_log.close()
        # New subscriptions may be taken after a restart.
        self.events = EventBus("server events")
        self.coap_log = EventBus("coap log")

    async def _teardown(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        for handle in self._expiry.values():
            handle.cancel()
        self._expiry.clear()
        for channel in self._channels.values():
            channel.close("server stopped")
        self._channels.clear()
        for obs in list(self._observations.values()):
            self._drop_observation(obs, "server stopped")
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

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            assert exc is not None
            self._report_error(f"task {task.get_name()}", exc)

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
        suppressed = self._security_gate.allow(f"handshake {summary} {shown}")
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

    def _limit_refused(self, refusal: Refusal, endpoint: str, request: Any) -> HandlerResult:
        """The answer for a cap that was hit, and a (rate-limited) ``limit`` event."""
        if self._table.by_endpoint(endpoint) is None:
            # Findings are kept per registered client: a refused newcomer leaves none behind,
            # or a flood of refused names would fill the monitor's table.
            self.conformance_monitor.forget(endpoint)
        suppressed = self.limit_guard.should_report(refusal)
        if suppressed is not None:
            self._event(
                "limit",
                endpoint,
                {
                    "limit": refusal.limit,
                    "answer": refusal.code,
                    "value": refusal.value,
                    "cap": refusal.cap,
                    "text": refusal.text,
                    "address": _remote_address(request.remote),
                    "suppressed": suppressed,
                    "hits": self.limit_guard.hits[refusal.limit],
                },
            )
        payload = refusal.text.encode("utf-8")
        if refusal.code == "5.03":
            return Message(
                code=Code.SERVICE_UNAVAILABLE, payload=payload, max_age=RETRY_AFTER
            ), None
        return Message(code=Code.BAD_REQUEST, payload=payload), None

    def _refused(self, request: Any, endpoint: str, operation: str) -> HandlerResult | None:
        """4.03 and a ``security`` event when the security store forbids this request."""
        remote = request.remote
        identity: str | None = getattr(remote, "psk_identity", None)
        if identity is None and self._is_secure(remote):
            identity = ""  # DTLS without a known identity never owns an endpoint
        reason = self.security.check(endpoint, identity)
        if reason is None:
            return None
        suppressed = self._security_gate.allow(f"{operation} {endpoint}")
        if suppressed is not None:
            self._event(
                "security",
                endpoint,
                {
                    "problem": f"{operation} refused",
                    "identity": identity,
                    "address": ("coaps://" if self._is_secure(remote) else "coap://")
                    + _remote_address(remote),
                    "cause": reason,
                    "suppressed": suppressed,
                },
            )
        return Message(code=Code.FORBIDDEN, payload=reason.encode("utf-8")[:200]), None

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

    # -- clients -----------------------------------------------------------------------------

    @property
    def clients(self) -> dict[str, ClientInfo]:
        """Snapshots of the registered clients by endpoint name."""
        return {
            record.endpoint: record.snapshot(self._channel(record).awake) for record in self._table
        }

    def client_page(self, offset: int = 0, limit: int = 100) -> tuple[list[ClientInfo], int]:
        """Snapshots of ``limit`` clients from ``offset`` (registration order) and the total.

        A page is built without snapshotting the others: at 22,000 clients the whole table
        as one answer was a 42 MB line that stalled the server for seconds.
        """
        records = list(self._table)
        page = records[max(offset, 0) : max(offset, 0) + max(limit, 0)]
        return [r.snapshot(self._channel(r).awake) for r in page], len(records)

    def client(self, endpoint: str) -> ClientInfo:
        record = self._record(endpoint)
        return record.snapshot(self._channel(record).awake)

    @property
    def requests(self) -> list[PendingRequest]:
        """The recent requests (last 1,000) with their states."""
        return list(self._requests.values())

    @property
    def observations(self) -> list[Observation]:
        return list(self._observations.values())

    def conformance(self, endpoint: str) -> list[dict[str, Any]]:
        """What a strict peer would reject in ``endpoint``'s messages since it registered."""
        return self.conformance_monitor.findings(endpoint)

    def _conformance_client(
        self, operation: str, path: tuple[str, ...], peer: str
    ) -> tuple[str | None, str | None]:
        if operation == "register":
            return None, None
        if operation in ("update", "deregister"):
            record = self._table.by_location(path[-1])
        else:
            record = self._table.by_address(peer)
        return (record.endpoint, record.lwm2m_version) if record is not None else (None, None)

    def _record(self, endpoint: str) -> ClientRecord:
        record = self._table.by_endpoint(endpoint)
        if record is None:
            raise UnknownClientError(f"no client {endpoint!r} is registered")
        return record

    def _channel(self, record: ClientRecord) -> ClientChannel:
        channel = self._channels.get(record)
        if channel is None:
            channel = ClientChannel(record.queue_mode, self.config.awake_window)
            self._channels[record] = channel
        return channel

    def _schedule_expiry(self, record: ClientRecord) -> None:
        old = self._expiry.pop(record, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        delay = record.lifetime + self.config.expiry_grace
        self._expiry[record] = loop.call_later(delay, self._expire, record)

    def _expire(self, record: ClientRecord) -> None:
        self._expiry.pop(record, None)
        if record.closed:
            return
        self._table.remove(record)
        self._close_client(record, "lifetime expired")
        self._event(
            "expired",
            record.endpoint,
            {"location": record.location, "lifetime": record.lifetime},
        )

    def _close_client(self, record: ClientRecord, reason: str) -> None:
        record.closed = True
        record.close_reason = reason
        self._returns.wake(record.endpoint)
        self._total_links -= self._links.pop(record, 0)
        handle = self._expiry.pop(record, None)
        if handle is not None:
            handle.cancel()
        channel = self._channels.pop(record, None)
        if channel is not None:
            channel.close(reason)
        for obs in list(self._observations.values()):
            if obs.record is record:
                self._drop_observation(obs, reason)

    # -- incoming requests ---------------------------------------------------------------------

    async def _handle(self, request: Any, body: bytes) -> HandlerResult:
        path = tuple(request.opt.uri_path)
        code = request.code
        if request.opt.proxy_uri is not None or request.opt.proxy_scheme is not None:
            return Message(code=Code.PROXYING_NOT_SUPPORTED), None
        if path == ("rd",):
            if code != Code.POST:
                return Message(code=Code.METHOD_NOT_ALLOWED), None
            return self._register(request, body)
        if len(path) == 2 and path[0] == "rd":
            if code == Code.POST:
                return self._update(request, path[1], body)
            if code == Code.DELETE:
                return self._deregister(request, path[1])
            return Message(code=Code.METHOD_NOT_ALLOWED), None
        if path == ("bs",):
            if code != Code.POST:
                return Message(code=Code.METHOD_NOT_ALLOWED), None
            return self._bootstrap_request(request)
        if path == ("dp",):
            if code != Code.POST:
                return Message(code=Code.METHOD_NOT_ALLOWED), None
            return self._send(request, body)
        if path and path[0] == "fw":
            return self.fota.handle(request, _remote_address(request.remote)), None
        return Message(code=Code.NOT_FOUND), None

    def _bad(self, text: str) -> HandlerResult:
        return Message(code=Code.BAD_REQUEST, payload=text.encode()), None

    def _register(self, request: Any, body: bytes) -> HandlerResult:
        try:
            params = parse_query(request.opt.uri_query)
            if params.endpoint is None:
                raise RegistrationError("Register needs ep=<endpoint name>")
            links = parse_registration_payload(body)
        except RegistrationError as exc:
            self._event("registration_rejected", None, {"error": str(exc)})
            return self._bad(str(exc))
        refusal = self._refused(request, params.endpoint, "Register")
        if refusal is not None:
            return refusal
        previous = self._table.by_endpoint(params.endpoint)
        links_count = link_count(links.objects)
        others = self._total_links - (self._links.get(previous, 0) if previous else 0)
        over = (
            self.limit_guard.lifetime(params.lifetime)
            or self.limit_guard.objects(links_count, others)
            or self.limit_guard.clients(len(self._table), previous is not None)
        )
        if over is not None:
            return self._limit_refused(over, params.endpoint, request)
        binding = params.binding or "U"
        version = params.lwm2m_version or "1.0"
        record = ClientRecord(
            endpoint=params.endpoint,
            location=new_location(),
            remote=request.remote,
            address=_remote_address(request.remote),
            lifetime=params.lifetime or DEFAULT_LIFETIME,
            binding=binding,
            lwm2m_version=version,
            sms=params.sms,
            queue_mode=params.queue or "Q" in binding,
            objects=links.objects,
            root=links.root,
            content_formats=links.content_formats,
            secure=self._is_secure(request.remote),
        )
        identity = getattr(request.remote, "psk_identity", None)
        if identity and self.security.bind(identity, record.endpoint):
            self._event(
                "security",
                record.endpoint,
                {
                    "problem": None,
                    "summary": f"PSK identity {identity!r} is now bound to this endpoint",
                    "identity": identity,
                },
            )
        old = self._table.add(record)
        self._links[record] = links_count
        self._total_links += links_count
        if old is not None:
            self._close_client(old, "replaced by a newer registration")
            self._event(
                "deregistered",
                old.endpoint,
                {"location": old.location, "reason": "replaced by a newer registration"},
            )
        self._schedule_expiry(record)
        channel = self._channel(record)
        response = Message(code=Code.CREATED)
        response.opt.location_path = ("rd", record.location)
        data = record.snapshot(True).to_dict()
        data["replaced"] = old is not None
        if params.unknown:
            data["unknown_parameters"] = params.unknown
        self._event("registered", record.endpoint, data)
        self._returns.wake(record.endpoint)
        return response, channel.touch

    def _update(self, request: Any, location: str, body: bytes) -> HandlerResult:
        record = self._table.by_location(location)
        if record is None:
            return Message(code=Code.NOT_FOUND, payload=b"unknown registration"), None
        refusal = self._refused(request, record.endpoint, "Update")
        if refusal is not None:
            return refusal
        try:
            params = parse_query(request.opt.uri_query)
            links = parse_registration_payload(body) if body else None
        except RegistrationError as exc:
            return self._bad(str(exc))
        own = self._links.get(record, 0)
        new_count = link_count(links.objects) if links is not None else own
        over = self.limit_guard.lifetime(params.lifetime) or (
            self.limit_guard.objects(new_count, self._total_links - own)
            if links is not None
            else None
        )
        if over is not None:
            return self._limit_refused(over, record.endpoint, request)
        self._links[record] = new_count
        self._total_links += new_count - own
        changed: dict[str, Any] = {}
        address = _remote_address(request.remote)
        if address != record.address:
            changed["address"] = {"old": record.address, "new": address}
            self._table.readdress(record, address)
        record.remote = request.remote
        if params.lifetime is not None and params.lifetime != record.lifetime:
            changed["lifetime"] = params.lifetime
            record.lifetime = params.lifetime
        if params.binding is not None and params.binding != record.binding:
            changed["binding"] = params.binding
            record.binding = params.binding
        if params.sms is not None:
            record.sms = params.sms
        queue_mode = params.queue or "Q" in record.binding
        if params.binding is not None or params.queue:
            record.queue_mode = queue_mode
        if links is not None:
            record.objects = links.objects
            if links.content_formats:
                record.content_formats = links.content_formats
            changed["objects"] = sorted(links.objects)
        record.last_seen = time.time()
        record.last_update_monotonic = time.monotonic()
        self._schedule_expiry(record)
        channel = self._channel(record)
        channel.set_queue_mode(
            record.queue_mode
        ) if channel.queue_mode != record.queue_mode else None
        self._event(
            "updated",
            record.endpoint,
            {"location": location, "address": record.address, "changed": changed},
        )
        self._returns.wake(record.endpoint)
        return Message(code=Code.CHANGED), channel.touch

    def _deregister(self, request: Any, location: str) -> HandlerResult:
        record = self._table.by_location(location)
        if record is None:
            return Message(code=Code.NOT_FOUND, payload=b"unknown registration"), None
        refusal = self._refused(request, record.endpoint, "De-register")
        if refusal is not None:
            return refusal
        self._table.remove(record)
        self._close_client(record, "deregistered")
        self._event("deregistered", record.endpoint, {"location": location, "reason": "client"})
        return Message(code=Code.DELETED), None

    def _is_secure(self, remote: Any) -> bool:
        return getattr(remote, "scheme", None) == "coaps"

    def _send(self, request: Any, body: bytes) -> HandlerResult:
        record = self._table.by_address(_remote_address(request.remote))
        if record is None:
            return Message(code=Code.FORBIDDEN, payload=b"register first"), None
        refusal = self._refused(request, record.endpoint, "Send")
        if refusal is not None:
            return refusal
        cf = request.opt.content_format
        values: dict[Path, Value] = {}
        try:
            codec = codec_for(cf if cf is not None else ContentFormat.SENML_CBOR)
            decoder = getattr(codec, "decode_composite", None)
            if decoder is None:
                raise CodecError("Send needs SenML JSON or SenML CBOR", None, None)
            values = decoder(body, self.registry)
        except (ValueError, CodecError) as exc:
            self._event("send", record.endpoint, {"error": str(exc), "raw_hex": body.hex()})
            return Message(code=Code.BAD_REQUEST, payload=str(exc).encode()[:200]), None
        record.last_seen = time.time()
        self._event("send", record.endpoint, {"format": cf, "values": jsonable_values(values)})
        return Message(code=Code.CHANGED), self._channel(record).touch

    def _bootstrap_request(self, request: Any) -> HandlerResult:
        config = self.bootstrap_config
        if config is None:
            return Message(code=Code.NOT_FOUND, payload=b"no bootstrap configuration"), None
        try:
            params = parse_query(request.opt.uri_query)
        except RegistrationError as exc:
            return self._bad(str(exc))
        if params.endpoint is None:
            return self._bad("Bootstrap-Request needs ep=<endpoint name>")
        plan = config.for_endpoint(params.endpoint)
        if plan is None:
            self._event("bootstrap", params.endpoint, {"state": "refused"})
            return Message(code=Code.BAD_REQUEST, payload=b"no bootstrap entry"), None
        session = BootstrapSession(self, params.endpoint, request.remote, plan)

        def start() -> None:
            self._spawn(session.run(), f"bootstrap {params.endpoint}")

        self._event(
            "bootstrap",
            params.endpoint,
            {"state": "started", "address": _remote_address(request.remote)},
        )
        return Message(code=Code.CHANGED), start

    # -- outgoing requests ------------------------------------------------------------------------

    def _track(self, pending: PendingRequest) -> None:
        self._requests[pending.id] = pending
        while len(self._requests) > 1000:
            self._requests.popitem(last=False)
        self._publish_request(pending)

    def _publish_request(self, pending: PendingRequest) -> None:
        self._event("request", pending.endpoint, pending.to_dict())

    def _finish(
        self,
        pending: PendingRequest,
        state: RequestState,
        code: str | None = None,
        error: str | None = None,
    ) -> None:
        pending.state = state
        pending.code = code
        pending.error = error
        pending.finished_at = time.time()
        self._publish_request(pending)

    async def _exchange(
        self,
        endpoint: str,
        operation: str,
        path: str,
        build: Callable[[ClientRecord], Any],
        *,
        timeout: float | None = None,
        queue_timeout: float | None = None,
        remote: Any = None,
        on_request: Callable[[Any], None] | None = None,
        blockwise: bool = True,
    ) -> tuple[PendingRequest, Any]:
        """Send one request in the client's turn; the response (any code) or an exception.

        A module that restarts closes its socket and registers again from a new port (see
        :mod:`workbench.server.queue`). A request caught in between is not reported as a
        network error: one still waiting for its turn follows the module to its new
        registration; one the old port refused goes back to ``queued`` (the reason in
        ``waiting``) until the module registers or updates again, then goes out once more
        when :func:`resendable` says that cannot do anything twice. One still out when the
        module registers again (no refusal arrives where ICMP errors are not reported, or
        over a NAT) goes to the new registration at once when it is idempotent. The queue
        timeout bounds the whole wait.

        ``blockwise=False`` sends the message as built (FOTA push sets its own Block1).
        """
        record = self._record(endpoint) if remote is None else None
        built = self._built
        if built is None:
            raise RequestFailedError("the server is not running")
        pending = PendingRequest(next(self._ids), endpoint, operation, path)
        self._track(pending)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (queue_timeout or self.config.queue_timeout)
        resent = False
        while True:
            channel = self._channel(record) if record is not None else None
            if channel is not None:
                assert record is not None
                try:
                    async with asyncio.timeout_at(deadline):
                        await channel.acquire()
                except TimeoutError:
                    self._finish(
                        pending, RequestState.TIMEOUT, error="client did not wake up in time"
                    )
                    raise RequestTimeoutError(
                        f"{endpoint}: not sent, the client did not talk within the queue timeout",
                        pending,
                    ) from None
                except ChannelClosedError as exc:
                    newer = self._successor(record)
                    if newer is None:
                        self._finish(pending, RequestState.FAILED, error=exc.reason)
                        raise RequestFailedError(f"{endpoint}: {exc.reason}", pending) from None
                    record = newer  # not sent yet: it goes to the module's new registration
                    continue
            lost: str | None = None  # why the module's old address will not answer
            try:
                target = remote if record is None else record
                message = build(target)
                message.remote = remote if record is None else record.remote
                accept_option = message.opt.accept
                pending.content_format = None if accept_option is None else int(accept_option)
                pending.state = RequestState.SENT
                pending.sent_at = time.time()
                self._publish_request(pending)
                sent = loop.time()
                coap_request = built.context.request(message, handle_blockwise=blockwise)
                if on_request is not None:
                    on_request(coap_request)
                try:
                    async with asyncio.timeout(timeout or self.config.request_timeout):
                        response = await self._response_or_restart(coap_request, record)
                except TimeoutError:
                    coap_request.response.cancel()
                    self._finish(pending, RequestState.TIMEOUT, error="no response")
                    raise RequestTimeoutError(
                        f"{endpoint}: no response to {operation}", pending
                    ) from None
                except _RestartedError:
                    coap_request.response.cancel()
                    assert record is not None
                    if resent or message.code not in IDEMPOTENT:
                        text = (
                            f"the module registered again from a new port while the {operation} "
                            "was out (it restarted); not sent again, it may have been carried out"
                        )
                        self._finish(pending, RequestState.FAILED, error=text)
                        raise RequestFailedError(f"{endpoint}: {text}", pending) from None
                    lost = (
                        f"the module registered again from a new port while this was out "
                        f"(it restarted; {record.address} will not answer); sending it there"
                    )
                except (coap_error.Error, OSError) as exc:
                    text = type(exc).__name__ + (f": {exc}" if str(exc) else "")
                    ack_timeout = message.transport_tuning.ACK_TIMEOUT
                    if (
                        record is None
                        or resent
                        or not port_closed(exc)
                        or not resendable(message.code, loop.time() - sent, ack_timeout)
                    ):
                        if record is not None and port_closed(exc):
                            text = f"the module's port {record.address} is closed; {text}"
                        self._finish(pending, RequestState.FAILED, error=text)
                        raise RequestFailedError(
                            f"{endpoint}: {operation} failed ({text})", pending
                        ) from None
                    lost = (
                        f"the module's port {record.address} is closed (it restarted or closed "
                        "its socket); waiting for it to register again"
                    )
            finally:
                if channel is not None:
                    channel.release()
            if lost is None:
                break
            assert record is not None
            record = await self._await_return(record, pending, deadline, lost)
            resent = True
        if record is not None:
            record.last_seen = time.time()
        self._finish(pending, RequestState.DONE, code=_code_text(response.code))
        return pending, response

    def _successor(self, record: ClientRecord) -> ClientRecord | None:
        """The registration that replaced ``record`` (the module registered again), if any."""
        current = self._table.by_endpoint(record.endpoint)
        if current is None or current is record or current.closed:
            return None
        return current

    async def _response_or_restart(self, coap_request: Any, record: ClientRecord | None) -> Any:
        """The response to ``coap_request``; :class:`_RestartedError` when ``record`` is
        replaced by a new registration of its module first (its old address is gone)."""
        response = coap_request.response
        if record is None:
            return await response
        while not response.done():
            if self._successor(record) is not None:
                raise _RestartedError
            talked = asyncio.ensure_future(self._returns.wait(record.endpoint))
            try:
                await asyncio.wait({response, talked}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                talked.cancel()
        return response.result()

    async def _await_return(
        self, record: ClientRecord, pending: PendingRequest, deadline: float, why: str
    ) -> ClientRecord:
        """``pending`` cannot reach the module at ``record``'s address (``why``): queue it
        until the module talks again.

        Returns the registration to send it to: a new one (the module restarted and
        registered again) or the same one updated from a new address. The request fails when
        the registration ends otherwise (deregistered, expired, server stopped) or the queue
        timeout passes first.
        """
        address = record.address
        pending.state = RequestState.QUEUED
        pending.waiting = why
        self._publish_request(pending)
        self._event(
            "unreachable",
            record.endpoint,
            {
                "address": address,
                "location": record.location,
                "request_id": pending.id,
                "operation": pending.operation,
                "path": pending.path,
            },
        )
        while True:
            newer = self._successor(record)
            if newer is not None:
                break
            if not record.closed and record.address != address:
                newer = record  # an Update from the module's new port
                break
            if record.closed:
                reason = record.close_reason or "registration ended"
                pending.waiting = None
                self._finish(pending, RequestState.FAILED, error=f"{why}; then {reason}")
                raise RequestFailedError(f"{pending.endpoint}: {why}; then {reason}", pending)
            try:
                async with asyncio.timeout_at(deadline):
                    await self._returns.wait(record.endpoint)
            except TimeoutError:
                pending.waiting = None
                error = f"{why}; it did not within the queue timeout"
                self._finish(pending, RequestState.TIMEOUT, error=error)
                raise RequestTimeoutError(f"{pending.endpoint}: {error}", pending) from None
        pending.waiting = None
        return newer

    def _single_format(self, path: Path) -> int | None:
        """Plain text (opaque for Opaque) when ``path`` is one value, else ``None``.

        Every LwM2M version makes text and opaque mandatory for single values, and some
        clients (lwm2m-node-lib's) do not answer at all to an Accept they do not know.
        """
        if path.depth < 3:
            return None
        try:
            res = self.registry.resource(path)
        except PathError:
            return None
        if res is None:
            return int(ContentFormat.TEXT)
        if res.multiple and path.depth == 3:
            return None
        return int(ContentFormat.OPAQUE if res.type is ResourceType.OPAQUE else ContentFormat.TEXT)

    def _formats_for(self, record: ClientRecord, path: Path) -> list[int]:
        """Accept values to try in order: announced/version default, then fallbacks."""
        order: list[int] = []
        single = self._single_format(path)
        if single is not None and not record.content_formats:
            order.append(single)
        first = int(default_format(record.lwm2m_version, record.content_formats))
        for fmt in (first, int(ContentFormat.TLV), int(ContentFormat.SENML_JSON)):
            if fmt not in order:
                order.append(fmt)
        if single is not None and single not in order:
            order.append(single)
        return order

    def _decode(
        self, path: Path, response: Any
    ) -> tuple[dict[Path, Value], int | None, str | None]:
        cf = response.opt.content_format
        payload: bytes = response.payload
        if not payload or not response.code.is_successful():
            return {}, cf, None
        fmt = int(cf) if cf is not None else int(ContentFormat.TEXT)
        try:
            return codec_for(fmt).decode(path, payload, self.registry), cf, None
        except (CodecError, ValueError, PathError) as exc:
            return {}, cf, str(exc)

    def _read_result(self, path: Path, pending: PendingRequest, response: Any) -> ReadResult:
        values, cf, error = self._decode(path, response)
        return ReadResult(
            _code_text(response.code),
            None if cf is None else int(cf),
            response.payload,
            pending,
            error,
            values,
        )

    async def read(
        self, endpoint: str, path: PathLike, fmt: int | None = None, *, timeout: float | None = None
    ) -> ReadResult:
        """Read ``path``; ``fmt`` None asks for the client's best format (retrying on 4.06)."""
        target = _as_path(path)
        record = self._record(endpoint)
        formats = [int(fmt)] if fmt is not None else self._formats_for(record, target)
        for index, accept in enumerate(formats):
            pending, response = await self._exchange(
                endpoint,
                "read",
                str(target),
                _get_builder(target, accept),
                timeout=timeout,
            )
            if response.code == Code.NOT_ACCEPTABLE and index + 1 < len(formats):
                continue
            return self._read_result(target, pending, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _encode(
        self, path: Path, content: Mapping[Path, Value], fmt: int | None, record: ClientRecord
    ) -> tuple[int, bytes]:
        if fmt is None:
            single = len(content) == 1 and next(iter(content)) == path and path.depth >= 3
            res = self.registry.resource(path) if path.depth >= 3 else None
            if single and (res is None or not res.multiple or path.depth == 4):
                value = next(iter(content.values()))
                fmt = int(ContentFormat.OPAQUE if isinstance(value, bytes) else ContentFormat.TEXT)
            else:
                fmt = int(default_format(record.lwm2m_version, record.content_formats))
        try:
            return fmt, codec_for(fmt).encode(path, content, self.registry)
        except (CodecError, ValueError) as exc:
            raise RequestFailedError(f"cannot encode the value: {exc}") from exc

    def _content(self, path: Path, value: Value | Mapping[PathLike, Value]) -> dict[Path, Value]:
        if isinstance(value, Mapping):
            return {_as_path(k): v for k, v in value.items()}
        return {path: value}

    def parse_value(self, path: PathLike, text: str) -> Value:
        """A typed value for ``path`` from its text form (CLI, GUI editors)."""
        target = _as_path(path)
        rtype = self.registry.resource_type(target) if target.depth >= 3 else None
        if rtype is None:
            return text
        try:
            from workbench.lwm2m.model import parse_text_value

            return parse_text_value(rtype, text)
        except ValueValidationError:
            raise
        except ValueError as exc:  # pragma: no cover - parse_text_value raises the above
            raise ValueValidationError(str(exc)) from exc

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
        target = _as_path(path)
        record = self._record(endpoint)
        cf, payload = self._encode(target, self._content(target, value), fmt, record)
        method = Code.PUT if replace else Code.POST
        pending, response = await self._exchange(
            endpoint,
            "write" if replace else "write-update",
            str(target),
            lambda rec: Message(
                code=method, uri_path=rec.uri_path(target.ids), content_format=cf, payload=payload
            ),
            timeout=timeout,
        )
        return OperationResult(_code_text(response.code), cf, response.payload, pending)

    async def write_attributes(
        self,
        endpoint: str,
        path: PathLike,
        attributes: Mapping[str, float | int | None],
        *,
        timeout: float | None = None,
    ) -> OperationResult:
        """Write-Attributes: ``{"pmin": 10, "gt": 20.5, "st": None}`` (None clears one)."""
        target = _as_path(path)
        allowed = {"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "edge", "con", "hqmax"}
        query = []
        for name, number in attributes.items():
            if name not in allowed:
                raise ValueError(
                    f"unknown attribute {name!r} (known: {', '.join(sorted(allowed))})"
                )
            if number is None:
                query.append(name)
            elif isinstance(number, float) and not number.is_integer():
                query.append(f"{name}={number!r}")
            else:
                query.append(f"{name}={int(number)}")
        pending, response = await self._exchange(
            endpoint,
            "write-attributes",
            str(target),
            lambda rec: Message(code=Code.PUT, uri_path=rec.uri_path(target.ids), uri_query=query),
            timeout=timeout,
        )
        return OperationResult(_code_text(response.code), None, response.payload, pending)

    async def discover(
        self, endpoint: str, path: PathLike, *, timeout: float | None = None
    ) -> DiscoverResult:
        target = _as_path(path)
        pending, response = await self._exchange(
            endpoint,
            "discover",
            str(target),
            lambda rec: Message(
                code=Code.GET, uri_path=rec.uri_path(target.ids), accept=ContentFormat.LINK_FORMAT
            ),
            timeout=timeout,
        )
        result = DiscoverResult(
            _code_text(response.code), response.opt.content_format, response.payload, pending
        )
        if response.code.is_successful():
            try:
                result.links = parse_links(response.payload)
            except CodecError as exc:
                result.decode_error = str(exc)
        return result

    async def execute(
        self, endpoint: str, path: PathLike, arguments: str = "", *, timeout: float | None = None
    ) -> OperationResult:
        target = _as_path(path)
        payload = arguments.encode("utf-8")

        def build(rec: ClientRecord) -> Any:
            msg = Message(code=Code.POST, uri_path=rec.uri_path(target.ids), payload=payload)
            if payload:
                msg.opt.content_format = ContentFormat.TEXT
            return msg

        pending, response = await self._exchange(
            endpoint, "execute", str(target), build, timeout=timeout
        )
        return OperationResult(_code_text(response.code), None, response.payload, pending)

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
        target = _as_path(path)
        record = self._record(endpoint)
        content = {_as_path(k): v for k, v in values.items()}
        cf = (
            int(fmt)
            if fmt is not None
            else int(default_format(record.lwm2m_version, record.content_formats))
        )
        try:
            payload = codec_for(cf).encode(target, content, self.registry)
        except (CodecError, ValueError) as exc:
            raise RequestFailedError(f"cannot encode the instance: {exc}") from exc
        pending, response = await self._exchange(
            endpoint,
            "create",
            str(target),
            lambda rec: Message(
                code=Code.POST,
                uri_path=rec.uri_path(target.ids),
                content_format=cf,
                payload=payload,
            ),
            timeout=timeout,
        )
        location = response.opt.location_path
        prefix = tuple(seg for seg in record.root.split("/") if seg)
        if location and tuple(location[: len(prefix)]) == prefix:
            location = location[len(prefix) :]
        return CreateResult(
            _code_text(response.code),
            cf,
            response.payload,
            pending,
            location=("/" + "/".join(location)) if location else None,
        )

    async def delete(
        self, endpoint: str, path: PathLike, *, timeout: float | None = None
    ) -> OperationResult:
        target = _as_path(path)
        pending, response = await self._exchange(
            endpoint,
            "delete",
            str(target),
            lambda rec: Message(code=Code.DELETE, uri_path=rec.uri_path(target.ids)),
            timeout=timeout,
        )
        return OperationResult(_code_text(response.code), None, response.payload, pending)

    # -- composite (LwM2M 1.1) -----------------------------------------------------------------

    def _senml_format(self, record: ClientRecord, fmt: int | None) -> int:
        if fmt is not None:
            return int(fmt)
        if int(ContentFormat.SENML_CBOR) in record.content_formats:
            return int(ContentFormat.SENML_CBOR)
        return int(ContentFormat.SENML_JSON)

    def _composite_result(self, pending: PendingRequest, response: Any, cf: int) -> ReadResult:
        result = ReadResult(
            _code_text(response.code), response.opt.content_format, response.payload, pending
        )
        if response.code.is_successful() and response.payload:
            try:
                rcf = response.opt.content_format
                codec = codec_for(int(rcf) if rcf is not None else cf)
                result.values = codec.decode_composite(response.payload, self.registry)  # type: ignore[attr-defined]
            except (CodecError, ValueError, AttributeError) as exc:
                result.decode_error = str(exc)
        return result

    async def read_composite(
        self,
        endpoint: str,
        paths: Sequence[PathLike],
        fmt: int | None = None,
        *,
        timeout: float | None = None,
    ) -> ReadResult:
        """Read-Composite: FETCH on the root with a SenML list of paths."""
        targets = [_as_path(p) for p in paths]
        record = self._record(endpoint)
        cf = self._senml_format(record, fmt)
        payload = codec_for(cf).encode_paths(targets)  # type: ignore[attr-defined]
        pending, response = await self._exchange(
            endpoint,
            "read-composite",
            ",".join(str(t) for t in targets),
            lambda rec: Message(
                code=Code.FETCH,
                uri_path=rec.uri_path(()),
                content_format=cf,
                accept=cf,
                payload=payload,
            ),
            timeout=timeout,
        )
        return self._composite_result(pending, response, cf)

    async def write_composite(
        self,
        endpoint: str,
        values: Mapping[PathLike, Value],
        fmt: int | None = None,
        *,
        timeout: float | None = None,
    ) -> OperationResult:
        """Write-Composite: iPATCH on the root with SenML values."""
        record = self._record(endpoint)
        cf = self._senml_format(record, fmt)
        content = {_as_path(k): v for k, v in values.items()}
        try:
            payload = codec_for(cf).encode_composite(content, self.registry)  # type: ignore[attr-defined]
        except (CodecError, ValueError) as exc:
            raise RequestFailedError(f"cannot encode the values: {exc}") from exc
        pending, response = await self._exchange(
            endpoint,
            "write-composite",
            ",".join(str(p) for p in sorted(content)),
            lambda rec: Message(
                code=Code.iPATCH, uri_path=rec.uri_path(()), content_format=cf, payload=payload
            ),
            timeout=timeout,
        )
        return OperationResult(_code_text(response.code), cf, response.payload, pending)

    # -- observe ---------------------------------------------------------------------------

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
        target = _as_path(path)
        record = self._record(endpoint)
        accept = int(fmt) if fmt is not None else self._formats_for(record, target)[0]
        return await self._observe(
            endpoint,
            str(target),
            lambda rec: Message(
                code=Code.GET, uri_path=rec.uri_path(target.ids), accept=accept, observe=0
            ),
            lambda response: self._read_result(target, pending_of(response), response),
            callback,
            timeout,
        )

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
        targets = [_as_path(p) for p in paths]
        record = self._record(endpoint)
        cf = self._senml_format(record, fmt)
        payload = codec_for(cf).encode_paths(targets)  # type: ignore[attr-defined]
        key = ",".join(str(t) for t in targets)
        return await self._observe(
            endpoint,
            key,
            lambda rec: Message(
                code=Code.FETCH,
                uri_path=rec.uri_path(()),
                content_format=cf,
                accept=cf,
                payload=payload,
                observe=0,
            ),
            lambda response: self._composite_result(pending_of(response), response, cf),
            callback,
            timeout,
        )

    async def _observe(
        self,
        endpoint: str,
        key: str,
        build: Callable[[ClientRecord], Any],
        result_of: Callable[[Any], ReadResult],
        callback: Callable[[Notification], object] | None,
        timeout: float | None,
    ) -> Observation:
        record = self._record(endpoint)
        holder: dict[str, Any] = {}
        early: list[Any] = []

        def on_request(coap_request: Any) -> None:
            # A request the module's closed port refused is sent again (see _exchange): only
            # the latest one's notifications and errors belong to this observation.
            holder["request"] = coap_request
            early.clear()

            def on_item(item: Any) -> None:
                if holder.get("request") is not coap_request:
                    return
                if "obs" not in holder:
                    early.append(item)
                elif isinstance(item, BaseException):
                    ender(item)
                else:
                    handler(item)

            coap_request.observation.register_callback(on_item, _suppress_deprecation=True)
            coap_request.observation.register_errback(on_item, _suppress_deprecation=True)

        def build_for(rec: ClientRecord) -> Any:
            holder["record"] = rec
            return build(rec)

        pending, response = await self._exchange(
            endpoint, "observe", key, build_for, timeout=timeout, on_request=on_request
        )
        record = holder.get("record", record)
        response.pending = pending
        initial = result_of(response)
        if not response.code.is_successful() or response.opt.observe is None:
            coap_request = holder.get("request")
            if coap_request is not None and not coap_request.observation.cancelled:
                with contextlib.suppress(Exception):
                    coap_request.observation.cancel()
            raise RequestFailedError(
                f"{endpoint}: {key} was not observed (answer {initial.code})", pending
            )
        previous = self._observations.get((endpoint, key))
        if previous is not None:
            self._drop_observation(previous, "replaced by a new observation")
        obs = Observation(endpoint, key, response.token, initial, self._cancel_observation)
        obs.request = holder.get("request")
        obs.record = record
        if callback is not None:
            obs.add_callback(callback)
        self._observations[obs.key] = obs

        def handler(notification: Any) -> None:
            if notification is response or not obs.active:
                return
            self._channel(record).touch() if not record.closed else None
            notification.pending = pending
            result = result_of(notification)
            item = Notification(endpoint, key, result, notification.opt.observe)
            obs._deliver(item)
            self._event(
                "notification",
                endpoint,
                {"path": key, "observe": notification.opt.observe, **result.to_dict()},
            )
            if notification.opt.observe is None:
                self._end_observation(obs, "the client ended the observation")

        def ender(exc: Any) -> None:
            reason = (
                "ended by the client"
                if isinstance(exc, (coap_error.NotObservable, coap_error.ObservationCancelled))
                else f"failed: {type(exc).__name__}"
            )
            self._end_observation(obs, reason)

        holder["obs"] = obs
        for item in early:
            if isinstance(item, BaseException):
                ender(item)
            else:
                handler(item)
        self._event(
            "observe_started",
            endpoint,
            {"path": key, "token": obs.token.hex(), **initial.to_dict()},
        )
        return obs

    def _end_observation(self, obs: Observation, reason: str) -> None:
        if self._observations.get(obs.key) is obs:
            del self._observations[obs.key]
        if obs.active:
            obs._end(reason)
            self._event("observe_ended", obs.endpoint, {"path": obs.path, "reason": reason})

    def _drop_observation(self, obs: Observation, reason: str) -> None:
        """Forget an observation locally (passive cancel)."""
        coap_request = obs.request
        if coap_request is not None and not coap_request.observation.cancelled:
            with contextlib.suppress(Exception):
                coap_request.observation.cancel()
        self._end_observation(obs, reason)

    def find_observation(self, endpoint: str, path: PathLike) -> Observation | None:
        key = str(_as_path(path)) if isinstance(path, Path) or "," not in path else path
        return self._observations.get((endpoint, key))

    async def cancel_observation(
        self, endpoint: str, path: PathLike, *, active: bool = True
    ) -> ReadResult | None:
        """Cancel the observation of ``path``; see :meth:`Observation.cancel`."""
        obs = self.find_observation(endpoint, path)
        if obs is None:
            raise RequestFailedError(f"{endpoint}: {path} is not observed")
        return await self._cancel_observation(obs, active)

    async def _cancel_observation(self, obs: Observation, active: bool) -> ReadResult | None:
        self._drop_observation(obs, "cancelled" + (" (active)" if active else " (passive)"))
        if not active or "," in obs.path:
            return None
        target = Path.parse(obs.path)
        built = self._built
        if built is None:
            return None
        initial_request = obs.initial.request
        accept = initial_request.content_format if initial_request is not None else None
        if accept is None:
            accept = obs.initial.format

        def build(rec: ClientRecord) -> Any:
            msg = Message(code=Code.GET, uri_path=rec.uri_path(target.ids), observe=1)
            if accept is not None:
                msg.opt.accept = accept
            assert built is not None
            built.token_manager.force_token(msg, obs.token)
            return msg

        pending, response = await self._exchange_unblocked(obs.endpoint, str(target), build)
        return self._read_result(target, pending, response)

    async def _exchange_unblocked(
        self, endpoint: str, path: str, build: Callable[[ClientRecord], Any]
    ) -> tuple[PendingRequest, Any]:
        """Like :meth:`_exchange` but without blockwise handling (the token must be kept)."""
        record = self._record(endpoint)
        built = self._built
        if built is None:
            raise RequestFailedError("the server is not running")
        channel = self._channel(record)
        pending = PendingRequest(next(self._ids), endpoint, "cancel-observe", path)
        self._track(pending)
        try:
            async with asyncio.timeout(self.config.queue_timeout):
                await channel.acquire()
        except TimeoutError:
            self._finish(pending, RequestState.TIMEOUT, error="client did not wake up in time")
            raise RequestTimeoutError(f"{endpoint}: cancel not sent", pending) from None
        except ChannelClosedError as exc:
            self._finish(pending, RequestState.FAILED, error=exc.reason)
            raise RequestFailedError(f"{endpoint}: {exc.reason}", pending) from None
        try:
            message = build(record)
            message.remote = record.remote
            pending.state = RequestState.SENT
            pending.sent_at = time.time()
            self._publish_request(pending)
            coap_request = built.context.request(message, handle_blockwise=False)
            try:
                async with asyncio.timeout(self.config.request_timeout):
                    response = await coap_request.response
            except TimeoutError:
                coap_request.response.cancel()
                self._finish(pending, RequestState.TIMEOUT, error="no response")
                raise RequestTimeoutError(f"{endpoint}: no response to cancel", pending) from None
            except (coap_error.Error, OSError) as exc:
                self._finish(pending, RequestState.FAILED, error=type(exc).__name__)
                raise RequestFailedError(f"{endpoint}: cancel failed", pending) from None
        finally:
            channel.release()
        self._finish(pending, RequestState.DONE, code=_code_text(response.code))
        return pending, response

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
        return await self._exchange(
            endpoint,
            operation,
            "/" + "/".join(message.opt.uri_path),
            lambda _rec: message,
            timeout=timeout,
            remote=remote,
        )

    def bootstrap_event(self, endpoint: str, data: dict[str, Any]) -> None:
        self._event("bootstrap", endpoint, data)

    def resource_type(self, path: Path) -> ResourceType | None:
        try:
            return self.registry.resource_type(path) if path.depth >= 3 else None
        except PathError:
            return None

    def paths_in(self, values: Iterable[PathLike]) -> list[Path]:
        return [_as_path(v) for v in values]


def _get_builder(target: Path, accept: int) -> Callable[[ClientRecord], Any]:
    """A GET with ``accept`` for ``target`` below the client's root."""

    def build(rec: ClientRecord) -> Any:
        return Message(code=Code.GET, uri_path=rec.uri_path(target.ids), accept=accept)

    return build


def pending_of(response: Any) -> PendingRequest:
    """The request a (notification) response belongs to, attached by :meth:`_observe`."""
    pending: PendingRequest = response.pending
    return pending
