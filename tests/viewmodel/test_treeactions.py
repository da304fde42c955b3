"""The object tree's allowed operations, decided without Qt."""

from __future__ import annotations

from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.paths import Path
from workbench.module.moduleview import ModuleDialect
from workbench.viewmodel.treeactions import OPERATIONS, TreeSelection, allowed_operations

REGISTRY = builtin_registry()
LIST_ONLY = ModuleDialect("list-only", "AT+LIST", "AT+READ={path}")
WRITER = ModuleDialect("writer", "AT+LIST", "AT+READ={path}", can_write=True, can_delete=True)


def _on(selection: TreeSelection) -> set[str]:
    allowed = allowed_operations(selection)
    assert tuple(allowed) == OPERATIONS
    return {name for name, on in allowed.items() if on}


def _server(path: str | None, **kw: bool) -> TreeSelection:
    p = Path.parse(path) if path else None
    d = REGISTRY.resource(p) if p is not None and p.resource_id is not None else None
    return TreeSelection(p, True, has_client=True, definition=d, **kw)


def test_server_view_follows_the_definition() -> None:
    # /3/0/4 Reboot: execute only; /3/0/14 UTC offset: read/write; /3/0/0 manufacturer: read.
    assert _on(_server("/3/0/4")) == {"refresh", "execute", "attributes", "discover", "create"}
    assert {"read", "write", "observe"} <= _on(_server("/3/0/14"))
    assert "write" not in _on(_server("/3/0/0")) and "execute" not in _on(_server("/3/0/0"))
    assert "cancel" in _on(_server("/3/0/0", observed=True))
    assert "delete" in _on(_server("/3303/1")) and "delete" not in _on(_server("/3303"))
    assert _on(_server(None)) == {"refresh"}


def test_nothing_without_a_client_or_while_a_recording_is_shown() -> None:
    assert _on(TreeSelection(Path.parse("/3/0/14"), True)) == set()
    recorded = TreeSelection(Path.parse("/3/0/14"), True, live=False, has_client=True)
    assert _on(recorded) == set()


def test_module_view_offers_what_the_plugin_can_send() -> None:
    path = Path.parse("/3/0/14")
    assert _on(TreeSelection(path, False)) == set()  # the plugin has no module view
    assert _on(TreeSelection(path, False, module_view=LIST_ONLY)) == {"refresh", "read"}
    assert _on(TreeSelection(path, False, module_view=WRITER)) == {"refresh", "read", "write"}
    instance = TreeSelection(Path.parse("/3303/0"), False, module_view=WRITER)
    assert _on(instance) == {"refresh", "read", "delete"}
    # A server client does not count in the module view.
    assert _on(TreeSelection(path, False, has_client=True)) == set()


def test_host_values_need_a_resource_and_a_plugin_that_answers() -> None:
    host = TreeSelection(Path.parse("/3303/0/5700"), False, host_answering=True)
    assert _on(host) == {"host_value"}
    instance = TreeSelection(Path.parse("/3303/0"), False, host_answering=True)
    assert "host_value" not in _on(instance)
