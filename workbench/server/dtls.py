"""DTLS with pre-shared keys, on aiocoap's ``tinydtls_server`` (needs the DTLSSocket package).

Two aiocoap 0.4.17 problems are worked around here, in a subclass (no patching of aiocoap):

* ``recognize_remote`` checks for the plain-UDP address class, so a server→client request
  on a DTLS session raises ``NoRequestInterface``; the subclass recognises its own DTLS
  addresses;
* the plaintext of DTLS traffic never passes the robustness gate or the CoAP log; the
  subclass runs decrypted datagrams through both, and logs what it encrypts.

The DTLS listener gets its own port (``dtls_port``, default: the CoAP port + 1 as CoAPS'
5684 follows CoAP's 5683; 0 picks a free one). PSK identities and keys come from the server's
``psk`` mapping and are never logged.
"""

from __future__ import annotations

import contextlib
import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiocoap.credentials import DTLS, CredentialsMap
from aiocoap.messagemanager import MessageManager

from workbench.server.robustness import inspect_datagram
from workbench.server.transport import ForcedTokenManager

if TYPE_CHECKING:
    from workbench.server.server import LwM2MServer


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


def credentials(psk: dict[str, bytes]) -> CredentialsMap:
    """aiocoap credentials for each identity → key pair."""
    creds = CredentialsMap()
    for index, (identity, key) in enumerate(sorted(psk.items())):
        creds[f":psk{index}"] = DTLS(psk=key, client_identity=identity.encode("utf-8"))
    return creds


async def start_dtls(server: LwM2MServer, site: Any, dtls_port: int | None = None) -> DtlsListener:
    """Open the DTLS listener in the server's aiocoap context."""
    if not dtls_available():
        raise DtlsUnavailableError(
            "DTLS needs the DTLSSocket package (pip install DTLSSocket; it builds from source "
            "and needs gcc, autoconf, automake and libtool)"
        )
    from aiocoap.transports.tinydtls_server import (
        MessageInterfaceTinyDTLSServer,
        _AddressDTLS,
    )

    built = server._built
    assert built is not None
    tap = server._tap
    ctx = built.context

    class WorkbenchDTLSServer(MessageInterfaceTinyDTLSServer):  # type: ignore[misc]
        async def recognize_remote(self, remote: Any) -> bool:
            return isinstance(remote, _AddressDTLS) and remote._protocol is self._pool

        def _received_datagram(self, address: Any, datagram: bytes) -> None:
            verdict = inspect_datagram(bytes(datagram), False, tap.max_payload)
            tap.datagram("in", bytes(datagram), "coaps://" + _peer(address), verdict)
            if verdict.reply is not None:
                with contextlib.suppress(Exception):
                    address.send(verdict.reply)
                tap.datagram("out", verdict.reply, "coaps://" + _peer(address), None)
            if not verdict.accept:
                return
            try:
                super()._received_datagram(address, datagram)
            except Exception as exc:
                tap.internal_error("dtls dispatch", exc)

        def send(self, message: Any) -> None:
            super().send(message)
            with contextlib.suppress(Exception):
                tap.datagram("out", message.encode(), "coaps://" + _peer(message.remote), None)

    ctx.server_credentials = credentials(server.psk)
    host = built.address[0]
    port = built.address[1] + 1 if dtls_port is None else dtls_port
    tman = ForcedTokenManager(ctx)
    mman = MessageManager(tman)
    # aiocoap adds (5684 - 5683) to the bind port of a DTLS server.
    interface = await WorkbenchDTLSServer.create_server(
        (host, port - 1),
        mman,
        log=ctx.log,
        loop=ctx.loop,
        server_credentials=ctx.server_credentials,
    )
    mman.message_interface = interface
    tman.token_interface = mman
    ctx.request_interfaces.append(tman)
    sockname = interface._pool._transport.get_extra_info("socket").getsockname()
    return DtlsListener(interface, tman, (host, int(sockname[1])))
