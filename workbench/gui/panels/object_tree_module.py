"""The object tree's module view: the module's own objects and values through its AT commands.

Where the plugin declares AT commands for it (``Plugin.module_view``, a
:class:`~workbench.module.moduleview.ModuleDialect`), the tree can show the module's own view:
the commands go out through ``context.send`` and the plugin decodes the answers into the module
state (``objects``/``values`` events), which :meth:`ModuleView.take_state` copies into the
module tree. The refresh (list, then read every instance) is the core's
:func:`~workbench.app.moduleview.refresh_module_view`; this class is the panel's side of it:
sending, reporting a refused command in the banner, reading back what was written.

It draws nothing itself (the panel's one tree widget shows both views), so it is a plain class
the panel composes, split out of :class:`~workbench.gui.panels.object_tree.ObjectTreePanel`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from workbench.app.moduleview import refresh_module_view
from workbench.gui.context import NotConnected, WorkbenchContext
from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.module.moduleview import ModuleDialect
from workbench.viewmodel.objecttree import ObjectTreeData


class ModuleView:
    """See the module docstring. ``changed`` asks the panel to redraw."""

    def __init__(
        self, context: WorkbenchContext, data: ObjectTreeData, changed: Callable[[], None]
    ) -> None:
        self.context = context
        #: The module's own objects and values (what the module view draws).
        self.data = data
        self._changed = changed

    @property
    def dialect(self) -> ModuleDialect | None:
        plugin = self.context.plugin
        return plugin.module_view if plugin is not None else None

    def take_state(self) -> None:
        """Copy the module state's objects and values into the module tree."""
        state = self.context.state
        if state is None:
            return
        if state.objects is not None:
            self.data.set_paths(state.objects.value)
        self.data.apply_values({p: t.value for p, t in state.values.items()}, "module")
        self._changed()

    async def refresh(self, dialect: ModuleDialect) -> None:
        def listed() -> dict[int, list[int]]:
            self.take_state()
            data = self.data
            return {oid: data.instance_ids(oid) for oid in data.object_ids()}

        await refresh_module_view(dialect, self._send, listed)

    async def _send(self, command: str) -> bool:
        if not command:
            return False
        try:
            result = await self.context.send(command)
        except NotConnected as exc:
            self.context.notify("warning", str(exc))
            return False
        if not result.ok:
            lines = " ".join(getattr(result, "lines", []) or [])
            self.context.notify(
                "warning", f"{command} failed: {result.status.name} {lines}".strip()
            )
            return False
        return True

    def read(self, path: Path) -> asyncio.Task[None] | None:
        dialect = self.dialect
        if dialect is None:
            return None
        return self.send(dialect.read_command(path))

    def write(
        self, path: Path, value: Value, registry: ObjectRegistry
    ) -> asyncio.Task[None] | None:
        dialect = self.dialect
        if dialect is None:
            return None
        return self.send(dialect.write_command(path, value, registry), then_read=path)

    def create(
        self, instance: Path, values: dict[Path, Value], registry: ObjectRegistry
    ) -> asyncio.Task[None] | None:
        dialect = self.dialect
        command = dialect.create_command(instance, values, registry) if dialect else ""
        return self.send(command, then_read=instance)

    def delete(self, instance: Path) -> asyncio.Task[None] | None:
        command = self.dialect.delete_command(instance) if self.dialect else ""
        self.data.mark_deleted(instance)
        return self.send(command, then_list=True)

    def send(
        self, command: str, then_read: Path | None = None, then_list: bool = False
    ) -> asyncio.Task[None] | None:
        if not command:
            self.context.notify("warning", "This module has no AT command for that.")
            return None

        async def body() -> None:
            if await self._send(command):
                dialect = self.dialect
                if dialect is not None and then_read is not None:
                    await self._send(dialect.read_command(then_read))
                if dialect is not None and then_list:
                    await self._send(dialect.list_command())
            self._changed()

        return self.context.run_soon(body())


__all__ = ["ModuleView"]
