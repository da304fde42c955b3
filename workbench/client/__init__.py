"""The LwM2M client engine: simulated devices over real UDP, for simulators and load tests.

* :class:`LwM2MClient` — one device: register/update/de-register, bootstrap, queue mode,
  every device-management operation, observe with attributes, Send; its settings are one
  :class:`ClientConfig`.
* :class:`ObjectStore` — typed objects/instances/values; host objects answered by callbacks.
* :class:`ClientEvent` — lifecycle events (kinds in :data:`EVENT_KINDS`).

No Qt, no module-level state; network only where the caller points it.
"""

from workbench.client.config import ClientConfig
from workbench.client.engine import ExchangeError, LwM2MClient, default_transports
from workbench.client.errors import OperationError
from workbench.client.events import EVENT_KINDS, ClientEvent, EventHub
from workbench.client.store import HostCallback, HostRequest, ObjectStore

__all__ = [
    "EVENT_KINDS",
    "ClientConfig",
    "ClientEvent",
    "EventHub",
    "ExchangeError",
    "HostCallback",
    "HostRequest",
    "LwM2MClient",
    "ObjectStore",
    "OperationError",
    "default_transports",
]
