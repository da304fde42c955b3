"""Decoder for the +ULWM2M* family of SARA-R4/R5 and LEXI-R4 (vendor codes kept in ``code``).

The variant decides what a status number means (see :mod:`.profiles`): ``+ULWM2MSTAT: 1,123,2``
is "registered" on SARA-R410M-63B/73B/83B and "pending" (inferred) on SARA-R5. Meanings the note
does not state are marked ``inferred: true``:

* registration/bootstrap codes other than the documented ones (profiles' tables);
* the two numbers of ``+ULWM2MSTAT: 6,<ssid>,1|3,<a>,<b>`` (connection suspended/closed),
  taken as bytes sent and received (§4.1.2 and Appendix C give numbers, no names);
* ``+ULWM2MREG:`` status codes other than 2 (§4.3.1 documents only "2 = registered");
* the fields of ``+ULWM2MCONFIG``/``+ULWM2MCONFIGEXT`` between the few the note names.

Spellings of the note that differ from its own definitions are accepted too: ``ULWM2MCONFIG:``
without ``+`` (Appendix E), a bare ``721,0,1,...`` line as the ``+ULWM2MCONFIG?`` answer (§4.4),
a URL in ``\\"...\\"`` (Appendix C), a blank fourth +ULWM2MCONFIG field (§3.7), ``OK`` on the
same line as the +ULWM2MREAD JSON and JSON missing its last ``}`` (§4.4, §4.5, §5.6).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Final

from workbench.plugin_api import (
    ClassifiedLine,
    CodecError,
    Decoder,
    Event,
    Kind,
    LineKind,
    ObjectLink,
    ObjectRegistry,
    decode_ublox_json,
    default_registry,
    parse_command,
    split_at_args,
    split_info,
)

from .profiles import (
    CLIENT_CODES,
    CONFIG_FIELD_NAMES,
    CONNECTION_CODES,
    INIT_CODES,
    REGISTERED_STATES,
    CodeTable,
    Profile,
)

#: Plugin kinds beyond the contract.
SERVER_CONFIG: Final = "server_config"
LUA_MESSAGE: Final = "lua_message"
FILE: Final = "file"
PDP_CONTEXT: Final = "pdp_context"

_BARE_CONFIG: Final = re.compile(r"\d+(\s*,\s*\d*)+")

LineHandler = Callable[[ClassifiedLine, str], list[Event]]


def _int(text: str) -> int | None:
    try:
        return int(text.strip(), 10)
    except ValueError:
        return None


def _unquote(text: str) -> str:
    """A URL as printed, also in the note's ``\\"...\\"`` spelling (Appendix C)."""
    return text.replace('\\"', '"').strip().strip('"').strip()


def _jsonable(value: Any) -> Any:
    if isinstance(value, ObjectLink):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    return value


#: Distinct +ULWM2MREAD payloads whose values a decoder remembers; it starts again when full.
READ_MEMO: Final = 256


class SaraDecoder(Decoder):
    """One connection's decoder for a u-blox SARA-R4/R5/LEXI-R4 module."""

    def __init__(self, variant: str, profile: Profile) -> None:
        super().__init__(variant)
        self.profile = profile
        self._registry: ObjectRegistry | None = None
        #: +ULWM2MREAD payload → its values (see :meth:`_read`).
        self._read_memo: dict[str, dict[str, Any]] = {}
        #: Payloads that memo holds before it starts again (see AtEngine.facts_memo).
        self.read_memo = READ_MEMO
        self._handlers: dict[str, LineHandler] = {
            "+ULWM2MSTAT": self._stat,
            "+ULWM2MREG": self._reg,
            "+ULWM2MLIST": self._list,
            "+ULWM2MREAD": self._read,
            "+ULWM2MCONFIG": self._config,
            "+ULWM2MCONFIGEXT": self._config_ext,
            "+ULWM2M": self._activation,
            "+ULWM2MNOTIFY": self._lua_message,
            "+ULWM2MPULSE": self._pulse,
            "+ODIS": self._odis,
            "+UMNOPROF": self._mno,
            "+ULSTFILE": self._lstfile,
            "+URDFILE": self._rdfile,
            "+URDBLOCK": self._rdfile,
            "+CGDCONT": self._cgdcont,
        }

    @property
    def registry(self) -> ObjectRegistry:
        """Object definitions for typing +ULWM2MREAD values (built on first use)."""
        if self._registry is None:
            self._registry = default_registry()
        return self._registry

    def decode_line(self, line: ClassifiedLine) -> list[Event]:
        text = line.text.strip()
        if line.kind is LineKind.ECHO or line.kind is LineKind.FINAL:
            return []
        if text == ">":
            return [Event.from_line(Kind.PROMPT, line)]  # +UDWNFILE's prompt, logged alone
        if text.upper().startswith("ULWM2M"):
            text = "+" + text  # Appendix E prints "ULWM2MCONFIG: ..." without its "+"
        info = split_info(text)
        if info is None:
            return self._bare(line, text)
        prefix, payload = info
        handler = self._handlers.get(prefix)
        return handler(line, payload) if handler is not None else []

    def _bare(self, line: ClassifiedLine, text: str) -> list[Event]:
        """§4.4 prints the +ULWM2MCONFIG? answer without its prefix."""
        parsed = parse_command(line.command or "")
        if (
            line.kind is LineKind.INFO
            and parsed is not None
            and parsed.name == "+ULWM2MCONFIG"
            and _BARE_CONFIG.fullmatch(text)
        ):
            return self._config(line, text)
        return []

    # -- +ULWM2MSTAT --------------------------------------------------------------------------
    def _coded(
        self, kind: str, line: ClassifiedLine, table: CodeTable, code: int, **fields: Any
    ) -> Event:
        state, documented = table.get(code, (None, False))
        if state is not None:
            fields["state"] = state
        return Event.from_line(kind, line, inferred=not documented, code=code, **fields)

    def _stat(self, line: ClassifiedLine, payload: str) -> list[Event]:
        if line.kind is LineKind.INFO and line.command and "?" in line.command:
            numbers = [_int(a) for a in split_at_args(payload)]
            fields: dict[str, Any] = {
                "name": "ulwm2mstat",
                "enable": numbers[0] if numbers else None,
            }
            if len(numbers) > 1:
                fields["verbosity_mask"] = numbers[1]
            return [Event.from_line(Kind.SETTING, line, **fields)]
        args = split_at_args(payload)
        event = _int(args[0]) if args else None
        if event is None or len(args) < 2:
            return []
        ssid = _int(args[1])
        profile = self.profile
        if (
            event == 0
            and ssid is not None
            and len(args) >= 3
            and (code := _int(args[2])) is not None
        ):
            return [self._coded(Kind.BOOTSTRAP, line, profile.bs_codes, code, server=ssid)]
        if (
            event == 1
            and ssid is not None
            and len(args) >= 3
            and (code := _int(args[2])) is not None
        ):
            return [self._coded(Kind.REGISTRATION, line, profile.reg_codes, code, server=ssid)]
        if (
            event == 2
            and ssid is not None
            and len(args) >= 3
            and (secs := _int(args[2])) is not None
        ):
            return [Event.from_line(Kind.UPDATE_TIMER, line, server=ssid, seconds=secs)]
        if event == 3 and ssid is not None and len(args) >= 3:
            path = _unquote(args[2])
            return [Event.from_line(Kind.NOTIFY, line, server=ssid, path=path)]
        if event == 4 and ssid is not None:
            return [self._coded(Kind.CLIENT, line, CLIENT_CODES, ssid, event=4)]
        if event == 5 and ssid is not None:
            return [self._coded(Kind.CLIENT, line, INIT_CODES, ssid, event=5)]
        if event == 6 and ssid is not None and len(args) >= 3:
            return self._connection(line, ssid, args[2:])
        return []

    def _connection(self, line: ClassifiedLine, ssid: int, args: list[str]) -> list[Event]:
        code = _int(args[0])
        if code is None:
            return []
        fields: dict[str, Any] = {"server": ssid}
        counters = False
        if code in (0, 2) and len(args) >= 2:
            fields["address"] = _unquote(args[1])
        elif code in (1, 3) and len(args) >= 3:
            sent, received = _int(args[1]), _int(args[2])
            if sent is not None and received is not None:
                fields["sent"], fields["received"] = sent, received
                counters = True
        event = self._coded(Kind.CONNECTION, line, CONNECTION_CODES, code, **fields)
        event.inferred = event.inferred or counters
        return [event]

    # -- registration, objects, values ------------------------------------------------------
    def _reg(self, line: ClassifiedLine, payload: str) -> list[Event]:
        args = [_int(a) for a in split_at_args(payload)]
        if len(args) < 2 or args[0] is None or args[1] is None:
            return []
        ssid, code = args[0], args[1]
        event = self._coded(Kind.REGISTRATION, line, self.profile.reg_codes, code, server=ssid)
        interval = args[2] if len(args) >= 3 else None
        if interval is None:
            return [event]
        if event.get("state") in REGISTERED_STATES:
            return [event, Event.from_line(Kind.UPDATE_TIMER, line, server=ssid, seconds=interval)]
        event.fields["interval"] = interval  # not registered: no timer runs (profiles.py, M1)
        return [event]

    def _list(self, line: ClassifiedLine, payload: str) -> list[Event]:
        paths = [p.strip() for p in split_at_args(payload) if p.strip()]
        return [Event.from_line(Kind.OBJECTS, line, paths=paths)]

    def _read(self, line: ClassifiedLine, payload: str) -> list[Event]:
        # Decoding the JSON was more than half of this decoder's time on a log that reads the
        # same resources over and over (issue 17): the values of a payload are remembered
        # (a pure function of the payload and this decoder's fixed registry; scalars only, so
        # each event gets its own copy of the dict).
        memo = self._read_memo
        known = memo.get(payload)
        if known is not None:
            return [Event.from_line(Kind.VALUES, line, values=dict(known))]
        try:
            content = decode_ublox_json(payload, self.registry)
        except CodecError as exc:
            values = _loose_values(payload)
            if values is None:
                raise ValueError(f"+ULWM2MREAD JSON not understood: {exc}") from None
            return [Event.from_line(Kind.VALUES, line, inferred=True, values=values)]
        values = {str(path): _jsonable(value) for path, value in content.items()}
        if len(memo) >= self.read_memo:
            memo.clear()
        memo[payload] = dict(values)
        return [Event.from_line(Kind.VALUES, line, values=values)]

    # -- configuration ----------------------------------------------------------------------
    def _config(self, line: ClassifiedLine, payload: str) -> list[Event]:
        params = [_int(a) if a.strip() else None for a in split_at_args(payload)]
        if len(params) < 2 or params[0] is None:
            return []
        fields: dict[str, Any] = {"server": params[0], "params": params}
        if len(params) >= 4:
            # §3.7 prints a blank 4th field ("721,0,1, ,255,..."); the CID is the next one then.
            fields["cid"] = params[3] if params[3] is not None else params[4]
        if len(params) >= 11:
            fields["server_disabled"] = params[-1]
        row = params[:3] + params[4:] if len(params) == 13 and params[3] is None else params
        if len(row) == 1 + len(CONFIG_FIELD_NAMES):
            fields["named"] = dict(zip(CONFIG_FIELD_NAMES, row[1:], strict=True))
        return [Event.from_line(SERVER_CONFIG, line, inferred=True, **fields)]

    def _config_ext(self, line: ClassifiedLine, payload: str) -> list[Event]:
        args = split_at_args(payload)
        fields: dict[str, Any] = {"name": "ulwm2mconfigext", "params": args}
        if len(args) >= 7:
            fields["general_data_cid"] = _int(args[4])
            fields["production_mode"] = _int(args[5])
            fields["production_sim"] = args[6]
        return [Event.from_line(Kind.SETTING, line, inferred=True, **fields)]

    def _activation(self, line: ClassifiedLine, payload: str) -> list[Event]:
        mode = _int(split_at_args(payload)[0]) if payload.strip() else None
        if mode is None:
            return []
        return [
            Event.from_line(
                Kind.SETTING, line, name="activation_mode", value=mode, enabled=mode == 0
            )
        ]

    def _lua_message(self, line: ClassifiedLine, payload: str) -> list[Event]:
        return [Event.from_line(LUA_MESSAGE, line, text=payload.strip())]

    def _pulse(self, line: ClassifiedLine, payload: str) -> list[Event]:
        args = [_int(a) for a in split_at_args(payload)]
        names = ("gpio_id", "gpio_mode", "level", "time", "persist")
        fields: dict[str, Any] = dict(zip(names, args, strict=False))
        return [Event.from_line(Kind.SETTING, line, name="ulwm2mpulse", **fields)]

    def _odis(self, line: ClassifiedLine, payload: str) -> list[Event]:
        args = split_at_args(payload)
        names = ("host_manufacturer", "host_model", "host_sw_version")
        fields: dict[str, Any] = dict(zip(names, args[-3:], strict=False))
        return [Event.from_line(Kind.SETTING, line, name="odis", **fields)]

    def _mno(self, line: ClassifiedLine, payload: str) -> list[Event]:
        value = _int(split_at_args(payload)[0]) if payload.strip() else None
        if value is None:
            return []
        return [Event.from_line(Kind.SETTING, line, name="mno_profile", value=value)]

    def _cgdcont(self, line: ClassifiedLine, payload: str) -> list[Event]:
        args = split_at_args(payload)
        if not args or _int(args[0]) is None:
            return []
        fields: dict[str, Any] = {"cid": _int(args[0])}
        for name, value in zip(("pdp_type", "apn", "address"), args[1:4], strict=False):
            fields[name] = value
        return [Event.from_line(PDP_CONTEXT, line, **fields)]

    # -- file system (Lua objects, tag XLWM2M) ------------------------------------------------
    def _lstfile(self, line: ClassifiedLine, payload: str) -> list[Event]:
        args = split_at_args(payload)
        parsed = parse_command(line.command or "")
        op = _int(parsed.arg_list()[0]) if parsed is not None and parsed.arg_list() else None
        if op == 0 or (op is None and args and _int(args[0]) is None):
            names = [a.strip() for a in args if a.strip()]
            return [Event.from_line(FILE, line, op="list", names=names)]
        number = _int(args[0]) if args else None
        if number is None:
            return []
        if op == 1:
            return [Event.from_line(FILE, line, op="free", size=number)]
        name = parsed.arg_list()[1] if parsed is not None and len(parsed.arg_list()) > 1 else None
        return [Event.from_line(FILE, line, op="size", name=name, size=number)]

    def _rdfile(self, line: ClassifiedLine, payload: str) -> list[Event]:
        args = split_at_args(payload)
        if len(args) < 2 or _int(args[1]) is None:
            return []
        fields: dict[str, Any] = {"op": "read", "name": args[0], "size": _int(args[1])}
        if len(args) >= 3:
            fields["data"] = ",".join(args[2:])
        return [Event.from_line(FILE, line, **fields)]


def _loose_values(payload: str) -> dict[str, Any] | None:
    """Names and values of a JSON the codec refused (e.g. an object with no definition)."""
    try:
        data = json.loads(payload.strip().removesuffix("OK").strip())
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), list):
        return None
    base = str(data.get("bn", "")).strip()
    out: dict[str, Any] = {}
    for entry in data["e"]:
        if not isinstance(entry, dict):
            return None
        name = base.rstrip("/") + "/" + str(entry.get("n", "")).strip("/")
        for key in ("v", "sv", "bv", "ov"):
            if key in entry:
                out["/" + name.lstrip("/")] = entry[key]
    return out
