"""A simulated BG95/BG77/BG600L: the §3.2 commands over a real LwM2M client.

``AT+QLWCFG`` is handled by :mod:`.cfg_commands` (settings in the non-volatile store),
``AT+QLWSVC`` here, the session and its URCs by :mod:`.session`. Files that the real module
reads from ``/datatx`` (§2.5: ``bootstrap.ini``, ``lwm2m_app_autostart``) are given as the
``files`` option, since the document shows no AT command to upload them.

Options (``make_simulator(variant, server_url, **options)``):

* ``files``: ``{"bootstrap.ini": text, "lwm2m_app_autostart": ""}`` (§2.5.1, §4.1);
* ``settings``: a :class:`SettingsStore` to keep the configuration across instances;
* ``boot_sleep``: seconds before an autostarted client begins (Table 5 BOOT_UP_SLEEP_TIME,
  default 0.2 instead of 5 to keep demos snappy);
* ``retry_attempts`` (default 3), ``ack_timeout`` (2 s), ``request_timeout`` (10 s): the LwM2M
  client's patience with an unreachable server;
* ``msisdn``: the number used for ``urn:imei-msisdn`` endpoint names.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from plugins.quectel_bg95.cfg_commands import CfgCommands, fail, int_at, str_at
from plugins.quectel_bg95.codes import CME_TEXTS
from plugins.quectel_bg95.config import QlwConfig, entries_from_bootstrap
from plugins.quectel_bg95.session import Session
from workbench.plugin_api import (
    AtCall,
    AtError,
    CommandForm,
    FirmwareOptions,
    FotaPersistence,
    ModuleIdentity,
    Path,
    Reply,
    ResourceType,
    SettingsStore,
    SimulatorBase,
    parse_bootstrap_ini,
    parse_text_value,
)

_log = logging.getLogger(__name__)

#: variant → (model, Table 1 description, firmware revision).
MODELS: dict[str, tuple[str, str, str]] = {
    "bg95-m1": ("BG95-M1", "Cat M1 only", "BG95M1LAR02A04"),
    "bg95-m2": ("BG95-M2", "Cat M1/Cat NB2", "BG95M2LAR02A04"),
    "bg95-m3": ("BG95-M3", "Cat M1/Cat NB2/EGPRS", "BG95M3LAR02A04"),
    "bg95-m4": ("BG95-M4", "Cat M1/Cat NB2, 450 MHz Supported", "BG95M4LAR02A04"),
    "bg95-m5": ("BG95-M5", "Cat M1/Cat NB2/EGPRS, Power Class 3", "BG95M5LAR02A04"),
    "bg95-m6": ("BG95-M6", "Cat M1/Cat NB2, Power Class 3", "BG95M6LAR02A04"),
    "bg77": ("BG77", "Cat M1/Cat NB2", "BG77LAR02A04"),
    "bg600l-m3": ("BG600L-M3", "Cat M1/Cat NB2/EGPRS", "BG600LM3LAR02A04"),
}

SVC_TEST_LINES = (
    '+QLWSVC: "reg", (0,1)',
    '+QLWSVC: "dereg", (0,1)',
    '+QLWSVC: "lifetime", (1-65534),(0-86400)',
    '+QLWSVC: "update", (1-65534),(0,1)',
    '+QLWSVC: "state", (0-5)',
    '+QLWSVC: "uldata", (1-65534),<URI>,(1-1460),<data>,(0,1),(0,1)',
)

_URI = re.compile(r"^/\d+/\d+/\d+$")


def cme(code: int) -> AtError:
    """``+CME ERROR: <cme_err>`` of ``AT+QLWSVC="reg"`` (§3.2.2)."""
    return AtError(code, CME_TEXTS[code])


class QuectelSimulator(SimulatorBase):
    """The emulated module (one per connection)."""

    def __init__(
        self,
        variant: str = "bg95-m3",
        server_url: str = "",
        *,
        files: dict[str, str] | None = None,
        settings: SettingsStore | None = None,
        boot_sleep: float = 0.2,
        retry_attempts: int = 3,
        ack_timeout: float = 2.0,
        request_timeout: float = 10.0,
        msisdn: str = "15551234567",
        fota_fail: str | None = None,
        **_ignored: Any,
    ) -> None:
        model, _, revision = MODELS.get(variant, MODELS["bg95-m3"])
        super().__init__(
            variant=variant,
            server_url=server_url,
            identity=ModuleIdentity(
                "Quectel", model, revision, imei="864475040090705", imsi="310410123456789"
            ),
            settings=settings,
            default_cmee=1,
        )
        self.files = dict(files or {})
        self.boot_sleep = boot_sleep
        self.msisdn = msisdn
        self.client_options: dict[str, Any] = {
            "retry_attempts": retry_attempts,
            "ack_timeout": ack_timeout,
            "request_timeout": request_timeout,
            # §2.3: object 5 is handed to the module's FOTA application, which applies the
            # image on "execute update" and reports the result. The note names no delivery
            # limits, so push and pull over CoAP are both accepted (inferred, see README).
            "firmware": FirmwareOptions(fail=fota_fail),
        }
        self.config = QlwConfig(self.settings, model, revision)
        self.fota = FotaPersistence(self)
        self.session: Session | None = None
        self._stopping: asyncio.Task[Any] | None = None
        self._cfg = CfgCommands(self.config, self._running, server_url, self._device_changed)
        self.register("+QLWCFG", self._cfg.handle)
        self.register("+QLWSVC", self._svc)
        self.register("+QCSQ", self._qcsq)

    # -- boot -----------------------------------------------------------------------------
    def boot_urcs(self) -> list[str]:
        return ["RDY", "APP RDY"]

    def on_reboot(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            session.detach()
            self._stopping = self.spawn(session.close())

    def on_boot(self) -> None:
        if self._autostart_wanted():
            self.spawn(self._autostart())

    async def on_start(self) -> None:
        self.on_boot()

    async def on_stop(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            await session.close()

    def _autostart_wanted(self) -> bool:
        if "lwm2m_app_autostart" in self.files and "bootstrap.ini" in self.files:
            return True
        return self.config.get("autostart") == 1 and self.config.configured()

    async def _autostart(self) -> None:
        if self._stopping is not None:
            await asyncio.gather(self._stopping, return_exceptions=True)
        await asyncio.sleep(self.boot_sleep)
        if self.session is None:
            self._start_session()

    # -- helpers --------------------------------------------------------------------------
    def _running(self) -> bool:
        return self.session is not None and self.session.alive

    def _attached(self) -> bool:
        return self.fun == 1 and self.network.stat in (1, 5)

    def _device_changed(self, values: list[str]) -> None:
        if self.session is not None:
            self.session.apply_device(values)

    def _endpoint_name(self, value: str, kind: int) -> str:
        """Table 8: the URN for an enumerated name, the string itself for ``<type>`` 0."""
        if kind == 0:
            return value
        ident = self.identity
        names = {
            "4": f"urn:imei:{ident.imei}",
            "5": f"urn:esn:{ident.imei[-8:]}",
            "6": f"urn:meid:{ident.imei[:14]}",
            "7": f"urn:imei-msisdn:{ident.imei}-{self.msisdn}",
            "8": f"urn:imei-imsi:{ident.imei}-{ident.imsi}",
            "9": f"imei-imsi:{ident.imei}-{ident.imsi}",
        }
        return names.get(value, f"urn:imei:{ident.imei}")

    def _start_session(self) -> Session:
        security = list(self.config.security().values())
        servers = self.config.servers()
        if not security and "bootstrap.ini" in self.files:
            parsed = parse_bootstrap_ini(self.files["bootstrap.ini"])
            sec_list, srv_list = entries_from_bootstrap(parsed)
            security = sec_list
            servers = {s.index: s for s in srv_list}
        kind, bs_name, reg_name = self.config.get("epns")
        session = Session(
            endpoint=self._endpoint_name(reg_name, kind),
            bootstrap_endpoint=self._endpoint_name(bs_name, kind),
            security=security,
            servers=servers,
            version="1.1" if self.config.get("version") == 1 else "1.0",
            retry=tuple(self.config.get("transcfg")),
            send_urc=self.send_urc,
            attached=self._attached,
            client_options=dict(self.client_options),
        )
        session.apply_device(self.config.get("device"))
        session.apply_host(self.config.get("host"))
        store = session.client.store
        self.fota.attach(session.client)
        store.on_execute(Path.of(3, 0, 4), lambda path, args: self._reboot_soon())
        store.on_execute(Path.of(3, 0, 5), lambda path, args: self._factory_reset_soon())
        self.session = session
        self.spawn(self._run_session(session))
        return session

    async def _run_session(self, session: Session) -> None:
        try:
            await session.run()
        except Exception as exc:
            _log.warning("LwM2M session failed to start: %s", exc)
            session.event(0, 15)
            session.detach()

    def _reboot_soon(self) -> None:
        """Execute /3/0/4: answer 2.04 first, then reset like ``AT+CFUN=1,1``."""
        loop = self._running_loop()
        if loop is not None:
            loop.call_later(0.2, self.reboot)

    def _factory_reset_soon(self) -> None:
        self.config.factory_reset()
        self._reboot_soon()

    # -- AT+QLWSVC ------------------------------------------------------------------------
    def _qcsq(self, call: AtCall) -> Reply:
        """``+QCSQ``: the simulated radio as the BG96 manual prints it (SINR in 1/5 dB + 20 dB;
        see the decoder's note), moving with the drift +CESQ shows."""
        if call.form is CommandForm.TEST:
            return ['+QCSQ: "NOSERVICE","GSM","CAT-M1","CAT-NB1"']
        if call.form is not CommandForm.EXECUTE:
            raise AtError(4, plain=True)
        net = self.network
        if self.fun != 1 or net.stat not in (1, 5):
            return ['+QCSQ: "NOSERVICE"']
        drift = self._v.rsrp_offset
        rsrp = min(max(net.rsrp + drift, 0), 97) - 141
        rsrq = (min(max(net.rsrq + self._v.rsrq_offset, 0), 34) - 40) // 2
        sinr = min(max(150 + 5 * drift, 0), 250)  # 10 dB, 1 dB per step of RSRP drift
        mode = "CAT-NB1" if net.act == 9 else "CAT-M1"
        return [f'+QCSQ: "{mode}",{rsrp + 20},{rsrp},{sinr},{rsrq}']

    def _svc(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return list(SVC_TEST_LINES)
        if call.form is not CommandForm.SET or not call.arg_details:
            raise fail("use AT+QLWSVC=<item>[,...]")
        item = call.arg_details[0].value.lower()
        handler = {
            "reg": self._reg,
            "dereg": self._dereg,
            "lifetime": self._lifetime,
            "update": self._update,
            "state": self._state,
            "uldata": self._uldata,
        }.get(item)
        if handler is None:
            raise fail(f"unknown item {item!r}")
        return handler(call)

    def _reg(self, call: AtCall) -> Reply:
        if len(call) > 2:
            raise cme(703)
        mode = self.config.get("reg_mode")
        if len(call) == 2:
            try:
                mode = int_at(call, 1, 0, 1)
            except AtError:
                raise cme(703) from None
        if self._running():
            raise cme(702)
        if not self.config.configured() and "bootstrap.ini" not in self.files:
            raise cme(705)
        self.config.put("reg_mode", mode)
        old, self.session = self.session, None
        self.spawn(self._reg_then_start(old))
        return None

    async def _reg_then_start(self, old: Session | None) -> None:
        """``OK`` is out; now ``+QLWREG: 0`` and the client's own URCs (§4.2)."""
        if old is not None:
            await old.close()
        self.send_urc("+QLWREG: 0")
        try:
            self._start_session()
        except Exception as exc:  # e.g. a configuration the client cannot use
            _log.warning("LwM2M session not started: %s", exc)
            self.send_urc('+QLWURC: "event",0,15,"GENERIC_FAILED"')

    def _registered_session(self, call: AtCall, index: int = 1) -> tuple[Session, int]:
        session = self.session
        ssid = int_at(call, index, 1, 65534)
        if session is None or not session.alive or not session.registered:
            raise fail("not registered")
        if ssid != session.short_id:
            raise fail(f"no LwM2M server {ssid}")
        return session, ssid

    def _dereg(self, call: AtCall) -> Reply:
        if len(call) > 2:
            raise fail()
        method = int_at(call, 1, 0, 1) if len(call) == 2 else 0
        session = self.session
        if session is None or not session.alive or not session.registered:
            raise fail("not registered")
        self.spawn(self._dereg_flow(session, method))
        return None

    async def _dereg_flow(self, session: Session, method: int) -> None:
        # The two examples differ: §4.2.1 ("dereg") prints only 19 "Dereg_Finish", §4.2.2
        # (factory reset) prints 5, then 18/19 in upper case. Each is reproduced as shown.
        if method == 1:
            session.event(0, 5)
            session.upper_dereg = True
        else:
            session.quiet_deregistering = True
        ok = True
        try:
            await session.client.deregister()
        except Exception:
            ok = False
        session.detach()
        self.send_urc(f"+QLWDEREG: {0 if ok else 1}")
        if self.session is session:
            self.session = None
        await session.close()
        if method == 1:
            self.config.factory_reset()

    def _lifetime(self, call: AtCall) -> Reply:
        if len(call) == 2:
            ssid = int_at(call, 1, 1, 65534)
            session = self.session
            account = session.client.account if session is not None and session.alive else None
            if account is not None and account.short_server_id == ssid:
                return f'+QLWSVC: "lifetime",{ssid},{account.lifetime}'
            for entry in self.config.security().values():
                if entry.short_id == ssid:
                    server = self.config.servers().get(entry.index)
                    lifetime = server.lifetime if server is not None else 86400
                    return f'+QLWSVC: "lifetime",{ssid},{lifetime}'
            raise fail(f"no LwM2M server {ssid}")
        if len(call) != 3:
            raise fail()
        session, ssid = self._registered_session(call)
        lifetime = int_at(call, 2, 0, 86400)
        account = session.client.account
        assert account is not None
        session.client.set_value(Path.of(1, account.server_instance, 1), lifetime)
        self.spawn(self._send_update(session))
        return None

    def _update(self, call: AtCall) -> Reply:
        if len(call) not in (2, 3):
            raise fail()
        session, _ = self._registered_session(call)
        if len(call) == 3:
            int_at(call, 2, 0, 1)
        self.spawn(self._send_update(session))
        return None

    async def _send_update(self, session: Session) -> None:
        try:
            if session.client.asleep:
                await session.client.wake()
            else:
                await session.client.update()
        except Exception as exc:  # the client already reported UPDATE_FAILED
            _log.debug("update failed: %s", exc)

    def _state(self, call: AtCall) -> Reply:
        if len(call) > 2:
            raise fail()
        wanted = int_at(call, 1, 0, 5) if len(call) == 2 else None
        rows = self._state_rows()
        if wanted is not None:
            rows = [r for r in rows if r[0] == wanted]
            if not rows:
                raise fail(f"client index {wanted} is not configured")
        return [
            f'+QLWSVC: "state",{ci},{ssid},"{uri}",{int(bs)},{code}'
            for ci, ssid, uri, bs, code in rows
        ]

    def _state_rows(self) -> list[tuple[int, int, str, bool, int]]:
        session = self.session
        if session is None or not session.alive:
            states = session.states if session is not None else {}
            return [
                (e.index, e.short_id, e.uri, e.bootstrap, states.get(e.short_id, 0))
                for e in self.config.security().values()
            ]
        store = session.client.store
        rows: list[tuple[int, int, str, bool, int]] = []
        for iid in store.instance_ids(0):
            uri = store.get_or(Path.of(0, iid, 0), "")
            bs = store.get_or(Path.of(0, iid, 1), False) is True
            ssid = store.get_or(Path.of(0, iid, 10), 0)
            if bs and session.bs_entry is not None:
                ssid = session.bs_entry.short_id
            ssid = ssid if isinstance(ssid, int) else 0
            rows.append((iid, ssid, str(uri), bs, session.states.get(ssid, 0)))
        return rows

    def _uldata(self, call: AtCall) -> Reply:
        if len(call) < 5 or len(call) > 7:
            raise fail()
        session, _ = self._registered_session(call)
        uri = str_at(call, 2, 64)
        if not _URI.match(uri):
            raise fail("URI must be /<Object ID>/<Instance ID>/<Resource ID>")
        length = int_at(call, 3, 1, 1460)
        data = str_at(call, 4, 2920)
        data_type = int_at(call, 5, 0, 1) if call.has(5) else 0
        message_type = int_at(call, 6, 0, 1) if call.has(6) else 0
        if data_type == 1:
            if not re.fullmatch(r"([0-9A-Fa-f]{2})*", data):
                raise fail("data is not hexadecimal")
            raw = bytes.fromhex(data)
        else:
            raw = data.encode("utf-8")
        if len(raw) != length:
            raise fail("data_len does not match the data")
        path = Path.parse(uri)
        store = session.client.store
        try:
            rtype = store.resource_definition(path).type
            if rtype is ResourceType.OPAQUE:
                value: object = raw
            elif rtype is ResourceType.STRING:
                value = raw.decode("utf-8")
            else:
                value = parse_text_value(rtype, raw.decode("utf-8"))
            session.client.set_value(path, value)
        except Exception as exc:
            raise fail(f"cannot set {uri}: {exc}") from None
        self.spawn(session.send_uplink(path, message_type == 0))
        return None
