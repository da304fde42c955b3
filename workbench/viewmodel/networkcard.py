"""What the network card shows, in words, from :class:`~workbench.module.cellular.CellularState`.

Qt-free so it is tested without a window: :func:`card_rows` turns the folded 3GPP state into
rows of label, text and the line that said it (the card shows the raw answer as a tooltip and
jumps to it in the terminal). "—" means the module has not said it yet — the row then names
the command that would tell (the "Refresh network info" template sends them all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.module.cellular import REGISTRATION_WORDS, CellularState, Seen
from workbench.module.state import ModuleState

#: Shown when a value is not known yet.
UNKNOWN = "—"


@dataclass(frozen=True, slots=True)
class CardRow:
    """One row of the network card."""

    key: str
    label: str
    text: str
    #: The terminal line that said it (None: not said yet).
    line: int | None = None
    raw: str = ""
    #: Worth the user's attention (a reject cause, registration denied, PSM not granted...).
    warning: bool = False
    #: The command that would tell, for an empty row.
    hint: str = ""


def _row(key: str, label: str, seen: Seen | None, text: str, **extra: Any) -> CardRow:
    if seen is None:
        return CardRow(key, label, text, **extra)
    return CardRow(key, label, text, seen.line, seen.raw, **extra)


def _timer_text(timer: Any) -> str:
    if not isinstance(timer, dict):
        return UNKNOWN
    if "error" in timer:
        return f"unreadable ({timer['error']})"
    return str(timer.get("text", UNKNOWN))


def _registration(cell: CellularState) -> list[CardRow]:
    seen = cell.registration
    if seen is None:
        return [CardRow("registration", "Registration", UNKNOWN, hint="AT+CEREG?")]
    fields = seen.value
    state = str(fields.get("state"))
    text = REGISTRATION_WORDS.get(state, state)
    if fields.get("act_name"):
        text += f" · {fields['act_name']}"
    if fields.get("tac") or fields.get("cell"):
        text += f" · TAC {fields.get('tac') or '?'}, cell {fields.get('cell') or '?'}"
    warn = state in ("denied", "not_registered", "unknown")
    rows = [_row("registration", "Registration", seen, text, warning=warn)]
    reject = cell.reject
    if reject is not None:
        cause = reject.value
        words = f"#{cause['cause']} {cause['text']}"
        rows.append(_row("reject", "Reject cause", reject, words, warning=True))
    else:
        rows.append(CardRow("reject", "Reject cause", "none reported", hint="AT+CEREG=3"))
    return rows


def _signal(cell: CellularState) -> list[CardRow]:
    rows = []
    for key, label, unit, hint in (
        ("rsrp_dbm", "RSRP", "dBm", "AT+CESQ"),
        ("rsrq_db", "RSRQ", "dB", "AT+CESQ"),
        ("snr_db", "SNR", "dB", "the module's own signal command"),
    ):
        seen = cell.signal.get(key)
        if seen is None:
            rows.append(CardRow(key, label, UNKNOWN, hint=hint))
        elif seen.value is None:
            rows.append(_row(key, label, seen, "unknown (module reports no value)"))
        else:
            rows.append(_row(key, label, seen, f"{seen.value:g} {unit}"))
    return rows


def _psm(cell: CellularState) -> list[CardRow]:
    req = cell.psm_requested
    if req is None:
        requested = CardRow("psm_requested", "PSM requested", UNKNOWN, hint="AT+CPSMS?")
    elif req.value.get("mode") == 0:
        requested = _row("psm_requested", "PSM requested", req, "off (+CPSMS mode 0)")
    else:
        text = (
            f"TAU {_timer_text(req.value.get('requested_tau'))}, "
            f"active {_timer_text(req.value.get('requested_active'))}"
        )
        requested = _row("psm_requested", "PSM requested", req, text)
    tau, active = cell.psm_granted.get("periodic_tau"), cell.psm_granted.get("active_time")
    if tau is None and active is None:
        granted = CardRow("psm_granted", "PSM granted", UNKNOWN, hint="AT+CEREG=4 then AT+CEREG?")
    else:
        text = (
            f"TAU {_timer_text(tau.value if tau else None)}, "
            f"active {_timer_text(active.value if active else None)}"
        )
        not_granted = active is not None and active.value.get("deactivated") is True
        requested_on = req is not None and req.value.get("mode") == 1
        granted = _row(
            "psm_granted",
            "PSM granted",
            active or tau,
            text + (" (PSM not granted)" if not_granted and requested_on else ""),
            warning=not_granted and requested_on,
        )
    return [requested, granted]


def _edrx(cell: CellularState) -> list[CardRow]:
    def text(seen: Seen, key: str) -> str:
        value = seen.value.get(key)
        out = f"{_timer_text(value)} ({seen.value.get('act_name')})"
        if key == "granted" and isinstance(seen.value.get("ptw"), dict):
            out += f", paging window {_timer_text(seen.value['ptw'])}"
        return out

    req, got = cell.edrx_requested, cell.edrx_granted
    return [
        _row("edrx_requested", "eDRX requested", req, text(req, "requested"))
        if req is not None
        else CardRow("edrx_requested", "eDRX requested", UNKNOWN, hint="AT+CEDRXS?"),
        _row("edrx_granted", "eDRX granted", got, text(got, "granted"))
        if got is not None and "granted" in got.value
        else _row(
            "edrx_granted",
            "eDRX granted",
            got,
            "not granted" if got is not None else UNKNOWN,
            hint="AT+CEDRXRDP",
        ),
    ]


def _bearer(cell: CellularState) -> list[CardRow]:
    rows = []
    if cell.operator is not None:
        op = cell.operator
        rows.append(_row("operator", "Operator", op, str(op.value["operator"])))
    else:
        rows.append(CardRow("operator", "Operator", UNKNOWN, hint="AT+COPS?"))
    if cell.contexts:
        cid = min(cell.contexts)
        ctx = cell.contexts[cid]
        apn = ctx.value.get("apn") or "(network default)"
        text = f"{apn} ({ctx.value.get('pdp_type') or '?'}, context {cid})"
        rows.append(_row("apn", "APN", ctx, text))
    else:
        rows.append(CardRow("apn", "APN", UNKNOWN, hint="AT+CGDCONT?"))
    with_address = {cid: s for cid, s in cell.addresses.items() if s.value}
    if with_address:
        cid = min(with_address)
        seen = with_address[cid]
        rows.append(_row("ip", "IP address", seen, f"{', '.join(seen.value)} (context {cid})"))
    elif cell.addresses:
        seen = next(iter(cell.addresses.values()))
        rows.append(_row("ip", "IP address", seen, "none (no PDN connection)", warning=True))
    else:
        rows.append(CardRow("ip", "IP address", UNKNOWN, hint="AT+CGPADDR"))
    return rows


def _identity(state: ModuleState) -> list[CardRow]:
    rows = []
    for key, label, hint in (("imsi", "IMSI", "AT+CIMI"), ("iccid", "ICCID", "AT+CCID")):
        tracked = state.identity.get(key)
        if tracked is None:
            rows.append(CardRow(key, label, UNKNOWN, hint=hint))
        else:
            rows.append(CardRow(key, label, tracked.value, tracked.line, tracked.raw))
    return rows


_SECTIONS: tuple[Callable[[CellularState], list[CardRow]], ...] = (
    _registration,
    _signal,
    _psm,
    _edrx,
    _bearer,
)


def card_rows(state: ModuleState) -> list[CardRow]:
    """The network card, top to bottom."""
    rows: list[CardRow] = []
    for section in _SECTIONS:
        rows.extend(section(state.cellular))
    rows.extend(_identity(state))
    return rows
