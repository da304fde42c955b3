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
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.at.syntax import CommandForm
from workbench.sim.calls import AtCall, AtError, Handler, Reply, invalid_param, not_allowed


@dataclass(slots=True)
class ModuleIdentity:
    """What ATI / +CGMI / +CGMM / +CGMR / +CGSN answer."""

    manufacturer: str = "Workbench"
    model: str = "SIM-MODULE"
    revision: str = "1.0.0"
    imei: str = "490154203237518"
    imsi: str = "001010123456789"
    #: What +CCID answers (an ICCID of the 001-01 test network's numbering, 19 digits).
    iccid: str = "8900101000000000017"
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
    apn: str = "internet"
    pdp_type: str = "IP"
    #: EMM cause the network gave with the last rejection (TS 24.301 Annex A), if any.
    reject_cause: int | None = None
    #: +CPSMS: mode and the requested Periodic-TAU (GPRS Timer 3) and Active-Time (Timer 2).
    psm_mode: int = 0
    psm_tau: str = "00100001"
    psm_active: str = "00000101"
    #: +CEDRXS: mode and the requested eDRX value (4 bits); the network grants it as asked.
    edrx_mode: int = 0
    edrx_value: str = "0101"
    paging_window: str = "0011"


@dataclass(slots=True)
class Volatile:
    echo: bool = True
    cmee: int = 0
    cereg: int = 0
    fun: int = 1
    network: NetworkState = field(default_factory=NetworkState)
    #: Radio drift: offsets from the NetworkState indices, moved a step per query (seeded,
    #: so a run is reproducible; the first answer is the configured value).
    rng: random.Random = field(default_factory=lambda: random.Random(3412))
    rsrp_offset: int = 0
    rsrq_offset: int = 0


class StandardCommands:
    """Handlers of the common commands; mixed into :class:`~workbench.sim.base.SimulatorBase`.

    It reads and changes the simulator's volatile state (``_v``) and uses the few engine
    services declared below, which the base class provides.
    """

    _v: Volatile
    _network_template: NetworkState
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
        self.register("+CCID", self._cmd_ccid)
        self.register("+CGDCONT", self._cmd_cgdcont)
        self.register("+CPSMS", self._cmd_cpsms)
        self.register("+CEDRXS", self._cmd_cedrxs)
        self.register("+CEDRXRDP", self._cmd_cedrxrdp)

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
        registered = net.stat in (1, 5)
        if n >= 2 and registered:
            parts += [f'"{net.tac}"', f'"{net.cell}"', str(net.act)]
        elif n >= 3:
            parts += ["", "", ""]
        if n >= 3:
            cause = net.reject_cause
            parts += ["0", str(cause)] if cause is not None else ["", ""]
        if n >= 4:
            active, tau = self._granted_psm() if registered else ("", "")
            parts += [f'"{active}"', f'"{tau}"']
        return ",".join(parts)

    def _granted_psm(self) -> tuple[str, str]:
        """(Active-Time, Periodic-TAU) the simulated network grants.

        It grants the requested TAU and an Active-Time of at least 30 s (a network may give
        more than asked), and deactivates PSM (``111xxxxx``) when it was not requested.
        """
        net = self._v.network
        if net.psm_mode != 1:
            return "11100000", "11100000"
        active = net.psm_active
        unit, value = int(active[:3], 2), int(active[3:], 2)
        if unit == 0 and value < 15:
            active = "00001111"  # 15 × 2 s
        return active, net.psm_tau

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
        rsrq = min(max(net.rsrq + self._v.rsrq_offset, 0), 34)
        rsrp = min(max(net.rsrp + self._v.rsrp_offset, 0), 97)
        self._drift()
        return [f"+CESQ: 99,99,255,255,{rsrq},{rsrp}"]

    def _drift(self) -> None:
        """Move the radio a step: RSRP within ±6 dB, RSRQ within ±2 dB of the configured."""
        v = self._v
        v.rsrp_offset = min(max(v.rsrp_offset + v.rng.choice((-1, 0, 0, 1)), -6), 6)
        v.rsrq_offset = min(max(v.rsrq_offset + v.rng.choice((-1, 0, 0, 0, 1)), -4), 4)

    def _cmd_csq(self, call: AtCall) -> Reply:
        if call.form is CommandForm.TEST:
            return ["+CSQ: (0-31,99),(99)"]
        if call.form is not CommandForm.EXECUTE:
            raise AtError(4, plain=True)
        rssi = self._v.network.rssi + self._v.rsrp_offset // 2 if self._v.fun == 1 else 99
        return [f"+CSQ: {min(max(rssi, 0), 31) if rssi != 99 else 99},99"]

    def _cmd_ccid(self, call: AtCall) -> Reply:
        """``+CCID: <ICCID>``: not in TS 27.007; the prefixed answer u-blox and SIMCom print."""
        if call.form is CommandForm.TEST:
            return None
        if call.form not in (CommandForm.EXECUTE, CommandForm.READ):
            raise AtError(4, plain=True)
        return [f"+CCID: {self.identity.iccid}"]

    def _cmd_cgdcont(self, call: AtCall) -> Reply:
        net = self._v.network
        if call.form is CommandForm.TEST:
            return ['+CGDCONT: (0-15),"IP",,,(0-2),(0-4)', '+CGDCONT: (0-15),"NONIP",,,(0-2),(0-4)']
        if call.form is CommandForm.READ:
            address = net.address if net.stat in (1, 5) and self._v.fun == 1 else ""
            return [f'+CGDCONT: {net.cid},"{net.pdp_type}","{net.apn}","{address}",0,0']
        if call.form is not CommandForm.SET:
            raise AtError(4, plain=True)
        cid = call.int_arg(0, min=0, max=15)
        if cid != net.cid:
            raise not_allowed(f"only context {net.cid} is simulated")
        pdp_type = call.str_arg(1, net.pdp_type).upper()
        if pdp_type not in ("IP", "IPV6", "IPV4V6", "NONIP"):
            raise invalid_param("PDP type must be IP, IPV6, IPV4V6 or NONIP")
        self._keep(pdp_type=pdp_type, apn=call.str_arg(2, net.apn))
        return None

    def _cmd_cpsms(self, call: AtCall) -> Reply:
        net = self._v.network
        if call.form is CommandForm.TEST:
            bits = '("00000000"-"11111111")'
            return [f"+CPSMS: (0,1,2),,,{bits},{bits}"]
        if call.form is CommandForm.READ:
            return [f'+CPSMS: {min(net.psm_mode, 1)},,,"{net.psm_tau}","{net.psm_active}"']
        if call.form is not CommandForm.SET:
            raise AtError(4, plain=True)
        mode = call.int_arg(0, 0, min=0, max=2)
        tau = call.str_arg(3, net.psm_tau)
        active = call.str_arg(4, net.psm_active)
        for value in (tau, active):
            if len(value) != 8 or set(value) - {"0", "1"}:
                raise invalid_param("timers are 8 binary digits (3GPP TS 24.008)")
        self._keep(psm_mode=1 if mode == 1 else 0, psm_tau=tau, psm_active=active)
        return None

    def _keep(self, **values: object) -> None:
        """Set what the host configured (APN, requested PSM and eDRX) so a reboot keeps it.

        Inferred: TS 27.007 does not say whether +CGDCONT/+CPSMS/+CEDRXS settings survive a
        reset; modules keep them in non-volatile memory, and so does the simulator (for the
        life of this instance: the values live in the network template a reboot copies).
        """
        for name, value in values.items():
            setattr(self._v.network, name, value)
            setattr(self._network_template, name, value)

    def _edrx_act_type(self) -> int:
        """+CEDRXS <AcT-type> of the serving cell: 5 on NB-IoT (AcT 9), else 4 (LTE-M)."""
        return 5 if self._v.network.act == 9 else 4

    def _cmd_cedrxs(self, call: AtCall) -> Reply:
        net = self._v.network
        if call.form is CommandForm.TEST:
            return ['+CEDRXS: (0,1,2,3),(4,5),("0000"-"1111")']
        if call.form is CommandForm.READ:
            if net.edrx_mode == 0:
                return None
            return [f'+CEDRXS: {self._edrx_act_type()},"{net.edrx_value}"']
        if call.form is not CommandForm.SET:
            raise AtError(4, plain=True)
        mode = call.int_arg(0, 0, min=0, max=3)
        call.int_arg(1, self._edrx_act_type(), choices=(4, 5))
        value = call.str_arg(2, net.edrx_value)
        if len(value) != 4 or set(value) - {"0", "1"}:
            raise invalid_param("the eDRX value is 4 binary digits (3GPP TS 24.008)")
        self._keep(edrx_mode=0 if mode in (0, 3) else 1, edrx_value=value)
        return None

    def _cmd_cedrxrdp(self, call: AtCall) -> Reply:
        net = self._v.network
        if call.form is CommandForm.TEST:
            return None
        if call.form is not CommandForm.EXECUTE:
            raise AtError(4, plain=True)
        if net.edrx_mode == 0 or net.stat not in (1, 5) or self._v.fun != 1:
            return ["+CEDRXRDP: 0"]
        act, value = self._edrx_act_type(), net.edrx_value
        return [f'+CEDRXRDP: {act},"{value}","{value}","{net.paging_window}"']

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
