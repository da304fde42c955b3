"""The server's tunables (:class:`ServerConfig`), apart so each part of the server can name them."""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.server.limits import Limits


@dataclass(slots=True)
class ServerConfig:
    """Tunables; the defaults suit a module on a desk."""

    #: Seconds to wait for a client's answer once a request is sent.
    request_timeout: float = 30.0
    #: Seconds a request may wait for a sleeping (queue-mode) client before it times out.
    queue_timeout: float = 300.0
    #: Seconds a queue-mode client listens after it last talked.
    awake_window: float = 30.0
    #: Seconds after the lifetime ends before a silent client is dropped.
    expiry_grace: float = 2.0
    #: Largest request payload accepted in one datagram (bigger: 4.13, use Block1).
    max_payload: int = 16 * 1024
    #: Largest Block1-reassembled request body.
    max_body: int = 64 * 1024
    #: Install a loop exception handler while the server runs (when none is installed).
    loop_exception_handler: bool = True
    #: aiocoap UDP transport: ``"udp6"`` (Linux) or ``"simplesocketserver"`` (Windows, macOS;
    #: binds one concrete address only). ``None`` picks the platform's default.
    transport: str | None = None
    #: Tokens of the last plain requests whose answers the CoAP log can still name the path of
    #: (observation tokens are kept while their observation lives: :mod:`.tokenpaths`).
    log_tokens: int = 4096
    #: Caps on clients, objects and lifetime that bound memory (see :mod:`.limits`).
    limits: Limits = field(default_factory=Limits)
