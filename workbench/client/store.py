"""The client's object store: object instances and resource values, typed by definitions.

Values are validated against the :class:`~workbench.lwm2m.model.ObjectRegistry` on every
write, so a server write of an out-of-range value is refused (4.00) exactly where a real client
would refuse it. Multi-instance resources hold a ``dict`` of resource-instance id → value.

Objects whose values live on the host MCU of a module (SIM7028, ST87MXX: the module asks the
host by URC) are *host objects*: the store keeps their structure (instances and resource ids,
so Register and Discover list them) but every read, write and execute is forwarded to an async
callback that may take seconds. A callback that does not answer within ``host_timeout`` makes
the operation fail with ``host_timeout_code`` (5.00 Internal Server Error by default, what the
modules we know send when the host does not answer; configurable, e.g. to 5.03).

Change listeners get the list of changed paths; the observe layer hangs off them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from aiocoap.numbers.codes import Code

from workbench.client.errors import (
    OperationError,
    bad_request,
    not_allowed,
    not_found,
)
from workbench.lwm2m.errors import ValueValidationError
from workbench.lwm2m.model import ObjectDefinition, ObjectRegistry, ResourceDefinition
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Content, Value

#: A stored resource: a single value, or resource-instance id → value for multi-instance ones.
ResourceValue = Value | dict[int, Value]

HostOp = Literal["read", "write", "execute"]


@dataclass(frozen=True, slots=True)
class HostRequest:
    """An operation on a host object, handed to its callback.

    ``content`` is the decoded payload of a write (flat path → value), ``replace`` tells a
    PUT (replace) from a POST (partial update), ``arguments`` is the text of an execute.
    """

    op: HostOp
    path: Path
    content: Mapping[Path, Value] = field(default_factory=dict)
    replace: bool = False
    arguments: str = ""


#: The host callback: returns the values of a read (a mapping path → value, or for a resource
#: path the bare value), ``None`` for writes and executes. Raise :class:`OperationError` to
#: answer with a specific code (e.g. 4.04 when the host does not know the path).
HostCallback = Callable[[HostRequest], Awaitable[Content | Value]]
ChangeListener = Callable[[list[Path]], None]
ExecuteHook = Callable[[Path, str], Awaitable[None] | None]
WriteHook = Callable[[Path], None]


@dataclass(slots=True)
class HostObject:
    callback: HostCallback
    timeout: float
    timeout_code: Code


class ObjectStore:
    """In-memory objects/instances/resources of one client."""

    def __init__(self, registry: ObjectRegistry) -> None:
        self.registry = registry
        self._data: dict[int, dict[int, dict[int, ResourceValue]]] = {}
        self._host: dict[int, HostObject] = {}
        self._execute_hooks: dict[Path, ExecuteHook] = {}
        self._write_hooks: list[tuple[Path, WriteHook]] = []
        self._listeners: list[ChangeListener] = []
        self._structure_listeners: list[Callable[[], None]] = []

    # -- structure --------------------------------------------------------------------------

    def definition(self, object_id: int) -> ObjectDefinition:
        definition = self.registry.get(object_id)
        if definition is None:
            raise not_found(f"object {object_id} has no definition")
        return definition

    def resource_definition(self, path: Path) -> ResourceDefinition:
        assert path.resource_id is not None
        res = self.definition(path.object_id).resource(path.resource_id)
        if res is None:
            raise not_found(f"{path}: resource {path.resource_id} is not defined")
        return res

    def add_object(self, object_id: int) -> None:
        """Declare an object as supported even without instances (Register lists ``</id>``)."""
        self.definition(object_id)
        if object_id not in self._data:
            self._data[object_id] = {}
            self._structure_changed()

    def object_ids(self) -> list[int]:
        return sorted(self._data)

    def instance_ids(self, object_id: int) -> list[int]:
        return sorted(self._data.get(object_id, {}))

    def resource_ids(self, object_id: int, instance_id: int) -> list[int]:
        return sorted(self._data.get(object_id, {}).get(instance_id, {}))

    def exists(self, path: Path) -> bool:
        instances = self._data.get(path.object_id)
        if instances is None:
            return False
        if path.instance_id is None:
            return True
        resources = instances.get(path.instance_id)
        if resources is None:
            return False
        if path.resource_id is None:
            return True
        if path.resource_id not in resources:
            return False
        if path.resource_instance_id is None:
            return True
        value = resources[path.resource_id]
        return isinstance(value, dict) and path.resource_instance_id in value

    def create_instance(
        self,
        object_id: int,
        instance_id: int | None = None,
        values: Mapping[int, object] | None = None,
    ) -> int:
        """Add an instance (lowest free id when ``instance_id`` is None) with validated values."""
        definition = self.definition(object_id)
        instances = self._data.setdefault(object_id, {})
        if instance_id is None:
            instance_id = next(i for i in range(65535) if i not in instances)
        if instance_id in instances:
            raise bad_request(f"/{object_id}/{instance_id} already exists")
        if not definition.multiple and instances:
            raise bad_request(f"object {object_id} ({definition.name}) is single-instance")
        resources: dict[int, ResourceValue] = {}
        for rid, raw in (values or {}).items():
            path = Path.of(object_id, instance_id, rid)
            resources[rid] = self._validated(path, raw)
        instances[instance_id] = resources
        self._structure_changed()
        self._changed([Path.of(object_id, instance_id)])
        return instance_id

    def delete_instance(self, object_id: int, instance_id: int) -> None:
        instances = self._data.get(object_id, {})
        if instance_id not in instances:
            raise not_found(f"/{object_id}/{instance_id} does not exist")
        del instances[instance_id]
        self._structure_changed()
        self._changed([Path.of(object_id, instance_id)])

    # -- local values -------------------------------------------------------------------------

    def get(self, path: Path) -> ResourceValue:
        """The stored value of a resource or resource instance (no host callback)."""
        if path.resource_id is None:
            raise bad_request(f"{path} is not a resource path")
        if not self.exists(path):
            raise not_found(f"{path} does not exist")
        value = self._data[path.object_id][path.instance_id][path.resource_id]  # type: ignore[index]
        if path.resource_instance_id is not None:
            assert isinstance(value, dict)
            return value[path.resource_instance_id]
        return value

    def get_or(self, path: Path, default: Value = None) -> ResourceValue:
        try:
            return self.get(path)
        except OperationError:
            return default

    def set(self, path: Path, value: object) -> None:
        """Set a resource (or resource-instance) value, creating the resource if needed.

        The instance must exist. Listeners (observations) hear about the change when the
        value differs from the stored one.
        """
        if path.resource_id is None:
            raise bad_request(f"{path} is not a resource path")
        resources = self._instance(path)
        rid = path.resource_id
        old = resources.get(rid)
        if path.resource_instance_id is not None:
            definition = self.resource_definition(path)
            if not definition.multiple:
                raise bad_request(f"{path}: resource {rid} is single-instance")
            current = dict(old) if isinstance(old, dict) else {}
            current[path.resource_instance_id] = self._validate_one(definition, value)
            new: ResourceValue = current
        else:
            new = self._validated(path, value)
        if new != old or type(new) is not type(old):
            resources[rid] = new
            self._changed([Path.of(*path.ids[:3])])

    def content(self, path: Path, readable_only: bool = True) -> dict[Path, Value]:
        """Flat content of a local path (resource instances for multi-instance resources).

        Resources that cannot be read (execute-only, write-only) are left out of object and
        instance reads; a resource read of one raises 4.05.
        """
        if not self.exists(path):
            raise not_found(f"{path} does not exist")
        out: dict[Path, Value] = {}
        if path.resource_id is not None:
            definition = self.resource_definition(path)
            if readable_only and not definition.readable:
                raise not_allowed(f"{path} ({definition.name}) is not readable")
            self._flatten(path, out)
            return out
        instance_ids = (
            [path.instance_id]
            if path.instance_id is not None
            else self.instance_ids(path.object_id)
        )
        definition_obj = self.definition(path.object_id)
        for iid in instance_ids:
            for rid in self.resource_ids(path.object_id, iid):
                res = definition_obj.resource(rid)
                if res is None or (readable_only and not res.readable):
                    continue
                self._flatten(Path.of(path.object_id, iid, rid), out)
        return out

    def _flatten(self, path: Path, out: dict[Path, Value]) -> None:
        value = self.get(path)
        if isinstance(value, dict):
            for ri, item in sorted(value.items()):
                out[Path.of(*path.ids[:3], ri)] = item
        else:
            out[path] = value

    # -- hooks and listeners ------------------------------------------------------------------

    def on_change(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def on_structure_change(self, listener: Callable[[], None]) -> None:
        """Instances were created or deleted (the registration payload changes)."""
        self._structure_listeners.append(listener)

    def on_execute(self, path: Path, hook: ExecuteHook) -> None:
        """Run ``hook(path, arguments)`` when a server executes ``path`` (a local resource)."""
        self._execute_hooks[path] = hook

    def on_write(self, path: Path, hook: WriteHook) -> None:
        """Call ``hook(path)`` after a server write touched ``path`` or anything below it."""
        self._write_hooks.append((path, hook))

    def set_host_object(
        self,
        object_id: int,
        callback: HostCallback,
        instances: Mapping[int, Iterable[int]] | Iterable[int] = (0,),
        *,
        timeout: float = 5.0,
        timeout_code: Code = Code.INTERNAL_SERVER_ERROR,
    ) -> None:
        """Make ``object_id`` host-managed.

        ``instances`` gives the structure: instance ids (every defined resource present) or
        instance id → resource ids. Values live with the host; ``callback`` answers.
        """
        definition = self.definition(object_id)
        self._host[object_id] = HostObject(callback, timeout, timeout_code)
        table = self._data.setdefault(object_id, {})
        items: Iterable[tuple[int, Iterable[int]]]
        if isinstance(instances, Mapping):
            items = instances.items()
        else:
            items = ((iid, definition.resources.keys()) for iid in instances)
        for iid, rids in items:
            table[iid] = {rid: None for rid in rids}
        self._structure_changed()

    def is_host_object(self, object_id: int) -> bool:
        return object_id in self._host

    # -- device-management operations (async: host objects may answer slowly) ----------------

    async def read(self, path: Path) -> dict[Path, Value]:
        """Values for a Read of ``path``; host objects are asked through their callback."""
        host = self._host.get(path.object_id)
        if host is None:
            return self.content(path)
        if not self.exists(path):
            raise not_found(f"{path} does not exist")
        if path.resource_id is not None:
            definition = self.resource_definition(path)
            if not definition.readable:
                raise not_allowed(f"{path} ({definition.name}) is not readable")
        result = await self._call_host(host, HostRequest("read", path))
        if isinstance(result, Mapping):
            content = dict(result)
        elif path.resource_id is not None:
            content = {path: result}
        else:
            raise OperationError(Code.INTERNAL_SERVER_ERROR, "host answered a value, not paths")
        for item_path, value in content.items():
            if not path.contains(item_path) or item_path.resource_id is None:
                raise OperationError(Code.INTERNAL_SERVER_ERROR, f"host answered {item_path}")
            self._validate_one(self.resource_definition(item_path), value)
        return content

    async def write(
        self, path: Path, content: Mapping[Path, Value], *, replace: bool, bootstrap: bool = False
    ) -> None:
        """Write decoded ``content`` to ``path``: PUT (``replace``) or POST (partial update).

        Checks everything before changing anything, so a refused write leaves no trace.
        """
        if path.instance_id is None and not bootstrap:
            raise not_allowed(f"{path}: write on an object needs the bootstrap interface")
        if not bootstrap and not self.exists(path):
            raise not_found(f"{path} does not exist")
        if not content and path.resource_id is None and not replace:
            raise bad_request(f"{path}: empty write")
        by_resource: dict[Path, dict[int | None, Value]] = {}
        for item_path, value in content.items():
            if not path.contains(item_path) or item_path.resource_id is None:
                raise bad_request(f"{item_path} is not a resource below {path}")
            definition = self.resource_definition(item_path)
            if not bootstrap and not definition.writable:
                raise not_allowed(f"{item_path} ({definition.name}) is not writable")
            if item_path.resource_instance_id is not None and not definition.multiple:
                raise bad_request(f"{item_path}: resource is single-instance")
            if item_path.resource_instance_id is None and definition.multiple:
                raise bad_request(f"{item_path}: multi-instance resource needs instance ids")
            try:
                checked = definition.validate(value)
            except ValueValidationError as exc:
                raise bad_request(str(exc)) from None
            resource_path = Path.of(*item_path.ids[:3])
            by_resource.setdefault(resource_path, {})[item_path.resource_instance_id] = checked
        if path.resource_id is not None and not content:
            raise bad_request(f"{path}: empty write")
        if path.resource_id is not None and path.resource_instance_id is None:
            definition = self.resource_definition(path)
            if not bootstrap and not definition.writable:
                raise not_allowed(f"{path} ({definition.name}) is not writable")
        host = self._host.get(path.object_id)
        if host is not None:
            request = HostRequest("write", path, dict(content), replace=replace)
            await self._call_host(host, request)
            self._changed(sorted(by_resource))
            return
        changed: list[Path] = []
        for resource_path, values in sorted(by_resource.items()):
            assert resource_path.instance_id is not None
            instances = self._data.setdefault(resource_path.object_id, {})
            if resource_path.instance_id not in instances:
                if not bootstrap:
                    raise not_found(f"{resource_path.parent} does not exist")
                instances[resource_path.instance_id] = {}
                self._structure_changed()
            resources = instances[resource_path.instance_id]
            rid = resource_path.resource_id
            assert rid is not None
            if None in values:
                new: ResourceValue = values[None]
            else:
                old = resources.get(rid)
                merged: dict[int, Value] = {}
                if isinstance(old, dict) and (not replace or path.resource_instance_id is not None):
                    merged.update(old)
                merged.update({ri: v for ri, v in values.items() if ri is not None})
                new = merged
            if resources.get(rid) != new or rid not in resources:
                resources[rid] = new
                changed.append(resource_path)
        self._changed(changed)
        for hook_path, hook in self._write_hooks:
            if hook_path.contains(path) or path.contains(hook_path):
                hook(path)

    async def execute(self, path: Path, arguments: str) -> None:
        if path.resource_id is None or path.resource_instance_id is not None:
            raise not_allowed(f"{path}: execute needs a resource path")
        if not self.exists(path):
            raise not_found(f"{path} does not exist")
        definition = self.resource_definition(path)
        if not definition.executable:
            raise not_allowed(f"{path} ({definition.name}) is not executable")
        host = self._host.get(path.object_id)
        if host is not None:
            await self._call_host(host, HostRequest("execute", path, arguments=arguments))
            return
        hook = self._execute_hooks.get(path)
        if hook is not None:
            result = hook(path, arguments)
            if result is not None:
                await result

    def create(self, object_id: int, content: Mapping[Path, Value]) -> int:
        """Create an instance from decoded content (the instance id may be in the paths)."""
        definition = self.definition(object_id)
        instance_ids = {p.instance_id for p in content if p.instance_id is not None}
        if len(instance_ids) > 1:
            raise bad_request("create carries more than one instance")
        instance_id = instance_ids.pop() if instance_ids else None
        values: dict[int, object] = {}
        for item_path, value in content.items():
            if item_path.object_id != object_id or item_path.resource_id is None:
                raise bad_request(f"{item_path} is not a resource of object {object_id}")
            res = definition.resource(item_path.resource_id)
            if res is None:
                raise bad_request(f"{item_path}: resource not defined")
            if item_path.resource_instance_id is None:
                values[item_path.resource_id] = value
            else:
                bucket = values.setdefault(item_path.resource_id, {})
                assert isinstance(bucket, dict)
                bucket[item_path.resource_instance_id] = value
        return self.create_instance(object_id, instance_id, values)

    # -- internals ----------------------------------------------------------------------------

    async def _call_host(self, host: HostObject, request: HostRequest) -> Content | Value:
        try:
            async with asyncio.timeout(host.timeout):  # not wait_for: see engine.py
                return await host.callback(request)
        except TimeoutError:
            raise OperationError(
                host.timeout_code, f"host did not answer {request.op} {request.path}"
            ) from None
        except OperationError:
            raise
        except ValueValidationError as exc:
            raise bad_request(str(exc)) from None

    def _instance(self, path: Path) -> dict[int, ResourceValue]:
        instances = self._data.get(path.object_id)
        if instances is None or path.instance_id not in instances:
            raise not_found(f"{Path.of(*path.ids[:2])} does not exist")
        return instances[path.instance_id]

    def _validated(self, path: Path, raw: object) -> ResourceValue:
        definition = self.resource_definition(path)
        if definition.multiple:
            if not isinstance(raw, Mapping):
                raise bad_request(f"{path}: multi-instance resource needs a mapping")
            return {int(k): self._validate_one(definition, v) for k, v in raw.items()}
        return self._validate_one(definition, raw)

    @staticmethod
    def _validate_one(definition: ResourceDefinition, raw: object) -> Value:
        try:
            return definition.validate(raw)  # type: ignore[arg-type]
        except ValueValidationError as exc:
            raise bad_request(str(exc)) from None

    def _changed(self, paths: list[Path]) -> None:
        if not paths:
            return
        for listener in list(self._listeners):
            listener(paths)

    def _structure_changed(self) -> None:
        for listener in list(self._structure_listeners):
            listener()
