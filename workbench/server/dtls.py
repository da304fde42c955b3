"""DTLS with pre-shared keys, on aiocoap's ``tinydtls_server`` (needs the DTLSSocket package).

Two aiocoap 0.4.17 problems are worked around here, in a subclass (no patching of aiocoap;
the private hooks of ``tinydtls_server`` are reached only through
:func:`workbench.lwm2m.aiocoap_compat.tinydtls`):

* ``recognize_remote`` checks for the plain-UDP address class, so a server→client request
  on a DTLS session raises ``NoRequestInterface``; the subclass recognises its own DTLS
  addresses;
* the plaintext of DTLS traffic never passes the robustness gate or the CoAP log; the
  subclass runs decrypted datagrams through both, and logs what it encrypts.

* handshake failures leave no trace in aiocoap (a wrong key is silently dropped by tinydtls,
  an unknown identity only makes ``handleMessage`` return -1); the subclass watches each
  handshake datagram and reports a ``security`` event with the identity, the peer and the
  likely cause (:class:`HandshakeWatch`). The authenticated identity of a session is
  exposed as ``remote.psk_identity`` for the server's security store.

The DTLS listener gets its own port (``dtls_port``, default: the CoAP port + 1 as CoAPS'
5684 follows CoAP's 5683; 0 picks a free one). PSK identities and keys come from the server's
``psk`` mapping and are never logged.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiocoap.credentials import DTLS, CredentialsMap

from workbench.lwm2m.aiocoap_compat import attach_interface, interface_socket, tinydtls
from workbench.server.robustness import inspect_datagram
from workbench.server.transport import (
    BoundedMessageManager,
    BuiltContext,
    DatagramTap,
    ForcedTokenManager,
)

#: ``(identity, identity known, peer, summary, likely cause)`` of a failed handshake: the
#: server turns it into a ``security`` event (``LwM2MServer.dtls_handshake_failed``).
HandshakeFailed = Callable[[bytes | None, bool, str, str, str], None]


class DtlsUnavailableError(RuntimeError):
    """DTLSSocket is not installed; the message says how to get it."""


def dtls_available() -> bool:
    """True when the DTLSSocket package (tinydtls) can be imported."""
    return importlib.util.find_spec("DTLSSocket") is not None


def _peer(address: Any) -> str:
    hostinfo = getattr(address, "hostinfo", None)
    return str(hostinfo) if hostinfo is not None else repr(address)


@dataclass(slots=True)
class DtlsListener:
    """The running DTLS transport of a server."""

    interface: Any
    token_manager: Any
    address: tuple[str, int]

    async def shutdown(self) -> None:
        await self.token_manager.shutdown()


class WorkbenchCredentials(CredentialsMap):  # type: ignore[misc]
    """aiocoap credentials that remember which identity tinydtls last looked up.

    tinydtls asks for a key synchronously inside ``handleMessage``, so the identity looked up
    during one call belongs to the datagram being handled: that is how an unknown identity
    (for which no key exists, so nothing else records it) becomes visible.
    """

    def __init__(self) -> None:
        super().__init__()
        self.looked_up: bytes | None = None
        #: credential label → identity (aiocoap reports the label as the session's claim).
        self.identities: dict[str, str] = {}

    def take_looked_up(self) -> bytes | None:
        """The identity looked up since the last call (and forget it)."""
        identity, self.looked_up = self.looked_up, None
        return identity

    def knows(self, identity: bytes | None) -> bool:
        return identity is not None and any(
            identity == name.encode("utf-8") for name in self.identities.values()
        )

    def find_dtls_psk(self, identity: bytes) -> tuple[bytes, str]:
        self.looked_up = bytes(identity)
        found: tuple[bytes, str] = super().find_dtls_psk(identity)
        return found


def credentials(psk: dict[str, bytes]) -> WorkbenchCredentials:
    """aiocoap credentials for each identity → key pair."""
    creds = WorkbenchCredentials()
    for index, (identity, key) in enumerate(sorted(psk.items())):
        label = f":psk{index}"
        creds[label] = DTLS(psk=key, client_identity=identity.encode("utf-8"))
        creds.identities[label] = identity
    return creds


#: DTLS alert descriptions (RFC 5246 §7.2) a client may end a handshake with.
ALERTS = {
    10: "unexpected_message",
    20: "bad_record_mac",
    40: "handshake_failure",
    47: "illegal_parameter",
    50: "decode_error",
    51: "decrypt_error",
    70: "protocol_version",
    80: "internal_error",
    115: "unknown_psk_identity",
}
_DTLS_EVENT_CONNECTED = 0x1DE
_LEVEL_FATAL = 2
_CLOSE_NOTIFY = 0


def _shown_identity(identity: bytes) -> str:
    text = identity.decode("utf-8", "backslashreplace")
    return text if len(text) <= 64 else text[:61] + "..."


def has_encrypted_handshake(datagram: bytes) -> bool:
    """True when ``datagram`` holds a handshake record of epoch 1+ (a Finished message).

    A DTLS record header is type (1), version (2), epoch (2), sequence (6), length (2).
    """
    pos = 0
    while pos + 13 <= len(datagram):
        kind = datagram[pos]
        epoch = int.from_bytes(datagram[pos + 3 : pos + 5], "big")
        length = int.from_bytes(datagram[pos + 11 : pos + 13], "big")
        if kind == 22 and epoch > 0:
            return True
        pos += 13 + length
    return False


@dataclass(slots=True)
class HandshakeWatch:
    """What one peer's handshake has shown so far (kept on the DTLS address)."""

    identity: bytes | None = None
    connected: bool = False
    reported: bool = False


def handshake_failure(
    watch: HandshakeWatch, result: int, datagram: bytes, known: bool
) -> tuple[str, str] | None:
    """``(summary, likely cause)`` when this datagram shows a failed handshake, else None.

    tinydtls itself says little: an unknown identity makes ``handleMessage`` return -1, and
    a wrong key makes the client's encrypted Finished fail its MAC check, which DTLS drops
    silently (RFC 6347 §4.1.2.7): after it the session is still not connected.
    """
    if watch.connected or watch.reported:
        return None
    if watch.identity is not None and not known:
        return (
            "unknown PSK identity",
            "the server has no key for this identity: add it (--psk ID:KEY) or correct the "
            "identity configured on the module",
        )
    if result < 0:
        if watch.identity is None:
            return (
                "handshake failed before a PSK identity was offered",
                "the client probably offers no PSK cipher suite tinydtls speaks "
                "(TLS_PSK_WITH_AES_128_CCM_8) or sent a malformed ClientHello",
            )
        return ("handshake failed", "tinydtls refused a handshake message from this client")
    if watch.identity is not None and has_encrypted_handshake(datagram):
        return (
            "wrong PSK key",
            "the client's Finished message did not verify with the key of this identity: "
            "the key configured on the module differs from the server's",
        )
    return None


async def start_dtls(
    built: BuiltContext,
    tap: DatagramTap,
    psk: Mapping[str, bytes],
    handshake_failed: HandshakeFailed,
    dtls_port: int | None = None,
) -> DtlsListener:
    """Open the DTLS listener in the server's running aiocoap context (``built``).

    Decrypted datagrams go through ``tap`` like plain ones; ``handshake_failed`` hears of
    each failed handshake. The server's parts are passed one by one so that this module
    does not import the server (no import cycle, not even a type-only one).
    """
    if not dtls_available():
        raise DtlsUnavailableError(
            "DTLS needs the DTLSSocket package (pip install DTLSSocket; it builds from source "
            "and needs gcc, autoconf, automake and libtool)"
        )
    dtls = tinydtls()
    address_base: Any = dtls.Address
    decryption_base: Any = dtls.Decryption
    socket_base: Any = dtls.ServerSocket
    server_base: Any = dtls.Server
    ctx = built.context
    creds = credentials(dict(psk))

    class WorkbenchAddressDTLS(address_base):  # type: ignore[misc]
        """A DTLS peer that knows its authenticated identity and reports fatal alerts."""

        def __init__(self, protocol: Any, underlying_address: Any) -> None:
            self.watch = HandshakeWatch()
            super().__init__(protocol, underlying_address)

        @property
        def psk_identity(self) -> str | None:
            return creds.identities.get(self.psk_claim) if self.watch.connected else None

        def dtls_event(self, level: int, code: int) -> None:
            if code == _DTLS_EVENT_CONNECTED and level == 0:
                self.watch.connected = True
            elif level == _LEVEL_FATAL and code != _CLOSE_NOTIFY and not self.watch.reported:
                self.watch.reported = True
                name = ALERTS.get(code & 0xFF, f"alert {code}")
                handshake_failed(
                    self.watch.identity,
                    creds.knows(self.watch.identity),
                    _peer(self),
                    f"the client ended the session with fatal alert {name}",
                    "the client refused the server's handshake or records (often a key or "
                    "cipher-suite mismatch seen from its side)",
                )

    class WatchingDecryption(decryption_base):  # type: ignore[misc]
        """aiocoap's decrypting wrapper, plus a look at each handshake's outcome."""

        def received(self, address: Any, data: bytes) -> None:
            # aiocoap's steps; the result of tinydtls' handleMessage is kept.
            creds.take_looked_up()
            result = self.handle(address, data)
            watch: HandshakeWatch | None = getattr(address, "watch", None)
            if watch is None:
                return
            looked_up = creds.take_looked_up()
            if looked_up is not None:
                watch.identity = looked_up
            identity = watch.identity
            known = creds.knows(identity)
            failure = handshake_failure(watch, result, bytes(data), known)
            if failure is not None:
                watch.reported = True
                handshake_failed(identity, known, _peer(address), *failure)

    class WatchingServerSocket(socket_base):  # type: ignore[misc]
        address_class = WorkbenchAddressDTLS

        @classmethod
        async def create(cls, bind: Any, log: Any, loop: Any, message_interface: Any) -> Any:
            # aiocoap's create wraps the interface in its own decryption class; ours keeps
            # the handshake's result.
            return await cls.create_with(bind, log, loop, WatchingDecryption(message_interface))

    class WorkbenchDTLSServer(server_base):  # type: ignore[misc]
        server_socket_class = WatchingServerSocket

        async def recognize_remote(self, remote: Any) -> bool:
            return bool(self.owns(remote))

        def received(self, address: Any, datagram: bytes) -> None:
            verdict = inspect_datagram(bytes(datagram), False, tap.max_payload)
            tap.datagram("in", bytes(datagram), "coaps://" + _peer(address), verdict)
            if verdict.reply is not None:
                with contextlib.suppress(Exception):
                    address.send(verdict.reply)
                tap.datagram("out", verdict.reply, "coaps://" + _peer(address), None)
            if not verdict.accept:
                return
            try:
                super().received(address, datagram)
            except Exception as exc:
                tap.internal_error("dtls dispatch", exc)

        def send(self, message: Any) -> None:
            super().send(message)
            with contextlib.suppress(Exception):
                tap.datagram("out", message.encode(), "coaps://" + _peer(message.remote), None)

    ctx.server_credentials = creds
    host = built.address[0]
    port = built.address[1] + 1 if dtls_port is None else dtls_port
    tman = ForcedTokenManager(ctx)
    mman = BoundedMessageManager(tman)
    # aiocoap adds (5684 - 5683) to the bind port of a DTLS server.
    interface = await WorkbenchDTLSServer.create_server(
        (host, port - 1),
        mman,
        log=ctx.log,
        loop=ctx.loop,
        server_credentials=ctx.server_credentials,
    )
    attach_interface(ctx, tman, mman, interface)
    sockname = interface_socket(interface).getsockname()
    return DtlsListener(interface, tman, (host, int(sockname[1])))
