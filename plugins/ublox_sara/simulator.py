"""Simulated SARA-R4 / SARA-R5 / LEXI-R4 module: the +ULWM2M* dialect over a real LwM2M client.

What it emulates, with the note's sections:

* the LwM2M client starts with the module when enabled (§4.1) and registers with every server
  of its DB: the u-blox server SSID 721 at the address of the ``server_url`` option (§3.3) and
  any server the host created with +ULWM2MCREATE (§5.1, applied at the next reboot);
* +ULWM2MSTAT URCs come from what happens on the wire: registration (event 1, the variant's
  code), update timer (2), notifications sent (3), client status (4, not on SARA-R5),
  initialisation (5) and server connections (6) per the verbosity mask (§4.1.1, §4.1.2);
* the DB, +ULWM2MCONFIG/+ULWM2MCONFIGEXT, +ULWM2M's enabled flag, +ULWM2MSTAT, +UMNOPROF, +ODIS,
  +ULWM2MPULSE and the XLWM2M files live in the non-volatile settings; +CFUN=15/16 and a server's
  Execute on /3/0/4 (§5.6) reboot the module;
* errors: unknown commands answer ``ERROR``, bad parameters ``+CME ERROR`` per ``+CMEE``.

Options (``make_simulator(variant, server_url, **options)``): ``settings`` (a SettingsStore to
keep NVM across instances), ``lifetime`` of server 721, ``ack_timeout``, ``max_retransmit``,
``retry_attempts``, ``lwm2m_enabled``, ``mno`` (factory profile), ``imsi``, ``boot_delay``.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from typing import Any

from workbench.plugin_api import (
    AtCall,
    AtError,
    ClientEvent,
    CodecError,
    CommandForm,
    ModuleIdentity,
    Path,
    PayloadRequest,
    Reply,
    SettingsStore,
    SimulatorBase,
    decode_ublox_json,
    invalid_param,
    not_allowed,
    split_at_json_argument,
)

from .db import UBLOX_SSID, ModuleDb, factory_snapshot
from .profiles import Profile
from .sessions import ServerSession, SessionGroup

_log = logging.getLogger(__name__)

IMEI = "352753095787618"  # §5.1.1: the IMEI whose base64 is the example's PSK identity
TAG = "XLWM2M"
#: §4.2: line limit of +ULWM2MREAD.
MAX_LINE = 1040
#: Lua object files a SARA-R4 ships with (§4.2) and the object each one defines.
FACTORY_FILES = {
    "object_apn_connection_profile.lua": 11,
    "object_cellular_connectivity.lua": 10,
    "object_connectivity_monitoring.lua": 4,
    "object_connectivity_statistics.lua": 7,
    "object_device.lua": 3,
    "object_firmware_update.lua": 5,
    "object_generic_sensor.lua": 3300,
    "object_location.lua": 6,
    "object_lwm2m_access_control.lua": 2,
    "object_lwm2m_security.lua": 0,
    "object_lwm2m_server.lua": 1,
    "object_lwm2m_software_component.lua": 14,
    "object_portfolio.lua": 16,
}
_OBJECT_ID_IN_LUA = re.compile(r"(?i)obj(?:ect)?_?id\s*=\s*(\d+)")
#: MNO profiles where LwM2M never starts (§3.3) and where it is off by default (§3.3 DoCoMo).
_NO_LWM2M = (0, 201)
_ODIS_PROFILES = (2,)
_ODIS_FACTORY = ("", "HMAN0", "HMOD0", "HSW0")


class SaraSimulator(SimulatorBase):
    """An emulated u-blox module of one product version (``profile``)."""

    def __init__(
        self,
        profile: Profile,
        server_url: str = "",
        *,
        settings: SettingsStore | None = None,
        lifetime: int = 86400,
        ack_timeout: float = 2.0,
        max_retransmit: int = 4,
        retry_attempts: int | None = None,
        lwm2m_enabled: bool | None = None,
        mno: int = 90,
        imsi: str = "234150000012345",
        boot_delay: float = 0.0,
        **_ignored: Any,
    ) -> None:
        super().__init__(
            variant=profile.variant,
            server_url=server_url,
            identity=ModuleIdentity(
                "u-blox", profile.model, profile.revision, imei=IMEI, imsi=imsi
            ),
            settings=settings,
            boot_delay=boot_delay,
        )
        self.profile = profile
        self.endpoint = f"urn:imei:{IMEI}"
        self.lifetime = lifetime
        self._client_options: dict[str, Any] = {
            "ack_timeout": ack_timeout,
            "max_retransmit": max_retransmit,
            "retry_attempts": retry_attempts,
            "retry_initial": 1.0,
            "retry_max": 30.0,
            "request_timeout": 10.0,
        }
        s = self.settings
        s.setdefault("mno", mno)
        s.setdefault(
            "lwm2m_enabled",
            lwm2m_enabled if lwm2m_enabled is not None else profile.enabled_by_default,
        )
        s.setdefault("stat", [1 if profile.stat_default_on else 0, 1])
        s.setdefault("config", {})
        s.setdefault("config_ext", [mno, 20, 30, 4, 1, 1, "00101", 0, 0, 0, 0])
        s.setdefault("odis", list(_ODIS_FACTORY))
        s.setdefault("pulse", [16, 0, 0, 0, 0])
        s.setdefault("gpio", {})
        s.setdefault(
            "files", {} if profile.is_r5 else {n: _lua(n, o) for n, o in FACTORY_FILES.items()}
        )
        if "db" not in s:
            s["db"] = self._factory_db()
        self.db = ModuleDb(s["db"])
        self.group = SessionGroup(self.db)
        self._stopped_for_session = False
        self._airplane = False
        self._client_running = False
        self._register_lwm2m()

    # -- set-up -------------------------------------------------------------------------------
    def _factory_db(self) -> dict[str, Any]:
        snap = factory_snapshot(self.profile, self.server_url, IMEI, int(self.settings["mno"]))
        fi = self.profile.factory_instance
        if 1 in snap["objects"] and fi in snap["objects"][1]:
            snap["objects"][1][fi][1] = self.lifetime
        return snap

    def _register_lwm2m(self) -> None:
        commands: dict[str, Callable[[AtCall], Any]] = {
            "+ULWM2M": self._ulwm2m,
            "+ULWM2MSTAT": self._stat,
            "+ULWM2MLIST": self._list,
            "+ULWM2MREG": self._reg,
            "+ULWM2MDEREG": self._dereg,
            "+ULWM2MCONFIG": self._config,
            "+ULWM2MCONFIGEXT": self._config_ext,
            "+ULWM2MREAD": self._read,
            "+ULWM2MWRITE": self._write,
            "+ULWM2MCREATE": self._create,
            "+ULWM2MDELETE": self._delete,
            "+ULWM2MREMOVE": self._remove,
            "+ULWM2MADD": self._add,
            "+ULWM2MPULSE": self._pulse,
            "+UGPIOC": self._gpioc,
            "+ODIS": self._odis,
            "+UMNOPROF": self._umnoprof,
            "+CGDCONT": self._cgdcont,
            "+ULSTFILE": self._lstfile,
            "+URDFILE": self._rdfile,
            "+URDBLOCK": self._rdblock,
            "+UDWNFILE": self._dwnfile,
            "+UDELFILE": self._delfile,
            "+UDELFILFILE": self._delfile,  # §5.3.1 spells it so
            "+CFUN": self._cfun,
        }
        for name, handler in commands.items():
            self.register(name, handler)
        if self.profile.pulse_gpios == ():
            self._handlers.pop("+ULWM2MPULSE", None)
        if not self.profile.config_ext:
            self._handlers.pop("+ULWM2MCONFIGEXT", None)

    # -- life cycle -----------------------------------------------------------------------------
    async def on_start(self) -> None:
        self._boot_client()

    async def on_stop(self) -> None:
        await self._stop_sessions(deregister=False)

    def on_reboot(self) -> None:
        """A reset: each client stops without a De-register and closes its socket.

        Inferred (the note only says the reset restarts the client, §4.1/§5.6): a module being
        reset sends nothing more, so the servers learn of it from the new Register, which comes
        from a new port.
        """
        sessions = list(self.group.sessions.values())
        self.group.clear()
        self._client_running = False
        for session in sessions:
            self.spawn(session.stop(deregister=False))
        self.settings["db"] = self.db.snapshot()
        if self.settings.get("pending_mno") is not None:
            self._apply_mno(int(self.settings.pop("pending_mno")))
        if self.settings.pop("db_reset", False):
            self.settings["db"] = self._factory_db()
        self.db = ModuleDb(self.settings["db"])
        self.group = SessionGroup(self.db)
        self._stopped_for_session = False
        self._airplane = False

    def on_boot(self) -> None:
        self._boot_client()

    def _boot_client(self) -> None:
        """§4.1: the client starts with the module when enabled, in an LwM2M MNO profile."""
        if not self.settings["lwm2m_enabled"] or self.settings["mno"] in _NO_LWM2M:
            return
        self._urc_event(5, "5,1")
        ext = self.settings["config_ext"]
        production = self.profile.production_mode and int(ext[5]) == 1 and str(ext[6])
        if production and self.identity.imsi.startswith(str(ext[6])):
            self._urc_event(5, "5,3")  # §3.2: test SIM in production mode: no LwM2M activity
            return
        self._urc_event(5, "5,2")  # initialisation finishes before the process is "up and ready"
        self._urc_event(4, "4,0")
        self.spawn(self._start_sessions())

    async def _start_sessions(self) -> None:
        if self.fun != 1:
            return
        self._client_running = True
        config = self.settings["config"]
        for ssid, sec, srv, uri in self.db.servers():
            disabled = int(config.get(ssid, [0])[-1]) if len(config.get(ssid, [])) >= 11 else 0
            if disabled == 1 or ssid in self.group.sessions:
                continue
            session = ServerSession(
                self.db, ssid, sec, srv, uri, self.endpoint, self._client_event,
                self._client_options,
            )  # fmt: skip
            self.group.add(session)
            session.client.store.on_execute(Path.of(3, 0, 4), self._remote_reboot)
            session.client.store.on_execute(Path.of(3, 0, 5), self._remote_reboot)
            try:
                await session.start()
            except Exception as exc:  # an unusable URI: the server stays unregistered
                _log.info("server %s not started: %s", ssid, exc)
                self._stat_urc(1, f"1,{ssid},{self.profile.failed_code}")

    async def _stop_sessions(self, deregister: bool) -> None:
        sessions = list(self.group.sessions.values())
        self.group.clear()
        self._client_running = False
        for session in sessions:
            with contextlib.suppress(Exception):
                await session.stop(deregister=deregister)

    def _remote_reboot(self, path: Path, arguments: str) -> None:
        """§5.6: the module resets once it receives the Execute (after answering 2.04)."""
        loop = self._running_loop()
        if loop is not None:
            if path.resource_id == 5:
                self.settings["db_reset"] = True
            loop.call_later(0.2, self.reboot)

    # -- URCs -----------------------------------------------------------------------------------
    def _stat_urc(self, event: int, text: str) -> None:
        enable, mask = self.settings["stat"]
        if not enable:
            return
        if self.profile.verbosity_mask:
            bit = 2 if event == 5 else 4 if event == 6 else 1
            if not int(mask) & bit:
                return
        self.send_urc(f"+ULWM2MSTAT: {text}")

    def _urc_event(self, event: int, text: str) -> None:
        """Events 4/5/6 exist on some products only (§4.1, §4.1.1, §4.1.2)."""
        p = self.profile
        if event == 4 and not p.client_status_urc:
            return
        if event == 5 and not p.verbosity_mask:
            return
        if event == 6 and not p.connection_urc:
            return
        self._stat_urc(event, text)

    def _client_event(self, ssid: int, event: ClientEvent) -> None:
        kind, state = event.kind, event.get("state")
        p = self.profile
        if kind == "registration":
            if state in ("registered", "updated"):
                self._stat_urc(1, f"1,{ssid},{p.registered_code}")
            elif state == "failed":
                self._stat_urc(1, f"1,{ssid},{p.failed_code}")
            elif state == "deregistered":
                self._stat_urc(1, f"1,{ssid},0")
        elif kind == "update_timer" and event.get("seconds") is not None:
            self._stat_urc(2, f"2,{ssid},{int(event.get('seconds'))}")
        elif kind == "notify" and event.get("path"):
            self._stat_urc(3, f"3,{ssid},{event.get('path')}")
        elif kind == "connection":
            session = self.group.sessions.get(ssid)
            uri = session.uri if session is not None else ""
            if state == "created":
                self._urc_event(6, f'6,{ssid},0,"{uri}"')
            elif state == "closed" and session is not None:
                self._urc_event(6, f"6,{ssid},3,{session.sent},{session.received}")
            elif state == "suspended" and p.connection_suspend and session is not None:
                self._urc_event(6, f"6,{ssid},1,{session.sent},{session.received}")
            elif state == "resumed" and p.connection_suspend:
                self._urc_event(6, f'6,{ssid},2,"{uri}"')

    # -- +ULWM2M, +ULWM2MSTAT -------------------------------------------------------------------
    def _ulwm2m(self, call: AtCall) -> Reply | Any:
        if call.form is CommandForm.TEST:
            return ["+ULWM2M: (0-4),(0-1)" if self.profile.docomo_modes else "+ULWM2M: (0-2),(0-1)"]
        if call.form is CommandForm.READ:
            return [f"+ULWM2M: {0 if self.settings['lwm2m_enabled'] else 1}"]
        if call.form is not CommandForm.SET or len(call) > 2:
            raise invalid_param()
        modes = (0, 1, 2, 3, 4) if self.profile.docomo_modes else (0, 1, 2)
        mode = call.int_arg(0, choices=modes)
        persistent = call.int_arg(1, 0, min=0, max=1)
        if mode in (3, 4):
            self.settings["docomo_server"] = mode == 4
            return None
        if mode == 0:
            self.settings["lwm2m_enabled"] = True
            return None
        if mode == 2:
            self.settings["db_reset"] = True
            self.settings["config"] = {}
        if not self.profile.stop_is_volatile:
            if mode == 1:
                self.settings["lwm2m_enabled"] = False  # §4.1: saved in NVM, after reboot
            return None
        if persistent:
            self.settings["lwm2m_enabled"] = False  # Appendix D: AT+ULWM2M=1,1 / =2,1
        return self._shutdown()

    async def _shutdown(self) -> Reply:
        """SARA-R410M/R412M: +ULWM2M=1/2 stop the client now (URC 4,7 when done)."""
        self._stopped_for_session = True
        await self._stop_sessions(deregister=False)
        self._urc_event(4, "4,7")
        return None

    def _stat(self, call: AtCall) -> Reply:
        p = self.profile
        if call.form is CommandForm.TEST:
            return ["+ULWM2MSTAT: (0,1),(1-7)" if p.verbosity_mask else "+ULWM2MSTAT: (0,1)"]
        enable, mask = self.settings["stat"]
        if call.form is CommandForm.READ:
            return [
                f"+ULWM2MSTAT: {enable},{mask}" if p.verbosity_mask else f"+ULWM2MSTAT: {enable}"
            ]
        if call.form is not CommandForm.SET or len(call) > (2 if p.verbosity_mask else 1):
            raise invalid_param()
        enable = call.int_arg(0, min=0, max=1)
        mask = call.int_arg(1, 1, min=1, max=7) if p.verbosity_mask else 1
        self.settings["stat"] = [enable, mask]
        return None

    # -- objects --------------------------------------------------------------------------------
    def _list(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        if call.form is not CommandForm.SET or len(call) != 1:
            raise invalid_param()
        uris = self.db.list_uris(call.str_arg(0))
        return ["+ULWM2MLIST: " + ",".join(f'"{u}"' for u in uris)]

    def _read(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        if call.form is not CommandForm.SET or len(call) != 1:
            raise invalid_param()
        text = "+ULWM2MREAD: " + self.db.read_json(call.str_arg(0))
        if len(text) > MAX_LINE:
            raise AtError(100, f"response longer than {MAX_LINE} characters")
        return [text]

    def _json(self, call: AtCall) -> tuple[dict[Path, Any], str]:
        try:
            text, rest = split_at_json_argument(call.raw_args)
            return decode_ublox_json(text, self.db.registry), rest
        except CodecError as exc:
            raise invalid_param(f"JSON: {exc}") from None

    def _write(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        if call.form is not CommandForm.SET:
            raise invalid_param()
        if call.raw_args.strip() == '""':
            if not self.profile.write_commit:
                raise AtError(4)  # §4.5: not on SARA-R4/LEXI-R4 nor SARA-R5 00B-00
            self.settings["db"] = self.db.snapshot()
            return None
        content, rest = self._json(call)
        if rest.strip():
            raise invalid_param("one JSON argument expected")
        try:
            changed = self.db.write(content)
        except AtError:
            raise
        except Exception as exc:  # a value the definition refuses
            raise invalid_param(str(exc)) from None
        if any(p.object_id == 1 for p in changed):
            for session in self.group.sessions.values():
                session.client.request_update()  # §4.4: lifetime change → registration update
        self._lua_hooks(changed)
        return None

    def _create(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        if call.form is not CommandForm.SET:
            raise invalid_param()
        content, rest = self._json(call)
        owner_text = rest.strip()
        if not re.fullmatch(r"\d{1,5}", owner_text) or int(owner_text) > 65535:
            raise invalid_param("server ID of the owner expected")
        try:
            created = self.db.create(content, int(owner_text))
        except AtError:
            raise
        except Exception as exc:
            raise invalid_param(str(exc)) from None
        self._lua_hooks([created.child(r) for r in self.db.store.resource_ids(*created.ids)])
        return None

    def _lua_hooks(self, changed: list[Path]) -> None:
        """What the sample Lua generic sensor does (§5.4, §5.5): URC and GPIO pulse."""
        for path in changed:
            if path.object_id == 3300 and path.resource_id == 5750:
                self.send_urc_later(
                    f"+ULWM2MNOTIFY: Application type changed in sensor {path.instance_id}", 0.01
                )

    def _delete(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        if call.form is not CommandForm.SET or len(call) not in (1, 2):
            raise invalid_param()
        if len(call) == 2:
            return self._delfile(call)  # §5.3.2 uses AT+ULWM2MDELETE=<filename>,"XLWM2M"
        self.db.delete(call.str_arg(0))
        return None

    def _remove(self, call: AtCall) -> Reply:
        if call.form is not CommandForm.SET or len(call) != 1:
            raise invalid_param()
        self.db.remove_object(call.str_arg(0))
        return None

    def _add(self, call: AtCall) -> Reply:
        if not self.profile.lua:
            raise AtError(4)
        if call.form is not CommandForm.SET or len(call) != 1:
            raise invalid_param()
        name = call.str_arg(0)
        data = self.settings["files"].get(name)
        if data is None:
            raise invalid_param(f"no file {name} with tag {TAG}")
        oid = FACTORY_FILES.get(name)
        match = _OBJECT_ID_IN_LUA.search(data)
        if match is not None:
            oid = int(match.group(1))
        if oid is None:
            raise invalid_param("no object id in the Lua file")
        self.db.add_object(oid)
        self.group.structure_changed()
        return None

    # -- registration ------------------------------------------------------------------------------
    def _reg(self, call: AtCall) -> Reply | Any:
        if call.form is CommandForm.TEST:
            return ["+ULWM2MREG: (0-65535)"]
        if call.form is CommandForm.READ:
            if not self._client_running:
                raise not_allowed("LwM2M client not running")  # §4.3.1
            lines = []
            p = self.profile
            pending = 1 if p.registered_code == 2 else 2  # the variant's table (profiles.py)
            for ssid, session in sorted(self.group.sessions.items()):
                if session.registered:
                    lines.append(f"+ULWM2MREG: {ssid},{p.registered_code},{session.remaining()}")
                else:
                    lines.append(f"+ULWM2MREG: {ssid},{0 if session.deregistered else pending}")
            return lines
        if call.form is not CommandForm.SET or len(call) != 1:
            raise invalid_param()
        ssid = call.int_arg(0, min=0, max=65535)
        return self._force_registration(ssid)

    async def _force_registration(self, ssid: int) -> Reply:
        if ssid == 0:
            if self.fun != 1:
                raise not_allowed("no network")
            if not self.settings["lwm2m_enabled"] and not self._client_running:
                raise not_allowed("LwM2M client disabled")
            if not self.db.servers():
                raise not_allowed("no LwM2M server configured")
            if not self._client_running:
                self._stopped_for_session = False
                await self._start_sessions()
            else:
                for running in self.group.sessions.values():
                    running.client.request_update()
            return None
        session = self.group.sessions.get(ssid)
        if session is None or session.deregistered:
            raise not_allowed(f"server {ssid} is not registered")  # §4.3.1 note
        session.client.request_update()
        return None

    def _dereg(self, call: AtCall) -> Reply | Any:
        if call.form is CommandForm.TEST:
            return ["+ULWM2MDEREG: (0-65535)"]
        if call.form is not CommandForm.SET or len(call) != 1:
            raise invalid_param()
        ssid = call.int_arg(0, min=0, max=65535)
        targets = list(self.group.sessions.values())
        if ssid != 0:
            targets = [s for s in targets if s.ssid == ssid]
            if not targets:
                raise not_allowed(f"server {ssid} is not registered")
        return self._deregister(targets)

    async def _deregister(self, targets: list[ServerSession]) -> Reply:
        for session in targets:
            with contextlib.suppress(Exception):
                await session.stop(deregister=True)
        return None

    # -- configuration ------------------------------------------------------------------------
    def _config(self, call: AtCall) -> Reply:
        p = self.profile
        if call.form is CommandForm.TEST:
            return ["+ULWM2MCONFIG: (0-65535),(0,1),(0-3),(0-255),(0-255)"]
        if call.form is CommandForm.READ:
            lines = []
            for _ssid, params in sorted(self._configs().items()):
                shown = params if p.config_fields == 12 else params[:6] + params[7:]
                lines.append("+ULWM2MCONFIG: " + ",".join(str(v) for v in shown))
            return lines
        if call.form is not CommandForm.SET or not 5 <= len(call) <= 12:
            raise invalid_param()
        ssid = call.int_arg(0, min=0, max=65535)
        values = [
            ssid,
            call.int_arg(1, min=0, max=1),
            call.int_arg(2, min=0, max=3),
            call.int_arg(3, min=0, max=255),
            call.int_arg(4, min=0, max=255),
        ]
        if len(call) >= 11:
            middle = [call.int_arg(i, min=0, max=65535) for i in range(5, len(call) - 1)]
            if len(middle) == 5:
                middle.insert(1, 0)  # the 11-field form lacks <reg_upd_at_PSM_exit> (§3.5.2)
            values += [*middle, call.int_arg(len(call) - 1, min=0, max=2)]
        else:
            middle = [call.int_arg(i, min=0, max=65535) for i in range(5, len(call))]
            values += [*middle, *[0, 0, 0, 40, 0, 0][len(middle) :], 0]
        config = dict(self.settings["config"])
        config[ssid] = values
        self.settings["config"] = config
        return None

    def _configs(self) -> dict[int, list[int]]:
        configs = {ssid: [ssid, 0, 1, 1, 0, 0, 0, 0, 40, 0, 0, 0] for ssid, *_ in self.db.servers()}
        if UBLOX_SSID in configs:
            configs[UBLOX_SSID] = [UBLOX_SSID, 0, 1, 255, 1, 0, 0, 0, 40, 0, 0, 0]
        configs.update(self.settings["config"])
        return configs

    def _config_ext(self, call: AtCall) -> Reply:
        ext = list(self.settings["config_ext"])
        if call.form is CommandForm.TEST:
            return ['+ULWM2MCONFIGEXT: (0-255),(0-65535),(0-65535),(0-65535),(1-255),(0,1),"sim"']
        if call.form is CommandForm.READ:
            shown = [f'"{v}"' if i == 6 else str(v) for i, v in enumerate(ext)]
            return ["+ULWM2MCONFIGEXT: " + ",".join(shown)]
        if call.form is not CommandForm.SET or not 1 <= len(call) <= 11:
            raise invalid_param()
        limits = [(0, 255), (0, 65535), (0, 65535), (0, 65535), (1, 255), (0, 1)]
        for i, (low, high) in enumerate(limits):
            if call.has(i):
                ext[i] = call.int_arg(i, min=low, max=high)
        if call.has(6) or (len(call) > 6 and call.arg_details[6].quoted):
            sim = call.str_arg(6, "")
            if sim and not re.fullmatch(r"\d{5,6}", sim):
                raise invalid_param("production SIM: 5 or 6 digits")
            if not self.profile.production_mode and (call.has(5) or sim):
                raise AtError(4)
            ext[6] = sim
        for i in range(7, len(call)):
            ext[i] = call.int_arg(i, min=0, max=65535)
        self.settings["config_ext"] = ext
        return None

    def _umnoprof(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+UMNOPROF: (0-201)"]
        if call.form is CommandForm.READ:
            return [f"+UMNOPROF: {self.settings['mno']}"]
        if call.form is not CommandForm.SET or len(call) > 2:
            raise invalid_param()
        mno = call.int_arg(0, min=0, max=206)
        if self.fun == 1 and self.network.stat != 0:
            raise not_allowed("set the module offline first (+CFUN=0/4 or +COPS=2)")  # §3.3
        self.settings["pending_mno"] = mno
        return None

    def _apply_mno(self, mno: int) -> None:
        """A new profile re-initialises the client to its factory settings (§4.1)."""
        self.settings["mno"] = mno
        self.settings["db_reset"] = True
        self.settings["config"] = {}
        self.settings["odis"] = list(_ODIS_FACTORY)
        self.settings["lwm2m_enabled"] = mno != 20 and not (self.profile.is_r5 and mno == 90)

    def _odis(self, call: AtCall) -> Reply:
        if self.settings["mno"] not in _ODIS_PROFILES:
            raise AtError(4, plain=True)  # §4.6: the command exists only in the AT&T profile
        if call.form is CommandForm.TEST:
            return ['+ODIS: "id","manufacturer","model","sw_version"']
        odis = self.settings["odis"]
        if call.form is CommandForm.READ:
            return ["+ODIS: " + ",".join(f'"{v}"' for v in odis[1:])]
        if call.form is not CommandForm.SET or len(call) != 4:
            raise invalid_param()
        values = [call.str_arg(i) for i in range(4)]
        if any(len(v) > 64 for v in values):
            raise invalid_param("at most 64 characters")
        self.settings["odis"] = values
        if 10241 in self.db.object_ids():
            store = self.db.store
            if not store.exists(Path.of(10241, 0)):
                store.create_instance(10241, 0, {})
            for rid, value in zip((5907, 5905, 5906, 5908), values, strict=True):
                store.set(Path.of(10241, 0, rid), {0: value})
        return None

    def _pulse(self, call: AtCall) -> Reply:
        pulse = self.settings["pulse"]
        gpio = pulse[0]
        mode = self.settings["gpio"].get(str(gpio), 0)
        if call.form in (CommandForm.TEST, CommandForm.READ):
            return [f"+ULWM2MPULSE: {gpio},{mode},{pulse[2]},{pulse[3]},{pulse[4]}"]  # §5.5
        if call.form is not CommandForm.SET or len(call) != 4:
            raise invalid_param()
        values = [
            call.int_arg(0, choices=self.profile.pulse_gpios),
            call.int_arg(1, min=0, max=1),
            call.int_arg(2, min=0, max=10000),
            call.int_arg(3, min=0, max=1),
        ]
        self.settings["pulse"] = [values[0], 0, *values[1:]]
        return None

    def _gpioc(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+UGPIOC: (0-255),(0-255)"]
        if call.form is CommandForm.READ:
            return [f"+UGPIOC: {g},{m}" for g, m in sorted(self.settings["gpio"].items())]
        if call.form is not CommandForm.SET or len(call) != 2:
            raise invalid_param()
        gpio = call.int_arg(0, min=0, max=255)
        mode = call.int_arg(1, min=0, max=255)
        gpios = dict(self.settings["gpio"])
        gpios[str(gpio)] = mode
        self.settings["gpio"] = gpios
        return None

    def _cgdcont(self, call: AtCall) -> Reply:
        if call.form is CommandForm.READ:
            net = self.network
            return [f'+CGDCONT: {net.cid},"IP","internet","{net.address}",0,0,0,0']
        if call.form is CommandForm.TEST:
            return ['+CGDCONT: (0-15),"IP",,,(0-2),(0-4),(0,1),(0,1)']
        if call.form is not CommandForm.SET:
            raise invalid_param()
        call.int_arg(0, min=0, max=15)
        return None

    def _cfun(self, call: AtCall) -> Reply:
        """+CFUN (base behaviour) plus what it does to the LwM2M client (§4.3.1 notes)."""
        base = self._base_cfun(call)
        if call.form is CommandForm.SET and self.fun in (0, 4) and self._client_running:
            self._airplane = True
            self.spawn(self._stop_sessions(deregister=False))
        elif call.form is CommandForm.SET and self.fun == 1 and self._airplane:
            self._airplane = False
            if not self.profile.stop_is_volatile:
                self.spawn(self._start_sessions())  # SARA-R41 waits for AT+ULWM2MREG=0
        return base

    def _base_cfun(self, call: AtCall) -> Reply:
        return SimulatorBase._cmd_cfun(self, call)

    # -- files (tag XLWM2M) ------------------------------------------------------------------
    def _tag(self, call: AtCall, index: int) -> None:
        if call.str_arg(index, TAG) != TAG:
            raise invalid_param("unknown tag")

    def _lstfile(self, call: AtCall) -> Reply:
        if call.form is not CommandForm.SET:
            raise invalid_param()
        op = call.int_arg(0, min=0, max=2)
        files: dict[str, str] = self.settings["files"]
        if op == 0:
            self._tag(call, 1)
            return ["+ULSTFILE: " + ",".join(f'"{n}"' for n in sorted(files))]
        if op == 1:
            self._tag(call, 1)
            return [f"+ULSTFILE: {9994240 - sum(len(d) for d in files.values())}"]
        name = call.str_arg(1)
        self._tag(call, 2)
        if name not in files:
            raise invalid_param("no such file")
        return [f"+ULSTFILE: {len(files[name])}"]

    def _rdfile(self, call: AtCall) -> Reply:
        if call.form is not CommandForm.SET or len(call) > 2:
            raise invalid_param()
        name = call.str_arg(0)
        self._tag(call, 1)
        data = self.settings["files"].get(name)
        if data is None:
            raise invalid_param("no such file")
        return [f'+URDFILE: "{name}",{len(data)},"{data}"']

    def _rdblock(self, call: AtCall) -> Reply:
        if call.form is not CommandForm.SET or len(call) > 4:
            raise invalid_param()
        name = call.str_arg(0)
        offset = call.int_arg(1, min=0)
        size = call.int_arg(2, min=1)
        self._tag(call, 3)
        data = self.settings["files"].get(name)
        if data is None or offset > len(data):
            raise invalid_param("no such file or offset")
        block = data[offset : offset + size]
        return [f'+URDBLOCK: "{name}",{len(block)},"{block}"']

    def _dwnfile(self, call: AtCall) -> PayloadRequest:
        if call.form is not CommandForm.SET or len(call) > 3:
            raise invalid_param()
        name = call.str_arg(0)
        size = call.int_arg(1, min=1, max=1_000_000)
        self._tag(call, 2)
        if not name or len(name) > 248:
            raise invalid_param("file name")

        def store(data: bytes) -> Reply:
            files = dict(self.settings["files"])
            files[name] = data.decode("utf-8", "replace")
            self.settings["files"] = files
            return None

        return PayloadRequest(store, length=size, prompt=b">")

    def _delfile(self, call: AtCall) -> Reply:
        if call.form is not CommandForm.SET or len(call) > 2:
            raise invalid_param()
        name = call.str_arg(0)
        self._tag(call, 1)
        files = dict(self.settings["files"])
        if files.pop(name, None) is None:
            raise invalid_param("no such file")
        self.settings["files"] = files
        return None


def _lua(name: str, object_id: int) -> str:
    """A stand-in for a factory Lua object file (the real ones are u-blox's)."""
    return f"-- {name}: LwM2M object {object_id} for the u-blox client; OBJECT_ID = {object_id}"
