"""Which object-tree operations are allowed for a selection: a pure function of the facts.

The object tree enables its actions (read, write, execute, observe...) from what is selected,
which view is shown (the server's or the module's own over AT), whether a server client or a
live connection is there, what the object definition allows and what the plugin's module view
can do. That decision lives here, without Qt, so it is tested with plain pytest; the panel
only collects the facts into a :class:`TreeSelection` and applies :func:`allowed_operations`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.lwm2m.model import ResourceDefinition
from workbench.lwm2m.paths import Path
from workbench.module.moduleview import ModuleDialect

#: Every operation :func:`allowed_operations` decides, in the toolbar's order.
OPERATIONS = (
    "refresh",
    "read",
    "write",
    "execute",
    "observe",
    "cancel",
    "attributes",
    "discover",
    "create",
    "delete",
    "host_value",
)


@dataclass(frozen=True, slots=True)
class TreeSelection:
    """What the tree shows and what is selected in it."""

    #: The selected path (object, instance, resource or resource instance), or None.
    path: Path | None
    #: True: the built-in server's view of a client; False: the module's own view over AT.
    server_view: bool
    #: False while a recorded session is shown (read-only).
    live: bool = True
    #: A registered client is chosen and the built-in server runs.
    has_client: bool = False
    #: The plugin's module view (None: the module has no AT commands for it).
    module_view: ModuleDialect | None = None
    #: The selected resource's definition (None: unknown, everything is allowed).
    definition: ResourceDefinition | None = None
    #: The selected path is observed.
    observed: bool = False
    #: The plugin answers host-managed requests (host values can be set).
    host_answering: bool = False


def allowed_operations(selection: TreeSelection) -> dict[str, bool]:
    """Operation name (:data:`OPERATIONS`) → allowed for ``selection``."""
    s = selection
    path = s.path
    d = s.definition if path is not None and path.resource_id is not None else None
    has_client = s.live and s.server_view and s.has_client
    view = s.module_view
    module_ok = s.live and not s.server_view and view is not None
    target = path is not None
    resource = path is not None and path.resource_id is not None
    is_instance = path is not None and path.instance_id is not None and path.resource_id is None
    readable = d is None or d.readable
    writable = d is None or d.writable
    executable = d is None or d.executable
    return {
        "refresh": module_ok or has_client,
        "read": target and readable and (has_client or module_ok),
        "write": resource
        and writable
        and (has_client or (module_ok and view is not None and view.can_write)),
        "execute": resource and executable and has_client,
        "observe": target and has_client and readable,
        "cancel": has_client and s.observed,
        "attributes": target and has_client,
        "discover": target and has_client,
        "create": target and (has_client or (module_ok and view is not None and view.can_create)),
        "delete": is_instance
        and (has_client or (module_ok and view is not None and view.can_delete)),
        "host_value": resource and s.host_answering,
    }
