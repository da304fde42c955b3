"""The simulated module's LwM2M side: one real LwM2MClient, its URCs and the host bridge.

The AT handlers (simulator.py) decide *when* to register; this module turns what happens on
the wire into ``#LWREG`` URCs and forwards server requests on custom objects to the host as
``#LWNTY*`` URCs, waiting for the host's AT answer (the client engine answers 5.00 when the
host is slower than ``AT#LWNTYTO``). Host requests are served one at a time, like the module's
single URC/answer channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.plugin_api import (
    ClientConfig,
    ClientEvent,
    Code,
    FirmwareOptions,
    HostRequest,
    LwM2MClient,
    ObjectDefinition,
    ObjectRegistry,
    OperationError,
    Operations,
    Path,
    ResourceDefinition,
    ResourceType,
    default_registry,
)

from . import nty
from .codes import (
    STATUS_NONE,
    STATUS_REGISTERED,
    STATUS_SENT,
    STATUS_STARTED,
    TYPE_DATA,
)

_log = logging.getLogger(__name__)

#: Upper bound the client engine enforces; the module's own AT#LWNTYTO is shorter.
_STORE_TIMEOUT = 3600.0

#: Client lifecycle event → ``#LWREG`` status (inferred codes, see codes.py).
_STATUS_OF = {
    ("client", "registering"): STATUS_STARTED,
    ("registration", "pending"): STATUS_SENT,
    ("registration", "registered"): STATUS_REGISTERED,
    ("registration", "update_pending"): STATUS_SENT,
    ("registration", "updated"): STATUS_REGISTERED,
    ("registration", "update_failed"): STATUS_NONE,
    ("registration", "failed"): STATUS_NONE,
    ("registration", "deregistered"): STATUS_NONE,
}


@dataclass(frozen=True, slots=True)
class Params:
    """``AT#LWPARAMS`` values (kept in the simulator's NVM as a dict)."""

    client_name: str
    server_id: int
    server_type: int
    url: str
    binding: str
    lifetime: int
    storing: int
    auto_reg: int
    urc: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Params:
        return cls(**{name: data[name] for name in cls.__slots__})

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def line(self) -> str:
        return ",".join(
            str(v)
            for v in (
                self.client_name,
                self.server_id,
                self.server_type,
                self.url,
                self.binding,
                self.lifetime,
                self.storing,
                self.auto_reg,
                self.urc,
            )
        )


def custom_definition(object_id: int, resources: list[int]) -> ObjectDefinition:
    """A host-defined object: the module knows only resource ids, so each is opaque RWE."""
    ops = Operations.READ | Operations.WRITE | Operations.EXECUTE
    items = {
        rid: ResourceDefinition(rid, f"Resource {rid}", ResourceType.OPAQUE, ops)
        for rid in sorted(resources)
    }
    return ObjectDefinition(
        object_id, f"Custom object {object_id}", multiple=True, resources=items, source="host"
    )


class _Pending:
    def __init__(self, op: str, message: nty.NtyMessage) -> None:
        self.op = op
        self.message = message
        self.future: asyncio.Future[nty.NtyMessage] = asyncio.get_running_loop().create_future()


class Session:
    """One registration attempt's client, from ``AT#LWREG=1`` (or auto-start) to stop."""

    def __init__(
        self,
        params: Params,
        *,
        values: Mapping[Path, object],
        custom: Mapping[int, Mapping[int, list[int]]],
        host_timeout: float,
        send_urc: Callable[[str], None],
        on_activity: Callable[[], None],
        on_reboot: Callable[[bool], None],
        retry_attempts: int | None,
        client_options: Mapping[str, Any],
        firmware: FirmwareOptions | None = None,
        on_fota_reboot: Callable[[str, int], None] | None = None,
    ) -> None:
        self.params = params
        self.status = STATUS_NONE
        self._send_urc = send_urc
        self._on_activity = on_activity
        self._on_reboot = on_reboot
        self._pending: _Pending | None = None
        self._lock = asyncio.Lock()
        self._stopped = False
        self.host_timeout = host_timeout
        registry = _st_registry()
        url = params.url
        scheme, sep, rest = url.partition("://")
        self.client = LwM2MClient(
            params.client_name,
            f"{scheme.lower()}{sep}{rest}",
            registry,
            config=ClientConfig(
                lifetime=params.lifetime,
                binding=params.binding,
                short_server_id=params.server_id,
                retry_attempts=retry_attempts,
                **dict(client_options),
            ),
            on_event=self._event,
            firmware=firmware,
        )
        self._on_fota_reboot = on_fota_reboot
        if self.client.firmware is not None and on_fota_reboot is not None:
            # The DFOTA service reboots the whole module, not just the LwM2M client.
            self.client.firmware.reboot = self._fota_reboot
        store = self.client.store
        for path, value in values.items():
            with contextlib.suppress(Exception):
                store.set(path, value)
        store.on_execute(Path.of(3, 0, 4), lambda p, a: self._reboot(False))
        store.on_execute(Path.of(3, 0, 5), lambda p, a: self._reboot(True))
        self.apply_custom(custom)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        try:
            await self.client.start(wait=False)
        except Exception as exc:  # socket trouble: report as a failed registration
            _log.warning("st87 simulator: client start failed: %s", exc)
            self._status(STATUS_NONE)

    async def stop(self, deregister: bool) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._pending is not None and not self._pending.future.done():
            self._pending.future.cancel()
        with contextlib.suppress(Exception):
            await self.client.stop(deregister=deregister)

    @property
    def registered(self) -> bool:
        return self.client.registered

    def _reboot(self, factory: bool) -> None:
        asyncio.get_running_loop().call_later(0.05, self._on_reboot, factory)

    def _fota_reboot(self, downtime: float) -> None:
        """The update was applied: hand the new version and result to the module, reboot it."""
        store = self.client.store
        version = store.get_or(Path.of(3, 0, 3), "")
        result = store.get_or(Path.of(5, 0, 5), 0)
        callback = self._on_fota_reboot
        if callback is not None:
            asyncio.get_running_loop().call_later(
                downtime, callback, str(version), result if isinstance(result, int) else 0
            )

    # -- URCs ---------------------------------------------------------------------------------
    def _event(self, event: ClientEvent) -> None:
        if event.kind == "request":
            self._on_activity()
            return
        status = _STATUS_OF.get((event.kind, str(event.get("state"))))
        if status is None:
            return
        self._status(status)

    def _status(self, status: int) -> None:
        self.status = status
        if self.params.urc == 1:
            self._send_urc(f"#LWREG: {self.params.server_id},{status}")

    # -- custom objects -----------------------------------------------------------------------
    def apply_custom(self, custom: Mapping[int, Mapping[int, list[int]]]) -> None:
        """Make the client's host objects match ``custom`` (object → instance → resources)."""
        store = self.client.store
        for object_id, instances in custom.items():
            if not instances:
                continue
            resources = sorted({rid for rids in instances.values() for rid in rids})
            store.registry.add(custom_definition(object_id, resources))
            wanted = {iid: list(rids) for iid, rids in instances.items()}
            for iid in store.instance_ids(object_id):
                if iid not in wanted:
                    store.delete_instance(object_id, iid)
            store.set_host_object(
                object_id,
                self._host_request,
                wanted,
                # The AT#LWNTYTO timeout is applied in _ask, so changing it needs no Update.
                timeout=_STORE_TIMEOUT,
                timeout_code=Code.INTERNAL_SERVER_ERROR,
            )
        for object_id in store.object_ids():
            if store.is_host_object(object_id) and not custom.get(object_id):
                for iid in store.instance_ids(object_id):
                    store.delete_instance(object_id, iid)

    async def _host_request(self, request: HostRequest) -> Any:
        path = request.path
        store = self.client.store
        if path.instance_id is None:
            if request.op != "read":
                raise OperationError(Code.METHOD_NOT_ALLOWED, "object-level operation")
            out: dict[Path, object] = {}
            for iid in store.instance_ids(path.object_id):
                out.update(await self._host_read(Path.of(path.object_id, iid)))
            return out
        if request.op == "read":
            return await self._host_read(path)
        if request.op == "write":
            items = []
            for item_path, value in sorted(request.content.items()):
                assert item_path.resource_id is not None
                data = _as_bytes(value).hex().upper()
                items.append(nty.NtyItem(item_path.resource_id, TYPE_DATA, len(data), data))
            await self._ask("write", self._message(path, items))
            return None
        assert path.resource_id is not None
        message = self._message(path, [nty.NtyItem(path.resource_id)])
        if request.arguments:
            message = nty.NtyMessage(
                message.server, message.object_id, message.instance_id, message.items,
                request.arguments,
            )  # fmt: skip
        await self._ask("execute", message)
        return None

    async def _host_read(self, path: Path) -> dict[Path, object]:
        assert path.instance_id is not None
        if path.resource_id is not None:
            rids = [path.resource_id]
        else:
            rids = self.client.store.resource_ids(path.object_id, path.instance_id)
        answer = await self._ask("read", self._message(path, [nty.NtyItem(r) for r in rids]))
        return {
            Path.of(path.object_id, path.instance_id, item.resource): item.value_bytes()
            for item in answer.items
        }

    def _message(self, path: Path, items: list[nty.NtyItem]) -> nty.NtyMessage:
        assert path.instance_id is not None
        return nty.NtyMessage(self.params.server_id, path.object_id, path.instance_id, tuple(items))

    async def _ask(self, op: str, message: nty.NtyMessage) -> nty.NtyMessage:
        async with self._lock:
            self._on_activity()
            pending = _Pending(op, message)
            self._pending = pending
            prefix = {"read": "#LWNTYRDOBJ", "write": "#LWNTYWROBJ", "execute": "#LWNTYEXEOBJ"}[op]
            self._send_urc(f"{prefix}: {nty.format_message(message, with_data=op == 'write')}")
            try:
                async with asyncio.timeout(self.host_timeout):  # not wait_for (3.11 race)
                    return await pending.future
            except TimeoutError:
                raise OperationError(
                    Code.INTERNAL_SERVER_ERROR, f"host did not answer within {self.host_timeout} s"
                ) from None
            finally:
                self._pending = None

    def answer(self, op: str, message: nty.NtyMessage) -> str | None:
        """The host's AT answer; returns None when accepted, else why it was refused."""
        pending = self._pending
        if pending is None or pending.future.done() or pending.op != op:
            return "no pending request"
        asked = pending.message
        if (message.server, message.object_id, message.instance_id) != (
            asked.server,
            asked.object_id,
            asked.instance_id,
        ):
            return "answer does not match the request"
        if [i.resource for i in message.items] != [i.resource for i in asked.items]:
            return "answer names other resources"
        pending.future.set_result(message)
        return None


#: Objects the engine would add by itself that the ST87MXX note does not list among its
#: built-in objects (§3: Server 1, Device 3, Firmware Update 5): Connectivity Monitoring.
_NOT_BUILT_IN = frozenset({4})


def _st_registry() -> ObjectRegistry:
    """The OMA definitions with the Device object's ranges relaxed to the ST sizes.

    §6.4.3 writes 75 to /3/0/20 (OMA: 0-6): the module checks its C types, not the OMA
    enumeration, so the simulated client must not refuse what the host may write. Objects
    §3 does not list are left out, so the Register lists what the module has.
    """
    registry = ObjectRegistry([d for d in default_registry() if d.id not in _NOT_BUILT_IN])
    device = registry.get(3)
    if device is not None:
        resources = dict(device.resources)
        for rid in (9, 20):
            if rid in resources:
                resources[rid] = dataclasses.replace(resources[rid], range=None, enumeration=())
        registry.add(dataclasses.replace(device, resources=resources))
    return registry


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    return str(value).encode("utf-8")
