"""An emulated SIM7028: the ``+LW*`` AT dialect on top of a real LwM2M client over UDP.

Behaviour taken from simcom-sim7028-lwm2m-appnote.txt:

* ``AT+LWSTART`` first (§2.2.1: "before any other LWM2M related operations"), needs an
  attached network; every other ``+LW`` command answers ``ERROR`` before it.
* ``AT+LWCNF`` items are ``NO_SAVE``: kept in RAM, lost on reset. ``"connecttype"`` (test
  answer) and ``"connectiontype"`` (write form) are both accepted.
* ``AT+LWOPEN`` registers (max response time 9 s) and answers ``OK`` then ``+LMOPEN: <id>``
  (the spelling every example prints); a registration that fails answers ``ERROR``.
  Sessions 0 and 1 exist ("the range is from 0 to 1").
* ``AT+LWADDOBJ`` objects (8-65535, 1-15 resources) are host-managed: see :mod:`.session`.

Not in the document, chosen here and listed in README.md: the error for a command in the
wrong state is ``+CME ERROR: 3`` (``ERROR`` with the default ``+CMEE=0``, as the document
shows); a server Execute on /3/0/4 resets the module; the boot URC is ``RDY``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from workbench.plugin_api import (
    AtCall,
    AtError,
    ClientConfig,
    CommandForm,
    FirmwareOptions,
    FotaPersistence,
    LwM2MClient,
    ModuleIdentity,
    NetworkState,
    Path,
    Reply,
    SimulatorBase,
    default_registry,
    invalid_param,
    not_allowed,
    split_at_args_detailed,
)

from .session import Session
from .values import FIRST_HOST_OBJECT, MAX_RESOURCES, RESULT_CODES, SESSION_IDS, parse_groups

_log = logging.getLogger(__name__)

_CNF_TEST = [
    '+LWCNF: "server",<ipaddress>',
    '+LWCNF: "serverport",<serverport>',
    '+LWCNF: "endpointname",<endpointname>',
    '+LWCNF: "connecttype",,(4,6)',
    '+LWCNF: "lifetime",<lifetime>',
    '+LWCNF: "localport",<localport>',
]
_TEST_ANSWERS = {
    "+LWCLOSE": ["+LWCLOSE: <lwm2mId>"],
    "+LWADDOBJ": [
        "+LWADDOBJ: <lwm2mId>,<objectId>,<instanceId>,<resourceCnt>,<resourceId>[,<resourceId>...]"
    ],
    "+LWDELOBJ": ["+LWDELOBJ: <lwm2mId>,<objectId>"],
    "+LWREADRSP": [
        "+LWREADRSP: <lwm2mId>,<objectId>,<instanceId>,<resourceCnt>,<resourceId>,<valueType>,"
        "<valueLen>,<value>[,<resourceId>,<valueType>...]"
    ],
    "+LWWRITERSP": ["+LWWRITERSP: <lwm2mId>,<result>"],
    # The §2.2.10 table lists "+LWEXECUTERSP: <lwm2mId>,<result>" but its example prints only
    # OK; the example (what a terminal showed) wins.
    "+LWEXECUTERSP": [],
}
_DEFAULT_CONFIG: dict[str, Any] = {
    "server": "",
    "serverport": 5683,
    "endpointname": "",
    "connecttype": 4,
    "lifetime": 300,
    "localport": 0,
}


class Sim7028Simulator(SimulatorBase):
    """A SIM7028 with up to two LwM2M sessions and host-managed objects.

    Options: ``host_timeout`` (seconds the module waits for ``AT+LW*RSP``, default 10),
    ``open_timeout`` (seconds ``AT+LWOPEN`` waits for the registration, default 9 as the
    document's max response time), ``reboot_on_device_reboot`` (Execute /3/0/4 resets the
    module, default True).
    """

    def __init__(
        self,
        *,
        variant: str = "default",
        server_url: str = "",
        host_timeout: float = 10.0,
        open_timeout: float = 9.0,
        reboot_on_device_reboot: bool = True,
        fota_fail: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            variant=variant,
            server_url=server_url,
            identity=ModuleIdentity("SIMCOM_Ltd", "SIM7028", "SIM7028_V1.03"),
            network=NetworkState(cid=0, address="11.102.241.134", rsrq=22, rsrp=58),
            **options,
        )
        self.host_timeout = host_timeout
        self.open_timeout = open_timeout
        self.reboot_on_device_reboot = reboot_on_device_reboot
        self.fota_fail = fota_fail
        self.fota = FotaPersistence(self)
        self._started = False
        self._config: dict[str, Any] = dict(_DEFAULT_CONFIG)
        self.sessions: dict[int, Session] = {}
        self._closing: set[LwM2MClient] = set()
        self.register("+LWSTART", self._lwstart)
        self.register("+LWSTOP", self._lwstop)
        self.register("+LWCNF", self._lwcnf)
        self.register("+LWOPEN", self._lwopen)
        self.register("+LWCLOSE", self._lwclose)
        self.register("+LWADDOBJ", self._lwaddobj)
        self.register("+LWDELOBJ", self._lwdelobj)
        self.register("+LWREADRSP", self._lwreadrsp)
        self.register("+LWWRITERSP", self._answer_handler("write"))
        self.register("+LWEXECUTERSP", self._answer_handler("execute"))

    # -- lifecycle hooks ------------------------------------------------------------------------
    def boot_urcs(self) -> Sequence[str]:
        return ("RDY",)

    def on_reboot(self) -> None:
        """NO_SAVE: configuration and sessions vanish; the sockets close without deregistering."""
        self._started = False
        self._config = dict(_DEFAULT_CONFIG)
        sessions = list(self.sessions.values())
        self.sessions.clear()
        for session in sessions:
            self._close_quietly(session)

    async def on_stop(self) -> None:
        sessions = list(self.sessions.values())
        self.sessions.clear()
        for session in sessions:
            session.drop_pending()
            self._closing.add(session.client)
        await asyncio.gather(
            *(client.stop(deregister=False) for client in list(self._closing)),
            return_exceptions=True,
        )
        self._closing.clear()

    def _close_quietly(self, session: Session) -> None:
        session.drop_pending()
        client = session.client
        self._closing.add(client)
        loop = self._running_loop()
        if loop is None:
            return

        async def close() -> None:
            try:
                await client.stop(deregister=False)
            finally:
                self._closing.discard(client)

        loop.create_task(close())

    # -- helpers --------------------------------------------------------------------------------
    def _require_started(self) -> None:
        if not self._started:
            raise not_allowed("LwM2M service not started (AT+LWSTART)")

    def _session(self, call: AtCall, index: int = 0) -> Session:
        sid = _int(call, index, 0, max(SESSION_IDS))
        session = self.sessions.get(sid)
        if session is None:
            raise not_allowed(f"no session {sid}")
        return session

    @staticmethod
    def _only(call: AtCall, *forms: CommandForm) -> None:
        if call.form not in forms:
            raise AtError(4, plain=True)

    # -- AT+LWSTART / AT+LWSTOP -----------------------------------------------------------------
    def _lwstart(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        self._only(call, CommandForm.EXECUTE)
        if self.fun != 1 or self.network.stat not in (1, 5):
            raise AtError(30)
        self._started = True
        return None

    def _lwstop(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return None
        self._only(call, CommandForm.EXECUTE)
        self._require_started()
        self._started = False
        sessions = list(self.sessions.values())
        self.sessions.clear()
        for session in sessions:
            self._close_quietly(session)
        return None

    # -- AT+LWCNF -------------------------------------------------------------------------------
    def _lwcnf(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return list(_CNF_TEST)
        self._only(call, CommandForm.SET)
        self._require_started()
        args = _args(call)
        if len(args) != 2:
            raise invalid_param("two parameters expected")
        item, value = args[0].lower(), args[1].strip()
        if item == "server":
            if not value:
                raise invalid_param("empty server address")
            self._config["server"] = value
        elif item in ("serverport", "localport"):
            self._config[item] = _number(value, 0, 65535)
        elif item == "lifetime":
            self._config["lifetime"] = _number(value, 1, 65535)
        elif item in ("connectiontype", "connecttype"):
            if value not in ("4", "6"):
                raise invalid_param("connection type is 4 or 6")
            self._config["connecttype"] = int(value)
        elif item == "endpointname":
            if not value:
                raise invalid_param("empty endpoint name")
            self._config["endpointname"] = value
        else:
            raise invalid_param(f"unknown item {item!r}")
        return None

    # -- AT+LWOPEN / AT+LWCLOSE -----------------------------------------------------------------
    def _lwopen(self, call: AtCall) -> Any:
        if call.form is CommandForm.TEST:
            return None
        self._only(call, CommandForm.EXECUTE)
        self._require_started()
        if not self._config["server"]:
            raise not_allowed('no server configured (AT+LWCNF="server",..)')
        free = [sid for sid in SESSION_IDS if sid not in self.sessions]
        if not free:
            raise not_allowed("both sessions are open")
        return self._open(free[0])

    async def _open(self, sid: int) -> Reply:
        config = self._config
        host = str(config["server"])
        if config["connecttype"] == 6 and ":" in host and not host.startswith("["):
            host = f"[{host}]"
        endpoint = config["endpointname"] or f"SIM7028-{self.identity.imei}"
        client = LwM2MClient(
            endpoint,
            f"coap://{host}:{config['serverport']}",
            default_registry(),
            firmware=FirmwareOptions(fail=self.fota_fail),
            config=ClientConfig(
                lifetime=int(config["lifetime"]),
                lwm2m_version="1.0",
                local_port=int(config["localport"]),
                retry_attempts=1,
                request_timeout=self.open_timeout,
            ),
        )
        client.set_value("/3/0/0", self.identity.manufacturer)
        client.set_value("/3/0/1", self.identity.model)
        client.set_value("/3/0/2", self.identity.imei)
        client.set_value("/3/0/3", self.identity.revision)
        self.fota.attach(client)
        if self.reboot_on_device_reboot:
            client.store.on_execute(Path.of(3, 0, 4), self._device_reboot)
        session = Session(sid, client, self.send_urc, self.host_timeout)
        self.sessions[sid] = session
        try:
            await client.start(wait=True, timeout=self.open_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _log.info("SIM7028 simulator: registration failed: %s", exc)
            self.sessions.pop(sid, None)
            self._close_quietly(session)
            raise AtError(100, "registration failed") from None
        loop = asyncio.get_running_loop()
        loop.call_soon(self.send_urc, f"+LMOPEN: {sid}")  # after the OK, as §2.2.4 shows
        return None

    def _device_reboot(self, path: Path, arguments: str) -> None:
        loop = self._running_loop()
        if loop is not None:
            loop.call_later(0.2, self.reboot)  # let the 2.04 go out first

    def _lwclose(self, call: AtCall) -> Any:
        if call.form is CommandForm.TEST:
            return list(_TEST_ANSWERS["+LWCLOSE"])
        self._only(call, CommandForm.SET)
        self._require_started()
        if len(_args(call)) != 1:
            raise invalid_param("one parameter expected")
        session = self._session(call)
        return self._close(session)

    async def _close(self, session: Session) -> Reply:
        self.sessions.pop(session.session_id, None)
        session.drop_pending()
        try:
            await session.client.stop(deregister=True)
        except Exception:
            _log.exception("SIM7028 simulator: deregistration failed")
        return None

    # -- host objects ---------------------------------------------------------------------------
    def _lwaddobj(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return list(_TEST_ANSWERS["+LWADDOBJ"])
        self._only(call, CommandForm.SET)
        self._require_started()
        args = _args(call)
        if len(args) < 5:
            raise invalid_param("too few parameters")
        session = self._session(call)
        object_id = _int(call, 1, FIRST_HOST_OBJECT, 65535)
        instance_id = _int(call, 2, 0, 65535)
        count = _int(call, 3, 1, MAX_RESOURCES)
        if len(args) != 4 + count:
            raise invalid_param("resource count does not match the resource ids")
        resource_ids = [_int(call, 4 + n, 0, 65535) for n in range(count)]
        if len(set(resource_ids)) != count:
            raise invalid_param("duplicate resource id")
        session.add_object(object_id, instance_id, resource_ids)
        return None

    def _lwdelobj(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return list(_TEST_ANSWERS["+LWDELOBJ"])
        self._only(call, CommandForm.SET)
        self._require_started()
        if len(_args(call)) != 2:
            raise invalid_param("two parameters expected")
        session = self._session(call)
        session.delete_object(_int(call, 1, 0, 65535))
        return None

    def _lwreadrsp(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return list(_TEST_ANSWERS["+LWREADRSP"])
        self._only(call, CommandForm.SET)
        self._require_started()
        args = _args(call)
        if len(args) < 8:
            raise invalid_param("too few parameters")
        session = self._session(call)
        object_id = _int(call, 1, 0, 65535)
        instance_id = _int(call, 2, 0, 65535)
        count = _int(call, 3, 1, MAX_RESOURCES)
        try:
            groups = parse_groups(args[4:], count)
        except ValueError:
            raise invalid_param("resource count does not match the values") from None
        for group in groups:
            _check_group(group.resource_id, group.value_type, group.length, group.text)
        session.answer_read(object_id, instance_id, groups)
        return None

    def _answer_handler(self, op: str) -> Any:
        name = "+LWWRITERSP" if op == "write" else "+LWEXECUTERSP"

        def handler(call: AtCall) -> Reply:
            if call.form is CommandForm.TEST:
                return list(_TEST_ANSWERS[name])
            self._only(call, CommandForm.SET)
            self._require_started()
            if len(_args(call)) != 2:
                raise invalid_param("two parameters expected")
            session = self._session(call)
            result = _int(call, 1, 0, 255)
            if result not in RESULT_CODES:
                raise invalid_param("unknown result code")
            session.answer(op, result)
            return None

        return handler


# -- argument helpers (the module accepts ``AT+CMD =a,b`` and ``AT+CMD= a,b`` as shown) --------


def _args(call: AtCall) -> list[str]:
    text = call.raw_args.strip().removeprefix("=").strip()
    return [a.value for a in split_at_args_detailed(text)] if text else []


def _int(call: AtCall, index: int, low: int, high: int) -> int:
    args = _args(call)
    if index >= len(args):
        raise invalid_param(f"missing parameter {index + 1}")
    return _number(args[index], low, high)


def _number(text: str, low: int, high: int) -> int:
    stripped = text.strip()
    if not stripped.isdigit():
        raise invalid_param(f"{text!r} is not a number")
    value = int(stripped)
    if not low <= value <= high:
        raise invalid_param(f"{value} out of range {low}-{high}")
    return value


def _check_group(resource_id: int, value_type: str, length: int | None, text: str) -> None:
    """A value must be what its own ``<valueType>`` says (its length is not checked: §4.1)."""
    if not 0 <= resource_id <= 65535 or length is None or length < 0:
        raise invalid_param("bad resource id or length")
    try:
        if value_type == "I":
            int(text.strip())
        elif value_type == "F":
            float(text.strip())
        elif value_type == "D":
            bytes.fromhex(text.strip())
        elif value_type not in ("B", "S"):
            raise ValueError(value_type)
    except ValueError:
        raise invalid_param(f"value {text!r} is not of type {value_type}") from None
