"""An emulated ST87M01: the ``#LW*`` dialect of the note over a real LwM2M client.

State follows the note's scenarios: ``AT#LWPARAMS`` is saved in NVM (§6.2.1); ``AT#LWSTART``,
``AT#LWCFG`` and custom objects are volatile ("must be created each time the ST87MXX is powered
on", §6.5.1); with ``<auto_reg>=1`` the module registers by itself after a reset (§6.3).
Errors are ``+CME ERROR: <n>`` (numeric by default, as ST modules print them).

Options (``simulator_factory(variant, server_url, **options)``): ``sleep_after`` (seconds of
idleness before ``#SLEEP``, default off), ``ack_timeout``/``max_retransmit`` (CoAP, for tests),
``retry_attempts`` (registration attempts in manual mode, default 3).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from workbench.plugin_api import (
    AtCall,
    AtError,
    CommandForm,
    FirmwareOptions,
    ModuleIdentity,
    NetworkState,
    Path,
    Reply,
    SimulatorBase,
    invalid_param,
    not_allowed,
)

from . import nty
from .builtin import BuiltinTable, default_values, format_value
from .codes import (
    BOOT_HEAD,
    BUILTIN_OBJECTS,
    CME_MEMORY_FULL,
    CME_NOT_SUPPORTED,
    MAX_CUSTOM_INSTANCES,
    MAX_CUSTOM_RESOURCES,
    REG_DEREGISTER,
    REG_QUERY,
    REG_REGISTER,
    REG_UPDATE,
    STATUS_NONE,
)
from .session import Params, Session

_log = logging.getLogger(__name__)

_PDN_CID = 5
_MAX_SOCKETS = 4

_TEST_LINES = {
    "#LWSTART": None,
    "#LWSTOP": None,
    "#LWLISTSERV": None,
    "#LWLISTOBJ": None,
    "#LWPARAMS": '#LWPARAMS: <client_name>,(1-65534),(1),<url>,("U","UQ"),(1-4294967295),(0),'
    "(0,1),(0,1)",
    "#LWCFG": "#LWCFG: (0-15),(0-15)",
    "#LWREG": "#LWREG: (0-3),(1-65534)",
    "#LWCHGRSCVAL": "#LWCHGRSCVAL: <uri>,<value>",
    "#LWREADRSCVAL": "#LWREADRSCVAL: <uri>",
    "#LWADDOBJ": "#LWADDOBJ: (0-65534),(0-65534),(1-32),<resource_id>...",
    "#LWRMOBJ": "#LWRMOBJ: (0-65534)",
    "#LWNTYRDOBJ": '#LWNTYRDOBJ: (1-65534),(0-65534),(0-65534),(1-32),<res>,("D"),<len>,<data>',
    "#LWNTYWROBJ": "#LWNTYWROBJ: (1-65534),(0-65534),(0-65534),(1-32),<res>",
    "#LWNTYEXEOBJ": "#LWNTYEXEOBJ: (1-65534),(0-65534),(0-65534),(1),<res>",
    "#LWNTYTO": "#LWNTYTO: (1-600)",
    "#LWDUMPOBJ": "#LWDUMPOBJ: (0-65534)",
}


@dataclass(slots=True)
class _Socket:
    cid: int
    protocol: str
    local_port: int
    security_profile: int | None
    dtls_peer: str | None = None


class St87Simulator(SimulatorBase):
    """The ST87M01 AT interface (see module docstring)."""

    def __init__(self, variant: str = "default", server_url: str = "", **options: Any) -> None:
        super().__init__(
            variant=variant,
            server_url=server_url,
            identity=ModuleIdentity(
                "STMicroelectronics", "ST87M01", "ST87M01_V1.0.0", "359998000012345"
            ),
            default_cmee=1,
            network=NetworkState(
                stat=5, tac="42C6", cell="0063D26F", act=9, cid=_PDN_CID, address="10.64.0.12"
            ),
            settings=options.pop("settings", None),
        )
        self.sleep_after: float | None = options.pop("sleep_after", None)
        self.retry_attempts: int | None = options.pop("retry_attempts", 3)
        self.client_options: dict[str, Any] = {
            k: options.pop(k) for k in ("ack_timeout", "max_retransmit") if k in options
        }
        self.client_options["local_host"] = options.pop("local_host", "127.0.0.1")
        #: Object 5 as Table 6 describes it: Package "Not supported", Delivery Method "Only
        #: Pull mode", Protocol Support CoAP, Cancel = AT#FOTADL=0. ``fota_fail`` injects a
        #: failure (see FirmwareOptions).
        self.firmware = FirmwareOptions(
            delivery=0,
            protocols=(0,),
            package_resource=False,
            cancel_resource=True,
            fail=options.pop("fota_fail", None),
            max_block_size=options.pop("fota_block_size", 512),
        )
        if options:
            _log.warning("st87 simulator: unknown options ignored: %s", sorted(options))
        self.table = BuiltinTable()
        self._fresh()
        for name, handler in (
            ("#LWSTART", self._lwstart),
            ("#LWSTOP", self._lwstop),
            ("#LWPARAMS", self._lwparams),
            ("#LWCFG", self._lwcfg),
            ("#LWREG", self._lwreg),
            ("#LWLISTSERV", self._lwlistserv),
            ("#LWCHGRSCVAL", self._lwchgrscval),
            ("#LWREADRSCVAL", self._lwreadrscval),
            ("#LWADDOBJ", self._lwaddobj),
            ("#LWRMOBJ", self._lwrmobj),
            ("#LWNTYRDOBJ", self._answer("read")),
            ("#LWNTYWROBJ", self._answer("write")),
            ("#LWNTYEXEOBJ", self._answer("execute")),
            ("#LWNTYTO", self._lwntyto),
            ("#LWDUMPOBJ", self._lwdumpobj),
            ("#LWLISTOBJ", self._lwlistobj),
            ("#SOCKETCREATE", self._socketcreate),
            ("#DTLSCONNECT", self._dtlsconnect),
            ("#RESET", self._reset),
            ("#RFACTORY", self._rfactory),
            ("#RFACORY", self._rfactory),
        ):
            self.register(name, handler)

    def _fresh(self) -> None:
        """Volatile state, as after power-on."""
        self.started = False
        self.lwcfg: tuple[int, int] | None = None
        self.sockets: dict[int, _Socket] = {}
        self.custom: dict[int, dict[int, list[int]]] = {}
        self.ntyto = 10
        ident = self.identity
        # A FOTA changes the firmware for good: its version and result survive the reboot.
        fota = self.settings.get("fota") if "fota" in self.settings else None
        revision = str(fota["version"]) if fota else ident.revision
        self.values = default_values(ident.model, revision, ident.imei)
        if fota:
            self.values[Path.of(5, 0, 5)] = int(fota["result"])
        self.session: Session | None = None
        self.asleep = False
        self._sleep_timer: asyncio.TimerHandle | None = None

    # -- lifecycle hooks ----------------------------------------------------------------------
    def boot_urcs(self) -> Sequence[str]:
        net = self.network
        return [
            BOOT_HEAD,
            "#SIMST: 1",
            '+CEREG: 2,"","",,,,"",""',
            f"+CGEV: ME PDN ACT {net.cid}",
            f"#IPCFG: {net.cid},0,1",
            f'+CEREG: {net.stat},"{net.tac}","{net.cell}",{net.act},,,"00000001",""',
        ]

    def on_reboot(self) -> None:
        session = self.session
        if self._sleep_timer is not None:
            self._sleep_timer.cancel()
        self._fresh()
        if session is not None:
            self.spawn(session.stop(deregister=False))

    def on_boot(self) -> None:
        self._auto_register()

    async def on_start(self) -> None:
        self._auto_register()
        self._activity()

    async def on_stop(self) -> None:
        if self._sleep_timer is not None:
            self._sleep_timer.cancel()
        session, self.session = self.session, None
        if session is not None:
            await session.stop(deregister=True)

    def receive(self, data: bytes) -> None:
        self._activity()
        super().receive(data)

    # -- helpers ------------------------------------------------------------------------------
    @property
    def params(self) -> Params | None:
        data = self.settings.get("lwparams") if "lwparams" in self.settings else None
        return Params.from_dict(data) if data else None

    def _auto_register(self) -> None:
        params = self.params
        if params is not None and params.auto_reg == 1 and self.session is None:
            self.started = True
            self._start_session(params, retry_attempts=None)

    def _start_session(self, params: Params, retry_attempts: int | None) -> None:
        old = self.session
        self.session = Session(
            params,
            values=self.values,
            custom=self.custom,
            host_timeout=float(self.ntyto),
            send_urc=self.send_urc,
            on_activity=self._activity,
            on_reboot=self._server_reboot,
            retry_attempts=retry_attempts,
            client_options=self.client_options,
            firmware=self.firmware,
            on_fota_reboot=self._fota_reboot,
        )
        session = self.session

        async def run() -> None:
            if old is not None:
                await old.stop(deregister=False)
            await session.start()

        self.spawn(run())

    def _server_reboot(self, factory: bool) -> None:
        """The server executed /3/0/4 (or /3/0/5): as ``AT#RESET`` (``AT#RFACTORY``)."""
        self._activity()
        if factory:
            self._factory_defaults()
        self.reboot()

    def _fota_reboot(self, version: str, result: int) -> None:
        """The DFOTA service applied a package: the module restarts (boot URCs) on it."""
        self.settings["fota"] = {"version": version, "result": result}
        self.reboot()

    def _factory_defaults(self) -> None:
        for key in list(self.settings):
            del self.settings[key]

    def _activity(self) -> None:
        """Host or server traffic: leave ``#SLEEP`` and restart the idle timer (option)."""
        if self.sleep_after is None:
            return
        if self.asleep:
            self.asleep = False
            self.send_urc("#WAKEUP")
        if self._sleep_timer is not None:
            self._sleep_timer.cancel()
        loop = self._running_loop()
        if loop is not None:
            self._sleep_timer = loop.call_later(self.sleep_after, self._fall_asleep)

    def _fall_asleep(self) -> None:
        self._sleep_timer = None
        if not self.asleep:
            self.asleep = True
            self.send_urc("#SLEEP")

    def _after_ok(self, action: Any) -> None:
        loop = self._running_loop()
        if loop is not None:
            loop.call_soon(action)
        else:
            self._after_final(action)

    @staticmethod
    def _forms(call: AtCall, *allowed: CommandForm) -> None:
        if call.form not in allowed:
            raise AtError(CME_NOT_SUPPORTED, plain=True)

    def _test_line(self, call: AtCall) -> Reply:
        return _TEST_LINES.get(call.name)

    @staticmethod
    def _count(call: AtCall, *counts: int) -> None:
        if len(call) not in counts:
            raise invalid_param(f"{call.name} takes {' or '.join(map(str, counts))} parameters")

    # -- service management -------------------------------------------------------------------
    def _lwstart(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        if call.form is CommandForm.READ:
            return f"#LWSTART: {1 if self.started else 0}"
        self._forms(call, CommandForm.EXECUTE)
        self.started = True
        return None

    def _lwstop(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        self._forms(call, CommandForm.EXECUTE)
        if not self.started:
            raise not_allowed("LwM2M stack not started")
        self.started = False
        session, self.session = self.session, None
        if session is not None:
            self.spawn(session.stop(deregister=session.registered))
        return None

    def _lwparams(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return self._test_line(call)
        if call.form is CommandForm.READ:
            params = self.params
            return f"#LWPARAMS: {params.line()}" if params is not None else None
        self._forms(call, CommandForm.SET)
        self._count(call, 9)
        name = call.str_arg(0)
        if len(name) > 64 or any(ch in name for ch in ' ,"'):
            raise invalid_param("bad client name")
        url = call.str_arg(3)
        _check_url(url)
        binding = call.str_arg(4).upper()
        if binding not in ("U", "UQ"):
            raise invalid_param("binding: only U (UDP) and UQ")
        params = Params(
            client_name=name,
            server_id=call.int_arg(1, min=1, max=65534),
            server_type=call.int_arg(2, choices=(1,)),
            url=url,
            binding=binding,
            lifetime=call.int_arg(5, min=1, max=2**32 - 1),
            storing=call.int_arg(6, choices=(0,)),
            auto_reg=call.int_arg(7, choices=(0, 1)),
            urc=call.int_arg(8, choices=(0, 1)),
        )
        self.settings["lwparams"] = params.to_dict()
        self.values[Path.of(1, 0, 0)] = params.server_id
        self.values[Path.of(1, 0, 1)] = params.lifetime
        return None

    def _lwcfg(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return self._test_line(call)
        if call.form is CommandForm.READ:
            return f"#LWCFG: {self.lwcfg[0]},{self.lwcfg[1]}" if self.lwcfg else None
        self._forms(call, CommandForm.SET)
        self._count(call, 2)
        cid = call.int_arg(0, min=0, max=15)
        socket_id = call.int_arg(1, min=0, max=15)
        if not self.started:
            raise not_allowed("AT#LWSTART first")
        sock = self.sockets.get(socket_id)
        if sock is None or sock.cid != cid or sock.protocol != "UDP":
            raise not_allowed("no UDP socket with that id on that context")
        self.lwcfg = (cid, socket_id)
        return None

    # -- server management --------------------------------------------------------------------
    def _lwreg(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return self._test_line(call)
        self._forms(call, CommandForm.SET)
        self._count(call, 1, 2)
        action = call.int_arg(0, choices=(REG_DEREGISTER, REG_REGISTER, REG_UPDATE, REG_QUERY))
        params = self.params
        server_id = call.int_arg(1, params.server_id if params else 1, min=1, max=65534)
        if params is None:
            raise not_allowed("no AT#LWPARAMS in NVM")
        if server_id != params.server_id:
            raise invalid_param("unknown server id")
        session = self.session
        if action == REG_QUERY:
            status = session.status if session is not None else STATUS_NONE
            return f"#LWREG: {server_id},{status}"
        if action == REG_REGISTER:
            self._check_can_register(params)
            attempts = None if params.auto_reg == 1 else self.retry_attempts
            self._after_ok(lambda: self._start_session(params, attempts))
            return None
        if session is None or not session.registered:
            raise not_allowed("not registered")
        if action == REG_UPDATE:
            session.client.request_update()
            return None
        self.session = None
        self.spawn(session.stop(deregister=True))
        return None

    def _check_can_register(self, params: Params) -> None:
        if not self.started:
            raise not_allowed("AT#LWSTART first")
        if params.auto_reg == 1:
            return  # the module manages its own socket (§6.3)
        if self.lwcfg is None:
            raise not_allowed("AT#LWCFG first")
        sock = self.sockets.get(self.lwcfg[1])
        if sock is None:
            raise not_allowed("the configured socket is gone")
        if sock.security_profile is not None:
            # The simulated client has no DTLS; refuse rather than register in plain text.
            raise AtError(CME_NOT_SUPPORTED, "DTLS is not simulated")

    def _lwlistserv(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        self._forms(call, CommandForm.EXECUTE)
        params = self.params
        return f"#LWLISTSERV: {params.server_id},{params.url}" if params else None

    # -- built-in objects ---------------------------------------------------------------------
    def _builtin_path(self, call: AtCall) -> tuple[Path, Any]:
        try:
            path = Path.parse(call.str_arg(0))
        except ValueError:
            raise invalid_param("bad resource path") from None
        row = self.table.find(path)
        if row is None:
            raise invalid_param("not a built-in resource")
        return path, row

    def _lwchgrscval(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return self._test_line(call)
        self._forms(call, CommandForm.SET)
        self._count(call, 2)
        path, row = self._builtin_path(call)
        if row.host != "RW":
            raise not_allowed(f"{row.name} is not writable by the host")
        raw = call.raw_args.split(",", 1)[1]
        try:
            value = row.parse(raw)
        except ValueError as exc:
            raise invalid_param(str(exc)) from None
        key = Path.of(*path.ids[:3])
        if row.multiple:
            current = self.values.get(key)
            merged = dict(current) if isinstance(current, dict) else {}
            merged[path.resource_instance_id or 0] = value
            value = merged
        session = self.session
        if session is not None:
            try:
                session.client.set_value(key, value)
            except Exception as exc:
                raise invalid_param(f"refused: {exc}") from None
        self.values[key] = value
        return None

    def _current(self, path: Path) -> object:
        session = self.session
        if session is not None:
            try:
                return session.client.get_value(path)
            except Exception:
                return None
        return self.values.get(path)

    def _lwreadrscval(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return self._test_line(call)
        self._forms(call, CommandForm.SET)
        self._count(call, 1)
        path, row = self._builtin_path(call)
        if "R" not in row.host:
            raise not_allowed(f"{row.name} is not readable by the host")
        value = self._current(Path.of(*path.ids[:3]))
        if isinstance(value, dict):
            value = value.get(path.resource_instance_id or 0)
        if value is None:
            raise not_allowed("resource not instantiated")
        return f"#LWREADRSCVAL: {path},{format_value(value)}"

    def _lwdumpobj(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return self._test_line(call)
        self._forms(call, CommandForm.SET, CommandForm.EXECUTE)
        objects = self.table.objects() + sorted(self.custom)
        if call.form is CommandForm.SET:
            self._count(call, 1)
            wanted = call.int_arg(0, min=0, max=65534)
            if wanted not in objects:
                raise invalid_param("no such object")
            objects = [wanted]
        lines: list[str] = []
        for oid in objects:
            if oid in self.custom:
                for iid, rids in sorted(self.custom[oid].items()):
                    lines += [f"#LWDUMPOBJ: /{oid}/{iid}/{rid}" for rid in rids]
                continue
            for row in self.table.readable():
                if row.object_id != oid:
                    continue
                value = self._current(row.path)
                if isinstance(value, dict):
                    for ri, item in sorted(value.items()):
                        lines.append(f"#LWDUMPOBJ: {row.path}/{ri},{format_value(item)}")
                elif value is not None:
                    lines.append(f"#LWDUMPOBJ: {row.path},{format_value(value)}")
        return lines

    def _lwlistobj(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        self._forms(call, CommandForm.EXECUTE)
        paths = [f"/{oid}/0" for oid in self.table.objects()]
        for oid, instances in sorted(self.custom.items()):
            paths += [f"/{oid}/{iid}" for iid in sorted(instances)]
        return "#LWLISTOBJ: " + ",".join(paths)

    # -- custom objects -----------------------------------------------------------------------
    def _lwaddobj(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return self._test_line(call)
        self._forms(call, CommandForm.SET)
        if len(call) < 4:
            raise invalid_param("AT#LWADDOBJ=<obj>,<inst>,<count>,<res>...")
        oid = call.int_arg(0, min=0, max=65534)
        iid = call.int_arg(1, min=0, max=65534)
        count = call.int_arg(2, min=1)
        if count > MAX_CUSTOM_RESOURCES:
            raise invalid_param(f"at most {MAX_CUSTOM_RESOURCES} resources per object")
        if len(call) != 3 + count:
            raise invalid_param(f"{count} resource ids announced, {len(call) - 3} given")
        rids = [call.int_arg(3 + i, min=0, max=65534) for i in range(count)]
        if len(set(rids)) != len(rids):
            raise invalid_param("a resource id appears twice (multi-instance not supported)")
        if not self.started:
            raise not_allowed("AT#LWSTART first")
        if oid in BUILTIN_OBJECTS or oid == 4:
            raise not_allowed("built-in object")
        instances = self.custom.get(oid, {})
        if iid in instances:
            raise not_allowed("instance exists")
        others = {r for rs in instances.values() for r in rs}
        if len(others | set(rids)) > MAX_CUSTOM_RESOURCES:
            raise invalid_param(f"at most {MAX_CUSTOM_RESOURCES} resources per object")
        if sum(len(v) for v in self.custom.values()) >= MAX_CUSTOM_INSTANCES:
            raise AtError(CME_MEMORY_FULL)
        self.custom.setdefault(oid, {})[iid] = rids
        self._apply_custom()
        return None

    def _lwrmobj(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return self._test_line(call)
        self._forms(call, CommandForm.SET)
        self._count(call, 1, 2)
        oid = call.int_arg(0, min=0, max=65534)
        if oid not in self.custom:
            raise not_allowed("no such custom object")
        if call.has(1):
            iid = call.int_arg(1, min=0, max=65534)
            if iid not in self.custom[oid]:
                raise not_allowed("no such instance")
            del self.custom[oid][iid]
            if not self.custom[oid]:
                del self.custom[oid]
        else:
            del self.custom[oid]
        session = self.session
        if session is not None:
            session.apply_custom({**self.custom, oid: self.custom.get(oid, {})})
        return None

    def _apply_custom(self) -> None:
        if self.session is not None:
            self.session.apply_custom(self.custom)

    def _lwntyto(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return self._test_line(call)
        if call.form is CommandForm.READ:
            return f"#LWNTYTO: {self.ntyto}"
        self._forms(call, CommandForm.SET)
        self._count(call, 1)
        self.ntyto = call.int_arg(0, min=1, max=600)
        if self.session is not None:
            self.session.host_timeout = float(self.ntyto)
        return None

    def _answer(self, op: str) -> Any:
        def handler(call: AtCall) -> Reply:
            if call.form is CommandForm.TEST:
                return self._test_line(call)
            self._forms(call, CommandForm.SET)
            try:
                message = nty.parse(call.args, with_data=op == "read", execute=op == "execute")
            except ValueError as exc:
                raise invalid_param(str(exc)) from None
            session = self.session
            if session is None:
                raise not_allowed("no pending request")
            problem = session.answer(op, message)
            if problem == "no pending request":
                raise not_allowed(problem)
            if problem is not None:
                raise invalid_param(problem)
            return None

        return handler

    # -- sockets and module -------------------------------------------------------------------
    def _socketcreate(self, call: AtCall) -> Reply:
        self._forms(call, CommandForm.SET)
        self._count(call, 6, 7, 8)
        cid = call.int_arg(0, min=0, max=15)
        call.int_arg(1, min=0, max=255)
        protocol = call.str_arg(2).upper()
        if protocol not in ("UDP", "TCP"):
            raise invalid_param("protocol: UDP or TCP")
        port = call.int_arg(3, min=0, max=65535)
        call.int_arg(4, min=0, max=65535)
        call.int_arg(5, min=0, max=65535)
        profile = call.int_arg(6, min=0, max=255) if call.has(6) else None
        if call.has(7):
            call.int_arg(7, min=0, max=255)
        if cid != self.network.cid or self.fun != 1:
            raise not_allowed("PDN context not active")
        free = [i for i in range(_MAX_SOCKETS) if i not in self.sockets]
        if not free:
            raise AtError(CME_MEMORY_FULL)
        self.sockets[free[0]] = _Socket(cid, protocol, port, profile)
        return f"#SOCKETCREATE: {free[0]}"

    def _dtlsconnect(self, call: AtCall) -> Reply:
        self._forms(call, CommandForm.SET)
        self._count(call, 4)
        cid = call.int_arg(0, min=0, max=15)
        socket_id = call.int_arg(1, min=0, max=15)
        address = call.str_arg(2)
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise invalid_param("bad IP address") from None
        port = call.int_arg(3, min=1, max=65535)
        sock = self.sockets.get(socket_id)
        if sock is None or sock.cid != cid or sock.protocol != "UDP":
            raise not_allowed("no UDP socket with that id on that context")
        if sock.security_profile is None:
            raise not_allowed("socket created without a security profile")
        sock.dtls_peer = f"{address}:{port}"
        return None

    def _reset(self, call: AtCall) -> Reply:
        self._forms(call, CommandForm.SET, CommandForm.EXECUTE)
        if call.form is CommandForm.SET:
            self._count(call, 1)
            call.int_arg(0, min=0, max=1)
        self._after_ok(self.reboot)
        return None

    def _rfactory(self, call: AtCall) -> Reply:
        self._forms(call, CommandForm.EXECUTE)
        self._factory_defaults()
        self._after_ok(self.reboot)
        return None


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("coap", "coaps") or not parts.hostname:
        raise invalid_param("server URL: coap://<ip_address>:<port_number>")
    try:
        _ = parts.port
    except ValueError:
        raise invalid_param("server URL: bad port") from None
