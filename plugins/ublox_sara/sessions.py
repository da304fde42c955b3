"""One real LwM2M client per configured server, all showing the module's one object table.

The u-blox client registers with every server of its Server object (the u-blox server 721 and
any the host adds, §5.1). The workbench client engine speaks to one server, so the simulator runs
one :class:`LwM2MClient` per server, each on its own *replica* of the module DB (its own
Security/Server instances plus every other object). A change made through any replica (a
server's write) or through the DB (a host's +ULWM2MWRITE) is copied to all the others, so each
server's observations fire exactly as on the module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from workbench.plugin_api import (
    ClientConfig,
    ClientEvent,
    FirmwareOptions,
    LwM2MClient,
    ObjectStore,
    Path,
)

from .db import ModuleDb, sync_paths

#: §1 "LwM2M overview and architecture": "The u-blox client implementation is compliant with
#: LwM2M OMA TS version 1.0" (all of SARA-R4, SARA-R5 and LEXI-R4), so Register says
#: lwm2m=1.0, queue mode is a binding letter, and one ct (JSON) goes on the root link.
LWM2M_VERSION = "1.0"

UrcSink = Callable[[int, ClientEvent], None]


def ufota_only(values: dict[int, Any]) -> FirmwareOptions:
    """Object 5 as Tables 1-4 list it: "Only via uFOTA server" (inferred, see the README).

    Package (/5/0/0) is not among the supported resources, so only a Package URI can be
    written (pull; /5/0/9 is 0). The module installs u-blox uFOTA delta images only: a
    package any other source delivers is not one, so the download ends with Update Result 6
    (unsupported package type) and nothing is applied.
    """
    delivery = values.get(9, 0)
    return FirmwareOptions(
        delivery=delivery if isinstance(delivery, int) else 0,
        protocols=(0,),
        package_resource=False,
        cancel_resource=False,
        fail="unsupported",
    )


class ServerSession:
    """The client for one server (``ssid``) and what ``+ULWM2MREG?`` reports about it."""

    def __init__(
        self,
        db: ModuleDb,
        ssid: int,
        security_instance: int,
        server_instance: int,
        uri: str,
        endpoint: str,
        on_event: UrcSink,
        client_options: dict[str, Any],
    ) -> None:
        self.ssid = ssid
        self.uri = uri
        self.replica = ObjectStore(db.registry)
        for oid in db.object_ids():
            self.replica.add_object(oid)
            for iid in db.store.instance_ids(oid):
                if (oid == 0 and iid != security_instance) or (oid == 1 and iid != server_instance):
                    continue
                sync_paths(db.store, self.replica, [Path.of(oid, iid)])
        self.registered = False
        self.deregistered = False
        self.timer_seconds: int | None = None
        self.timer_set_at = 0.0
        self.update_needed = False
        self.sent = 0
        self.received = 0
        self._on_event = on_event
        firmware_values = self._take_firmware_object()
        self.client = LwM2MClient(
            endpoint,
            uri,
            store=self.replica,
            config=ClientConfig(
                short_server_id=ssid, **{"lwm2m_version": LWM2M_VERSION, **client_options}
            ),
            on_event=self._event,
            firmware=ufota_only(firmware_values),
        )

    def _take_firmware_object(self) -> dict[int, Any]:
        """/5/0 of the DB, removed from this replica so the client engine runs object 5."""
        if 0 not in self.replica.instance_ids(5):
            return {}
        values = {
            rid: self.replica.get(Path.of(5, 0, rid)) for rid in self.replica.resource_ids(5, 0)
        }
        self.replica.delete_instance(5, 0)
        return values

    def _event(self, event: ClientEvent) -> None:
        kind, state = event.kind, event.get("state")
        if kind == "registration":
            if state in ("registered", "updated"):
                self.registered = True
                self.sent += 1
                self.received += 1
            elif state in ("failed", "deregistered"):
                self.registered = False
        elif kind == "update_timer":
            self.timer_seconds = int(event.get("seconds", 0))
            self.timer_set_at = time.monotonic()
        elif kind == "request":
            self.received += 1
            self.sent += 1
        elif kind == "notify":
            self.sent += 1
        self._on_event(self.ssid, event)

    def remaining(self) -> int:
        """Seconds to the next registration update (the third field of ``+ULWM2MREG?``)."""
        if self.timer_seconds is None:
            return 0
        elapsed = int(time.monotonic() - self.timer_set_at)
        return max(0, self.timer_seconds - elapsed)

    async def start(self) -> None:
        await self.client.start(wait=False)

    async def stop(self, deregister: bool) -> None:
        await self.client.stop(deregister=deregister)
        if deregister:
            self.deregistered = True
        self.registered = False


class SessionGroup:
    """All running sessions plus the copying of changes between the DB and the replicas."""

    def __init__(self, db: ModuleDb) -> None:
        self.db = db
        self.sessions: dict[int, ServerSession] = {}
        self._copying = False
        db.store.on_change(lambda paths: self.propagate(db.store, paths))

    def add(self, session: ServerSession) -> None:
        self.sessions[session.ssid] = session
        session.replica.on_change(lambda paths: self.propagate(session.replica, paths))

    def propagate(self, source: ObjectStore, paths: list[Path]) -> None:
        """Copy a change from ``source`` to the DB and every other replica."""
        if self._copying:
            return
        self._copying = True
        try:
            targets = [self.db.store] + [s.replica for s in self.sessions.values()]
            for target in targets:
                if target is source:
                    continue
                scoped = [p for p in paths if self._shared_with(p, source, target)]
                sync_paths(source, target, scoped)
        finally:
            self._copying = False

    def _shared_with(self, path: Path, source: ObjectStore, target: ObjectStore) -> bool:
        """Whether a change at ``path`` in ``source`` belongs in ``target``.

        Every object is shared, except that each replica holds only its own server's Security
        and Server instances: those go to the DB, and a host's write of one of their resources
        (§4.4: the lifetime, /1/<i>/1) goes to the replica that holds that instance, whose
        client then sends it in its Update. (Creating or deleting them is the DB's business;
        ``sync_paths`` only copies a resource into an instance the target already has.)
        """
        if path.object_id not in (0, 1) or target is self.db.store:
            return True
        return source is self.db.store and path.resource_id is not None

    def structure_changed(self) -> None:
        """Objects added to or removed from the table: each replica follows (§2.2 step 10)."""
        for session in self.sessions.values():
            for oid in self.db.object_ids():
                if oid not in session.replica.object_ids():
                    session.replica.add_object(oid)
            session.client.request_update()

    def clear(self) -> None:
        self.sessions.clear()
