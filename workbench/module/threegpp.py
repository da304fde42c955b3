"""The shared 3GPP decoder: what every module answers to the standard network commands.

Every plugin inherits it through :func:`workbench.module.decoding.decode_standard`, so the
network card and the signal trends work for any module, including third-party plugins, from
the 3GPP TS 27.007 answers alone:

* ``+CEREG`` (read answer and URC, ``<n>`` 0-5): registration state, TAC/cell/AcT, the reject
  cause (``<cause_type>``/``<reject_cause>``, TS 24.301 Annex A EMM causes in words) and the
  PSM timers the network granted (``<Active-Time>``, ``<Periodic-TAU>``);
* ``+CESQ`` / ``+CSQ``: signal, with the 27.007 indices mapped to dBm / dB;
* ``+CPSMS`` (requested PSM timers), ``+CEDRXS`` (requested eDRX), ``+CEDRXP`` / ``+CEDRXRDP``
  (requested, granted and the paging time window);
* ``+CGDCONT`` (APN per context), ``+CGPADDR`` (IP), ``+COPS`` (operator), ``+CIMI`` /
  ``+CCID`` (handled with the other identity answers in :mod:`workbench.module.decoding`).

The timer encodings are TS 24.008 §10.5.7.3 (GPRS Timer), §10.5.7.4 (GPRS Timer 2, T3324
Active-Time) and §10.5.7.4a (GPRS Timer 3, T3412 extended Periodic-TAU), the eDRX values
§10.5.5.32. Events (kinds beyond the contract, which allows plugins and the base to add them):

* ``network`` — as before (``stat``, ``state``, ``tac``, ``cell``, ``act``), plus ``act_name``,
  ``cause_type``, ``reject_cause``, ``reject_text``, ``active_time``, ``periodic_tau`` where given;
* ``signal`` — as before, plus ``rsrp_dbm``, ``rsrq_db`` (``+CESQ``) and ``rssi_dbm``
  (``+CSQ``); a plugin may add ``snr_db`` from its vendor command;
* ``psm`` — ``source``, ``mode``, ``requested_tau``, ``requested_active`` (timer dicts);
* ``edrx`` — ``source``, ``act_type``, ``requested``, ``granted``, ``ptw`` (eDRX dicts);
* ``pdp_context`` — ``cid``, ``pdp_type``, ``apn``, ``address`` (the same shape the u-blox
  plugin already produced).

A timer dict is ``{"bits": "00100011", "seconds": 10800, "text": "3 h"}``, or
``{"bits": ..., "deactivated": true, "text": "deactivated"}``, or ``{"bits": ..., "error":
"..."}`` for a value that is not 8 binary digits — bad input is said, not dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from workbench.at.syntax import split_at_args, split_at_args_detailed
from workbench.at.types import ClassifiedLine, LineKind
from workbench.module.events import Event, Kind

#: Event kinds this module adds (see the module docstring).
PSM: Final[str] = "psm"
EDRX: Final[str] = "edrx"
PDP_CONTEXT: Final[str] = "pdp_context"

#: 3GPP TS 27.007 <stat> of +CEREG/+CREG/+CGREG.
REG_STAT: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "not_registered",
        1: "registered_home",
        2: "searching",
        3: "denied",
        4: "unknown",
        5: "registered_roaming",
        8: "emergency_only",
    }
)

#: TS 27.007 <AcT> of +CEREG/+COPS, in words.
ACT_NAMES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "GSM",
        2: "UTRAN",
        3: "GSM w/EGPRS",
        4: "UTRAN w/HSDPA",
        5: "UTRAN w/HSUPA",
        6: "UTRAN w/HSDPA and HSUPA",
        7: "LTE / LTE-M (E-UTRAN)",
        8: "EC-GSM-IoT",
        9: "NB-IoT (E-UTRAN NB-S1)",
        10: "E-UTRA connected to 5GCN",
        11: "NR connected to 5GCN",
        12: "NG-RAN",
        13: "E-UTRA-NR dual connectivity",
    }
)

#: TS 24.301 Annex A: EMM cause values, as +CEREG <reject_cause> gives them (<cause_type> 0).
EMM_CAUSES: Final[Mapping[int, str]] = MappingProxyType(
    {
        2: "IMSI unknown in HSS",
        3: "Illegal UE",
        5: "IMEI not accepted",
        6: "Illegal ME",
        7: "EPS services not allowed",
        8: "EPS services and non-EPS services not allowed",
        9: "UE identity cannot be derived by the network",
        10: "Implicitly detached",
        11: "PLMN not allowed",
        12: "Tracking area not allowed",
        13: "Roaming not allowed in this tracking area",
        14: "EPS services not allowed in this PLMN",
        15: "No suitable cells in tracking area",
        16: "MSC temporarily not reachable",
        17: "Network failure",
        18: "CS domain not available",
        19: "ESM failure",
        20: "MAC failure",
        21: "Synch failure",
        22: "Congestion",
        23: "UE security capabilities mismatch",
        24: "Security mode rejected, unspecified",
        25: "Not authorized for this CSG",
        26: "Non-EPS authentication unacceptable",
        31: "Redirection to 5GCN required",
        35: "Requested service option not authorized in this PLMN",
        39: "CS service temporarily not available",
        40: "No EPS bearer context activated",
        42: "Severe network failure",
        78: "PLMN not allowed to operate at the present UE location",
        95: "Semantically incorrect message",
        96: "Invalid mandatory information",
        97: "Message type non-existent or not implemented",
        98: "Message type not compatible with the protocol state",
        99: "Information element non-existent or not implemented",
        100: "Conditional IE error",
        101: "Message not compatible with the protocol state",
        111: "Protocol error, unspecified",
    }
)

#: TS 24.008 §10.5.7.4a GPRS Timer 3 (T3412 extended): unit bits 8-6 → seconds (None: off).
_TIMER3_UNITS: Final[Mapping[int, int | None]] = MappingProxyType(
    {0: 600, 1: 3600, 2: 36000, 3: 2, 4: 30, 5: 60, 6: 1152000, 7: None}
)
#: TS 24.008 §10.5.7.3/§10.5.7.4 GPRS Timer / GPRS Timer 2 (T3324): 000 2 s, 001 1 min,
#: 010 decihours, 111 deactivated; "other values shall be interpreted as multiples of 1 minute".
_TIMER2_UNITS: Final[Mapping[int, int | None]] = MappingProxyType(
    {0: 2, 1: 60, 2: 360, 3: 60, 4: 60, 5: 60, 6: 60, 7: None}
)

#: TS 24.008 §10.5.5.32 eDRX cycle length (seconds) for E-UTRAN WB-S1 (LTE-M), per value.
_EDRX_WB_S1: Final = (
    5.12, 10.24, 20.48, 40.96, 61.44, 81.92, 102.4, 122.88,
    143.36, 163.84, 327.68, 655.36, 1310.72, 2621.44, 5242.88, 10485.76,
)  # fmt: skip
#: For E-UTRAN NB-S1 (NB-IoT) only these values are defined; "all other values shall be
#: interpreted as 0010" (20.48 s).
_EDRX_NB_S1: Final[Mapping[int, float]] = MappingProxyType(
    {2: 20.48, 3: 40.96, 5: 81.92, 9: 163.84, 10: 327.68, 11: 655.36,
     12: 1310.72, 13: 2621.44, 14: 5242.88, 15: 10485.76}
)  # fmt: skip
#: +CEDRXS <AcT-type>, in words.
EDRX_ACT_TYPES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "eDRX not used",
        1: "EC-GSM-IoT",
        2: "GSM",
        3: "UTRAN",
        4: "LTE-M (WB-S1)",
        5: "NB-IoT (NB-S1)",
    }
)


def duration_text(seconds: float) -> str:
    """``30 s``, ``6 min``, ``1 h 30 min``, ``320 h``: how the card shows a timer."""
    if seconds != int(seconds):
        return f"{seconds:g} s"
    whole = int(seconds)
    if whole < 60 or whole % 60:
        return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60} s"
    minutes = whole // 60
    if minutes < 60 or minutes % 60:
        return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // 60} h"


def _bits(text: str, width: int) -> int | str:
    """``text`` as an int of ``width`` binary digits, or the reason it is not one."""
    value = text.strip()
    if len(value) != width or any(c not in "01" for c in value):
        return f"not {width} binary digits: {value!r}"
    return int(value, 2)


def _timer(text: str, units: Mapping[int, int | None]) -> dict[str, Any]:
    number = _bits(text, 8)
    if isinstance(number, str):
        return {"bits": text.strip(), "error": number}
    unit = units[number >> 5]
    if unit is None:
        return {"bits": text.strip(), "deactivated": True, "text": "deactivated"}
    seconds = unit * (number & 0x1F)
    return {"bits": text.strip(), "seconds": seconds, "text": duration_text(seconds)}


def periodic_tau(text: str) -> dict[str, Any]:
    """T3412 extended (GPRS Timer 3, TS 24.008 §10.5.7.4a): ``"00100011"`` → 3 h."""
    return _timer(text, _TIMER3_UNITS)


def active_time(text: str) -> dict[str, Any]:
    """T3324 (GPRS Timer 2, TS 24.008 §10.5.7.4): ``"00100011"`` → 3 min."""
    return _timer(text, _TIMER2_UNITS)


def edrx_value(text: str, act_type: int | None) -> dict[str, Any]:
    """A 4-bit eDRX value (TS 24.008 §10.5.5.32) → cycle length for the access technology."""
    number = _bits(text, 4)
    if isinstance(number, str):
        return {"bits": text.strip(), "error": number}
    if act_type == 5:
        seconds = _EDRX_NB_S1.get(number, 20.48)
    elif act_type == 4:
        seconds = _EDRX_WB_S1[number]
    else:
        return {"bits": text.strip(), "error": f"no cycle table for AcT-type {act_type}"}
    return {"bits": text.strip(), "seconds": seconds, "text": duration_text(seconds)}


def paging_time_window(text: str, act_type: int | None) -> dict[str, Any]:
    """The 4-bit paging time window: 1.28 s × (value+1) on WB-S1, 2.56 s × (value+1) on NB-S1.

    TS 24.008 §10.5.5.32 gives these for S1 mode; other access types get an error field.
    """
    number = _bits(text, 4)
    if isinstance(number, str):
        return {"bits": text.strip(), "error": number}
    step = {4: 1.28, 5: 2.56}.get(act_type if act_type is not None else -1)
    if step is None:
        return {"bits": text.strip(), "error": f"no paging window for AcT-type {act_type}"}
    seconds = round(step * (number + 1), 2)
    return {"bits": text.strip(), "seconds": seconds, "text": duration_text(seconds)}


def rsrp_dbm(index: int | None) -> int | None:
    """+CESQ <rsrp> 0..97 → dBm (lower bound of the 1 dB step; 0 is "< -140"); 255 → None."""
    if index is None or not 0 <= index <= 97:
        return None
    return index - 141


def rsrq_db(index: int | None) -> float | None:
    """+CESQ <rsrq> 0..34 → dB (lower bound of the 0.5 dB step; 0 is "< -19.5"); 255 → None."""
    if index is None or not 0 <= index <= 34:
        return None
    return (index - 40) / 2


def rssi_dbm(index: int | None) -> int | None:
    """+CSQ <rssi> 0..31 → dBm (0 is "≤ -113", 31 is "≥ -51"); 99 → None."""
    if index is None or not 0 <= index <= 31:
        return None
    return -113 + 2 * index


def reject_text(cause_type: int | None, cause: int | None) -> str | None:
    """A +CEREG reject cause in words (type 1 is manufacturer-specific: only its number)."""
    if cause is None:
        return None
    if cause_type == 1:
        return f"manufacturer-specific cause {cause}"
    return EMM_CAUSES.get(cause, f"EMM cause #{cause} (not in TS 24.301 Annex A)")


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip(), 10)
    except ValueError:
        return None


def _arg(args: list[str], index: int) -> str | None:
    """Argument ``index`` if given and not empty (27.007 leaves optional fields empty)."""
    if index < len(args) and args[index].strip() != "":
        return args[index].strip()
    return None


def decode_threegpp(line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
    """Events for a standard 3GPP answer or URC; ``[]`` if ``prefix`` is not one of them."""
    decoder = _DECODERS.get(prefix)
    if decoder is None:
        return []
    return decoder(line, prefix, payload)


def _registration(line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
    """``+CEREG: [<n>,]<stat>[,[<tac>],[<ci>],[<AcT>][,[<cause_type>],[<reject_cause>]
    [,[<Active-Time>],[<Periodic-TAU>]]]]`` — the read answer carries ``<n>`` first, the URC
    does not (TS 27.007 §10.1.22)."""
    details = split_at_args_detailed(payload)
    args = [d.value for d in details]
    is_read = line.kind is LineKind.INFO and len(args) >= 2
    idx = 1 if is_read else 0
    stat = _int(_arg(args, idx))
    if stat is None:
        return []
    state = REG_STAT.get(stat, "unknown")
    fields: dict[str, Any] = {"source": prefix, "stat": stat, "state": state}
    if is_read:
        fields["mode"] = _int(args[0])
    rest = args[idx + 1 :]
    if len(rest) >= 2:
        fields["tac"] = rest[0].strip()
        fields["cell"] = rest[1].strip()
    act = _int(_arg(rest, 2))
    if len(rest) >= 3:
        fields["act"] = act
        if act is not None and act in ACT_NAMES:
            fields["act_name"] = ACT_NAMES[act]
    if prefix != "+CEREG":
        return [Event.from_line(Kind.NETWORK, line, **fields)]
    extended = details[idx + 4 :]
    # <cause_type> and <reject_cause> are integers, the timers quoted bit strings. A quoted
    # value where a cause belongs means a field is missing before the timers: the ST87MXX
    # application note prints both "9,,,"00000001"" and "9, "", "00000001"" for the same
    # answer. Inferred: the timers are read from the first quoted non-empty value on.
    timers = next((i for i, d in enumerate(extended[:2]) if d.quoted and d.value.strip()), 2)
    causes = [d.value for d in extended[:timers]]
    cause_type, cause = _int(_arg(causes, 0)), _int(_arg(causes, 1))
    if cause is not None:
        fields["cause_type"] = cause_type if cause_type is not None else 0
        fields["reject_cause"] = cause
        fields["reject_text"] = reject_text(cause_type, cause)
    timer_values = [d.value for d in extended[timers:]]
    active, tau = _arg(timer_values, 0), _arg(timer_values, 1)
    if active is not None:
        fields["active_time"] = active_time(active)
    if tau is not None:
        fields["periodic_tau"] = periodic_tau(tau)
    return [Event.from_line(Kind.NETWORK, line, inferred=timers != 2, **fields)]


def _cesq(line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
    args = split_at_args(payload)
    ints = [_int(a) for a in args]
    if len(ints) < 6:
        return []
    fields: dict[str, Any] = dict(
        zip(("rxlev", "ber", "rscp", "ecno", "rsrq", "rsrp"), ints[:6], strict=True)
    )
    fields["rsrp_dbm"] = rsrp_dbm(ints[5])
    fields["rsrq_db"] = rsrq_db(ints[4])
    return [Event.from_line(Kind.SIGNAL, line, **fields)]


def _csq(line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
    args = split_at_args(payload)
    ints = [_int(a) for a in args]
    if len(ints) < 2 or ints[0] is None:
        return []
    return [
        Event.from_line(Kind.SIGNAL, line, rssi=ints[0], ber=ints[1], rssi_dbm=rssi_dbm(ints[0]))
    ]


def _cpsms(line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
    """``+CPSMS: <mode>,[<RAU>],[<GPRS-READY>],[<Periodic-TAU>],[<Active-Time>]`` (requested)."""
    args = split_at_args(payload)
    mode = _int(_arg(args, 0))
    if mode is None:
        return []
    fields: dict[str, Any] = {"source": prefix, "mode": mode}
    tau, active = _arg(args, 3), _arg(args, 4)
    if tau is not None:
        fields["requested_tau"] = periodic_tau(tau)
    if active is not None:
        fields["requested_active"] = active_time(active)
    return [Event.from_line(PSM, line, **fields)]


def _edrx(line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
    """``+CEDRXS: <AcT-type>,<Requested>`` and ``+CEDRXP/+CEDRXRDP: <AcT-type>[,<Requested>
    [,<NW-provided>[,<Paging_time_window>]]]`` (TS 27.007 §7.40, §7.41, §7.42)."""
    args = split_at_args(payload)
    act_type = _int(_arg(args, 0))
    if act_type is None:
        return []
    fields: dict[str, Any] = {
        "source": prefix,
        "act_type": act_type,
        "act_name": EDRX_ACT_TYPES.get(act_type, f"AcT-type {act_type}"),
    }
    names = ("requested", "granted", "ptw")
    for name, value in zip(names, args[1:4], strict=False):
        if value.strip():
            decode = paging_time_window if name == "ptw" else edrx_value
            fields[name] = decode(value, act_type)
    return [Event.from_line(EDRX, line, **fields)]


def _cgdcont(line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
    args = split_at_args(payload)
    cid = _int(_arg(args, 0))
    if cid is None:
        return []
    fields: dict[str, Any] = {"cid": cid}
    for name, value in zip(("pdp_type", "apn", "address"), args[1:4], strict=False):
        fields[name] = value
    return [Event.from_line(PDP_CONTEXT, line, **fields)]


_DECODERS: Final = MappingProxyType(
    {
        "+CEREG": _registration,
        "+CREG": _registration,
        "+CGREG": _registration,
        "+C5GREG": _registration,
        "+CESQ": _cesq,
        "+CSQ": _csq,
        "+CPSMS": _cpsms,
        "+CEDRXS": _edrx,
        "+CEDRXP": _edrx,
        "+CEDRXRDP": _edrx,
        "+CGDCONT": _cgdcont,
    }
)
