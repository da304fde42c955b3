"""Refreshing the module's own view of its objects over AT (the plugin's ``module_view``).

The module lists its objects, then every listed object (or each of its instances, as the
plugin's :class:`~workbench.module.moduleview.ModuleDialect` says) is read; the plugin's
decoder turns the answers into ``objects``/``values`` events in the module state, which the
object tree's module view shows. The sequence is here so any front end can run it; sending
and reading back the listed objects are the caller's (``send`` reports whether the command
succeeded). Pure: no Qt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from workbench.module.moduleview import ModuleDialect

#: Objects the refresh never reads: modules refuse to read Security (u-blox §5.1.1).
UNREADABLE_OBJECTS = frozenset({0})


async def refresh_module_view(
    view: ModuleDialect,
    send: Callable[[str], Awaitable[bool]],
    listed: Callable[[], Mapping[int, Sequence[int]]],
) -> list[str]:
    """List, then read each listed object or instance; the read commands sent, in order.

    ``listed()`` is called after the list command succeeded and returns object id → instance
    ids as the module state now knows them. Nothing is read when the list fails.
    """
    if not await send(view.list_command()):
        return []
    sent: list[str] = []
    for oid, instances in sorted(listed().items()):
        if oid in UNREADABLE_OBJECTS:
            continue
        for target in view.refresh_targets(oid, instances):
            command = view.read_command(target)
            await send(command)
            sent.append(command)
    return sent
