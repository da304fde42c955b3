"""One LwM2M session of the simulated module: a real LwM2M client, its events as ``+QLWURC``.

The module prints what happens on the wire, so every URC here comes from a
:class:`ClientEvent` of the running :class:`LwM2MClient` (§3.3):

========================  ==========================================================
client event              URC
========================  ==========================================================
bootstrap started         ``"event",<bs ssid>,6,"BS_START"``
bootstrap finished        ``"event",<bs ssid>,9,"BS_FINISH"``
bootstrap failed          ``"event",<bs ssid>,10,"BS_FAILED"``, then 14 ``BS_RETRY``
registration pending      ``"event",<ssid>,0,"INITIAL"`` (what §4 prints before REG_READY)
registration registered   ``"event",<ssid>,2,"REG_READY"``
registration failed       ``"event",<ssid>,3,"REG_FAILED"``, then 12 ``REG_RETRY``
updated / update_failed   16 ``REG_UPDATE`` / 17 ``UPDATE_FAILED``
deregistering / -ed       18 / 19 (spelling as in the example that shows them)
observe                   ``"observe",<ssid>,<URI>,<messageID>,<token>,<flag>``
server write (str/opq)    ``"recv",<URI>,<4|5>,<len>`` + data line
========================  ==========================================================

BS_PENDING (7) is not printed: the §4.2.1 example goes from BS_START straight to BS_FINISH.
The message IDs in ``"observe"``/``"uldata"`` are the simulator's own numbers (the client
engine does not expose the CoAP message ID); tokens are the real ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Callable
from typing import Any

from plugins.quectel_bg95.codes import STATE_CODES
from plugins.quectel_bg95.config import SecurityEntry, ServerEntry
from workbench.plugin_api import ClientConfig, ClientEvent, LwM2MClient, Path, ResourceType

_log = logging.getLogger(__name__)

#: §3.3.4: "The maximum number of bytes that can be received at a time is 1024."
MAX_RECV = 1024
#: Table 5 MAX_NO_RETRIES: data-call attempts before GENERIC_FAILED.
MAX_DATA_CALL_RETRIES = 5
_MODULE_OBJECTS = (0, 1, 2)


class Session:
    """A started (or starting) LwM2M client and the URCs it produces.

    ``send_urc`` prints a line; ``attached`` says whether the data call can come up (radio on,
    registered to the network). After :meth:`detach` nothing is printed any more (reboot).
    """

    def __init__(
        self,
        *,
        endpoint: str,
        bootstrap_endpoint: str,
        security: list[SecurityEntry],
        servers: dict[int, ServerEntry],
        version: str,
        retry: tuple[int, int, int],
        send_urc: Callable[[str], None],
        attached: Callable[[], bool],
        client_options: dict[str, Any],
    ) -> None:
        self.send_urc = send_urc
        self.attached = attached
        self.endpoint = endpoint
        self.bootstrap_endpoint = bootstrap_endpoint
        self.security = security
        self.bs_entry = next((e for e in security if e.bootstrap), None)
        self.dm_entry = next((e for e in security if not e.bootstrap), None)
        server = servers.get(self.dm_entry.index) if self.dm_entry else None
        self.server_entry = server or ServerEntry(self.dm_entry.index if self.dm_entry else 0)
        self.retry = retry
        #: Current ``<state_code>`` per short server ID (for ``AT+QLWSVC="state"``).
        self.states: dict[int, int] = {e.short_id: 0 for e in security}
        self.quiet_deregistering = False
        self.upper_dereg = False
        self._alive = True
        self._ids = itertools.count(random.randint(1, 30000))
        retry_timeout, _, max_timeout = retry
        lifetime = self.server_entry.lifetime or 86400
        options = dict(client_options)
        firmware = options.pop("firmware", None)
        self.client = LwM2MClient(
            bootstrap_endpoint if self.dm_entry is None else endpoint,
            self.dm_entry.uri if self.dm_entry else None,
            config=ClientConfig(
                bootstrap_url=self.bs_entry.uri if self.bs_entry else None,
                short_server_id=self.dm_entry.short_id if self.dm_entry else 101,
                lifetime=lifetime,
                binding=self.server_entry.binding,
                lwm2m_version=version,
                default_pmin=self.server_entry.pmin,
                default_pmax=self.server_entry.pmax,
                retry_initial=max(0.2, float(retry_timeout)),
                retry_max=max(0.2, float(max_timeout)),
                **options,
            ),
            on_event=self._on_event,
            firmware=firmware,
        )
        self._prepare_store()

    # -- set-up ---------------------------------------------------------------------------
    def _prepare_store(self) -> None:
        store = self.client.store
        if self.dm_entry is not None:
            self._set(Path.of(1, 0, 5), self.server_entry.disable_time)
            self._set(Path.of(1, 0, 6), self.server_entry.storing == 0)
        for oid in store.object_ids():
            if oid not in _MODULE_OBJECTS:
                store.on_write(Path.of(oid), self._server_wrote)

    def _set(self, path: Path, value: object) -> None:
        """Set a value the module configures itself; a resource the registry lacks is skipped."""
        try:
            self.client.store.set(path, value)
        except Exception as exc:
            _log.debug("cannot set %s: %s", path, exc)

    def apply_device(self, values: list[str]) -> None:
        """``AT+QLWCFG="device"`` values → /3/0/0, 1, 18, 19, 3, 17."""
        for rid, value in zip((0, 1, 18, 19, 3, 17), values, strict=False):
            if value:
                self._set(Path.of(3, 0, rid), value)

    def apply_host(self, table: dict[int, dict[int, str]]) -> None:
        """``AT+QLWCFG="host"`` values → Portfolio /16/<host_index>/0/<hostID>."""
        store = self.client.store
        if store.registry.get(16) is None:
            return
        for index, values in sorted(table.items()):
            try:
                store.create_instance(16, index, {0: dict(values)})
            except Exception as exc:
                _log.debug("cannot create /16/%s: %s", index, exc)

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def registered(self) -> bool:
        return self.client.registered

    @property
    def short_id(self) -> int | None:
        account = self.client.account
        return account.short_server_id if account is not None else None

    async def run(self) -> None:
        """Bring the data call up (as far as the network allows), then start the client."""
        attempts = 0
        while not self.attached():
            attempts += 1
            code = 13 if self.dm_entry is None else 11
            ssid = self.bs_entry.short_id if self.dm_entry is None and self.bs_entry else None
            self.event(ssid if ssid is not None else self._dm_ssid(), code)
            if attempts >= MAX_DATA_CALL_RETRIES:
                self.event(0, 15)
                self._alive = False
                return
            await asyncio.sleep(max(0.2, float(self.retry[0])))
        await self.client.start(wait=False)

    async def stop(self, deregister: bool) -> None:
        await self.client.stop(deregister=deregister)

    def detach(self) -> None:
        """Print nothing more (the module rebooted under this session)."""
        self._alive = False

    @property
    def alive(self) -> bool:
        return self._alive and self.client.state != "failed"

    # -- URCs -----------------------------------------------------------------------------
    def event(self, ssid: int, code: int, name: str | None = None) -> None:
        row = STATE_CODES[code]
        if ssid:
            # REG_UPDATE is an event, not a state: "state" keeps reporting REG_READY.
            self.states[ssid] = 2 if code == 16 else code
        if self._alive:
            self.send_urc(f'+QLWURC: "event",{ssid},{code},"{name or row.name}"')

    def _dm_ssid(self) -> int:
        return self.dm_entry.short_id if self.dm_entry is not None else 0

    def _bs_ssid(self) -> int:
        return self.bs_entry.short_id if self.bs_entry is not None else 0

    def _on_event(self, ev: ClientEvent) -> None:
        try:
            self._translate(ev)
        except Exception:
            _log.exception("quectel session: event %s not translated", ev.kind)

    def _translate(self, ev: ClientEvent) -> None:
        kind, state = ev.kind, ev.get("state")
        if kind == "bootstrap":
            code = {"started": 6, "finished": 9, "failed": 10, "retrying": 14}.get(state)
            if state == "finished":
                self.client.endpoint = self.endpoint
            if code is not None:
                self.event(self._bs_ssid(), code)
        elif kind == "registration":
            self._registration(ev, state)
        elif kind == "observe":
            ssid = self.short_id or self._dm_ssid()
            token = ev.get("token") or ""
            try:
                token_number = int(token, 16) if token else 0
            except ValueError:
                token_number = 0
            flag = 0 if ev.get("active") else 1
            if self._alive:
                self.send_urc(
                    f'+QLWURC: "observe",{ssid},"{ev.get("path")}",{next(self._ids)},'
                    f"{token_number},{flag}"
                )
        elif kind == "client" and state == "failed":
            self._alive = False

    def _registration(self, ev: ClientEvent, state: str | None) -> None:
        server = ev.get("server")
        ssid = server if isinstance(server, int) else self._dm_ssid()
        if state == "deregistering":
            if not self.quiet_deregistering:
                self.event(ssid, 18, "DEREG_START" if self.upper_dereg else None)
            return
        if state == "deregistered":
            if ev.get("error") is None:
                self.event(ssid, 19, "DEREG_FINISH" if self.upper_dereg else None)
            return
        code = {
            "pending": 0,
            "registered": 2,
            "failed": 3,
            "retrying": 12,
            "updated": 16,
            "update_failed": 17,
        }.get(state or "")
        if code is not None:
            self.event(ssid, code)

    def _server_wrote(self, path: Path) -> None:
        """A server Write of a string/opaque resource is pushed to the host (§3.3.4)."""
        if path.resource_id is None or not self._alive:
            return
        store = self.client.store
        try:
            rtype = store.resource_definition(path).type
            value = store.get(Path.of(*path.ids[:3]))
        except Exception:
            return
        if rtype not in (ResourceType.STRING, ResourceType.OPAQUE):
            return
        items: list[tuple[str, Any]]
        if isinstance(value, dict):
            wanted = path.resource_instance_id
            items = [
                (f"{Path.of(*path.ids[:3])}/{ri}", v)
                for ri, v in sorted(value.items())
                if wanted is None or ri == wanted
            ]
        else:
            items = [(str(Path.of(*path.ids[:3])), value)]
        for uri, item in items:
            if rtype is ResourceType.OPAQUE:
                data = bytes(item) if isinstance(item, bytes | bytearray) else b""
                for start in range(0, max(len(data), 1), MAX_RECV):
                    chunk = data[start : start + MAX_RECV]
                    self._recv(uri, 5, len(chunk), chunk.hex().upper())
            else:
                raw = str(item if item is not None else "").encode("utf-8")
                for start in range(0, max(len(raw), 1), MAX_RECV):
                    chunk = raw[start : start + MAX_RECV]
                    self._recv(uri, 4, len(chunk), chunk.decode("utf-8", "replace"))

    def _recv(self, uri: str, data_type: int, length: int, data: str) -> None:
        # §3.3.4 writes the head as ``...,<data_len>,<CR><LF><data>``: with a trailing comma.
        self.send_urc(f'+QLWURC: "recv","{uri}",{data_type},{length},')
        if length:
            self.send_urc(data)

    # -- uplink application data -------------------------------------------------------------
    def next_id(self) -> int:
        return next(self._ids)

    async def send_uplink(self, path: Path, confirmable: bool) -> None:
        """Deliver ``path`` to the server; report it per §3.3.3.

        LwM2M 1.1 has Send (POST /dp). LwM2M 1.0 has none (inferred, the note does not say how
        uldata travels in 1.0): the new value reaches the server as a notification when the
        server observes the resource (or its instance/object), which the value change
        already triggered; when nothing observes it, there is no way to deliver it (-2).
        """
        ssid = self.short_id or self._dm_ssid()
        message_id, token = self.next_id(), random.randint(1, 0xFFFFFFFF)
        result = 0
        if self.client.lwm2m_version == "1.0":
            observed = any(o.path.contains(path) for o in self.client.observations.observations)
            result = 0 if observed else -2
        else:
            try:
                await self.client.send([path])
            except Exception as exc:
                code = getattr(exc, "code", None)
                result = -1 if code is not None else -2
        if confirmable and self._alive:
            self.send_urc(f'+QLWURC: "uldata",{ssid},"{path}",{message_id},{token},{result}')

    async def close(self) -> None:
        self._alive = False
        with contextlib.suppress(Exception):
            await self.client.stop(deregister=False)
