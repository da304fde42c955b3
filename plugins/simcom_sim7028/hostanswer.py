"""The host's answers to ``+LWREAD`` / ``+LWWRITE`` / ``+LWEXECUTE`` (``Plugin.host_answers``).

==================  ======================================================================
request URC         answer
==================  ======================================================================
``+LWREAD``         ``AT+LWREADRSP=<id>,<obj>,<inst>,<n>,<res>,"<T>",<len>,"<value>"...``
``+LWWRITE``        ``AT+LWWRITERSP=<id>,68``  (68 = 2.04 Changed, see ``values.py``)
``+LWEXECUTE``      ``AT+LWEXECUTERSP=<id>,68``
==================  ======================================================================

A read with ``<resourceCnt>`` 0 asks for the whole instance (§4.1): it is answered with every
value the host holds under it, and refused when it holds none. Type letters follow the Python
type of the value (§2.2.8); a written value comes back typed by its letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench.plugin_api import (
    Below,
    HostAnswer,
    HostDemo,
    Lookup,
    PendingHostRequest,
    format_text_value,
    request_args,
)

from .values import type_letter

#: ``<result>`` for a successful write/execute (CoAP 2.04 packed as 2*32+4).
SIM7028_CHANGED = 68


def value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex().upper()
    return format_text_value(value).replace('"', "'")


def typed_value(letter: str, text: str) -> Any:
    """A SIM7028 ``<valueType>`` value as the host should hold it."""
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


class Sim7028HostAnswers:
    """:class:`~workbench.plugin_api.HostAnswerStyle` of the SIM7028 (module docstring)."""

    def answer(
        self, group: Sequence[PendingHostRequest], lookup: Lookup, below: Below | None
    ) -> HostAnswer:
        request = group[0]  # one URC, one request: the resources are re-read from its line
        args = request_args(request.raw)
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
                text = value_text(value)
                parts += [path.rsplit("/", 1)[1], f'"{type_letter(value)}"', str(len(text))]
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
                    written[f"/{obj}/{inst}/{chunk[0].strip()}"] = typed_value(
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


HOST_ANSWERS = Sim7028HostAnswers()

#: The note's example object (§4.1: a temperature sensor 3303 the host manages), added after
#: registration; the server then reads its value, which only the host knows.
HOST_DEMO = HostDemo(
    commands=("AT+LWADDOBJ=0,3303,0,4,5700,5701,5750,5605",),
    values={"/3303/0/5700": 21.5, "/3303/0/5750": "kitchen"},
    read="/3303/0/5700",
)
