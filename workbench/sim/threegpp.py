"""The V.250 and 3GPP TS 27.007 commands every simulated module answers the same way.

Split out of :class:`workbench.sim.base.SimulatorBase` (issue 14): the base is the command
engine (line assembly, echo, dispatch, final results), this module is what a generic module
answers to ``ATE``, ``ATI``, ``+CGMI``..., ``+CMEE``, ``+CFUN``, ``+CEREG``, ``+CESQ``,
``+CSQ``, ``+CGPADDR`` and ``+COPS``, from the simulated :class:`NetworkState`.
:class:`StandardCommands` is a mixin of :class:`~workbench.sim.base.SimulatorBase`; a vendor
simulator overrides a handler by registering its own under the same name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.at.syntax import CommandForm
from workbench.sim.calls import AtCall, AtError, Handler, Reply, invalid_param


@dataclass(slots=True)
class ModuleIdentity:
    """What ATI / +CGMI / +CGMM / +CGMR / +CGSN answer."""

    manufacturer: str = "Workbench"
    model: str = "SIM-MODULE"
    revision: str = "1.0.0"
    imei: str = "490154203237518"
    imsi: str = "001010123456789"
    #: Extra ATI lines after manufacturer/model/revision (vendors differ).
    ati_extra: tuple[str, ...] = ()


@dataclass(slots=True)
class NetworkState:
    """Simulated radio/registration values (volatile, reset on reboot)."""

    stat: int = 1
    tac: str = "2B67"
    cell: str = "01A2D101"
    act: int = 7
    rsrp: int = 45
    rsrq: int = 20
    rssi: int = 20
    operator: str = "Simulated"
    numeric_operator: str = "00101"
    address: str = "10.0.0.2"
    cid: int = 1


@dataclass(slots=True)
class Volatile:
    echo: bool = True
    cmee: int = 0
    cereg: int = 0
    fun: int = 1
    network: NetworkState = field(default_factory=NetworkState)


class StandardCommands:
    """Handlers of the common commands; mixed into :class:`~workbench.sim.base.SimulatorBase`.

    It reads and changes the simulator's volatile state (``_v``) and uses the few engine
    services declared below, which the base class provides.
    """

    _v: Volatile
    identity: ModuleIdentity

    def register(self, name: str, handler: Handler) -> None:
        raise NotImplementedError

    def send_urc(self, text: str) -> None:
        raise NotImplementedError

    def reboot(self) -> None:
        raise NotImplementedError

    def _after_final(self, action: Callable[[], None]) -> None:
        raise NotImplementedError

    def _running_loop(self) -> asyncio.AbstractEventLoop | None:
        raise NotImplementedError

    def set_registration(self, stat: int) -> None:
        """Change the network registration status, printing ``+CEREG`` per the URC mode."""
        net = self._v.network
        if stat == net.stat:
            return
        net.stat = stat
        if self._v.cereg >= 1:
            self.send_urc("+CEREG: " + self._cereg_fields(urc=True))

    def _register_standard(self) -> None:
        self.register("", lambda call: None)
        self.register("E", self._cmd_echo)
        self.register("I", self._cmd_ati)
        for name in ("Z", "&F", "V", "Q", "&W", "&V", "S"):
            self.register(name, lambda call: None)
        self.register("+CGMI", self._identity_handler("manufacturer"))
        self.register("+CGMM", self._identity_handler("model"))
        self.register("+CGMR", self._identity_handler("revision"))
        self.register("+GMI", self._identity_handler("manufacturer"))
        self.register("+GMM", self._identity_handler("model"))
        self.register("+GMR", self._identity_handler("revision"))
        self.register("+CGSN", self._cmd_cgsn)
        self.register("+CIMI", self._identity_handler("imsi"))
        self.register("+CMEE", self._cmd_cmee)
        self.register("+CFUN", self._cmd_cfun)
        self.register("+CEREG", self._cmd_cereg)
        self.register("+CESQ", self._cmd_cesq)
        self.register("+CSQ", self._cmd_csq)
        self.register("+CGPADDR", self._cmd_cgpaddr)
        self.register("+COPS", self._cmd_cops)

    def _cmd_echo(self, call: AtCall) -> Reply:
        value = call.raw_args.strip() or "0"
        if value not in ("0", "1"):
            raise invalid_param()
        self._v.echo = value == "1"
        return None

    def _cmd_ati(self, call: AtCall) -> Reply:
        ident = self.identity
        return [ident.manufacturer, ident.model, ident.revision, *ident.ati_extra]

    def _identity_handler(self, attr: str) -> Handler:
        def handler(call: AtCall) -> Reply:
            if call.form is CommandForm.TEST:
                return None
            if call.form is not CommandForm.EXECUTE:
                raise AtError(4, plain=True)
            value: str = getattr(self.identity, attr)
            return [value]

        return handler

    def _cmd_cgsn(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+CGSN: (0-3)"]
        if call.form is CommandForm.EXECUTE:
            return [self.identity.imei]
        if call.form is CommandForm.SET:
            snt = call.int_arg(0, min=0, max=3)
            if snt == 1:
                return [f'+CGSN: "{self.identity.imei}"']
            if snt == 0:
                return [self.identity.imei]
            raise AtError(4)
        raise AtError(4, plain=True)

    def _cmd_cmee(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+CMEE: (0-2)"]
        if call.form is CommandForm.READ:
            return [f"+CMEE: {self._v.cmee}"]
        self._v.cmee = call.int_arg(0, 0, min=0, max=2)
        return None

    def _cmd_cfun(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+CFUN: (0,1,4,15,16),(0-1)"]
        if call.form is CommandForm.READ:
            return [f"+CFUN: {self._v.fun}"]
        if call.form is not CommandForm.SET:
            raise AtError(4, plain=True)
        fun = call.int_arg(0, choices=(0, 1, 4, 15, 16))
        rst = call.int_arg(1, 0, min=0, max=1)
        if fun in (15, 16) or rst == 1:
            # Answer OK first, then reset: what modules do (the OK may be the last thing seen).
            loop = self._running_loop()
            if loop is not None:
                loop.call_soon(self.reboot)
            else:
                self._after_final(self.reboot)
            return None
        self._v.fun = fun
        self.set_registration(1 if fun == 1 else 0)
        return None

    def _cereg_fields(self, *, urc: bool) -> str:
        net = self._v.network
        n = self._v.cereg
        parts = [] if urc else [str(n)]
        parts.append(str(net.stat))
        if n >= 2 and net.stat in (1, 5):
            parts += [f'"{net.tac}"', f'"{net.cell}"', str(net.act)]
        return ",".join(parts)

    def _cmd_cereg(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+CEREG: (0-5)"]
        if call.form is CommandForm.READ:
            return ["+CEREG: " + self._cereg_fields(urc=False)]
        if call.form is not CommandForm.SET:
            raise AtError(4, plain=True)
        self._v.cereg = call.int_arg(0, 0, min=0, max=5)
        return None

    def _cmd_cesq(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)"]
        if call.form is not CommandForm.EXECUTE:
            raise AtError(4, plain=True)
        net = self._v.network
        if self._v.fun != 1:
            return ["+CESQ: 99,99,255,255,255,255"]
        return [f"+CESQ: 99,99,255,255,{net.rsrq},{net.rsrp}"]

    def _cmd_csq(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+CSQ: (0-31,99),(99)"]
        if call.form is not CommandForm.EXECUTE:
            raise AtError(4, plain=True)
        rssi = self._v.network.rssi if self._v.fun == 1 else 99
        return [f"+CSQ: {rssi},99"]

    def _cmd_cgpaddr(self, call: AtCall) -> Reply:
        net = self._v.network
        if call.form is CommandForm.TEST:
            return [f"+CGPADDR: ({net.cid})"]
        if call.form is CommandForm.SET:
            cid = call.int_arg(0, min=0, max=15)
            if cid != net.cid:
                return [f"+CGPADDR: {cid}"]
        elif call.form is not CommandForm.EXECUTE:
            raise AtError(4, plain=True)
        attached = self._v.fun == 1 and net.stat in (1, 5)
        return [f'+CGPADDR: {net.cid},"{net.address}"' if attached else f"+CGPADDR: {net.cid}"]

    def _cmd_cops(self, call: AtCall) -> Reply:
        net = self._v.network
        if call.form is CommandForm.TEST:
            return [
                f'+COPS: (2,"{net.operator}","{net.operator[:8]}","{net.numeric_operator}",'
                f"{net.act}),,(0-4),(0-2)"
            ]
        if call.form is CommandForm.READ:
            if net.stat in (1, 5):
                return [f'+COPS: 0,0,"{net.operator}",{net.act}']
            return ["+COPS: 0"]
        if call.form is not CommandForm.SET:
            raise AtError(4, plain=True)
        mode = call.int_arg(0, min=0, max=4)
        if mode == 2:
            self.set_registration(0)
        elif mode == 0:
            self.set_registration(1)
        return None
