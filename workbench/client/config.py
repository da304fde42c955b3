"""The client engine's tunables (:class:`ClientConfig`), like the server's ``ServerConfig``.

:class:`~workbench.client.engine.LwM2MClient` took its 24 settings as keyword arguments; they
are one dataclass now, so a simulator can keep, copy (``dataclasses.replace``) and pass one
value. The old keywords still work for a deprecation period (:func:`config_from_keywords`)
because plugins outside this repository build clients with them.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

VERSIONS = ("1.0", "1.1", "1.2")


@dataclass(slots=True)
class ClientConfig:
    """How one simulated client registers, retries, sleeps and reports. Times are seconds."""

    #: Registration lifetime (``lt``).
    lifetime: int = 300
    #: LwM2M version the client speaks (``lwm2m``): one of :data:`VERSIONS`.
    lwm2m_version: str = "1.1"
    #: Binding (``b``): ``U``, or ``UQ`` for queue mode.
    binding: str = "U"
    #: Bootstrap server URL; the client bootstraps first when it is set.
    bootstrap_url: str | None = None
    #: Short server ID of the LwM2M server account.
    short_server_id: int = 101
    #: Local address and port (0: a free one) of the client's own socket.
    local_host: str = "127.0.0.1"
    local_port: int = 0
    #: aiocoap transports; ``None`` picks the platform's default.
    transports: list[str] | None = None
    #: Update after lifetime × ``update_ratio``, or lifetime − ``update_margin`` when set.
    update_ratio: float = 0.9
    update_margin: float | None = None
    #: Register retries: exponential backoff from ``retry_initial`` to ``retry_max``;
    #: ``retry_attempts`` None retries for ever.
    retry_initial: float = 1.0
    retry_max: float = 60.0
    retry_attempts: int | None = None
    #: Seconds to wait for the server's answer to an uplink request.
    request_timeout: float = 30.0
    #: CoAP ACK_TIMEOUT and MAX_RETRANSMIT of uplink requests.
    ack_timeout: float = 2.0
    max_retransmit: int = 4
    #: Seconds to wait for Bootstrap-Finish.
    bootstrap_timeout: float = 60.0
    #: Queue mode: seconds without traffic before the client sleeps.
    awake_time: float = 93.0
    #: Queue mode: a held-back notification wakes the client.
    wake_on_notify: bool = True
    #: Default pmin/pmax written to the Server object when the store has none.
    default_pmin: int = 0
    default_pmax: int = 0

    def check(self, server_url: str | None) -> None:
        """Raise :class:`ValueError` for a version or URL combination the engine cannot run."""
        if self.lwm2m_version not in VERSIONS:
            raise ValueError(f"lwm2m_version must be one of {', '.join(VERSIONS)}")
        if server_url is None and self.bootstrap_url is None:
            raise ValueError("give a server_url, a bootstrap_url or both")


#: The names :class:`ClientConfig` accepts (the old ``LwM2MClient`` keywords).
FIELDS = frozenset(f.name for f in dataclasses.fields(ClientConfig))


def config_from_keywords(config: ClientConfig | None, keywords: dict[str, Any]) -> ClientConfig:
    """``config`` (or the defaults) with the deprecated ``LwM2MClient`` keywords applied.

    Unknown names raise :class:`TypeError` as a misspelt keyword argument always did.
    """
    if not keywords:
        return config if config is not None else ClientConfig()
    unknown = sorted(set(keywords) - FIELDS)
    if unknown:
        raise TypeError(f"LwM2MClient() got unexpected keyword arguments: {', '.join(unknown)}")
    warnings.warn(
        "LwM2MClient(" + ", ".join(f"{name}=..." for name in sorted(keywords)) + ") is "
        "deprecated; pass config=ClientConfig(...) instead",
        DeprecationWarning,
        stacklevel=3,
    )
    return dataclasses.replace(config if config is not None else ClientConfig(), **keywords)
