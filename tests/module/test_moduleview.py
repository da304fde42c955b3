"""The module-view base a plugin declares: read commands built, nothing written by default."""

from __future__ import annotations

from workbench.lwm2m.definitions import builtin_registry
from workbench.lwm2m.paths import Path
from workbench.module.moduleview import ModuleDialect


def test_read_commands_and_defaults() -> None:
    view = ModuleDialect("x", "AT+XLIST", "AT+XREAD={path}", "AT+XRES={path}")
    assert view.list_command() == "AT+XLIST"
    assert view.read_command("/3/0") == "AT+XREAD=/3/0"
    assert view.read_command(Path.parse("/3/0/1")) == "AT+XRES=/3/0/1"
    registry = builtin_registry()
    assert view.write_command("/3/0/14", "+01:00", registry) == ""
    assert view.create_command("/3303/1", {}, registry) == ""
    assert view.delete_command("/3303/1") == ""
    assert not (view.can_write or view.can_create or view.can_delete)


def test_object_reads_and_instance_reads() -> None:
    per_object = ModuleDialect("x", "AT+XLIST", "AT+XDUMP={object_id}", read_whole_objects=True)
    assert per_object.read_command("/3/0/1") == "AT+XDUMP=3"  # no resource read: the object
    assert per_object.refresh_targets(3, [0, 1]) == [Path.of(3)]
    per_instance = ModuleDialect("x", "AT+XLIST", "AT+XREAD={path}")
    assert per_instance.refresh_targets(3, [0, 1]) == [Path.of(3, 0), Path.of(3, 1)]
    assert per_instance.refresh_targets(5, []) == [Path.of(5, 0)]
