"""The module's own view of its objects over AT: what a plugin declares, vendor-neutral.

Some modules list their LwM2M objects and read or change resource values through AT commands
of their own. A plugin that has such commands declares a :class:`ModuleDialect` (or a subclass
that builds the write/create/delete commands) on ``Plugin.module_view``; the object tree's
*Module* view sends what it returns and shows the ``objects``/``values`` events the plugin's
decoder makes of the answers. A plugin without one has no module view. Pure: no I/O, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workbench.lwm2m.model import ObjectRegistry
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value


def _path(path: Path | str) -> Path:
    return path if isinstance(path, Path) else Path.parse(path)


@dataclass(frozen=True, slots=True)
class ModuleDialect:
    """AT commands through which a module shows (and changes) its own object tree.

    ``list_objects`` is the command line that lists objects and instances; ``read_template``
    reads an instance or object (``{path}``, ``{object_id}`` are filled in) and
    ``resource_read_template`` one resource, when the module has such a command. Each method
    returns the command line, or ``""`` where the module has no such command: the base class
    writes, creates and deletes nothing; a plugin subclass overrides what its module can do
    (and sets the matching ``can_*`` flag, which the window uses to enable its actions).
    """

    name: str
    list_objects: str
    read_template: str
    resource_read_template: str = ""
    can_write: bool = False
    can_create: bool = False
    can_delete: bool = False
    #: The read command reads a whole object (one read per object on refresh, not per instance).
    read_whole_objects: bool = False
    #: One line for the user: which commands, from which section of the document.
    note: str = ""

    def list_command(self) -> str:
        return self.list_objects

    def read_command(self, path: Path | str) -> str:
        target = _path(path)
        if target.resource_id is not None and self.resource_read_template:
            return self.resource_read_template.format(path=target)
        return self.read_template.format(path=target, object_id=target.object_id)

    def write_command(self, path: Path | str, value: Value, registry: ObjectRegistry) -> str:
        return ""

    def create_command(
        self, instance: Path | str, values: Mapping[Path, Value], registry: ObjectRegistry,
        owner: int = 0,
    ) -> str:  # fmt: skip
        return ""

    def delete_command(self, instance: Path | str) -> str:
        return ""

    def refresh_targets(self, object_id: int, instances: Sequence[int]) -> list[Path]:
        """What a refresh reads of one listed object: the object, or each instance (or 0)."""
        if self.read_whole_objects:
            return [Path.of(object_id)]
        return [Path.of(object_id, i) for i in instances or [0]]
