"""Decoder for the Quectel BG95/BG77/BG600L LwM2M dialect (application note §3.2, §3.3).

What becomes what:

* ``+QLWURC: "event",<shortID>,<state_code>,<state_string>`` → ``client`` / ``registration`` /
  ``bootstrap`` per Table 9 (:data:`codes.STATE_CODES`), the raw number in ``code`` and the
  string in ``state_string``. The code decides; the string is only used when the code is not a
  number (``Dereg_Finish`` and ``DEREG_FINISH`` are both accepted, §3.3.1 vs §4.2.2).
* ``+QLWURC: "observe",...`` → ``observe``; ``"uldata"`` → ``notify`` (delivery result of
  application data); ``"recv"`` (multi-line: head, then one data line) → ``downlink`` on the
  data line; the head line alone gives a ``urc_head`` event (plugin kind) so that it is never
  reported as unknown.
* ``+QLWREG: <err>`` / ``+QLWDEREG: <err>`` → ``client`` (registering / stopped) for 0,
  ``error`` otherwise; ``+CME ERROR: 701..706`` → ``error`` with the §3.2.2 text.
* ``+QLWSVC: "state",...`` → the state of that server as above; the other ``+QLWCFG:`` /
  ``+QLWSVC:`` information lines → ``setting`` (query answers) or ``response`` (test form).

Inferred meanings carry ``inferred: true``: state code 5 (Table 9 contradicts itself), the
``"observe"`` URC written without the comma between ``<shortID>`` and ``<URI>`` (as §3.3.2
shows it) and ``+QLWREG: 0`` meaning "the client starts" (§3.2.2 only says "success").
"""

from __future__ import annotations

import re
from typing import Any, Final

from plugins.quectel_bg95.codes import (
    CME_TEXTS,
    ERR_TEXTS,
    RECV_TYPES,
    STATE_BY_NAME,
    STATE_CODES,
    ULDATA_RESULTS,
)
from workbench.plugin_api import (
    ClassifiedLine,
    Decoder,
    Event,
    Kind,
    LineKind,
    split_at_args_detailed,
    split_info,
    unknown_event,
)

#: Plugin kind for the head line of a multi-line URC whose data line follows.
URC_HEAD: Final = "urc_head"
#: Plugin kind for a ``"uldata"`` uplink the server did not acknowledge (audit M8).
UPLINK_RESULT: Final = "uplink_result"

_CME: Final = re.compile(r"^\+CME ERROR:\s*(\d+)\s*$")
#: ``102"/3/0/0"`` — §3.3.2 prints ``<shortID><URI>`` without a comma.
_GLUED_ID_URI: Final = re.compile(r'^\s*(\d+)\s*"([^"]*)"\s*$')


#: Parameter names of the ``+QLWCFG: "<item>",...`` query answers (§3.2.1).
SETTING_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "autostart": ("startup_mode",),
    "pdpcid": ("client_index", "PDP_cid", "APN_class"),
    "security": ("client_index", "shortID", "server_addr", "bootstrap", "security_mode"),
    "server": (
        "client_index", "life_time", "period_min", "period_max", "disable_time", "storing",
        "binding",
    ),
    "epns": ("type", "bs_epname", "reg_epname"),
    "transcfg": ("retry_timeout", "retry_exponent", "max_timeout"),
    "version": ("client_version",),
    "select": ("server_type", "is_commercial"),
    "host": ("host_index", "hostID", "host_value"),
    "device": ("manufacturer", "model_no", "hw_version", "sw_version", "fw_version", "device_type"),
    "session": ("DTLS_timeout", "resume_time"),
    "mbsps": ("service_code", "IMEI", "MSISDN", "ICCID", "model", "MAC"),
    "mbps": ("service_code", "IMEI", "MSISDN", "ICCID", "model", "MAC"),
}  # fmt: skip


def recv_data_lines(head: str) -> int:
    """Continuation lines after a ``+QLWURC: "recv"`` head: 1, or 0 when ``<data_len>`` is 0."""
    info = split_info(head)
    if info is None:
        return 1
    args = [a.value for a in split_at_args_detailed(info[1])]
    if len(args) >= 4 and args[3].strip() == "0":
        return 0
    return 1


def _int(text: str) -> int | None:
    try:
        return int(text.strip(), 10)
    except ValueError:
        return None


class QuectelDecoder(Decoder):
    """Per-connection decoder; remembers the pending ``"recv"`` head for its data line."""

    def __init__(self, variant: str = "") -> None:
        super().__init__(variant)

    def decode_line(self, line: ClassifiedLine) -> list[Event]:
        if line.is_continuation:
            return self._recv_data(line)
        text = line.text.strip()
        if line.kind is LineKind.FINAL:
            return self._final(line, text)
        info = split_info(text)
        if info is None:
            return []
        prefix, payload = info
        args = [a.value for a in split_at_args_detailed(payload)]
        if prefix == "+QLWURC":
            return self._urc(line, args, payload)
        if prefix in ("+QLWREG", "+QLWDEREG"):
            return self._result(line, prefix, args)
        if prefix in ("+QLWCFG", "+QLWSVC"):
            return self._info(line, prefix, args, payload)
        if prefix == "+QCSQ":
            return _qcsq(line, args)
        return []

    # -- URCs ---------------------------------------------------------------------------------
    def _urc(self, line: ClassifiedLine, args: list[str], payload: str) -> list[Event]:
        if not args:
            return []
        name = args[0].lower()
        if name == "event":
            return self._event(line, args[1:], source="urc")
        if name == "observe":
            return self._observe(line, args[1:])
        if name == "uldata":
            return self._uldata(line, args[1:])
        if name == "recv":
            return self._recv_head(line, args[1:])
        return []

    def _event(self, line: ClassifiedLine, args: list[str], *, source: str) -> list[Event]:
        """``<shortID>,<state_code>,<state_string>`` (also the tail of ``"state"``)."""
        server = _int(args[0]) if args else None
        code = _int(args[1]) if len(args) > 1 else None
        string = args[2] if len(args) > 2 else ""
        if code is None and string.upper() in STATE_BY_NAME:
            code = STATE_BY_NAME[string.upper()]
        row = STATE_CODES.get(code) if code is not None else None
        if row is None:
            return [unknown_event(line, f"undefined LwM2M state code {args[1:2]}")]
        fields: dict[str, Any] = {"server": server, "state": row.state, "code": code}
        if string:
            fields["state_string"] = string
            if string.upper() != row.name.upper():
                fields["state_string_mismatch"] = True
        fields.update(dict(row.extra))
        if source != "urc":
            fields["source"] = source
        return [Event.from_line(row.kind, line, inferred=row.inferred, **fields)]

    def _observe(self, line: ClassifiedLine, args: list[str]) -> list[Event]:
        """``<shortID>,<URI>,<messageID>,<token>,<flag>`` (comma after shortID optional)."""
        inferred = False
        glued = _GLUED_ID_URI.match(args[0]) if args else None
        if glued is not None:
            args = [glued.group(1), glued.group(2), *args[1:]]
            inferred = True
        if len(args) < 5:
            return []
        server, flag = _int(args[0]), _int(args[4])
        if flag not in (0, 1):
            return []
        fields: dict[str, Any] = {
            "server": server,
            "path": args[1],
            "active": flag == 0,
            "code": flag,
            "message_id": _int(args[2]),
            "token": _int(args[3]) if _int(args[3]) is not None else args[3],
        }
        return [Event.from_line(Kind.OBSERVE, line, inferred=inferred, **fields)]

    def _uldata(self, line: ClassifiedLine, args: list[str]) -> list[Event]:
        """``<shortID>,<URI>,<messageID>,<token>,<response_code>``: an uplink's fate.

        §3.3.3 reports the outcome of ``AT+QLWSVC="uldata"`` (audit M8), not an observation
        notification: only a delivered one (0) is a ``notify``; a failed one (-1 error response,
        -2 no response, -3 invalid) is an ``uplink_result`` so no notify count includes it.
        """
        if len(args) < 5:
            return []
        result = _int(args[4])
        fields: dict[str, Any] = {
            "server": _int(args[0]),
            "path": args[1],
            "code": result,
            "delivered": result == 0,
            "result": ULDATA_RESULTS.get(result, "unknown") if result is not None else "unknown",
            "message_id": _int(args[2]),
            "token": _int(args[3]) if _int(args[3]) is not None else args[3],
            "source": "uldata",
        }
        return [Event.from_line(Kind.NOTIFY if result == 0 else UPLINK_RESULT, line, **fields)]

    def _recv_head(self, line: ClassifiedLine, args: list[str]) -> list[Event]:
        """The head announces the data line; with length 0 there is none (downlink now)."""
        if len(args) < 3:
            return []
        length = _int(args[2])
        if length == 0 or line.parts == 0:
            return [self._downlink(line, args, "" if length == 0 else None, line.text)]
        return [
            Event.from_line(
                URC_HEAD, line, urc="recv", path=args[0], data_type=_int(args[1]), length=length
            )
        ]

    def _recv_data(self, line: ClassifiedLine) -> list[Event]:
        head = line.head
        if head is None:
            return []
        info = split_info(head.text.strip())
        if info is None or not info[1].lower().lstrip().startswith('"recv"'):
            return []
        args = [a.value for a in split_at_args_detailed(info[1])][1:]
        if len(args) < 3:
            return []
        event = self._downlink(line, args, line.text, f"{head.text}\n{line.text}")
        event.line = head.number
        return [event]

    def _downlink(
        self, line: ClassifiedLine, args: list[str], value: str | None, raw: str
    ) -> Event:
        data_type, length = _int(args[1]), _int(args[2])
        fields: dict[str, Any] = {
            "path": args[0],
            "value": value,
            "data_type": data_type,
            "format": RECV_TYPES.get(data_type, "unknown") if data_type is not None else "unknown",
            "length": length,
        }
        if value is not None and length is not None:
            size = len(value) // 2 if data_type == 5 else len(value.encode("utf-8"))
            if size != length:
                fields["length_mismatch"] = True
        return Event.from_line(Kind.DOWNLINK, line, raw=raw, **fields)

    # -- results ------------------------------------------------------------------------------
    def _result(self, line: ClassifiedLine, prefix: str, args: list[str]) -> list[Event]:
        err = _int(args[0]) if args else None
        if err is None:
            return []
        if err != 0:
            text = ERR_TEXTS.get(err, "unknown error")
            return [Event.from_line(Kind.ERROR, line, text=text, code=err, source=prefix)]
        if prefix == "+QLWREG":
            return [
                Event.from_line(
                    Kind.CLIENT, line, state="registering", code=0, source=prefix, inferred=True
                )
            ]
        # Audit M9: <err> 0 is "Operation success" only; that the client stops is a reading.
        return [
            Event.from_line(
                Kind.CLIENT, line, state="stopped", code=0, source=prefix, inferred=True
            )
        ]

    def _final(self, line: ClassifiedLine, text: str) -> list[Event]:
        m = _CME.match(text)
        if m is None or int(m.group(1)) not in CME_TEXTS:
            return []
        code = int(m.group(1))
        fields: dict[str, Any] = {"text": CME_TEXTS[code], "code": code, "source": "CME"}
        if line.command:
            fields["command"] = line.command
        return [Event.from_line(Kind.ERROR, line, **fields)]

    # -- information responses ----------------------------------------------------------------
    def _info(
        self, line: ClassifiedLine, prefix: str, args: list[str], payload: str
    ) -> list[Event]:
        if not args:
            return []
        item = args[0].lower()
        if line.command is not None and line.command.rstrip().endswith("=?"):
            return [
                Event.from_line(
                    Kind.RESPONSE, line, command=prefix, item=item, supported=payload.strip()
                )
            ]
        if prefix == "+QLWSVC" and item == "state" and len(args) >= 6:
            events = self._event(line, [args[2], args[5]], source="state")
            for event in events:
                if event.kind != Kind.UNKNOWN:
                    event.fields.update(
                        client_index=_int(args[1]), address=args[3], bootstrap=_int(args[4]) == 1
                    )
            return events
        if prefix == "+QLWSVC" and item == "lifetime" and len(args) >= 3:
            return [
                Event.from_line(
                    Kind.SETTING, line, name="lifetime", server=_int(args[1]),
                    value=_int(args[2]),
                )
            ]  # fmt: skip
        details = split_at_args_detailed(payload)[1:]
        names = SETTING_FIELDS.get(item, ())
        value: dict[str, Any] | list[str]
        if names and len(details) <= len(names):
            value = {
                name: a.value if a.quoted or _int(a.value) is None else _int(a.value)
                for name, a in zip(names, details, strict=False)
            }
        else:
            value = args[1:]
        return [
            Event.from_line(Kind.SETTING, line, name=f"{prefix[1:].lower()}.{item}", value=value)
        ]


def _qcsq(line: ClassifiedLine, args: list[str]) -> list[Event]:
    """``+QCSQ: "eMTC"|"NBIoT",<rssi>,<rsrp>,<sinr>,<rsrq>``: the signal with the SINR that
    3GPP's +CESQ lacks, for the network card and the timeline's SNR line.

    Inferred, as ../shared/specs has no +QCSQ: the field order and the SINR scale are the BG96
    AT commands manual's ("1/5th of a dB, 0-250 for -20 dB to +30 dB"), taken to hold for
    BG95/BG77/BG600L; the event is marked inferred.
    """
    if not args:
        return []
    if len(args) < 5 or args[0].upper() not in ("EMTC", "CAT-M1", "NBIOT", "CAT-NB1"):
        return [Event.from_line(Kind.SIGNAL, line, sysmode=args[0])]  # "NOSERVICE"
    try:
        rssi, rsrp, sinr, rsrq = (int(v, 10) for v in args[1:5])
    except ValueError:
        return []
    return [
        Event.from_line(
            Kind.SIGNAL,
            line,
            inferred=True,
            sysmode=args[0],
            rssi_dbm=rssi,
            rsrp_dbm=rsrp,
            rsrq_db=rsrq,
            snr_db=round(sinr / 5 - 20, 1) if 0 <= sinr <= 250 else None,
        )
    ]
