"""An emulated LEXI-R10401D-00B: ``+ULWM2M*`` over real LwM2M clients, one per enabled server.

What the document says and the simulator does:

* ``<activation_mode>`` is 1 (disabled) from the factory; ``AT+ULWM2M=0`` is stored and takes
  effect after a reboot (``AT+CFUN=16``), or at once after ``AT+ULWM2M=3`` (inhibit). ``=1``
  stops the client now (kept in NVM only with ``<nvm_saved>``=1), ``=2`` resets it.
* Factory servers: 721 (enabled) and 123 (disabled), both at the ``server_url`` option (these
  machines reach no internet). ``AT+ULWM2MCONFIG`` rows live in NVM; only ``<server_disabled>``
  has an effect (the document: the others "are not effective").
* ``+ULWM2MSTAT`` URCs come from the client engine's events: registration codes 1-9, the update
  timer (at each restart and every ``timer_period`` seconds), notifications, client shut down
  (4,7; the only ``<client_status>`` 00B reports), initialisation 1/2/4 and connection created/
  closed (00B reports no byte counts). The URC configuration is not saved (attribute "Settings
  saved: No").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from workbench.plugin_api import (
    AtCall,
    AtError,
    ClientConfig,
    ClientEvent,
    CommandForm,
    FirmwareOptions,
    FotaPersistence,
    LwM2MClient,
    ModuleIdentity,
    Path,
    Reply,
    SimulatorBase,
    invalid_param,
    not_allowed,
)

from .codes import CONFIG_PARAMS, ENGINE_BOOTSTRAP, ENGINE_REGISTRATION, SERVER_DISABLED_ALLOWED

_log = logging.getLogger(__name__)

#: Factory rows of ``+ULWM2MCONFIG`` (values after ``<server_id>``), from the document's example
#: but with server 123 disabled so that one registration reaches the built-in server.
_FACTORY_CONFIG: dict[int, list[int]] = {
    721: [0, 2, 1, 1, 0, 0, 0, 40, 0, 0, 0],
    123: [0, 1, 1, 0, 0, 0, 0, 40, 0, 0, 1],
}
_DISABLED = len(CONFIG_PARAMS) - 1  # index of <server_disabled> in a row

#: Inferred: the AT manual never states the client's LwM2M version; the only specification it
#: cites is OMA-TS-LightweightM2M-V1_0-20170208-A (+ULWM2MSTAT event 3, "notification"), and
#: its sibling SARA/LEXI-R4 note says "compliant with LwM2M OMA TS version 1.0". 1.0 is also
#: what every strict 1.0 or 1.1 server accepts.
LWM2M_VERSION = "1.0"


@dataclass(slots=True)
class _Link:
    """The client engine talking to one server, and what the module reports about it."""

    server_id: int
    address: str
    client: LwM2MClient
    status: int = 1
    #: Loop time of the next registration update, when registered.
    update_at: float | None = None
    stopping: bool = False
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


class LexiR10Simulator(SimulatorBase):
    """A LEXI-R10401D-00B module. Options: ``servers`` (id → URL, default both at
    ``server_url``), ``activation_mode`` (factory NVM value, default 1), ``lifetime`` (300 s),
    ``timer_period`` (seconds between update-timer URCs, 60), ``start_delay`` (seconds from
    boot to client start, network attach; 0.5)."""

    def __init__(
        self,
        *,
        variant: str = "00B",
        server_url: str = "",
        servers: Mapping[int, str] | None = None,
        activation_mode: int = 1,
        lifetime: int = 300,
        timer_period: float = 60.0,
        start_delay: float = 0.5,
        fota_fail: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            variant=variant,
            server_url=server_url,
            identity=ModuleIdentity("u-blox", "LEXI-R10401D", "00B.01", imei="357520070000021"),
            **options,
        )
        url = server_url or "coap://127.0.0.1:5683"
        self.server_urls: dict[int, str] = dict(servers or {721: url, 123: url})
        self.settings.setdefault("activation_mode", activation_mode)
        self.settings.setdefault(
            "server_config", {sid: list(row) for sid, row in _FACTORY_CONFIG.items()}
        )
        self.lifetime = lifetime
        self.timer_period = timer_period
        self.start_delay = start_delay
        self.fota_fail = fota_fail
        self.fota = FotaPersistence(self)
        self._stat_n = 0
        self._stat_mask = 1
        #: "running", "disabled" or "inhibited" (what AT+ULWM2M? reports as 0, 1, 3).
        self.mode = "disabled"
        self.links: dict[int, _Link] = {}
        self._closing: set[LwM2MClient] = set()
        self._timer_task: asyncio.Task[Any] | None = None
        self.register("+ULWM2MSTAT", self._ulwm2mstat)
        self.register("+ULWM2M", self._ulwm2m)
        self.register("+ULWM2MREG", self._ulwm2mreg)
        self.register("+ULWM2MCONFIG", self._ulwm2mconfig)

    # -- lifecycle ------------------------------------------------------------------------------
    async def on_start(self) -> None:
        self._boot_client()

    def on_boot(self) -> None:
        self._boot_client()

    def on_reboot(self) -> None:
        self._stat_n, self._stat_mask = 0, 1
        self.mode = "disabled"
        for link in list(self.links.values()):
            self._drop(link)

    async def on_stop(self) -> None:
        links = list(self.links.values())
        self.links.clear()
        for link in links:
            link.stopping = True
            self._closing.add(link.client)
        await asyncio.gather(
            *(client.stop(deregister=False) for client in list(self._closing)),
            return_exceptions=True,
        )
        self._closing.clear()

    def _boot_client(self) -> None:
        if self.settings["activation_mode"] != 0:
            return
        loop = self._running_loop()
        if loop is None:
            return
        self.mode = "running"
        loop.call_later(self.start_delay, self._initialise)

    def _initialise(self) -> None:
        """Client initialisation: 5,1 then one link per enabled server, then 5,2."""
        if self.mode != "running":
            return
        self._stat(5, "1")
        for sid in self._config():
            if self._enabled(sid):
                self._start_link(sid)
        self._stat(5, "2")
        if self._timer_task is None or self._timer_task.done():
            self._timer_task = self.spawn(self._timer_reports())

    # -- +ULWM2MSTAT output ---------------------------------------------------------------------
    def _stat(self, event: int, rest: str) -> None:
        bit = 0 if event <= 4 else event - 4
        if self._stat_n == 1 and self._stat_mask & (1 << bit):
            self.send_urc(f"+ULWM2MSTAT: {event},{rest}")

    async def _timer_reports(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.timer_period)
            for link in list(self.links.values()):
                if link.update_at is not None:
                    remaining = max(0, round(link.update_at - loop.time()))
                    self._stat(2, f"{link.server_id},{remaining}")

    # -- links to servers -------------------------------------------------------------------------
    def _config(self) -> dict[int, list[int]]:
        config: dict[int, list[int]] = self.settings["server_config"]
        return config

    def _enabled(self, sid: int) -> bool:
        row = self._config().get(sid)
        return row is not None and row[_DISABLED] == 0 and sid in self.server_urls

    def _start_link(self, sid: int) -> None:
        url = self.server_urls[sid]
        parts = urlsplit(url)
        address = parts.netloc or url
        link: _Link | None = None

        def on_event(event: ClientEvent) -> None:
            if link is not None:
                self._client_event(link, event)

        client = LwM2MClient(
            f"urn:imei:{self.identity.imei}",
            url,
            on_event=on_event,
            firmware=FirmwareOptions(fail=self.fota_fail),
            config=ClientConfig(
                short_server_id=sid,
                lifetime=self.lifetime,
                lwm2m_version=LWM2M_VERSION,
                retry_initial=2.0,
                retry_max=60.0,
            ),
        )
        client.set_value("/3/0/0", self.identity.manufacturer)
        client.set_value("/3/0/1", self.identity.model)
        client.set_value("/3/0/3", self.identity.revision)
        self.fota.attach(client)
        client.store.on_execute(Path.of(3, 0, 4), self._device_reboot)
        link = _Link(sid, address, client)
        self.links[sid] = link
        self.spawn(self._run_link(link))

    def _device_reboot(self, path: Path, arguments: str) -> None:
        """Server Execute /3/0/4: the module resets once the 2.04 is out."""
        loop = self._running_loop()
        if loop is not None:
            loop.call_later(0.2, self.reboot)

    async def _run_link(self, link: _Link) -> None:
        try:
            await link.client.start(wait=False)
        except Exception as exc:
            _log.info("LEXI-R10 simulator: server %d: %s", link.server_id, exc)
            link.status = 4
            self._stat(1, f"{link.server_id},4")

    def _client_event(self, link: _Link, event: ClientEvent) -> None:
        sid = link.server_id
        state = event.get("state")
        if event.kind == "connection":
            if state == "created":
                self._stat(6, f'{sid},0,"{link.address}"')
            elif state == "closed":
                self._stat(6, f"{sid},3")
        elif event.kind == "registration" and state in ENGINE_REGISTRATION:
            link.status = ENGINE_REGISTRATION[state]
            if state in ("failed", "update_failed", "deregistering"):
                link.update_at = None
            self._stat(1, f"{sid},{link.status}")
        elif event.kind == "bootstrap" and state in ENGINE_BOOTSTRAP:
            link.status = ENGINE_BOOTSTRAP[state]
            self._stat(0, f"{sid},{link.status}")
        elif event.kind == "update_timer":
            seconds = int(event.get("seconds") or 0)
            link.update_at = asyncio.get_running_loop().time() + seconds
            self._stat(2, f"{sid},{seconds}")
        elif event.kind == "notify":
            self._stat(3, f'{sid},"{event.get("path")}"')

    def _drop(self, link: _Link, deregister: bool = False) -> None:
        """Stop a link in the background (de-registering only when asked)."""
        self.links.pop(link.server_id, None)
        link.stopping = True
        link.update_at = None
        client = link.client
        self._closing.add(client)
        loop = self._running_loop()
        if loop is None:
            return

        async def close() -> None:
            try:
                await client.stop(deregister=deregister)
            finally:
                self._closing.discard(client)

        loop.create_task(close())

    async def _stop_links(self, deregister: bool) -> None:
        links = list(self.links.values())
        self.links.clear()
        for link in links:
            link.stopping = True
            link.update_at = None
        await asyncio.gather(
            *(link.client.stop(deregister=deregister) for link in links), return_exceptions=True
        )

    # -- AT+ULWM2MSTAT --------------------------------------------------------------------------
    def _ulwm2mstat(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+ULWM2MSTAT: (0,1),(1-7)"]
        if call.form is CommandForm.READ:
            return [f"+ULWM2MSTAT: {self._stat_n},{self._stat_mask}"]
        if call.form is not CommandForm.SET or len(call) > 2:
            raise invalid_param()
        self._stat_n = call.int_arg(0, min=0, max=1)
        self._stat_mask = call.int_arg(1, self._stat_mask, min=1, max=7)
        return None

    # -- AT+ULWM2M --------------------------------------------------------------------------------
    def _ulwm2m(self, call: AtCall) -> Any:
        if call.form is CommandForm.TEST:
            return ["+ULWM2M: (0-2),(0-1)"]
        if call.form is CommandForm.READ:
            return [f"+ULWM2M: {_MODE_CODES[self.mode]}"]
        if call.form is not CommandForm.SET or len(call) > 2:
            raise invalid_param()
        mode = call.int_arg(0, min=0, max=3)
        nvm_saved = call.int_arg(1, 0, min=0, max=1)
        if mode == 0:
            if self.mode == "inhibited":
                self.mode = "running"
                for sid in self._config():
                    if self._enabled(sid) and sid not in self.links:
                        self._start_link(sid)
            elif self.mode == "disabled":
                self.settings["activation_mode"] = 0  # effective after a reboot
            return None
        if mode == 3:
            if self.mode != "running":
                raise not_allowed("LwM2M client not running")
            self.mode = "inhibited"
            return self._stop_links(deregister=False)
        if mode == 1 and nvm_saved == 1:
            self.settings["activation_mode"] = 1
        return self._shut_down(reset=mode == 2)

    async def _shut_down(self, *, reset: bool) -> Reply:
        was_running = self.mode != "disabled"
        await self._stop_links(deregister=not reset)
        self.mode = "disabled"
        if was_running:
            self._stat(4, "7")
        if reset:
            self._boot_client()  # behaves per the NVM value afterwards
        return None

    # -- AT+ULWM2MREG -----------------------------------------------------------------------------
    def _ulwm2mreg(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            ids = ",".join(str(sid) for sid in self._config())
            return [f"+ULWM2MREG: (0,{ids})"]
        if call.form is CommandForm.READ:
            lines = []
            loop = self._running_loop()
            for sid in self._config():
                link = self.links.get(sid)
                if link is None:
                    lines.append(f"+ULWM2MREG: {sid},1")
                elif link.update_at is not None and loop is not None:
                    remaining = max(0, round(link.update_at - loop.time()))
                    lines.append(f"+ULWM2MREG: {sid},{link.status},{remaining}")
                else:
                    lines.append(f"+ULWM2MREG: {sid},{link.status}")
            return lines
        if call.form is not CommandForm.SET or len(call) != 1:
            raise invalid_param()
        sid = call.int_arg(0, min=0, max=65535)
        if sid == 0:
            raise AtError(4)  # "The special value 0 is not supported"
        if sid not in self._config():
            raise invalid_param("unknown server id")
        if self.mode != "running" or not self._enabled(sid):
            raise not_allowed("client or server disabled")
        link = self.links.get(sid)
        if link is not None and link.update_at is not None:
            link.client.request_update()
        else:
            if link is not None:
                self._drop(link)
            self._start_link(sid)
        return None

    # -- AT+ULWM2MCONFIG --------------------------------------------------------------------------
    def _ulwm2mconfig(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            ranges = ",".join(f"({low}-{high})" for _, low, high in CONFIG_PARAMS)
            return [f"+ULWM2MCONFIG: (1-65535),{ranges}"]
        if call.form is CommandForm.READ:
            return [
                f"+ULWM2MCONFIG: {sid},{','.join(str(v) for v in row)}"
                for sid, row in self._config().items()
            ]
        if call.form is not CommandForm.SET or len(call) != 1 + len(CONFIG_PARAMS):
            raise invalid_param()
        sid = call.int_arg(0, min=1, max=65535)
        row = [
            call.int_arg(index + 1, min=low, max=high)
            for index, (_, low, high) in enumerate(CONFIG_PARAMS)
        ]
        if row[_DISABLED] not in SERVER_DISABLED_ALLOWED:
            raise invalid_param("<server_disabled> 2 is not supported")
        config = {k: list(v) for k, v in self._config().items()}
        config[sid] = row
        self.settings["server_config"] = config
        link = self.links.get(sid)
        if row[_DISABLED] == 1 and link is not None:
            self._drop(link)
        elif self.mode == "running" and link is None and self._enabled(sid):
            self._start_link(sid)
        return None


_MODE_CODES = {"running": 0, "disabled": 1, "inhibited": 3}
