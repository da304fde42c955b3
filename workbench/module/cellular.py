"""The radio side of the module state: what the network card shows, folded from 3GPP events.

LwM2M registration trouble is very often radio, APN or PSM trouble, so next to the LwM2M
sessions :class:`~workbench.module.state.ModuleState` keeps this picture of the cellular link,
fed by the shared 3GPP decoder (:mod:`workbench.module.threegpp`) and by any plugin that emits
the same kinds. Each value is :class:`~workbench.module.state.Tracked`-like: it remembers the
line that set it, so the card can show the raw answer beside its meaning.

What supersedes what: a registration event replaces the registration; a reject cause stands
until the module registers (home or roaming) without one; the granted PSM timers go when the
module is not registered; signal values are replaced field by field (an index of "unknown",
99/255, clears that field); a module reboot forgets the
registration, the granted timers and the addresses (the network grants them per attach), and
keeps what the host configured (requested PSM/eDRX, APNs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.module.events import Event, Kind
from workbench.module.threegpp import EDRX, PDP_CONTEXT, PSM

#: The section name :meth:`CellularState.apply` reports for the GUI.
SECTION = "cellular"

#: The +CEREG <stat> words, for people (the event keeps the contract's value).
REGISTRATION_WORDS = {
    "not_registered": "not registered, not searching",
    "registered_home": "registered (home network)",
    "searching": "searching",
    "denied": "registration denied",
    "unknown": "unknown (out of coverage?)",
    "registered_roaming": "registered (roaming)",
    "emergency_only": "emergency bearer services only",
}


@dataclass(frozen=True, slots=True)
class Seen:
    """A value plus the event (line) that set it."""

    value: Any
    line: int
    raw: str
    timestamp: float = 0.0
    inferred: bool = False

    @classmethod
    def of(cls, value: Any, event: Event) -> Seen:
        return cls(value, event.line, event.raw, event.timestamp, event.inferred)


@dataclass(slots=True)
class CellularState:
    """Registration, reject cause, signal, PSM/eDRX requested vs granted, APN and IP."""

    registration: Seen | None = None
    reject: Seen | None = None
    operator: Seen | None = None
    #: ``rsrp_dbm``, ``rsrq_db``, ``snr_db``, ``rssi_dbm`` → value (None: the module said
    #: unknown).
    signal: dict[str, Seen] = field(default_factory=dict)
    psm_requested: Seen | None = None
    #: ``active_time`` / ``periodic_tau`` the network granted (from ``+CEREG`` n=4).
    psm_granted: dict[str, Seen] = field(default_factory=dict)
    edrx_requested: Seen | None = None
    edrx_granted: Seen | None = None
    #: cid → the ``pdp_context`` event's fields (``pdp_type``, ``apn``, ``address``).
    contexts: dict[int, Seen] = field(default_factory=dict)
    #: cid → list of addresses (``+CGPADDR``).
    addresses: dict[int, Seen] = field(default_factory=dict)

    def apply(self, event: Event) -> set[str]:
        """Fold one event; ``{"cellular"}`` when the card changed."""
        handler = _HANDLERS.get(event.kind)
        if handler is None:
            return set()
        return {SECTION} if handler(self, event) else set()

    def _network(self, event: Event) -> bool:
        state = event.get("state")
        if state is None:
            return False
        fields = dict(event.fields)
        self.registration = Seen.of(fields, event)
        if event.get("reject_cause") is not None:
            self.reject = Seen.of(
                {
                    "cause": event.get("reject_cause"),
                    "cause_type": event.get("cause_type"),
                    "text": event.get("reject_text"),
                },
                event,
            )
        elif state in ("registered_home", "registered_roaming"):
            self.reject = None
        if state not in ("registered_home", "registered_roaming"):
            self.psm_granted.clear()  # the network grants timers to a registered module only
        for name in ("active_time", "periodic_tau"):
            if isinstance(event.get(name), dict):
                self.psm_granted[name] = Seen.of(event.get(name), event)
        return True

    def _signal(self, event: Event) -> bool:
        changed = False
        for name in ("rsrp_dbm", "rsrq_db", "snr_db", "rssi_dbm"):
            if name in event.fields:
                self.signal[name] = Seen.of(event.fields[name], event)
                changed = True
        return changed

    def _operator(self, event: Event) -> bool:
        name = event.get("operator")
        if not name:
            return False
        self.operator = Seen.of({"operator": name, "act": event.get("act")}, event)
        return True

    def _address(self, event: Event) -> bool:
        cid = event.get("cid")
        if not isinstance(cid, int):
            return False
        self.addresses[cid] = Seen.of(list(event.get("addresses") or []), event)
        return True

    def _pdp_context(self, event: Event) -> bool:
        cid = event.get("cid")
        if not isinstance(cid, int):
            return False
        self.contexts[cid] = Seen.of(dict(event.fields), event)
        return True

    def _psm(self, event: Event) -> bool:
        self.psm_requested = Seen.of(dict(event.fields), event)
        return True

    def _edrx(self, event: Event) -> bool:
        fields = dict(event.fields)
        if "requested" in fields:
            self.edrx_requested = Seen.of(fields, event)
        if "granted" in fields or event.get("source") in ("+CEDRXRDP", "+CEDRXP"):
            self.edrx_granted = Seen.of(fields, event)
        return True

    def _boot(self, event: Event) -> bool:
        self.registration = None
        self.reject = None
        self.psm_granted.clear()
        self.edrx_granted = None
        self.addresses.clear()
        self.signal.clear()
        return True


_HANDLERS = {
    Kind.NETWORK: CellularState._network,
    Kind.SIGNAL: CellularState._signal,
    Kind.OPERATOR: CellularState._operator,
    Kind.ADDRESS: CellularState._address,
    PDP_CONTEXT: CellularState._pdp_context,
    PSM: CellularState._psm,
    EDRX: CellularState._edrx,
    Kind.BOOT: CellularState._boot,
}
