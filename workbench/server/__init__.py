"""The built-in test LwM2M server (aiocoap): registration, device management, information
reporting, queue mode, bootstrap, DTLS-PSK and a CoAP message log. No Qt."""

from workbench.server.bootstrap import BootstrapConfig, BootstrapConfigError
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.server.observe import Observation
from workbench.server.registration import ClientInfo
from workbench.server.requests import (
    CreateResult,
    DiscoverResult,
    Notification,
    OperationResult,
    PendingRequest,
    ReadResult,
    RequestFailedError,
    RequestState,
    RequestTimeoutError,
    ServerRequestError,
    UnknownClientError,
)
from workbench.server.server import LwM2MServer, ServerConfig

__all__ = [
    "BootstrapConfig",
    "BootstrapConfigError",
    "ClientInfo",
    "CoapLogEntry",
    "CreateResult",
    "DiscoverResult",
    "LwM2MServer",
    "Notification",
    "Observation",
    "OperationResult",
    "PendingRequest",
    "ReadResult",
    "RequestFailedError",
    "RequestState",
    "RequestTimeoutError",
    "ServerConfig",
    "ServerEvent",
    "ServerRequestError",
    "UnknownClientError",
]
