"""Every use of aiocoap's private or internal API, in one place, checked against one version.

The server and the client engine need things aiocoap offers no option for (see
``workbench/server/transport.py`` and ``dtls.py``): every datagram through the robustness
gate and the CoAP log, a bounded duplicate cache, a forced token for a proactive cancel, a
socket bound without SO_REUSEPORT, DTLS handshake outcomes and the authenticated PSK
identity. All of that reaches into aiocoap's transports, message and token managers. Those
internals change between releases, so they are touched only here, through:

* re-exports of internal classes under public names (:data:`SimpleAddress`,
  :data:`TokenManager`, :data:`UDP6_DATAGRAM_LIMIT`);
* small subclasses that turn a private hook into a public one (aiocoap calls
  ``_received_datagram``; our subclasses override :meth:`SimpleServerInterface.received`);
* functions for private attributes (:func:`interface_socket`, :func:`attach_interface`,
  :func:`open_udp6_on_socket` ...).

:data:`TESTED_VERSION` is the aiocoap release these were read against;
``tests/lwm2m/test_aiocoap_compat.py`` fails when another one is installed, so that someone
rereads the internals below before the pin moves. It sits in the lowest layer (``lwm2m``)
because both the client engine and the server use it; it knows nothing of LwM2M.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiocoap.meta
from aiocoap import Context
from aiocoap import error as _aiocoap_error
from aiocoap.message import Direction, Message
from aiocoap.messagemanager import MessageManager as _MessageManager
from aiocoap.pipe import error_to_message
from aiocoap.tokenmanager import TokenManager as _TokenManager
from aiocoap.transports.simplesocketserver import MessageInterfaceSimpleServer as _SimpleIface
from aiocoap.transports.simplesocketserver import _Address, _DatagramServerSocketSimple
from aiocoap.transports.udp6 import MessageInterfaceUDP6 as _MessageInterfaceUDP6
from aiocoap.transports.udp6 import UDP6EndpointAddress as _UDP6EndpointAddress
from aiocoap.util.asyncio.recvmsg import RecvmsgSelectorDatagramTransport

#: The aiocoap release whose internals this module was written against.
TESTED_VERSION = "0.4.17"


def installed_version() -> str:
    """The aiocoap release that is installed."""
    version: str = aiocoap.meta.version
    return version


# -- internal classes, re-exported ------------------------------------------------------------

#: aiocoap's token manager (``aiocoap.tokenmanager``).
TokenManager: Any = _TokenManager
#: simplesocketserver's remote address class (private ``_Address``).
SimpleAddress: Any = _Address
#: The largest datagram the udp6 transport reads whole (its recvmsg buffer).
UDP6_DATAGRAM_LIMIT: int = RecvmsgSelectorDatagramTransport.max_size


class _PublicNames:
    """Mixin: a subclass sets ``address_class`` / ``server_socket_class``, aiocoap reads the
    private ``_Address`` / ``_serversocket``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for public, private in (
            ("address_class", "_Address"),
            ("server_socket_class", "_serversocket"),
        ):
            value = cls.__dict__.get(public)
            if value is not None:
                setattr(cls, private, value)


class _ReceivedHook:
    """Mixin: aiocoap calls ``_received_datagram``; a subclass overrides :meth:`received`."""

    def _received_datagram(self, address: Any, datagram: bytes) -> None:
        self.received(address, datagram)

    def received(self, address: Any, datagram: bytes) -> None:
        """Hand a received datagram on to aiocoap."""
        super()._received_datagram(address, datagram)  # type: ignore[misc]


class MessageManager(_MessageManager):  # type: ignore[misc]
    """aiocoap's message manager with its duplicate detection as public hooks.

    aiocoap calls ``_deduplicate_message`` and ``_store_response_for_duplicates``; a subclass
    overrides :meth:`deduplicate` and :meth:`store_response` and may replace
    :attr:`recent_messages` (aiocoap's cache of message keys and responses).
    """

    def _deduplicate_message(self, message: Any) -> bool:
        return self.deduplicate(message)

    def deduplicate(self, message: Any) -> bool:
        """True when ``message`` is a duplicate (and was handled as one)."""
        duplicate: bool = super()._deduplicate_message(message)
        return duplicate

    @property
    def recent_messages(self) -> Any:
        return self._recent_messages

    @recent_messages.setter
    def recent_messages(self, cache: Any) -> None:
        self._recent_messages = cache

    def send_again(self, message: Any) -> None:
        """Send a cached response once more (a retransmitted CON request)."""
        self._send_initially(message)

    def _store_response_for_duplicates(self, message: Any) -> None:
        self.store_response(message)

    def store_response(self, message: Any) -> None:
        """Keep ``message`` (a response just sent) for a retransmission of its request."""
        super()._store_response_for_duplicates(message)


class UDP6Address(_UDP6EndpointAddress):  # type: ignore[misc]
    """aiocoap's udp6 remote address; whether it arrived on a multicast address is memoised.

    aiocoap answers that (``as_response_address``, once per response) by formatting the
    packet-info address as text and parsing it with :mod:`ipaddress`: 3 % of the server's time
    in the 10,000-client soak (issue 17). The answer depends only on the packet-info bytes,
    of which a socket sees a handful, so the interface keeps it per value.
    """

    @property
    def is_multicast_locally(self) -> bool:
        pktinfo = self.pktinfo
        cache: dict[bytes, bool] | None = getattr(self.interface, "multicast_local", None)
        if pktinfo is None or cache is None:
            return bool(super().is_multicast_locally)
        known = cache.get(pktinfo)
        if known is None:
            if len(cache) >= 64:  # a socket bound to many addresses: keep it bounded
                cache.clear()
            known = cache[pktinfo] = bool(super().is_multicast_locally)
        return known


class UDP6Interface(_MessageInterfaceUDP6):  # type: ignore[misc]
    """aiocoap's udp6 message interface, with the context its ``send`` keeps made public.

    ``datagram_msg_received`` is aiocoap's (0.4.17), with :class:`UDP6Address` as the
    remote's class.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: packet-info bytes → whether they name a multicast address (:class:`UDP6Address`).
        self.multicast_local: dict[bytes, bool] = {}

    def datagram_msg_received(self, data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        pktinfo = None
        for cmsg_level, cmsg_type, cmsg_data in ancdata:
            if cmsg_level == socket.IPPROTO_IPV6 and cmsg_type == socket.IPV6_PKTINFO:
                pktinfo = cmsg_data
            else:
                self.log.info(
                    "Received unexpected ancillary data to recvmsg: level %d, type %d, data %r",
                    cmsg_level,
                    cmsg_type,
                    cmsg_data,
                )
        if pktinfo is None:
            self.log.warning(
                "Did not receive requested pktinfo ancdata on message from %s", address
            )
        try:
            message = Message.decode(data, UDP6Address(address, self, pktinfo=pktinfo))
        except _aiocoap_error.UnparsableMessage:
            self.log.warning("Ignoring unparsable message from %s", address)
            return
        message.direction = Direction.INCOMING
        try:
            self._ctx.dispatch_message(message)
        except BaseException as exc:
            self.log.error("Exception raised through dispatch_message: %s", exc, exc_info=exc)

    def send_datagram(self, data: bytes, ancdata: list[Any], remote: Any) -> None:
        """``sendmsg`` as aiocoap's ``send`` does it: with the remote noted for the matching
        of ICMP errors. (A context manager did this until the soak profile found its
        set-up costing 2.6 % of the server's time.)"""
        token = self._remote_being_sent_to.set(remote)
        try:
            self.transport.sendmsg(data, ancdata, 0, remote.sockaddr)
        finally:
            self._remote_being_sent_to.reset(token)


class SimpleServerSocket(_PublicNames, _DatagramServerSocketSimple):  # type: ignore[misc]
    """simplesocketserver's socket; a subclass names its address class ``address_class``."""

    address_class: Any = None

    def set_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """aiocoap's ``create`` stores the loop; a subclass that binds itself must too."""
        self._loop = loop


class SimpleServerInterface(_PublicNames, _ReceivedHook, _SimpleIface):  # type: ignore[misc]
    """simplesocketserver's message interface with its datagram hook public.

    A subclass overrides :meth:`received` (aiocoap calls the private ``_received_datagram``)
    and names its socket class ``server_socket_class``.
    """

    server_socket_class: Any = None

    @property
    def shutting_down(self) -> bool:
        """True once aiocoap began shutting the interface down."""
        return self._mman is None


# -- private attributes ------------------------------------------------------------------------


def interface_socket(interface: Any) -> socket.socket:
    """The UDP socket of a udp6, simplesocketserver or tinydtls_server message interface."""
    transport = getattr(interface, "transport", None)
    if transport is None:
        transport = interface._pool._transport
    sock: socket.socket = transport.get_extra_info("socket")
    return sock


def attach_interface(
    context: Any, token_manager: Any, message_manager: Any, interface: Any
) -> None:
    """Wire a message interface into ``context`` as aiocoap's ``create_server_context`` does."""
    message_manager.message_interface = interface
    token_manager.token_interface = message_manager
    context.request_interfaces.append(token_manager)


async def open_udp6_on_socket(
    context: Any, sock: socket.socket, loop: asyncio.AbstractEventLoop
) -> None:
    """Add a udp6 transport on an already bound ``sock`` to ``context``."""

    async def create(mman: Any) -> Any:
        return await _MessageInterfaceUDP6._create_transport_endpoint(
            sock, mman, log=context.log, loop=loop
        )

    await context._append_tokenmanaged_messagemanaged_transport(create)


class _Context(Context):  # type: ignore[misc]
    """aiocoap's context, with its ``render_to_pipe`` (0.4.17) changed in two ways.

    The task that renders a request gets a fixed name: aiocoap names it ``"Rendering for %r"
    % request``, every incoming request formatted as text, its remote address included, only
    to name a task. That was 6.6 % of the server's time in the 10,000-client soak (issue 17).

    The rendering coroutine is made when the task starts, not before: aiocoap's
    ``run_driving_pipe`` takes it ready-made, so a request whose requester loses interest
    before the task's first step (one that arrives as the server stops) leaves a coroutine
    that was never awaited. Python warns about it, and the warning keeps the coroutine, the
    request in it, alive for as long as the warning is kept (a test run keeps them all).
    """

    def render_to_pipe(self, pipe: Any) -> None:
        errors = error_to_message(pipe, self.log)

        async def render() -> None:
            try:
                await self._render_to_pipe(pipe)
            except Exception as e:  # as in run_driving_pipe: an error becomes the answer
                errors.add_exception(e)

        task = asyncio.create_task(render(), name="Rendering a CoAP request")
        errors.on_interest_end(task.cancel)


def new_context(loop: asyncio.AbstractEventLoop, site: Any, logger_name: str) -> Any:
    """An aiocoap context with no transport yet (transports are added by hand)."""
    return _Context(loop=loop, serversite=site, loggername=logger_name)


def filter_incoming(context: Any, keep: Callable[[Any], bool]) -> None:
    """Drop incoming messages of ``context`` for which ``keep(message)`` is false."""
    for interface in getattr(context, "request_interfaces", []):
        manager = getattr(interface, "token_interface", None)
        dispatch = getattr(manager, "dispatch_message", None)
        if manager is None or dispatch is None:
            continue

        def filtered(message: Any, _dispatch: Callable[[Any], None] = dispatch) -> None:
            if keep(message):
                _dispatch(message)

        manager.dispatch_message = filtered


def context_sockets(context: Any) -> Iterator[socket.socket]:
    """The UDP sockets of ``context``'s message interfaces."""
    for interface in getattr(context, "request_interfaces", []):
        message_interface = getattr(
            getattr(interface, "token_interface", None), "message_interface", None
        )
        transport = getattr(message_interface, "transport", None)
        if transport is None:
            continue
        sock = transport.get_extra_info("socket")
        if sock is not None:
            yield sock


# -- DTLS (tinydtls_server; needs the optional DTLSSocket package) ---------------------------


@dataclass(frozen=True, slots=True)
class TinyDtls:
    """tinydtls_server's classes with their private hooks made public (see :func:`tinydtls`)."""

    #: Base of a DTLS peer address: override ``dtls_event(level, code)``; ``psk_claim``.
    Address: Any
    #: Base of the decrypting wrapper: override ``received(address, data)``, call
    #: ``handle(address, data)`` for aiocoap's steps (returns tinydtls' result).
    Decryption: Any
    #: Base of the DTLS server socket: ``address_class``, ``create_with(..., decryption)``.
    ServerSocket: Any
    #: Base of the DTLS message interface: ``server_socket_class``, override
    #: ``received(address, datagram)``; ``owns(remote)`` says whether a remote is ours.
    Server: Any


def tinydtls() -> TinyDtls:
    """The DTLS base classes; imports DTLSSocket (raises ImportError when it is missing)."""
    from aiocoap.transports.tinydtls_server import (
        GoingThroughMessageDecryption,
        MessageInterfaceTinyDTLSServer,
        _AddressDTLS,
        _DatagramServerSocketSimpleDTLS,
    )

    class Address(_AddressDTLS):  # type: ignore[misc]
        def _event(self, level: int, code: int) -> None:
            self.dtls_event(level, code)
            super()._event(level, code)

        def dtls_event(self, level: int, code: int) -> None:
            """A tinydtls event (alert level and code, or 0 and 0x1DE: connected)."""

        @property
        def psk_claim(self) -> Any:
            """The label of the credentials the session's identity matched."""
            return self._psk_store._claims

    class Decryption(GoingThroughMessageDecryption):  # type: ignore[misc]
        def _received_datagram(self, address: Any, data: bytes) -> None:
            self.received(address, data)

        def received(self, address: Any, data: bytes) -> None:
            self.handle(address, data)

        def handle(self, address: Any, data: bytes) -> int:
            """aiocoap's steps for one encrypted datagram; tinydtls' result is returned."""
            address._retransmission_task.cancel()
            result = address._dtls_socket.handleMessage(address._dtls_session, data)
            address._retransmission_task = asyncio.create_task(
                address._run_retransmissions(),
                name="DTLS server handshake retransmissions",
            )
            return int(result or 0)

    class ServerSocket(_PublicNames, _DatagramServerSocketSimpleDTLS):  # type: ignore[misc]
        address_class: Any = None

        @classmethod
        async def create_with(cls, bind: Any, log: Any, loop: Any, decryption: Any) -> Any:
            """Create the socket with ``decryption`` as its (already wrapped) interface."""
            return await _DatagramServerSocketSimple.create.__func__(
                cls, bind, log, loop, decryption
            )

    class Server(_PublicNames, _ReceivedHook, MessageInterfaceTinyDTLSServer):  # type: ignore[misc]
        server_socket_class: Any = None

        def owns(self, remote: Any) -> bool:
            """True when ``remote`` is a DTLS peer of this interface's socket."""
            return isinstance(remote, _AddressDTLS) and remote._protocol is self._pool

    return TinyDtls(Address, Decryption, ServerSocket, Server)
