"""What the parts of the server need from the server they belong to (:class:`ServerHost`).

:class:`~workbench.server.server.LwM2MServer` is a façade over its parts (registrar, exchanger,
operations, observer). Each part reaches the shared pieces through this Protocol instead of
importing the server module, so no part imports the façade (not even for types) and the
registry and the configuration, which a running server may have swapped, are read live.
"""

from __future__ import annotations

from typing import Any, Protocol

from workbench.lwm2m.model import ObjectRegistry
from workbench.server.coaplog import ServerEvent
from workbench.server.config import ServerConfig
from workbench.server.conformance import ConformanceMonitor
from workbench.server.events import EventBus
from workbench.server.limits import LimitGuard
from workbench.server.security import SecurityStore
from workbench.server.transport import BuiltContext


class ServerHost(Protocol):
    """The server's shared state as its parts see it."""

    config: ServerConfig
    registry: ObjectRegistry
    security: SecurityStore
    limit_guard: LimitGuard
    conformance_monitor: ConformanceMonitor
    #: The server's event bus (parts look at ``has_subscribers`` before building costly data).
    events: EventBus[ServerEvent]

    @property
    def built(self) -> BuiltContext | None:
        """The running aiocoap context and its pieces; ``None`` while the server is stopped."""

    @property
    def receive_lag(self) -> float:
        """Seconds of received datagrams the server may not have read yet (0: caught up)."""

    def emit(self, kind: str, endpoint: str | None, data: dict[str, Any]) -> None:
        """Publish one :class:`~workbench.server.coaplog.ServerEvent`."""
