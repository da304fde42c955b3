"""Session metadata: what a reader needs to make sense of the records that follow.

Stored as the JSON of the first record. Known keys are typed here; anything else the GUI or
CLI wants to remember goes into ``extra`` and is kept verbatim (secret-named keys masked).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from workbench import __version__

APP: Final = "lwm2m-workbench"
_KNOWN: Final = frozenset(
    {
        "app",
        "app_version",
        "started",
        "started_iso",
        "plugin",
        "variant",
        "port",
        "port_settings",
        "server_address",
        "resumed",
    }
)


@dataclass(slots=True)
class SessionMeta:
    """Who recorded the session and against what (plugin, module variant, port, server)."""

    #: Module plugin id (``ublox_sara``) and variant, as the decoder was built with.
    plugin: str | None = None
    variant: str | None = None
    #: Port URL (``/dev/ttyUSB0``, ``sim://example``, ``socket://host:port``).
    port: str | None = None
    #: Baud rate, flow control, line ending... as the terminal had them.
    port_settings: dict[str, Any] = field(default_factory=dict)
    #: The built-in server's UDP address (``127.0.0.1:5683``); pcapng export uses it.
    server_address: str | None = None
    app_version: str = __version__
    #: Host time (seconds since the epoch) when recording started; 0 means "now".
    started: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        started = self.started or time.time()
        out: dict[str, Any] = {
            "app": APP,
            "app_version": self.app_version,
            "started": started,
            "started_iso": datetime.fromtimestamp(started, UTC).isoformat(timespec="milliseconds"),
            "plugin": self.plugin,
            "variant": self.variant,
            "port": self.port,
            "port_settings": dict(self.port_settings),
            "server_address": self.server_address,
        }
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionMeta:
        """Tolerant: a missing or odd field becomes its default, unknown ones go to ``extra``."""

        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        settings = data.get("port_settings")
        started = data.get("started")
        return cls(
            plugin=text("plugin"),
            variant=text("variant"),
            port=text("port"),
            port_settings=dict(settings) if isinstance(settings, Mapping) else {},
            server_address=text("server_address"),
            app_version=str(data.get("app_version", "")),
            started=float(started) if isinstance(started, int | float) else 0.0,
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )
