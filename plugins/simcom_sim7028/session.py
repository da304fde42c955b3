"""One ``AT+LWOPEN`` session of the simulated SIM7028: an LwM2M client plus its host objects.

Objects added with ``AT+LWADDOBJ`` live on the host MCU. A server request on one becomes a
``+LWREAD``/``+LWWRITE``/``+LWEXECUTE`` URC and waits here for the host's ``AT+LW*RSP``; the CoAP
answer goes out only then. If the host stays silent for ``host_timeout`` seconds the client
engine answers 5.00 (what the store does on a host timeout). Answers are matched to requests
in arrival order per operation, which is all the AT syntax allows (``AT+LWWRITERSP`` names no
path).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.plugin_api import (
    AtError,
    Code,
    HostRequest,
    LwM2MClient,
    ObjectDefinition,
    ObjectRegistry,
    OperationError,
    Operations,
    Path,
    ResourceDefinition,
    ResourceType,
)

from .values import ResourceValue, coerce, is_success, type_letter, value_text

_ANY = Operations.READ | Operations.WRITE | Operations.EXECUTE


@dataclass(slots=True)
class _Pending:
    op: str
    path: Path
    future: asyncio.Future[object]


@dataclass(slots=True)
class Session:
    """A registered session (``<lwm2mId>``) and the host requests waiting for an answer."""

    session_id: int
    client: LwM2MClient
    send_urc: Callable[[str], None]
    host_timeout: float
    #: object id → instance id → resource ids, as the host declared them.
    objects: dict[int, dict[int, list[int]]] = field(default_factory=dict)
    pending: list[_Pending] = field(default_factory=list)

    # -- host objects -------------------------------------------------------------------------
    def add_object(self, object_id: int, instance_id: int, resource_ids: list[int]) -> None:
        """``AT+LWADDOBJ``: declare a host-managed instance (ERROR if it exists already)."""
        instances = self.objects.setdefault(object_id, {})
        if instance_id in instances:
            raise AtError(3, "instance already added")
        self._ensure_definition(object_id, resource_ids)
        instances[instance_id] = list(resource_ids)
        self.client.store.set_host_object(
            object_id,
            self._host_request,
            {instance_id: resource_ids},
            timeout=self.host_timeout,
        )

    def delete_object(self, object_id: int) -> None:
        """``AT+LWDELOBJ``: remove every instance of a host object (ERROR if unknown)."""
        instances = self.objects.pop(object_id, None)
        if instances is None:
            raise AtError(3, "object not added")
        for instance_id in list(instances):
            try:
                self.client.store.delete_instance(object_id, instance_id)
            except OperationError:
                pass

    def _ensure_definition(self, object_id: int, resource_ids: list[int]) -> None:
        """Give unknown objects/resources a permissive definition so the store accepts them."""
        registry: ObjectRegistry = self.client.store.registry
        existing = registry.get(object_id)
        resources = dict(existing.resources) if existing is not None else {}
        missing = [rid for rid in resource_ids if rid not in resources]
        if existing is not None and not missing:
            return
        for rid in missing:
            resources[rid] = ResourceDefinition(rid, f"Resource {rid}", ResourceType.STRING, _ANY)
        if existing is None:
            registry.add(
                ObjectDefinition(
                    object_id,
                    f"Host object {object_id}",
                    multiple=True,
                    resources=resources,
                    source="simcom-sim7028 AT+LWADDOBJ",
                )
            )
        else:
            registry.add(dataclasses.replace(existing, resources=resources))

    # -- server requests → URCs ---------------------------------------------------------------
    async def _host_request(self, request: HostRequest) -> Any:
        path = request.path
        if request.op == "read":
            if path.instance_id is None:
                merged: dict[Path, object] = {}
                for iid in sorted(self.objects.get(path.object_id, {})):
                    part = await self._read(Path.of(path.object_id, iid))
                    if isinstance(part, dict):
                        merged.update(part)
                return merged
            return await self._read(path)
        if request.op == "write":
            await self._write(path, dict(request.content))
            return None
        await self._execute(path, request.arguments)
        return None

    async def _read(self, path: Path) -> object:
        sid, obj, inst = self.session_id, path.object_id, path.instance_id
        if path.resource_id is None:
            # §4.1 prints <resourceCnt> 0 for a read of the whole instance.
            urc = f"+LWREAD: {sid},{obj},{inst},0"
        else:
            urc = f"+LWREAD: {sid},{obj},{inst},1,{path.resource_id}"
        return await self._ask("read", path, urc)

    async def _write(self, path: Path, content: dict[Path, object]) -> None:
        groups = []
        for item, value in sorted(content.items()):
            text = value_text(value)
            groups.append(f'{item.resource_id},{type_letter(value)},{len(text)},"{text}"')
        urc = (
            f"+LWWRITE: {self.session_id},{path.object_id},{path.instance_id},"
            f"{len(groups)},{','.join(groups)}"
        )
        result = await self._ask("write", path, urc)
        _raise_for(result)

    async def _execute(self, path: Path, arguments: str) -> None:
        urc = (
            f"+LWEXECUTE: {self.session_id},{path.object_id},{path.instance_id},"
            f'{path.resource_id},{len(arguments)},"{arguments}"'
        )
        result = await self._ask("execute", path, urc)
        _raise_for(result)

    async def _ask(self, op: str, path: Path, urc: str) -> object:
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        pending = _Pending(op, path, future)
        self.pending.append(pending)
        self.send_urc(urc)
        try:
            return await future
        finally:
            if pending in self.pending:
                self.pending.remove(pending)

    # -- host answers (AT+LW*RSP) ---------------------------------------------------------------
    def answer_read(self, object_id: int, instance_id: int, groups: list[ResourceValue]) -> None:
        """``AT+LWREADRSP``: resolve the oldest matching read (ERROR when none waits)."""
        for pending in self.pending:
            if (
                pending.op == "read"
                and pending.path.object_id == object_id
                and pending.path.instance_id in (None, instance_id)
            ):
                break
        else:
            raise AtError(3, "no read request waiting")
        self.pending.remove(pending)
        registry = self.client.store.registry
        content: dict[Path, object] = {}
        try:
            for group in groups:
                item = Path.of(object_id, instance_id, group.resource_id)
                definition = registry.resource(item)
                rtype = definition.type if definition is not None else ResourceType.STRING
                content[item] = coerce(rtype, group.value_type, group.text)
        except ValueError as exc:
            _settle(pending.future, error=OperationError(Code.INTERNAL_SERVER_ERROR, str(exc)))
            return
        if pending.path.resource_id is not None and list(content) == [pending.path]:
            _settle(pending.future, value=content[pending.path])
        else:
            _settle(pending.future, value=content)

    def answer(self, op: str, result: int) -> None:
        """``AT+LWWRITERSP``/``AT+LWEXECUTERSP``: resolve the oldest request of ``op``."""
        for pending in self.pending:
            if pending.op == op:
                break
        else:
            raise AtError(3, f"no {op} request waiting")
        self.pending.remove(pending)
        if result == 1:
            return  # "Ignore": no answer from the host; the request runs into the host timeout
        _settle(pending.future, value=result)

    def drop_pending(self) -> None:
        """The session ends: requests still waiting fail at once."""
        for pending in self.pending:
            _settle(
                pending.future,
                error=OperationError(Code.SERVICE_UNAVAILABLE, "session closed"),
            )
        self.pending.clear()


def _settle(
    future: asyncio.Future[object],
    *,
    value: object = None,
    error: BaseException | None = None,
) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


def _raise_for(result: object) -> None:
    """A host ``<result>`` that is no success becomes the CoAP error it encodes."""
    if not isinstance(result, int) or is_success(result):
        return
    try:
        code = Code(result)
    except ValueError:
        code = Code.INTERNAL_SERVER_ERROR
    raise OperationError(code, f"host answered {result}")
