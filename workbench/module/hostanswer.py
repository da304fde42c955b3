"""Answering host-managed object requests (ST87MXX ``#LWNTY*``, SIM7028 ``+LWREAD``...).

Some modules pass a server's Read/Write/Execute on an object the *host* manages to the host as a
URC and hold the CoAP answer until the host replies with an AT command. The decoders turn those
URCs into ``host_request`` events (:attr:`~workbench.module.state.ModuleState.pending_requests`);
this
module turns a pending request plus the values the object tree holds into the host's answer.

The answer syntax is plugin-specific and small, so it is one table entry per plugin
(:data:`ANSWER_STYLES`) instead of a plugin hook:

=================  ======================================================================
plugin             answers (from the plugins' READMEs and end-to-end tests)
=================  ======================================================================
``st-st87mxx``     ``AT#LWNTYRDOBJ=<sid>,<obj>,<inst>,<n>,<res>,D,<len>,<hex>...``
                   ``AT#LWNTYWROBJ=<sid>,<obj>,<inst>,<n>,<res>...``
                   ``AT#LWNTYEXEOBJ=<sid>,<obj>,<inst>,1,<res>``
``simcom-sim7028`` ``AT+LWREADRSP=<id>,<obj>,<inst>,<n>,<res>,"<T>",<len>,"<value>"...``
                   ``AT+LWWRITERSP=<id>,68`` / ``AT+LWEXECUTERSP=<id>,68`` (68 = 2.04)
=================  ======================================================================

The session/server id and the resource list are re-read from the request's raw URC line: the
state model keeps only ``op``/``path``/``value``, and one ST URC naming several resources is
several events with the same line, answered together (:meth:`HostAnswerer.due`). Pure Python,
no Qt, no I/O: the GUI sends the returned commands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.at.syntax import split_at_args, split_info
from workbench.lwm2m.model import format_text_value
from workbench.module.state import HostRequest

#: plugin id → answer style.
ANSWER_STYLES: Mapping[str, str] = {"st-st87mxx": "st87mxx", "simcom-sim7028": "sim7028"}
#: SIM7028 ``<result>`` for a successful write/execute (CoAP 2.04 packed as 2*32+4).
SIM7028_CHANGED = 68

Lookup = Callable[[str], Any]


@dataclass(slots=True)
class HostAnswer:
    """What to send for one pending request (or one group of them)."""

    commands: list[str]
    #: Request lines (terminal seq) this answer closes.
    lines: tuple[int, ...]
    op: str
    paths: list[str]
    #: Values the server wrote (path → value), for the tree to show.
    written: dict[str, Any] = field(default_factory=dict)
    #: Something the user should know (missing values answered empty...), or "".
    problem: str = ""


def answer_style(plugin_id: str | None) -> str | None:
    return ANSWER_STYLES.get(plugin_id or "")


def _args(raw: str) -> list[str]:
    info = split_info(raw.strip())
    if info is None:
        raise ValueError(f"not a host request URC: {raw!r}")
    return split_at_args(info[1])


def _opaque_hex(value: Any) -> str:
    """ST data is hex: bytes as they are, anything else as its text form's UTF-8."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex().upper()
    if isinstance(value, bool):
        return "01" if value else "00"
    return format_text_value(value).encode("utf-8").hex().upper()


def _sim_letter(value: Any) -> str:
    if isinstance(value, bool):
        return "B"
    if isinstance(value, int):
        return "I"
    if isinstance(value, float):
        return "F"
    if isinstance(value, bytes | bytearray):
        return "D"
    return "S"


def _sim_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex().upper()
    return format_text_value(value).replace('"', "'")


def _sim_typed(letter: str, text: str) -> Any:
    """A SIM7028 ``<valueType>`` value as the tree should hold it."""
    try:
        if letter == "I":
            return int(text.strip())
        if letter == "F":
            return float(text.strip())
        if letter == "B":
            return text.strip().lower() in ("1", "true")
        if letter == "D":
            return bytes.fromhex(text.strip())
    except ValueError:
        return text
    return text


class HostAnswerer:
    """Builds the host's answers for one connection's plugin (see the module docstring)."""

    def __init__(self, plugin_id: str | None) -> None:
        self.style = answer_style(plugin_id)
        #: Lines already answered (a request stays pending until the echo is decoded).
        self.answered: set[int] = set()

    @property
    def supported(self) -> bool:
        return self.style is not None

    def due(self, requests: Sequence[HostRequest]) -> list[list[HostRequest]]:
        """Pending requests not answered yet, grouped by the URC line they came from."""
        groups: dict[int, list[HostRequest]] = {}
        for request in requests:
            if request.line in self.answered:
                continue
            groups.setdefault(request.line, []).append(request)
        return list(groups.values())

    def answer(self, group: Sequence[HostRequest], lookup: Lookup,
               below: Callable[[str], Mapping[str, Any]] | None = None) -> HostAnswer:  # fmt: skip
        """The AT answer for ``group`` (requests of one URC), values taken from ``lookup``.

        ``below(instance_path)`` lists the known values of an instance (a SIM7028 read of a
        whole instance). Raises :class:`ValueError` for a request this style cannot answer.
        """
        if not group:
            raise ValueError("nothing to answer")
        if self.style == "st87mxx":
            return self._st(group, lookup)
        if self.style == "sim7028":
            return self._sim(group[0], lookup, below)
        raise ValueError("this module has no host-managed objects the workbench can answer")

    def mark_answered(self, answer: HostAnswer) -> None:
        self.answered.update(answer.lines)

    # -- ST87MXX --------------------------------------------------------------------------------
    def _st(self, group: Sequence[HostRequest], lookup: Lookup) -> HostAnswer:
        first = group[0]
        args = _args(first.raw)
        if len(args) < 5:
            raise ValueError(f"cannot read the request {first.raw!r}")
        sid, obj, inst = args[0].strip(), args[1].strip(), args[2].strip()
        op = first.op
        paths = [r.path for r in group]
        resources = [p.rsplit("/", 1)[1] for p in paths]
        head = f"{sid},{obj},{inst}"
        written: dict[str, Any] = {}
        problem = ""
        if op == "read":
            parts = [head, str(len(resources))]
            missing = []
            for path, rid in zip(paths, resources, strict=True):
                value = lookup(path)
                if value is None:
                    missing.append(path)
                data = _opaque_hex(value)
                parts += [rid, "D", str(len(data)), data]
            if missing:
                problem = f"no value in the tree for {', '.join(missing)}: answered empty"
            command = "AT#LWNTYRDOBJ=" + ",".join(parts)
        elif op == "write":
            for request in group:
                try:
                    written[request.path] = bytes.fromhex(str(request.value or ""))
                except ValueError:
                    written[request.path] = request.value
            command = f"AT#LWNTYWROBJ={head},{len(resources)}," + ",".join(resources)
        elif op == "execute":
            command = f"AT#LWNTYEXEOBJ={head},1,{resources[0]}"
        else:
            raise ValueError(f"unknown host request {op!r}")
        return HostAnswer([command], tuple({r.line for r in group}), op, paths, written, problem)

    # -- SIM7028 --------------------------------------------------------------------------------
    def _sim(
        self,
        request: HostRequest,
        lookup: Lookup,
        below: Callable[[str], Mapping[str, Any]] | None,
    ) -> HostAnswer:
        args = _args(request.raw)
        if len(args) < 4:
            raise ValueError(f"cannot read the request {request.raw!r}")
        session = args[0].strip()
        op = request.op
        written: dict[str, Any] = {}
        problem = ""
        if op == "read":
            obj, inst = args[1].strip(), args[2].strip()
            rids = [a.strip() for a in args[4:] if a.strip()]
            values: dict[str, Any] = {}
            if not rids:  # <resourceCnt> 0: the whole instance (§4.1)
                known = below(f"/{obj}/{inst}") if below is not None else {}
                values = {p: v for p, v in known.items() if v is not None}
                if not values:
                    raise ValueError(
                        f"no values of /{obj}/{inst} in the tree to answer with: set some "
                        "(Set host value…) or answer by hand"
                    )
            else:
                missing = []
                for rid in rids:
                    path = f"/{obj}/{inst}/{rid}"
                    value = lookup(path)
                    if value is None:
                        missing.append(path)
                        value = ""
                    values[path] = value
                if missing:
                    problem = f"no value in the tree for {', '.join(missing)}: answered empty"
            parts = [session, obj, inst, str(len(values))]
            for path, value in values.items():
                text = _sim_text(value)
                parts += [path.rsplit("/", 1)[1], f'"{_sim_letter(value)}"', str(len(text))]
                parts.append(f'"{text}"')
            command = "AT+LWREADRSP=" + ",".join(parts)
            paths = list(values)
        elif op == "write":
            obj, inst, count = args[1].strip(), args[2].strip(), args[3].strip()
            groups = args[4:]
            n = int(count) if count.isdigit() else 0
            for index in range(n):
                chunk = groups[4 * index : 4 * index + 4]
                if len(chunk) == 4:
                    written[f"/{obj}/{inst}/{chunk[0].strip()}"] = _sim_typed(
                        chunk[1].strip(), chunk[3]
                    )
            command = f"AT+LWWRITERSP={session},{SIM7028_CHANGED}"
            paths = list(written) or [request.path]
        elif op == "execute":
            command = f"AT+LWEXECUTERSP={session},{SIM7028_CHANGED}"
            paths = [request.path]
        else:
            raise ValueError(f"unknown host request {op!r}")
        return HostAnswer([command], (request.line,), op, paths, written, problem)
