"""LEXI-R10401D ``+ULWM2M*`` responses and URCs → contract events.

``+ULWM2MSTAT: <event>,...`` (URC):

* 0/1 (bootstrap/registration status) → ``registration`` for codes 0-9, ``bootstrap`` for
  10-19 (the code table is shared by both events). ``+ULWM2MSTAT: 0,721,2`` — a registration
  code under the bootstrap event, as the document's own example prints it — is decoded by the
  code and marked ``inferred``.
* 2 → ``update_timer``; 3 → ``notify``; 4 and 5 → ``client``; 6 → ``connection`` (address or
  sent/received byte counts; LEXI-R10401D-00B does not report the counts).

Responses: ``+ULWM2MREG: <id>,<status>[,<interval>]`` → ``registration`` (+ ``update_timer``
when the interval is given); ``+ULWM2MSTAT: <n>,<mask>``, ``+ULWM2M: <mode>`` and each
``+ULWM2MCONFIG:`` row → ``setting``; test-form answers → ``response``. The vendor's number is
always kept in ``code``.
"""

from __future__ import annotations

from typing import Any

from workbench.plugin_api import (
    ClassifiedLine,
    CommandForm,
    Decoder,
    Event,
    Kind,
    LineKind,
    parse_command,
    split_at_args,
    split_info,
    tidy_at_text,
)

from .codes import (
    CLIENT_STATUS,
    CONFIG_PARAMS,
    CONNECTION_STATUS,
    INFERRED_STATUS,
    INIT_STATUS,
    SERVER_STATUS,
)


class LexiR10Decoder(Decoder):
    """Per-connection decoder of the LEXI-R10 LwM2M dialect."""

    def decode_line(self, line: ClassifiedLine) -> list[Event]:
        if line.kind in (LineKind.ECHO, LineKind.FINAL, LineKind.PROMPT):
            return []
        info = split_info(line.text.strip())
        if info is None:
            return []
        prefix, payload = info
        if prefix not in ("+ULWM2MSTAT", "+ULWM2M", "+ULWM2MREG", "+ULWM2MCONFIG"):
            return []
        if payload.lstrip().startswith("(") or (
            line.kind is LineKind.INFO and _form(line) is CommandForm.TEST
        ):
            return [
                Event.from_line(
                    Kind.RESPONSE, line, command=prefix, form="test", syntax=tidy_at_text(payload)
                )
            ]
        args = split_at_args(payload)
        if prefix == "+ULWM2MSTAT":
            if line.kind is LineKind.INFO and _form(line) is CommandForm.READ:
                values = {"n": _int(args, 0), "verbosity_mask": _int(args, 1)}
                return _setting(line, "ulwm2mstat", values)
            return self._stat(line, args)  # a URC, also when it lands inside another command
        if prefix == "+ULWM2M":
            return _setting(line, "activation_mode", {"activation_mode": _int(args, 0)})
        if prefix == "+ULWM2MREG":
            return self._reg(line, args)
        return self._config(line, args)

    # -- +ULWM2MSTAT URC ----------------------------------------------------------------------
    def _stat(self, line: ClassifiedLine, args: list[str]) -> list[Event]:
        event = _int(args, 0)
        if event in (0, 1):
            server, code = _int(args, 1), _int(args, 2)
            if code is None or code not in SERVER_STATUS:
                return []
            text, kind, state = SERVER_STATUS[code]
            inferred = (event == 0) != (kind == "bootstrap") or code in INFERRED_STATUS
            return [
                Event.from_line(
                    kind, line, inferred=inferred, server=server, state=state, code=code,
                    event=event, status=text,
                )
            ]  # fmt: skip
        if event == 2:
            seconds = _int(args, 2)
            if seconds is None:
                return []
            return [Event.from_line(Kind.UPDATE_TIMER, line, server=_int(args, 1), seconds=seconds)]
        if event == 3 and len(args) >= 3:
            return [Event.from_line(Kind.NOTIFY, line, server=_int(args, 1), path=args[2])]
        if event in (4, 5):
            table = CLIENT_STATUS if event == 4 else INIT_STATUS
            code = _int(args, 1)
            if code is None or code not in table:
                return []
            text, client_state = table[code]
            fields: dict[str, Any] = {"code": code, "event": event, "status": text}
            if client_state is not None:
                fields["state"] = client_state
            return [Event.from_line(Kind.CLIENT, line, **fields)]
        if event == 6:
            return self._connection(line, args)
        return []

    def _connection(self, line: ClassifiedLine, args: list[str]) -> list[Event]:
        code = _int(args, 2)
        if code is None or code not in CONNECTION_STATUS:
            return []
        text, state = CONNECTION_STATUS[code]
        fields: dict[str, Any] = {"server": _int(args, 1), "state": state, "code": code}
        if code in (0, 2) and len(args) > 3:
            fields["address"] = args[3]
        elif code in (1, 3):
            if len(args) > 3:
                fields["sent"] = _int(args, 3)
            if len(args) > 4:
                fields["received"] = _int(args, 4)
        fields["status"] = text
        return [Event.from_line(Kind.CONNECTION, line, **fields)]

    # -- responses ----------------------------------------------------------------------------
    def _reg(self, line: ClassifiedLine, args: list[str]) -> list[Event]:
        server, code = _int(args, 0), _int(args, 1)
        if server is None or code is None or code not in SERVER_STATUS:
            return []
        text, kind, state = SERVER_STATUS[code]
        inferred = code in INFERRED_STATUS
        events = [
            Event.from_line(
                kind, line, inferred=inferred, server=server, state=state, code=code, status=text
            )
        ]
        interval = _int(args, 2)
        if interval is not None:
            events.append(Event.from_line(Kind.UPDATE_TIMER, line, server=server, seconds=interval))
        return events

    def _config(self, line: ClassifiedLine, args: list[str]) -> list[Event]:
        if len(args) != 1 + len(CONFIG_PARAMS):
            return []
        values = {name: _int(args, i + 1) for i, (name, _, _) in enumerate(CONFIG_PARAMS)}
        return _setting(line, "server_config", {"server": _int(args, 0), **values})


def _setting(line: ClassifiedLine, name: str, values: dict[str, Any]) -> list[Event]:
    return [Event.from_line(Kind.SETTING, line, name=name, value=values)]


def _form(line: ClassifiedLine) -> CommandForm | None:
    parsed = parse_command(line.command or "")
    return parsed.form if parsed is not None else None


def _int(args: list[str], index: int) -> int | None:
    if index >= len(args):
        return None
    text = args[index].strip()
    return int(text) if text.lstrip("-").isdigit() else None
