"""aiocoap's and tinydtls's log warnings as server events instead of lines on stderr.

aiocoap logs through its context's logger (and the DTLS transport through the same one):
"a message whose code and type don't fit", "unhandled alert", "shutdown sequence mismatch".
Unhandled, those reach stderr unstructured (logging's last-resort handler), where the GUI
never shows them and the CLI's JSON stream is broken by them. Each server gets its own
logger (its name carries the server's id, so two servers in one process stay apart) that
does not propagate; warnings become ``transport_warning`` events, at most a few a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

#: Most ``transport_warning`` events a second; the rest are counted in the next one.
PER_SECOND = 5


class EventLogHandler(logging.Handler):
    """Turn log records (WARNING and above) into event data for ``publish``."""

    def __init__(self, publish: Callable[[dict[str, Any]], None]) -> None:
        super().__init__(logging.WARNING)
        self._publish = publish
        self._window = 0.0
        self._sent = 0
        self.suppressed = 0

    def emit(self, record: logging.LogRecord) -> None:
        now = time.monotonic()
        if now - self._window >= 1.0:
            self._window, self._sent = now, 0
        if self._sent >= PER_SECOND:
            self.suppressed += 1
            return
        self._sent += 1
        try:
            text = record.getMessage()
        except Exception:  # a bad format string in the library must not break the server
            text = str(record.msg)
        data: dict[str, Any] = {
            "source": "tinydtls" if "tinydtls" in record.pathname else "aiocoap",
            "level": record.levelname.lower(),
            "text": text[:500],
        }
        if self.suppressed:
            data["suppressed"] = self.suppressed
            self.suppressed = 0
        try:
            self._publish(data)
        except Exception:  # pragma: no cover - EventBus.publish does not raise
            self.handleError(record)


def route_logger(name: str, publish: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
    """Send warnings of logger ``name`` to ``publish`` only; returns the function that undoes
    the routing (the logger then stays quiet: it belongs to a stopped server)."""
    logger = logging.getLogger(name)
    logger.propagate = False
    handler = EventLogHandler(publish)
    logger.addHandler(handler)

    def undo() -> None:
        logger.removeHandler(handler)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())

    return undo
