"""Registration: the client table, Register/Update/De-register/Send, expiry and the caps.

The part of :class:`~workbench.server.server.LwM2MServer` that answers what clients send
about themselves and keeps one :class:`ClientRecord` and one :class:`ClientChannel` (queue
mode) per registration. It also owns the :class:`ReturnWatch` that requests waiting for a
restarted module listen on (:mod:`.exchange`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiocoap import Message
from aiocoap.numbers.codes import Code

from workbench.lwm2m.codecs import codec_for
from workbench.lwm2m.codecs.base import ContentFormat
from workbench.lwm2m.codecs.composite import CompositeCodec
from workbench.lwm2m.errors import CodecError
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.server.coaplog import jsonable_values
from workbench.server.host import ServerHost
from workbench.server.limits import RETRY_AFTER, RateGate, Refusal, link_count
from workbench.server.queue import ClientChannel, ReturnWatch
from workbench.server.registration import (
    DEFAULT_LIFETIME,
    ClientInfo,
    ClientRecord,
    ClientTable,
    RegistrationError,
    new_location,
    parse_query,
    parse_registration_payload,
)
from workbench.server.requests import UnknownClientError
from workbench.server.site import HandlerResult
from workbench.server.transport import format_peer


def remote_address(remote: Any) -> str:
    """``host:port`` of an aiocoap remote (udp6, simplesocketserver or DTLS)."""
    sockaddr = getattr(remote, "sockaddr", None)
    if sockaddr is not None:
        return format_peer(sockaddr)
    hostinfo = getattr(remote, "hostinfo", None)
    return str(hostinfo) if hostinfo is not None else repr(remote)


#: Receive lag (seconds) below which an expiry is not postponed (see ``Registrar._expire``).
EXPIRY_LAG_SLACK = 0.5


class Registrar:
    """The registered clients and the handlers of their registration requests.

    ``on_close(record, reason)`` is called when a registration ends (the observer drops the
    observations that belonged to it).
    """

    def __init__(self, host: ServerHost, on_close: Callable[[ClientRecord, str], None]) -> None:
        self._host = host
        self._on_close = on_close
        self.table = ClientTable()
        #: Security events under a flood: one a second per problem and endpoint/identity.
        self.security_gate = RateGate()
        #: Object and instance links per registration, and their sum (the objects budget).
        self._links: dict[ClientRecord, int] = {}
        self._total_links = 0
        self._channels: dict[ClientRecord, ClientChannel] = {}
        self.returns = ReturnWatch()
        self._expiry: dict[ClientRecord, asyncio.TimerHandle] = {}

    def close_all(self, reason: str) -> None:
        """End every registration (the server stops)."""
        for record in list(self.table):
            self.close_client(record, reason)
        self.table.clear()

    def shutdown(self, reason: str) -> None:
        """Cancel the expiry timers and close the queue channels that are left."""
        for handle in self._expiry.values():
            handle.cancel()
        self._expiry.clear()
        for channel in self._channels.values():
            channel.close(reason)
        self._channels.clear()

    def limit_refused(self, refusal: Refusal, endpoint: str, request: Any) -> HandlerResult:
        """The answer for a cap that was hit, and a (rate-limited) ``limit`` event."""
        if self.table.by_endpoint(endpoint) is None:
            # Findings are kept per registered client: a refused newcomer leaves none behind,
            # or a flood of refused names would fill the monitor's table.
            self._host.conformance_monitor.forget(endpoint)
        suppressed = self._host.limit_guard.should_report(refusal)
        if suppressed is not None:
            self._host.emit(
                "limit",
                endpoint,
                {
                    "limit": refusal.limit,
                    "answer": refusal.code,
                    "value": refusal.value,
                    "cap": refusal.cap,
                    "text": refusal.text,
                    "address": remote_address(request.remote),
                    "suppressed": suppressed,
                    "hits": self._host.limit_guard.hits[refusal.limit],
                },
            )
        payload = refusal.text.encode("utf-8")
        if refusal.code == "5.03":
            return Message(
                code=Code.SERVICE_UNAVAILABLE, payload=payload, max_age=RETRY_AFTER
            ), None
        return Message(code=Code.BAD_REQUEST, payload=payload), None

    def refused(self, request: Any, endpoint: str, operation: str) -> HandlerResult | None:
        """4.03 and a ``security`` event when the security store forbids this request."""
        remote = request.remote
        identity: str | None = getattr(remote, "psk_identity", None)
        if identity is None and self.is_secure(remote):
            identity = ""  # DTLS without a known identity never owns an endpoint
        reason = self._host.security.check(endpoint, identity)
        if reason is None:
            return None
        suppressed = self.security_gate.allow(f"{operation} {endpoint}")
        if suppressed is not None:
            self._host.emit(
                "security",
                endpoint,
                {
                    "problem": f"{operation} refused",
                    "identity": identity,
                    "address": ("coaps://" if self.is_secure(remote) else "coap://")
                    + remote_address(remote),
                    "cause": reason,
                    "suppressed": suppressed,
                },
            )
        return Message(code=Code.FORBIDDEN, payload=reason.encode("utf-8")[:200]), None

    # -- clients -----------------------------------------------------------------------------

    @property
    def clients(self) -> dict[str, ClientInfo]:
        """Snapshots of the registered clients by endpoint name."""
        return {
            record.endpoint: record.snapshot(self.channel(record).awake) for record in self.table
        }

    def client_page(self, offset: int = 0, limit: int = 100) -> tuple[list[ClientInfo], int]:
        """Snapshots of ``limit`` clients from ``offset`` (registration order) and the total.

        A page is built without snapshotting the others: at 22,000 clients the whole table
        as one answer was a 42 MB line that stalled the server for seconds.
        """
        records = list(self.table)
        page = records[max(offset, 0) : max(offset, 0) + max(limit, 0)]
        return [r.snapshot(self.channel(r).awake) for r in page], len(records)

    def client(self, endpoint: str) -> ClientInfo:
        record = self.record(endpoint)
        return record.snapshot(self.channel(record).awake)

    def conformance_client(
        self, operation: str, path: tuple[str, ...], peer: str
    ) -> tuple[str | None, str | None]:
        if operation == "register":
            return None, None
        if operation in ("update", "deregister"):
            record = self.table.by_location(path[-1])
        else:
            record = self.table.by_address(peer)
        return (record.endpoint, record.lwm2m_version) if record is not None else (None, None)

    def record(self, endpoint: str) -> ClientRecord:
        record = self.table.by_endpoint(endpoint)
        if record is None:
            raise UnknownClientError(f"no client {endpoint!r} is registered")
        return record

    def channel(self, record: ClientRecord) -> ClientChannel:
        channel = self._channels.get(record)
        if channel is None:
            channel = ClientChannel(record.queue_mode, self._host.config.awake_window)
            self._channels[record] = channel
        return channel

    def schedule_expiry(self, record: ClientRecord) -> None:
        old = self._expiry.pop(record, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        delay = record.lifetime + self._host.config.expiry_grace
        self._expiry[record] = loop.call_later(delay, self._expire, record)

    def _expire(self, record: ClientRecord) -> None:
        self._expiry.pop(record, None)
        if record.closed:
            return
        lag = self._host.receive_lag
        if lag > EXPIRY_LAG_SLACK:
            # The server reads its socket ``lag`` seconds late: an Update that reached this
            # host before the deadline may still be waiting there. It was sent in time, so the
            # verdict waits until the server has read what arrived up to now.
            self._expiry[record] = asyncio.get_running_loop().call_later(lag, self._expire, record)
            return
        self.table.remove(record)
        self.close_client(record, "lifetime expired")
        self._host.emit(
            "expired",
            record.endpoint,
            {"location": record.location, "lifetime": record.lifetime},
        )

    def close_client(self, record: ClientRecord, reason: str) -> None:
        record.closed = True
        record.close_reason = reason
        self.returns.wake(record.endpoint)
        self._total_links -= self._links.pop(record, 0)
        handle = self._expiry.pop(record, None)
        if handle is not None:
            handle.cancel()
        channel = self._channels.pop(record, None)
        if channel is not None:
            channel.close(reason)
        self._on_close(record, reason)

    def bad(self, text: str) -> HandlerResult:
        return Message(code=Code.BAD_REQUEST, payload=text.encode()), None

    def register(self, request: Any, body: bytes) -> HandlerResult:
        try:
            params = parse_query(request.opt.uri_query)
            if params.endpoint is None:
                raise RegistrationError("Register needs ep=<endpoint name>")
            links = parse_registration_payload(body)
        except RegistrationError as exc:
            self._host.emit("registration_rejected", None, {"error": str(exc)})
            return self.bad(str(exc))
        refusal = self.refused(request, params.endpoint, "Register")
        if refusal is not None:
            return refusal
        previous = self.table.by_endpoint(params.endpoint)
        links_count = link_count(links.objects)
        others = self._total_links - (self._links.get(previous, 0) if previous else 0)
        over = (
            self._host.limit_guard.lifetime(params.lifetime)
            or self._host.limit_guard.objects(links_count, others)
            or self._host.limit_guard.clients(len(self.table), previous is not None)
        )
        if over is not None:
            return self.limit_refused(over, params.endpoint, request)
        binding = params.binding or "U"
        version = params.lwm2m_version or "1.0"
        record = ClientRecord(
            endpoint=params.endpoint,
            location=new_location(),
            remote=request.remote,
            address=remote_address(request.remote),
            lifetime=params.lifetime or DEFAULT_LIFETIME,
            binding=binding,
            lwm2m_version=version,
            sms=params.sms,
            queue_mode=params.queue or "Q" in binding,
            objects=links.objects,
            root=links.root,
            content_formats=links.content_formats,
            secure=self.is_secure(request.remote),
        )
        identity = getattr(request.remote, "psk_identity", None)
        if identity and self._host.security.bind(identity, record.endpoint):
            self._host.emit(
                "security",
                record.endpoint,
                {
                    "problem": None,
                    "summary": f"PSK identity {identity!r} is now bound to this endpoint",
                    "identity": identity,
                },
            )
        old = self.table.add(record)
        self._links[record] = links_count
        self._total_links += links_count
        if old is not None:
            self.close_client(old, "replaced by a newer registration")
            self._host.emit(
                "deregistered",
                old.endpoint,
                {"location": old.location, "reason": "replaced by a newer registration"},
            )
        self.schedule_expiry(record)
        channel = self.channel(record)
        response = Message(code=Code.CREATED)
        response.opt.location_path = ("rd", record.location)
        data = record.snapshot(True).to_dict()
        data["replaced"] = old is not None
        if params.unknown:
            data["unknown_parameters"] = params.unknown
        self._host.emit("registered", record.endpoint, data)
        self.returns.wake(record.endpoint)
        return response, channel.touch

    def update(self, request: Any, location: str, body: bytes) -> HandlerResult:
        record = self.table.by_location(location)
        if record is None:
            return Message(code=Code.NOT_FOUND, payload=b"unknown registration"), None
        refusal = self.refused(request, record.endpoint, "Update")
        if refusal is not None:
            return refusal
        try:
            params = parse_query(request.opt.uri_query)
            links = parse_registration_payload(body) if body else None
        except RegistrationError as exc:
            return self.bad(str(exc))
        own = self._links.get(record, 0)
        new_count = link_count(links.objects) if links is not None else own
        over = self._host.limit_guard.lifetime(params.lifetime) or (
            self._host.limit_guard.objects(new_count, self._total_links - own)
            if links is not None
            else None
        )
        if over is not None:
            return self.limit_refused(over, record.endpoint, request)
        self._links[record] = new_count
        self._total_links += new_count - own
        changed: dict[str, Any] = {}
        address = remote_address(request.remote)
        if address != record.address:
            changed["address"] = {"old": record.address, "new": address}
            self.table.readdress(record, address)
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
        self.schedule_expiry(record)
        channel = self.channel(record)
        channel.set_queue_mode(
            record.queue_mode
        ) if channel.queue_mode != record.queue_mode else None
        self._host.emit(
            "updated",
            record.endpoint,
            {"location": location, "address": record.address, "changed": changed},
        )
        self.returns.wake(record.endpoint)
        return Message(code=Code.CHANGED), channel.touch

    def deregister(self, request: Any, location: str) -> HandlerResult:
        record = self.table.by_location(location)
        if record is None:
            return Message(code=Code.NOT_FOUND, payload=b"unknown registration"), None
        refusal = self.refused(request, record.endpoint, "De-register")
        if refusal is not None:
            return refusal
        self.table.remove(record)
        self.close_client(record, "deregistered")
        self._host.emit("deregistered", record.endpoint, {"location": location, "reason": "client"})
        return Message(code=Code.DELETED), None

    def is_secure(self, remote: Any) -> bool:
        return getattr(remote, "scheme", None) == "coaps"

    def send(self, request: Any, body: bytes) -> HandlerResult:
        record = self.table.by_address(remote_address(request.remote))
        if record is None:
            return Message(code=Code.FORBIDDEN, payload=b"register first"), None
        refusal = self.refused(request, record.endpoint, "Send")
        if refusal is not None:
            return refusal
        cf = request.opt.content_format
        values: dict[Path, Value] = {}
        try:
            codec = codec_for(cf if cf is not None else ContentFormat.SENML_CBOR)
            if not isinstance(codec, CompositeCodec):
                raise CodecError("Send needs SenML JSON or SenML CBOR", None, None)
            values = codec.decode_composite(body, self._host.registry)
        except (ValueError, CodecError) as exc:
            self._host.emit("send", record.endpoint, {"error": str(exc), "raw_hex": body.hex()})
            return Message(code=Code.BAD_REQUEST, payload=str(exc).encode()[:200]), None
        record.last_seen = time.time()
        self._host.emit("send", record.endpoint, {"format": cf, "values": jsonable_values(values)})
        return Message(code=Code.CHANGED), self.channel(record).touch

    def successor(self, record: ClientRecord) -> ClientRecord | None:
        """The registration that replaced ``record`` (the module registered again), if any."""
        current = self.table.by_endpoint(record.endpoint)
        if current is None or current is record or current.closed:
            return None
        return current
