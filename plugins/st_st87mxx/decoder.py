"""ST87MXX lines → events of the decoded-event contract.

Most of this dialect is known only from the note's examples, so many events carry
``inferred: true`` (see README.md, "Inferred meanings"): every ``#LWREG`` status, the field
layout of the ``#LWNTY*`` URCs and the response shapes the note never prints (``#LWSTART:``,
``#LWREADRSCVAL:``, ``#LWLISTOBJ:``...).

``#LWREG`` codes are read in context, because the same three codes serve registration and
update: ``2`` after a registration is an update going out, and ``3`` after that is the
update's success. A query answer (``AT#LWREG=3,..``) reports the plain status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from workbench.plugin_api import (
    ClassifiedLine,
    CommandForm,
    Decoder,
    Event,
    Kind,
    LineKind,
    ParsedCommand,
    decode_standard,
    parse_command,
    split_at_args,
    split_info,
    tidy_at_text,
)

from . import nty
from .codes import (
    BOOT_HEAD,
    REG_QUERY,
    STATUS_NONE,
    STATUS_REGISTERED,
    STATUS_SENT,
    STATUS_STARTED,
    STATUS_TEXT,
)

#: Plugin kinds added to the contract ones.
KIND_HOST_RESPONSE: Final = "host_response"
KIND_SOCKET: Final = "socket"
KIND_POWER: Final = "power"
KIND_SERVERS: Final = "servers"

_NTY_OPS: Final = {"#LWNTYRDOBJ": "read", "#LWNTYWROBJ": "write", "#LWNTYEXEOBJ": "execute"}


class St87Decoder(Decoder):
    """Per-connection decoder; remembers each server's registration state for ``#LWREG``."""

    def __init__(self, variant: str = "") -> None:
        super().__init__(variant)
        self._reg: dict[int, str] = {}

    def reset(self) -> None:
        self._reg.clear()

    # -- dispatch ---------------------------------------------------------------------------
    def decode_line(self, line: ClassifiedLine) -> list[Event]:
        text = line.text.strip()
        if line.kind is LineKind.ECHO:
            return self._echo(line, text)
        if line.kind is LineKind.FINAL:
            return self._final(line, text)
        if text in (BOOT_HEAD, "#REBOOT_WD"):
            self._reg.clear()
            return [Event.from_line(Kind.BOOT, line, text=text)]
        if text in ("#SLEEP", "#WAKEUP"):
            state = "sleep" if text == "#SLEEP" else "wakeup"
            return [Event.from_line(KIND_POWER, line, state=state)]
        info = split_info(text)
        if info is None:
            return []
        prefix, payload = info
        args = split_at_args(payload)
        handler = _HANDLERS.get(prefix.upper())
        if handler is None:
            return []
        return handler(self, line, args, payload)

    # -- AT conversation --------------------------------------------------------------------
    def _echo(self, line: ClassifiedLine, text: str) -> list[Event]:
        parsed = parse_command(text)
        if parsed is None or parsed.name not in _NTY_OPS or not parsed.args:
            return []
        return decode_standard(line)

    def _host_answer(self, line: ClassifiedLine, parsed: ParsedCommand) -> list[Event]:
        """The host's ``AT#LWNTY*`` answer, decoded once the module has taken it with ``OK``.

        Audit M12: the echo alone does not say the module accepted the answer; an answer it
        rejects (``ERROR``) must leave the host request pending.
        """
        op = _NTY_OPS[parsed.name]
        events = decode_standard(line)
        try:
            message = nty.parse(
                split_at_args(parsed.args), with_data=op == "read", execute=op == "execute"
            )
        except ValueError as exc:
            events.append(
                Event.from_line(KIND_HOST_RESPONSE, line, op=op, error=str(exc), inferred=True)
            )
            return events
        for item in message.items:
            fields: dict[str, Any] = {"op": op, "path": message.path(item)}
            fields["server"] = message.server
            if item.data is not None:
                fields["value"] = item.data
                fields["type"] = item.type
            events.append(Event.from_line(KIND_HOST_RESPONSE, line, inferred=True, **fields))
        return events

    def _final(self, line: ClassifiedLine, text: str) -> list[Event]:
        if text != "OK" or not line.command:
            return []
        parsed = parse_command(line.command)
        if parsed is None:
            return []
        if parsed.name in _NTY_OPS and parsed.args:
            return self._host_answer(line, parsed)
        extra = _final_event(line, parsed)
        if extra is None:
            return []  # a plain OK: the base class's standard decoders give its result event
        return [*decode_standard(line), extra]

    # -- #LWREG -----------------------------------------------------------------------------
    def _lwreg(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        ints = [_int_or_none(a) for a in args]
        if len(ints) < 2 or ints[0] is None or ints[1] is None:
            return []
        server, code = ints[0], ints[1]
        query = line.kind is LineKind.INFO and _is_query(line.command)
        previous = self._reg.get(server, "")
        state = _reg_state(code, previous, query)
        if state is None:
            return [
                Event.from_line(
                    Kind.REGISTRATION, line, server=server, state="pending", code=code,
                    detail="undocumented #LWREG code", inferred=True,
                )
            ]  # fmt: skip
        self._reg[server] = state
        fields: dict[str, Any] = {"server": server, "state": state, "code": code}
        fields["detail"] = STATUS_TEXT[code]
        if query:
            fields["query"] = True
        return [Event.from_line(Kind.REGISTRATION, line, inferred=True, **fields)]

    # -- host-managed objects ---------------------------------------------------------------
    def _nty(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        prefix = split_info(line.text.strip())
        assert prefix is not None
        op = _NTY_OPS[prefix[0].upper()]
        try:
            message = nty.parse(args, with_data=op == "write", execute=op == "execute")
        except ValueError as exc:
            request = _unparsed_request(line, op, args, str(exc))
            return [request] if request is not None else []
        events: list[Event] = []
        for item in message.items:
            fields: dict[str, Any] = {"op": op, "path": message.path(item)}
            fields["server"] = message.server
            if item.data is not None:
                fields["value"] = item.data
                fields["type"] = item.type
                fields["length"] = item.length
            if op == "execute":
                fields["value"] = message.arguments or ""
            events.append(Event.from_line(Kind.HOST_REQUEST, line, inferred=True, **fields))
        return events

    # -- values and objects -----------------------------------------------------------------
    def _values(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        uri, sep, value = payload.strip().partition(",")
        uri = uri.strip().strip('"')
        if not uri.startswith("/"):
            return []
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values = {uri: _typed(value) if sep else None}
        return [Event.from_line(Kind.VALUES, line, values=values, inferred=True)]

    def _objects(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        paths = [a.strip().strip("<>") for a in args if a.strip()]
        if not all(p.startswith("/") for p in paths):
            return []
        return [Event.from_line(Kind.OBJECTS, line, paths=paths, inferred=True)]

    def _servers(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        if not args:
            return []
        fields: dict[str, Any] = {"server": _int_or_none(args[0])}
        if len(args) > 1:
            fields["url"] = args[1]
        return [Event.from_line(KIND_SERVERS, line, inferred=True, **fields)]

    # -- settings and the module around LwM2M -------------------------------------------
    def _lwstart(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        code = _int_or_none(args[0]) if args else None
        if code not in (0, 1):
            return []
        state = "ready" if code == 1 else "stopped"
        return [Event.from_line(Kind.CLIENT, line, state=state, code=code, inferred=True)]

    def _setting(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        prefix = split_info(line.text.strip())
        assert prefix is not None
        name = prefix[0].lstrip("#").lower()
        return [Event.from_line(Kind.SETTING, line, name=name, value=args)]

    def _socket(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        socket = _int_or_none(args[0]) if args else None
        if socket is None:
            return []
        return [Event.from_line(KIND_SOCKET, line, state="created", socket=socket)]

    def _simst(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        sim = _int_or_none(args[0]) if args else None
        return [Event.from_line(Kind.BOOT, line, text=tidy_at_text(line.text), sim=sim)]

    def _ipcfg(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        ints = [_int_or_none(a) for a in args]
        fields: dict[str, Any] = {"source": "#IPCFG", "cid": ints[0] if ints else None}
        fields["values"] = ints[1:]
        return [Event.from_line(Kind.NETWORK, line, inferred=True, **fields)]

    def _cgev(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        words = payload.split()
        fields: dict[str, Any] = {"source": "+CGEV", "event": " ".join(words)}
        if len(words) >= 4 and words[1] == "PDN" and words[2] in ("ACT", "DEACT"):
            fields["event"] = "pdn_activated" if words[2] == "ACT" else "pdn_deactivated"
            fields["cid"] = _int_or_none(words[3])
        return [Event.from_line(Kind.NETWORK, line, **fields)]


def _final_event(line: ClassifiedLine, parsed: ParsedCommand) -> Event | None:
    """The event an ``OK`` to ``parsed`` adds to the standard result event, if any."""
    if parsed.name == "#LWSTART" and parsed.form is CommandForm.EXECUTE:
        return Event.from_line(Kind.CLIENT, line, state="ready", code="OK")
    if parsed.name == "#LWSTOP" and parsed.form is CommandForm.EXECUTE:
        return Event.from_line(Kind.CLIENT, line, state="stopped", code="OK")
    if parsed.name == "#DTLSCONNECT" and parsed.form is CommandForm.SET:
        args = split_at_args(parsed.args)
        fields: dict[str, Any] = {"state": "created", "secure": True}
        if len(args) >= 4:
            fields["address"] = f"{args[2]}:{args[3]}"
            fields["socket"] = _int_or_none(args[1])
        return Event.from_line(Kind.CONNECTION, line, **fields)
    return None


_Handler = Callable[[St87Decoder, ClassifiedLine, list[str], str], list[Event]]


_HANDLERS: Final[dict[str, _Handler]] = {
    "#LWREG": St87Decoder._lwreg,
    "#LWNTYRDOBJ": St87Decoder._nty,
    "#LWNTYWROBJ": St87Decoder._nty,
    "#LWNTYEXEOBJ": St87Decoder._nty,
    "#LWREADRSCVAL": St87Decoder._values,
    "#LWDUMPOBJ": St87Decoder._values,
    "#LWLISTOBJ": St87Decoder._objects,
    "#LWLISTSERV": St87Decoder._servers,
    "#LWSTART": St87Decoder._lwstart,
    "#LWPARAMS": St87Decoder._setting,
    "#LWCFG": St87Decoder._setting,
    "#LWNTYTO": St87Decoder._setting,
    "#SOCKETCREATE": St87Decoder._socket,
    "#SIMST": St87Decoder._simst,
    "#IPCFG": St87Decoder._ipcfg,
    "+CGEV": St87Decoder._cgev,
}


def _reg_state(code: int, previous: str, query: bool) -> str | None:
    """Contract state of an ``#LWREG`` code given the server's previous state (inferred)."""
    if code == STATUS_STARTED:
        return "pending"
    if code == STATUS_SENT:
        if not query and previous in ("registered", "updated"):
            return "update_pending"
        return "pending"
    if code == STATUS_REGISTERED:
        if not query and previous == "update_pending":
            return "updated"
        return "registered"
    if code == STATUS_NONE:
        if query:
            return "deregistered"
        if previous == "pending":
            return "failed"
        if previous == "update_pending":
            return "update_failed"
        return "deregistered"
    return None


def _is_query(command: str | None) -> bool:
    parsed = parse_command(command or "")
    if parsed is None or parsed.name != "#LWREG":
        return False
    args = split_at_args(parsed.args)
    return bool(args) and _int_or_none(args[0]) == REG_QUERY


def _unparsed_request(line: ClassifiedLine, op: str, args: list[str], problem: str) -> Event | None:
    """A ``#LWNTY*`` request outside the one form the note shows, kept instead of dropped.

    Audit M13: the note shows only type ``D`` with the length in hex digits and defers the rest
    to the AT manual, so another form is still a request the host must answer: it keeps its
    op, server and path, no ``value``, and says what did not fit. Without a numeric server,
    object and instance it is not a request at all (None: the line stays ``unknown``).
    """
    ints = [_int_or_none(a) for a in args[:5]]
    if len(ints) < 3 or ints[0] is None or ints[1] is None or ints[2] is None:
        return None
    path = f"/{ints[1]}/{ints[2]}"
    if len(ints) >= 5 and ints[3] == 1 and ints[4] is not None:
        path += f"/{ints[4]}"
    fields: dict[str, Any] = {"op": op, "server": ints[0], "path": path, "detail": problem}
    return Event.from_line(Kind.HOST_REQUEST, line, inferred=True, **fields)


def _int_or_none(text: str) -> int | None:
    try:
        return int(text.strip(), 10)
    except ValueError:
        return None


def _typed(text: str) -> int | float | str:
    """Numbers as numbers (the note prints values bare), everything else as text."""
    try:
        return int(text, 10)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
