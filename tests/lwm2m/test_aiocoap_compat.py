"""The aiocoap internals the workbench uses: one module, one checked version.

When this fails after an aiocoap upgrade, reread every private name in
``workbench/lwm2m/aiocoap_compat.py`` against the new release (the server's gate, CoAP log,
duplicate cache, forced tokens and DTLS watch, and the client's own socket, all depend on
them), fix what moved, then set ``TESTED_VERSION`` to the new release.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
from pathlib import Path

import pytest

import workbench
from workbench.lwm2m import aiocoap_compat
from workbench.lwm2m.aiocoap_compat import TESTED_VERSION, installed_version

PACKAGE_DIR = Path(workbench.__file__).resolve().parent
COMPAT = PACKAGE_DIR / "lwm2m" / "aiocoap_compat.py"
#: aiocoap modules that are internals (transports, managers, async utilities).
INTERNAL_MODULES = ("aiocoap.transports", "aiocoap.messagemanager", "aiocoap.tokenmanager",
                    "aiocoap.util.asyncio")  # fmt: skip


def test_the_installed_aiocoap_is_the_release_the_internals_were_read_against() -> None:
    assert installed_version() == TESTED_VERSION, (
        f"aiocoap {installed_version()} is installed, but workbench/lwm2m/aiocoap_compat.py "
        f"was written against aiocoap {TESTED_VERSION}: reread its private names against the "
        "new release (see this test module's docstring), then update TESTED_VERSION"
    )


def _has(owner: object, *names: str) -> list[str]:
    return [f"{getattr(owner, '__name__', owner)}.{n}" for n in names if not hasattr(owner, n)]


def _sets(owner: type, *names: str) -> list[str]:
    """Instance attributes: ``self.<name>`` must appear in the source of the class or a base."""
    source = "".join(
        inspect.getsource(cls) for cls in owner.__mro__ if cls.__module__.startswith("aiocoap")
    )
    return [f"{owner.__name__}.{n}" for n in names if f"self.{n}" not in source]


def test_the_private_names_the_compat_module_relies_on_exist() -> None:
    """A rename in aiocoap shows up here by name, not as a failure deep in a transport."""
    from aiocoap import Context
    from aiocoap.messagemanager import MessageManager
    from aiocoap.protocol import ClientObservation
    from aiocoap.tokenmanager import TokenManager
    from aiocoap.transports.simplesocketserver import (
        MessageInterfaceSimpleServer,
        _DatagramServerSocketSimple,
    )
    from aiocoap.transports.udp6 import MessageInterfaceUDP6, UDP6EndpointAddress

    missing = (
        _has(
            MessageManager,
            "_deduplicate_message",
            "_send_initially",
            "_store_response_for_duplicates",
        )
        + _sets(MessageManager, "_recent_messages")
        + _has(MessageInterfaceUDP6, "_create_transport_endpoint")
        + _sets(MessageInterfaceUDP6, "_remote_being_sent_to")
        + _sets(MessageInterfaceSimpleServer, "_mman", "_pool")
        + _has(Context, "_append_tokenmanaged_messagemanaged_transport", "_render_to_pipe")
        + _sets(MessageInterfaceUDP6, "_ctx")
        + _has(UDP6EndpointAddress, "is_multicast_locally")
        + _sets(UDP6EndpointAddress, "pktinfo", "interface")
        + _has(MessageInterfaceSimpleServer, "_received_datagram", "_serversocket")
        + _has(_DatagramServerSocketSimple, "_Address", "create")
        # The server's observer detaches an observation from aiocoap (server/observer.py).
        + _sets(ClientObservation, "_latest_response", "cancelled")
        + _sets(TokenManager, "outgoing_requests")
    )
    assert not missing, f"gone from aiocoap {installed_version()}: {missing}"


@pytest.mark.skipif(
    importlib.util.find_spec("DTLSSocket") is None, reason="DTLSSocket (tinydtls) not installed"
)
def test_the_private_dtls_names_exist() -> None:
    from aiocoap.transports import tinydtls_server as dtls

    missing = (
        _has(dtls.GoingThroughMessageDecryption, "_received_datagram")
        + _has(dtls._AddressDTLS, "_event", "_run_retransmissions")
        + _has(dtls.MessageInterfaceTinyDTLSServer, "_received_datagram", "_serversocket")
    )
    assert not missing, f"gone from aiocoap {installed_version()}: {missing}"
    bases = aiocoap_compat.tinydtls()
    assert issubclass(bases.Server, dtls.MessageInterfaceTinyDTLSServer)


def _internal_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        module = None
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
        elif isinstance(node, ast.Import):
            module = next((a.name for a in node.names if a.name.startswith("aiocoap")), None)
        if module is not None and module.startswith(INTERNAL_MODULES):
            found.append(f"{node.lineno}: imports {module}")
        if isinstance(node, ast.keyword) and node.arg == "_suppress_deprecation":
            found.append(f"{node.lineno}: silences an aiocoap deprecation")
    return found


def test_the_check_sees_an_internal_import_and_a_silenced_deprecation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from aiocoap.transports.udp6 import MessageInterfaceUDP6\n"
        "obs.register_callback(f, _suppress_deprecation=True)\n"
        "from aiocoap import Message\n"
    )
    assert _internal_uses(sample) == [
        "1: imports aiocoap.transports.udp6",
        "2: silences an aiocoap deprecation",
    ]


def test_no_other_module_uses_aiocoap_internals() -> None:
    found = [
        f"{path.relative_to(PACKAGE_DIR.parent)}:{use}"
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if path != COMPAT
        for use in _internal_uses(path)
    ]
    assert not found, "move these into workbench/lwm2m/aiocoap_compat.py:\n" + "\n".join(found)
