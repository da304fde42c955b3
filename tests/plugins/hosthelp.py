"""Host answering and module views of the shipped plugins, looked up by plugin id."""

from __future__ import annotations

import threading
from typing import Any

from workbench.module.events import Event
from workbench.module.hostanswer import HostAnswerer as HostAnswerer_
from workbench.module.moduleview import ModuleDialect
from workbench.module.state import HostRequest
from workbench.plugin.loader import discover_plugins


def module_dialect(plugin_id: str) -> ModuleDialect | None:
    """The module view a shipped plugin declares (``Plugin.module_view``)."""
    return discover_plugins(entry_points=False, user=False).get(plugin_id).module_view


def HostAnswerer(plugin_id: str) -> HostAnswerer_:
    """A fresh answerer of a shipped plugin (``Plugin.host_answerer()``)."""
    return discover_plugins(entry_points=False, user=False).get(plugin_id).host_answerer()


def _request(event: Event) -> HostRequest:
    return HostRequest(
        str(event.get("op")), str(event.get("path")), event.get("value"), event.line, event.raw
    )


def _background(bench: Any, action: Any) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(bench.run(action)), daemon=True)
    thread.start()
    return thread, out


def _pending(bench: Any, op: str) -> list[HostRequest]:
    return [_request(e) for e in bench.events() if e.kind == "host_request" and e.get("op") == op]
