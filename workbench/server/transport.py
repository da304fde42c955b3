"""Building the aiocoap context: gated and logged UDP, forced tokens, a big receive buffer.

The context is assembled by hand instead of with ``Context.create_server_context`` because
the server needs three things aiocoap does not offer as options:

* every datagram in and out must pass through :mod:`.robustness` and into the CoAP log, so
  the UDP message interface is a subclass that taps ``datagram_msg_received`` and ``send``;
* a proactive observe cancel (RFC 7641 §3.6) must reuse the observation's token, but aiocoap
  always picks a fresh one, so the token manager can be told which token a request gets;
* only the UDP transport may open (no TCP/TLS/WebSocket listeners, ECOSYSTEM.md).

Two UDP transports of aiocoap are supported: ``udp6`` (Linux: one socket for every address,
ICMP errors, packet info) and ``simplesocketserver`` (Windows and macOS, where ``udp6`` is
unavailable or unreliable: one socket bound to one concrete address, no ICMP errors). Both get
the same gate, log tap, forced tokens and receive buffer.

The subclasses are created per server (:func:`make_interface_class`,
:func:`make_simple_interface_class`) so no state is shared between servers in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiocoap import Message
from aiocoap.message import Direction
from aiocoap.numbers import COAP_PORT
from aiocoap.numbers.types import CON
from aiocoap.util import hostportjoin

from workbench.lwm2m.aiocoap_compat import (
    UDP6_DATAGRAM_LIMIT,
    MessageManager,
    SimpleAddress,
    SimpleServerInterface,
    SimpleServerSocket,
    TokenManager,
    UDP6Interface,
    attach_interface,
    interface_socket,
    new_context,
)
from workbench.server.coapwire import MessageType
from workbench.server.robustness import Verdict, inspect_datagram

_log = logging.getLogger(__name__)

#: Receive buffer asked for: bursts of registrations overflow the default (ECOSYSTEM.md).
RECEIVE_BUFFER = 4 * 1024 * 1024
MSG_TRUNC = getattr(socket, "MSG_TRUNC", 0x20)
#: Kernel receive time of each datagram (Linux; the udp6 transport reads ancillary data).
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35) if sys.platform.startswith("linux") else None
# UDP6_DATAGRAM_LIMIT (from aiocoap_compat): the largest datagram aiocoap's udp6 transport
# reads whole; a longer one arrives truncated and is answered 4.13 with the Size1 that fits.

#: The aiocoap UDP transports the server can run on.
TRANSPORTS = ("udp6", "simplesocketserver")
#: Host names that mean "every interface" (``simplesocketserver`` cannot bind them).
ANY_ADDRESSES = ("", "::", "0.0.0.0")


def default_transport() -> str:
    """``udp6`` on Linux, ``simplesocketserver`` elsewhere (ECOSYSTEM.md)."""
    return "udp6" if sys.platform.startswith("linux") else "simplesocketserver"


def check_transport(transport: str, host: str) -> None:
    """Raise :class:`ValueError` for an unknown transport or one that cannot bind ``host``."""
    if transport not in TRANSPORTS:
        raise ValueError(f"unknown transport {transport!r}; use one of {', '.join(TRANSPORTS)}")
    if transport == "simplesocketserver" and host in ANY_ADDRESSES:
        raise ValueError(
            "the simplesocketserver transport cannot listen on every interface; "
            "give the concrete address to listen on"
        )


def format_peer(sockaddr: Any) -> str:
    """``127.0.0.1:5683`` / ``[::1]:5683`` for a socket address (v4-mapped shown as IPv4)."""
    try:
        host, port = str(sockaddr[0]), int(sockaddr[1])
    except (TypeError, IndexError, ValueError):
        return str(sockaddr)
    if host.startswith("::ffff:") and "." in host:
        host = host[7:]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class DatagramTap(Protocol):
    """Who sees datagrams: the server's CoAP log and its robustness statistics."""

    max_payload: int

    def datagram(self, direction: str, data: bytes, peer: str, verdict: Verdict | None) -> None:
        """Record one datagram (``verdict`` is set for incoming ones)."""

    def internal_error(self, where: str, exc: BaseException) -> None:
        """Report an exception that escaped aiocoap's handling of a datagram."""

    def waited(self, seconds: float) -> None:
        """The datagram being handled waited ``seconds`` in the socket before it was read."""

    def observing(self, token: bytes) -> bool:
        """Whether ``token`` belongs to a live observation."""

    def notification(self, token: bytes, data: bytes, peer: str) -> bool:
        """Take a notification of a live observation (its ACK sent); False: aiocoap gets it."""


def make_interface_class(tap: DatagramTap) -> type[UDP6Interface]:
    """A UDP message interface whose datagrams pass the gate and are logged to ``tap``."""

    class GatedUDP6(UDP6Interface):
        """aiocoap's udp6 interface behind :func:`inspect_datagram`."""

        def datagram_msg_received(
            self, data: bytes, ancdata: Any, flags: int, address: Any
        ) -> None:
            ancdata = _take_arrival(ancdata, tap)
            peer = format_peer(address)
            try:
                verdict = inspect_datagram(
                    bytes(data), bool(flags & MSG_TRUNC), tap.max_payload, UDP6_DATAGRAM_LIMIT
                )
            except Exception as exc:  # pragma: no cover - the gate is fuzzed; belt and braces
                tap.internal_error("gate", exc)
                return
            tap.datagram("in", bytes(data), peer, verdict)
            if verdict.reply is not None:
                try:
                    self.transport.sendmsg(verdict.reply, [], 0, address)
                except Exception as exc:
                    tap.internal_error("reply", exc)
                else:
                    tap.datagram("out", verdict.reply, peer, None)
            if not verdict.accept:
                return
            message = verdict.message
            if (
                message is not None
                and message.code >= 64
                and message.token
                and message.mtype in (MessageType.CON, MessageType.NON)
                and tap.observing(message.token)
            ):
                acked = message.mtype is MessageType.NON
                if not acked:
                    data = self._acknowledge(data, ancdata, address, peer)
                    acked = data[0] & 0x30 == 0x10  # now NON: the ACK went out
                if acked and tap.notification(message.token, bytes(data), peer):
                    return
            try:
                super().datagram_msg_received(data, ancdata, flags, address)
            except Exception as exc:
                tap.internal_error("dispatch", exc)

        def datagram_errqueue_received(
            self, data: bytes, ancdata: Any, flags: int, address: Any
        ) -> None:
            # ICMP errors carry the kernel timestamp too; aiocoap asserts IPv6-only items.
            super().datagram_errqueue_received(data, _take_arrival(ancdata, None), flags, address)

        def _acknowledge(self, data: bytes, ancdata: Any, address: Any, peer: str) -> bytes:
            """ACK a confirmable notification here; returns it as non-confirmable.

            aiocoap would build, encode and keep (in its duplicate cache) an ACK message per
            notification: a third of the server's work per notification at 10,000 clients.
            The empty ACK is four bytes. The notification then goes to the observer
            (``tap.notification``), or to aiocoap for an observation that is still aiocoap's;
            a retransmission is ACKed again and not handed on twice.
            """
            ack = bytes((0x60, 0)) + bytes(data[2:4])  # version 1, ACK, no token, code 0.00
            reply_from = [
                item
                for item in ancdata
                if item[0] == socket.IPPROTO_IPV6 and item[1] == socket.IPV6_PKTINFO
            ]
            try:
                self.transport.sendmsg(ack, reply_from, 0, address)
            except Exception as exc:
                tap.internal_error("ack", exc)
                return data  # aiocoap ACKs it
            tap.datagram("out", ack, peer, None)
            return bytes(((data[0] & 0xCF) | 0x10,)) + bytes(data[1:])  # type CON → NON

        def send(self, message: Any) -> None:
            # Same as aiocoap's send, but the bytes are encoded once and logged.
            data = message.encode()
            ancdata = []
            if message.remote.pktinfo is not None:
                ancdata.append((socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, message.remote.pktinfo))
            self.send_datagram(data, ancdata, message.remote)
            tap.datagram("out", data, format_peer(message.remote.sockaddr), None)

    return GatedUDP6


def _take_arrival(ancdata: Any, tap: DatagramTap | None) -> Any:
    """Tell ``tap`` how long the datagram waited (its kernel timestamp), and leave that
    ancillary item out of what aiocoap sees (it logs items it did not ask for, and asserts
    on them in its error queue)."""
    if SO_TIMESTAMPNS is None or not ancdata:
        return ancdata
    rest = []
    for item in ancdata:
        level, kind, cdata = item
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(cdata) >= 16:
            if tap is not None:
                sec, nsec = struct.unpack_from("qq", cdata)
                tap.waited(time.time() - sec - nsec / 1e9)
        else:
            rest.append(item)
    return rest


class _SimpleAddress(SimpleAddress):  # type: ignore[misc]
    """simplesocketserver's remote address, with ``sockaddr`` like udp6's (for the server)."""

    @property
    def sockaddr(self) -> Any:
        return self.address


class _SimpleServerSocket(SimpleServerSocket):
    """simplesocketserver's socket, bound by us: no SO_REUSEPORT, the real port when 0."""

    address_class = _SimpleAddress

    @classmethod
    async def create(
        cls, bind: Any, log: Any, loop: asyncio.AbstractEventLoop, message_interface: Any
    ) -> Any:
        host, port = bind
        check_transport("simplesocketserver", host)
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
        if not infos:
            raise OSError(f"cannot resolve {host!r}")
        family, _type, proto, _name, sockaddr = infos[0]
        sock = socket.socket(family, socket.SOCK_DGRAM, proto)
        try:
            if sys.platform == "win32":
                # Without this, an ICMP port unreachable (a module that rebooted) surfaces as
                # ConnectionResetError on the next receive and can stop Proactor's read loop.
                with contextlib.suppress(OSError, AttributeError, ValueError):
                    sock.ioctl(socket.SIO_UDP_CONNRESET, False)
            sock.bind(sockaddr)
            sock.setblocking(False)
            ready: asyncio.Future[Any] = loop.create_future()
            _transport, protocol = await loop.create_datagram_endpoint(
                lambda: cls(ready.set_result, message_interface, log), sock=sock
            )
        except BaseException:
            sock.close()
            raise
        real_port = int(sock.getsockname()[1])
        protocol.hostinfo_local = hostportjoin(host, real_port if real_port != COAP_PORT else None)
        self = await ready
        self.set_loop(loop)
        return self


def make_simple_interface_class(tap: DatagramTap) -> type[SimpleServerInterface]:
    """A simplesocketserver message interface whose datagrams pass the gate and the log."""

    class GatedSimpleServer(SimpleServerInterface):
        """aiocoap's simplesocketserver interface behind :func:`inspect_datagram`."""

        server_socket_class = _SimpleServerSocket

        def received(self, address: Any, datagram: bytes) -> None:
            data = bytes(datagram)
            peer = format_peer(address.address)
            try:
                # asyncio does not say whether a datagram was truncated.
                verdict = inspect_datagram(data, False, tap.max_payload)
            except Exception as exc:  # pragma: no cover - the gate is fuzzed; belt and braces
                tap.internal_error("gate", exc)
                return
            tap.datagram("in", data, peer, verdict)
            if verdict.reply is not None:
                try:
                    address.send(verdict.reply)
                except Exception as exc:
                    tap.internal_error("reply", exc)
                else:
                    tap.datagram("out", verdict.reply, peer, None)
            if not verdict.accept:
                return
            try:
                super().received(address, datagram)
            except Exception as exc:
                tap.internal_error("dispatch", exc)

        def send(self, message: Any) -> None:
            if self.shutting_down:
                super().send(message)  # aiocoap logs "already shutting down"
                return
            data = message.encode()
            message.remote.send(data)
            tap.datagram("out", data, format_peer(message.remote.address), None)

    return GatedSimpleServer


class ForcedTokenManager(TokenManager):  # type: ignore[misc]
    """A token manager that can be told the token of one particular outgoing request."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._forced: dict[int, bytes] = {}
        self._next_forced: bytes | None = None

    def force_token(self, message: Any, token: bytes) -> None:
        """Send ``message`` (requested with ``handle_blockwise=False``) with ``token``."""
        self._forced[id(message)] = token

    def request(self, request: Any) -> None:
        self._next_forced = self._forced.pop(id(request.request), None)
        try:
            super().request(request)
        finally:
            self._next_forced = None

    def next_token(self) -> bytes:
        if self._next_forced is not None:
            return self._next_forced
        token: bytes = super().next_token()
        return token


class RecentMessages(dict[Any, Any]):
    """aiocoap's duplicate-detection cache, bounded in size and without a timer per entry.

    aiocoap keeps every incoming message's key and its response for EXCHANGE_LIFETIME
    (247 s) with one ``call_later`` each: a flood of datagrams held about 3 KB per datagram
    for four minutes, whatever the server's caps. Entries now expire when a later message
    arrives (no timers) and the oldest are dropped beyond ``max_entries``; dropping one early
    only means a retransmission that old would be handled twice. A value is None (no
    response yet) or the :class:`SentResponse` to send again.
    """

    def __init__(self, max_entries: int, lifetime: float) -> None:
        super().__init__()
        self.max_entries = max_entries
        self.lifetime = lifetime
        self._order: deque[tuple[float, Any]] = deque()
        self._expires: dict[Any, float] = {}

    def add(self, key: Any, now: float) -> None:
        self.prune(now)
        expires = now + self.lifetime
        self[key] = None
        self._expires[key] = expires
        self._order.append((expires, key))
        self.prune(now)

    def prune(self, now: float) -> None:
        order = self._order
        while order and (order[0][0] <= now or len(self) > self.max_entries):
            expires, key = order.popleft()
            if self._expires.get(key) == expires:
                del self._expires[key]
                self.pop(key, None)


@dataclass(slots=True)
class SentResponse:
    """A response kept for a retransmitted request: its bytes, not the message.

    The message held its request (``response.request``), both with their option objects:
    about 2 KB per Register or Update, kept for 247 s, so five Updates' worth per client in
    the 10,000-client soak (issue 17). The bytes are 10-60; a retransmission, which is rare,
    decodes them again.
    """

    remote: Any
    data: bytes

    def message(self) -> Any:
        """The response as aiocoap sends it (decoding makes an incoming message)."""
        message = Message.decode(self.data, self.remote)
        message.direction = Direction.OUTGOING
        return message


class BoundedMessageManager(MessageManager):
    """aiocoap's message manager with :class:`RecentMessages` as its duplicate cache, holding
    each response as a :class:`SentResponse`."""

    #: Most message keys (and their responses) kept to answer retransmissions.
    max_recent = 10_000

    def __init__(self, token_manager: Any) -> None:
        super().__init__(token_manager)
        self.recent_messages = RecentMessages(self.max_recent, 247.0)

    def deduplicate(self, message: Any) -> bool:
        # aiocoap's logic, with the entry added to the bounded cache instead of a timer.
        key = (message.remote, message.mid)
        recent: RecentMessages = self.recent_messages
        recent.lifetime = message.transport_tuning.EXCHANGE_LIFETIME
        now = time.monotonic()
        recent.prune(now)
        if key in recent:
            sent = recent[key]
            if message.mtype is CON and sent is not None:
                self.send_again(sent.message())
            return True
        recent.add(key, now)
        return False

    def store_response(self, message: Any) -> None:
        key = (message.remote, message.mid)
        recent: RecentMessages = self.recent_messages
        if key in recent:
            recent[key] = SentResponse(message.remote, message.encode())


def raise_receive_buffer(sock: Any, size: int = RECEIVE_BUFFER) -> int:
    """Ask for a ``size`` receive buffer (forced when privileged); returns what was granted."""
    for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
        if option is None:
            continue
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, option, size)
            granted: int = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            if granted >= size:
                return granted
    result: int = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    return result


@dataclass(slots=True)
class BuiltContext:
    """The context and the pieces of it the server talks to directly."""

    context: Any
    token_manager: ForcedTokenManager
    interface: Any
    address: tuple[str, int]
    receive_buffer: int


async def build_context(
    site: Any,
    host: str,
    port: int,
    tap: DatagramTap,
    logger_name: str = "workbench.coap",
    transport: str = "udp6",
) -> BuiltContext:
    """Bind ``host:port`` (``port`` 0 picks a free one) and return the running context."""
    check_transport(transport, host)
    loop = asyncio.get_running_loop()
    ctx = new_context(loop, site, logger_name)
    tman = ForcedTokenManager(ctx)
    mman = BoundedMessageManager(tman)
    create: Callable[[], Any]
    if transport == "udp6":
        cls = make_interface_class(tap)

        def create() -> Any:
            return cls.create_server_transport_endpoint(
                mman, log=ctx.log, loop=loop, bind=(host, port), multicast=[]
            )
    else:
        simple = make_simple_interface_class(tap)

        def create() -> Any:
            return simple.create_server((host, port), mman, log=ctx.log, loop=loop)

    try:
        interface = await create()
    except BaseException:
        await _close_quietly(tman)
        raise
    attach_interface(ctx, tman, mman, interface)
    sock = interface_socket(interface)
    granted = raise_receive_buffer(sock)
    if transport == "udp6" and SO_TIMESTAMPNS is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sockname = sock.getsockname()
    bound_host = str(sockname[0])
    if bound_host.startswith("::ffff:"):
        bound_host = bound_host[7:]
    return BuiltContext(ctx, tman, interface, (bound_host, int(sockname[1])), granted)


async def _close_quietly(tman: Any) -> None:
    with contextlib.suppress(Exception):
        await tman.shutdown()
