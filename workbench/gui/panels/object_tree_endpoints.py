"""The object tree's client picker: the built-in server's registered endpoints, followed.

Once a second (and at once on a registration event, through :meth:`EndpointPicker.poll`) the
picker compares the server's clients with what it last listed; when they changed it lists the
endpoints again (keeping the one picked) and gives each endpoint's tree its registered objects
and instances. Either way the trees' observed paths follow the server's active observations.
While a recorded session is shown nothing is polled: its endpoints stay until a server or a
connection takes over. Split out of :class:`~workbench.gui.panels.object_tree.ObjectTreePanel`,
which composes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QWidget

from workbench.gui.context import WorkbenchContext
from workbench.lwm2m.model import ObjectRegistry
from workbench.viewmodel.objecttree import ObjectTreeData

POLL_MS = 1000


class EndpointTrees(Protocol):
    """Where the per-endpoint trees live (the panel): replaced when a recording is shown."""

    server_data: dict[str, ObjectTreeData]
    registry: ObjectRegistry
    recorded: str


class EndpointPicker(QComboBox):
    """See the module docstring. ``listed`` is called after the endpoints were listed again,
    ``changed`` whenever a tree changed (the panel redraws)."""

    def __init__(
        self,
        context: WorkbenchContext,
        trees: EndpointTrees,
        listed: Callable[[], None],
        changed: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self._trees = trees
        self._listed = listed
        self._changed = changed
        self._clients_seen: tuple[Any, ...] = ()
        self.setMinimumContentsLength(8)
        self.setToolTip("Registered client (endpoint name)")
        self._tick = QTimer(self)
        self._tick.setInterval(POLL_MS)
        self._tick.timeout.connect(self.poll)
        self._tick.start()

    def forget(self) -> None:
        """List the endpoints again at the next poll (a new server, a recording came or went)."""
        self._clients_seen = ()

    def clients(self) -> dict[str, Any]:
        server = self.context.server
        if server is None:
            return {}
        try:
            return dict(server.clients)
        except Exception:  # the server stopped under us
            return {}

    def poll(self) -> None:
        if self._trees.recorded:
            return  # the recorded endpoints stay until a server or connection takes over
        clients = self.clients()
        signature = tuple(
            (
                ep,
                info.location,
                tuple(sorted((k, tuple(v.instances)) for k, v in info.objects.items())),
            )
            for ep, info in sorted(clients.items())
        )
        if signature == self._clients_seen:
            self._sync_observations()
            return
        self._clients_seen = signature
        current = self.currentText()
        self.blockSignals(True)
        self.clear()
        for ep in sorted(clients):
            self.addItem(ep)
        if current in clients:
            self.setCurrentText(current)
        self.blockSignals(False)
        for ep, info in clients.items():
            data = self._trees.server_data.get(ep)
            if data is None:
                data = ObjectTreeData(self._trees.registry)
                self._trees.server_data[ep] = data
            data.set_registered(info.objects)
        self._sync_observations()
        self._listed()
        self._changed()

    def _sync_observations(self) -> None:
        server = self.context.server
        if server is None or self._trees.recorded:
            return
        by_ep: dict[str, list[str]] = {}
        for obs in server.observations:
            if obs.active:  # an Observe-Composite's key is its paths joined with commas
                by_ep.setdefault(obs.endpoint, []).extend(obs.path.split(","))
        changed = False
        for ep, data in self._trees.server_data.items():
            before = data.revision
            data.set_observed_paths(by_ep.get(ep, []))
            changed = changed or data.revision != before
        if changed:
            self._changed()


__all__ = ["POLL_MS", "EndpointPicker", "EndpointTrees"]
