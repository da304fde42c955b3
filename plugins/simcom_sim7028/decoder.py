"""SIM7028 responses and URCs → contract events.

What the document gives and how it maps (sections of simcom-sim7028-lwm2m-appnote.txt):

* ``+LWOPEN: <lwm2mId>`` (§2.2.4; every example prints ``+LMOPEN``, both accepted) →
  ``registration`` ``registered`` for that session. The document only says the line returns
  the session id; that it marks a *completed* registration is inferred (``inferred: true``).
* ``+LWREAD``/``+LWWRITE``/``+LWEXECUTE`` (§3.1; ``+LMWRITE`` in the §2.2.9 example) →
  ``host_request`` with ``op``, ``path``, ``session`` and, for writes, ``value``/``values``.
  ``+LWREAD: 0,3200,0,0`` (§4.1) has ``<resourceCnt>`` 0, outside the defined 1-15: read of the
  whole instance, inferred. ``+LWWRITE: ..,5750,0,6,"123456"`` (§4.1) has ``<valuetype>`` ``0``,
  which is no defined letter: the value is kept as text, inferred.
* ``AT+LWREADRSP``/``AT+LWWRITERSP``/``AT+LWEXECUTERSP`` echoes → an extra ``host_response``
  event (plugin kind) so the state model can close the pending host request.
* Final results of ``AT+LWSTART`` (→ ``client`` ready), ``AT+LWSTOP`` (→ ``client`` stopped),
  ``AT+LWOPEN`` ``ERROR`` (→ ``registration`` failed, inferred) and ``AT+LWCLOSE`` (→
  ``registration`` deregistered), each after the standard ``result``/``error`` event.
* Test-form answers (``+LWCNF: "server",<ipaddress>``...) → ``response`` events.
"""

from __future__ import annotations

from typing import Any, Final

from workbench.plugin_api import (
    ClassifiedLine,
    CommandForm,
    Decoder,
    Event,
    Kind,
    LineKind,
    ResultStatus,
    decode_standard,
    parse_command,
    split_at_args,
    split_info,
    tidy_at_text,
)

from .values import RESULT_CODES, VALUE_TYPES, coap_text, parse_groups, typed_value

#: Plugin-specific kind: the host answered a host request (``AT+LW*RSP``).
HOST_RESPONSE: Final = "host_response"

_OPEN: Final = ("+LWOPEN", "+LMOPEN")
_WRITE: Final = ("+LWWRITE", "+LMWRITE")


class Sim7028Decoder(Decoder):
    """Per-connection decoder of the SIM7028 LwM2M dialect (stateless between lines)."""

    def decode_line(self, line: ClassifiedLine) -> list[Event]:
        if line.kind is LineKind.ECHO:
            return self._echo(line)
        if line.kind is LineKind.FINAL:
            return self._final(line)
        text = line.text.strip()
        info = split_info(text)
        if info is not None:
            prefix, payload = info
            if prefix in _OPEN:
                return self._open(line, prefix, payload)
            if prefix == "+LWREAD":
                return self._read(line, payload)
            if prefix in _WRITE:
                return self._write(line, prefix, payload)
            if prefix == "+LWEXECUTE":
                return self._execute(line, payload)
            if prefix.startswith("+LW") and self._in_test(line):
                return [self._syntax(line, text)]
        if line.kind is LineKind.INFO and text.startswith("<") and self._in_test(line):
            return [self._syntax(line, text)]  # a wrapped test-form answer (§2.2.6, §2.2.8)
        return []

    # -- URCs -----------------------------------------------------------------------------
    def _open(self, line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
        args = split_at_args(payload)
        session = _int(args[0]) if args else None
        if session is None:
            return []
        return [
            Event.from_line(
                Kind.REGISTRATION,
                line,
                inferred=True,
                server=session,
                session=session,
                state="registered",
                code=prefix,
            )
        ]

    def _read(self, line: ClassifiedLine, payload: str) -> list[Event]:
        args = split_at_args(payload)
        ints = [_int(a) for a in args]
        if len(ints) < 4 or any(v is None for v in ints[:4]):
            return []
        session, obj, inst, count = (v for v in ints[:4] if v is not None)
        rids = [v for v in ints[4:] if v is not None]
        fields: dict[str, Any] = {"op": "read", "session": session, "server": session}
        inferred = False
        if count == 0 and not rids:
            fields["path"] = f"/{obj}/{inst}"
            inferred = True  # <resourceCnt> 0 is outside 1-15: whole instance (§4.1 example)
        elif len(rids) == 1:
            fields["path"] = f"/{obj}/{inst}/{rids[0]}"
        else:
            fields["path"] = f"/{obj}/{inst}"
            fields["paths"] = [f"/{obj}/{inst}/{r}" for r in rids]
        fields["count"] = count
        return [Event.from_line(Kind.HOST_REQUEST, line, inferred=inferred, **fields)]

    def _write(self, line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
        args = split_at_args(payload)
        head = [_int(a) for a in args[:4]]
        if len(head) < 4 or any(v is None for v in head):
            return []
        session, obj, inst, count = (v for v in head if v is not None)
        try:
            groups = parse_groups(args[4:], count)
        except ValueError:
            return []
        values: dict[str, Any] = {}
        types: dict[str, str] = {}
        inferred = False
        for group in groups:
            path = f"/{obj}/{inst}/{group.resource_id}"
            if group.value_type not in VALUE_TYPES:
                inferred = True  # undefined <valuetype> (e.g. "0" in §4.1): text kept
            try:
                values[path] = typed_value(group.value_type, group.text)
            except ValueError:
                values[path] = group.text
            types[path] = group.value_type
        fields: dict[str, Any] = {"op": "write", "session": session, "server": session}
        if len(groups) == 1:
            only = next(iter(values))
            fields.update(
                path=only,
                value=values[only],
                value_type=types[only],
                length=groups[0].length,
            )
        else:
            fields.update(path=f"/{obj}/{inst}", values=values, value_types=types)
        if prefix != "+LWWRITE":
            fields["spelling"] = prefix
        return [Event.from_line(Kind.HOST_REQUEST, line, inferred=inferred, **fields)]

    def _execute(self, line: ClassifiedLine, payload: str) -> list[Event]:
        args = split_at_args(payload)
        head = [_int(a) for a in args[:4]]
        if len(head) < 4 or any(v is None for v in head):
            return []
        session, obj, inst, rid = (v for v in head if v is not None)
        fields: dict[str, Any] = {
            "op": "execute",
            "session": session,
            "server": session,
            "path": f"/{obj}/{inst}/{rid}",
            "value": args[5] if len(args) > 5 else "",
        }
        if len(args) > 4:
            fields["length"] = _int(args[4])
        return [Event.from_line(Kind.HOST_REQUEST, line, **fields)]

    # -- the conversation ---------------------------------------------------------------------
    def _echo(self, line: ClassifiedLine) -> list[Event]:
        return decode_standard(line)

    def _final(self, line: ClassifiedLine) -> list[Event]:
        events = decode_standard(line)
        parsed = parse_command(line.command or "")
        result = line.result
        if parsed is None:
            return events
        ok = result.status is ResultStatus.OK if result is not None else line.text == "OK"
        name = parsed.name
        if name in _RSP_COMMANDS and parsed.form is CommandForm.SET:
            # Audit M12: the module's OK, not the echo, says the answer was taken (§2.2.8-10:
            # "1) OK 2) ERROR"); a rejected answer leaves the host request pending.
            if ok:
                args = split_at_args(parsed.args.strip().removeprefix("=").strip())
                response = _host_response(line, name, args)
                events += [response] if response is not None else []
        elif name == "+LWSTART" and parsed.form is CommandForm.EXECUTE and ok:
            events.append(Event.from_line(Kind.CLIENT, line, state="ready", code="+LWSTART"))
        elif name == "+LWSTOP" and parsed.form is CommandForm.EXECUTE and ok:
            events.append(Event.from_line(Kind.CLIENT, line, state="stopped", code="+LWSTOP"))
        elif name == "+LWOPEN" and parsed.form is CommandForm.EXECUTE and not ok:
            events.append(
                Event.from_line(
                    Kind.REGISTRATION, line, inferred=True, state="failed", code=line.text.strip()
                )
            )
        elif name == "+LWCLOSE" and parsed.form is CommandForm.SET and ok:
            session = _int(parsed.args.strip().removeprefix("=").strip())
            events.append(
                Event.from_line(
                    Kind.REGISTRATION,
                    line,
                    server=session,
                    session=session,
                    state="deregistered",
                    code="+LWCLOSE",
                )
            )
        return events

    @staticmethod
    def _in_test(line: ClassifiedLine) -> bool:
        parsed = parse_command(line.command or "")
        return parsed is not None and parsed.form is CommandForm.TEST

    @staticmethod
    def _syntax(line: ClassifiedLine, text: str) -> Event:
        parsed = parse_command(line.command or "")
        command = parsed.name if parsed is not None else ""
        syntax = tidy_at_text(text)  # the device's spacing is not part of the syntax
        return Event.from_line(Kind.RESPONSE, line, command=command, form="test", syntax=syntax)


_RSP_COMMANDS: Final = frozenset({"+LWREADRSP", "+LWWRITERSP", "+LWEXECUTERSP"})


def _host_response(line: ClassifiedLine, name: str, args: list[str]) -> Event | None:
    """The host's answer to a host request: its ``AT+LW*RSP`` command, once the module took it."""
    ints = [_int(a) for a in args]
    if name in ("+LWWRITERSP", "+LWEXECUTERSP"):
        if len(ints) != 2 or ints[0] is None or ints[1] is None:
            return None
        result = ints[1]
        op = "write" if name == "+LWWRITERSP" else "execute"
        fields: dict[str, Any] = {
            "op": op,
            "session": ints[0],
            "code": result,
            "result": RESULT_CODES.get(result, "unknown"),
        }
        coap = coap_text(result)
        if coap is not None:
            fields["coap"] = coap
        return Event.from_line(HOST_RESPONSE, line, **fields)
    if name == "+LWREADRSP":
        if len(ints) < 4 or any(v is None for v in ints[:4]):
            return None
        session, obj, inst, count = (v for v in ints[:4] if v is not None)
        try:
            groups = parse_groups(args[4:], count)
        except ValueError:
            return None
        values: dict[str, Any] = {}
        for group in groups:
            try:
                values[f"/{obj}/{inst}/{group.resource_id}"] = typed_value(
                    group.value_type, group.text
                )
            except ValueError:
                values[f"/{obj}/{inst}/{group.resource_id}"] = group.text
        return Event.from_line(
            HOST_RESPONSE,
            line,
            op="read",
            session=session,
            path=f"/{obj}/{inst}",
            values=values,
        )
    return None


def _int(text: str) -> int | None:
    stripped = text.strip()
    if stripped.lstrip("-").isdigit():
        return int(stripped)
    return None
