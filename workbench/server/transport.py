"""Building the aiocoap context: gated and logged UDP, forced tokens, a big receive buffer.

The context is assembled by hand instead of with ``Context.create_server_context`` because
the server needs three things aiocoap does not offer as options:

* every datagram in and out must pass through :mod:`.robustness` and into the CoAP log, so
  the UDP message interface is a subclass that taps ``datagram_msg_received`` and ``send``;
* a proactive observe cancel (RFC 7641 §3.6) must reuse the observation's token, but aiocoap
  always picks a fresh one, so the token manager can be told which token a request gets;
* only the UDP transport may open (no TCP/TLS/WebSocket listeners, ECOSYSTEM.md).

The subclass is created per server (:func:`make_interface_class`) so no state is shared
between servers in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass
from typing import Any, Protocol

from aiocoap import Context
from aiocoap.messagemanager import MessageManager
from aiocoap.tokenmanager import TokenManager
from aiocoap.transports.udp6 import MessageInterfaceUDP6

from workbench.server.robustness import Verdict, inspect_datagram

_log = logging.getLogger(__name__)

#: Receive buffer asked for: bursts of registrations overflow the default (ECOSYSTEM.md).
RECEIVE_BUFFER = 4 * 1024 * 1024
MSG_TRUNC = getattr(socket, "MSG_TRUNC", 0x20)


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


def make_interface_class(tap: DatagramTap) -> type[MessageInterfaceUDP6]:
    """A UDP message interface whose datagrams pass the gate and are logged to ``tap``."""

    class GatedUDP6(MessageInterfaceUDP6):  # type: ignore[misc]
        """aiocoap's udp6 interface behind :func:`inspect_datagram`."""

        def datagram_msg_received(
            self, data: bytes, ancdata: Any, flags: int, address: Any
        ) -> None:
            peer = format_peer(address)
            try:
                verdict = inspect_datagram(bytes(data), bool(flags & MSG_TRUNC), tap.max_payload)
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
            try:
                super().datagram_msg_received(data, ancdata, flags, address)
            except Exception as exc:
                tap.internal_error("dispatch", exc)

        def send(self, message: Any) -> None:
            # Same as aiocoap's send, but the bytes are encoded once and logged.
            data = message.encode()
            ancdata = []
            if message.remote.pktinfo is not None:
                ancdata.append((socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, message.remote.pktinfo))
            token = self._remote_being_sent_to.set(message.remote)
            try:
                self.transport.sendmsg(data, ancdata, 0, message.remote.sockaddr)
            finally:
                self._remote_being_sent_to.reset(token)
            tap.datagram("out", data, format_peer(message.remote.sockaddr), None)

    return GatedUDP6


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
    site: Any, host: str, port: int, tap: DatagramTap, logger_name: str = "workbench.coap"
) -> BuiltContext:
    """Bind ``host:port`` (``port`` 0 picks a free one) and return the running context."""
    loop = asyncio.get_running_loop()
    ctx = Context(loop=loop, serversite=site, loggername=logger_name)
    tman = ForcedTokenManager(ctx)
    mman = MessageManager(tman)
    cls = make_interface_class(tap)
    try:
        interface = await cls.create_server_transport_endpoint(
            mman, log=ctx.log, loop=loop, bind=(host, port), multicast=[]
        )
    except BaseException:
        await _close_quietly(tman)
        raise
    mman.message_interface = interface
    tman.token_interface = mman
    ctx.request_interfaces.append(tman)
    sock = interface.transport.get_extra_info("socket")
    granted = raise_receive_buffer(sock)
    sockname = sock.getsockname()
    bound_host = str(sockname[0])
    if bound_host.startswith("::ffff:"):
        bound_host = bound_host[7:]
    return BuiltContext(ctx, tman, interface, (bound_host, int(sockname[1])), granted)


async def _close_quietly(tman: Any) -> None:
    with contextlib.suppress(Exception):
        await tman.shutdown()
