"""The decoder base class: classified AT lines in, vendor-neutral events out.

A plugin subclasses :class:`Decoder` and overrides :meth:`Decoder.decode_line`. The base class
guarantees the contract around it: every non-blank line yields at least one event (``unknown``
if nobody understood it), a decoder exception never escapes (the line becomes ``unknown`` with
the reason), and the AT conversation itself (echo, OK/ERROR, prompt) and the 3GPP commands every
module shares are decoded once here.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

from mypy_extensions import mypyc_attr

from workbench.at.syntax import parse_command, split_at_args, split_info
from workbench.at.types import ClassifiedLine, Line, LineKind, ResultStatus
from workbench.module.events import Event, Kind, event_for, unknown_event
from workbench.module.threegpp import REG_STAT, decode_threegpp

_log = logging.getLogger(__name__)

__all__ = ["REG_STAT", "Decoder", "decode_standard"]

_CME: Final = re.compile(r"^\+(CME|CMS) ERROR:\s*(.*)$")


@mypyc_attr(allow_interpreted_subclasses=True)
class Decoder:
    """Per-connection decoder. Subclasses keep their own state (multi-line context etc.).

    Override :meth:`decode_line`; return ``[]`` for "not mine" and the base class falls back to
    the standard decoders and finally to an ``unknown`` event. Do not override :meth:`decode`.
    The class is compiled (``workbench/compiled.py``); plugins that are not may still
    subclass it.
    """

    def __init__(self, variant: str = "") -> None:
        self.variant = variant
        #: Lines of the multi-line URC being decoded (head first), maintained by the base class.
        self.multiline: list[Line] = []
        self._multiline_events = 0
        #: Lines whose decoder raised on this connection (each also gave an ``error`` event).
        self.decoder_errors = 0

    # -- the part plugins override -------------------------------------------------------
    def decode_line(self, line: ClassifiedLine) -> list[Event]:
        """Decode a vendor line (URC, information response, vendor final). Default: nothing."""
        return []

    def reset(self) -> None:
        """Forget per-connection context (called when the module reboots or the port reopens).

        Subclasses that override it call ``super().reset()``.
        """
        self.multiline = []
        self._multiline_events = 0

    def multiline_event(self, kind: str, line: ClassifiedLine, **fields: Any) -> Event:
        """An event for the multi-line URC ``line`` belongs to: numbered by its head line, with
        ``raw`` the head and its continuation lines so far joined by newlines."""
        parts = self.multiline or [line.line]
        return Event(
            kind,
            parts[0].number,
            "\n".join(part.text for part in parts),
            dict(fields),
            timestamp=line.timestamp,
        )

    # -- the fixed frame ------------------------------------------------------------------
    def _failed(self, line: ClassifiedLine, exc: Exception) -> list[Event]:
        """The events of a line whose :meth:`decode_line` raised ``exc``."""
        # Quiet on purpose: malformed module output is routine (fuzzed +ULWM2MREAD JSON
        # printed 7-11 tracebacks per MB to stderr). The line becomes unknown and a
        # counted error event says the decoder failed; the traceback is for debugging only.
        _log.debug("decoder %s failed on line %d", type(self).__name__, line.number, exc_info=exc)
        self.decoder_errors = getattr(self, "decoder_errors", 0) + 1
        reason = f"decoder error: {type(exc).__name__}: {exc}"
        error = Event(
            Kind.ERROR,
            line.number,
            line.text,
            {"text": reason, "source": "decoder", "count": self.decoder_errors},
            timestamp=line.timestamp,
        )
        return [unknown_event(line, reason), error]

    def decode(self, line: ClassifiedLine) -> list[Event]:
        """All events for ``line``; never raises, never returns nothing for a non-blank line."""
        kind = line.kind
        if kind is LineKind.BLANK:
            return []
        if line.parts == 0 and line.head is None:
            # Not part of a multi-line URC (nearly every line): the frame below without its
            # multi-line bookkeeping (issue 17).
            try:
                events = self.decode_line(line)
            except Exception as exc:
                return self._failed(line, exc)
            if events:
                return list(events)
            return self._standard(line)
        head_of_group = kind is LineKind.URC and line.parts > 0 and line.head is None
        if head_of_group:
            self.multiline = [line.line]
            self._multiline_events = 0
        elif line.head is not None:
            if not self.multiline or self.multiline[0] is not line.head:
                self.multiline = [line.head]
                self._multiline_events = 0
            self.multiline.append(line.line)
        try:
            events = self.decode_line(line)
        except Exception as exc:
            events = self._failed(line, exc)
        if head_of_group or line.head is not None:
            # Multi-line URC: the event may come with any part; "unknown" only if none did.
            self._multiline_events += len(events)
            if line.head is not None and line.part >= line.parts:
                nothing = self._multiline_events == 0
                raw = "\n".join(part.text for part in self.multiline)
                self.multiline = []
                if nothing:
                    return [unknown_event(line, raw=raw, number=line.head.number)]
            return list(events)
        if events:
            return list(events)
        return self._standard(line)

    @staticmethod
    def _standard(line: ClassifiedLine) -> list[Event]:
        """The standard decoders' events for a line the plugin left, else ``unknown``."""
        try:
            events = decode_standard(line)
        except Exception as exc:  # pragma: no cover - defensive
            return [unknown_event(line, f"decoder error: {type(exc).__name__}: {exc}")]
        return events if events else [unknown_event(line)]


def decode_standard(line: ClassifiedLine) -> list[Event]:
    """Decode the AT conversation and common 3GPP lines; ``[]`` if not one of them."""
    kind = line.kind
    text = line.line.text.strip()
    if kind is LineKind.PROMPT:
        return [event_for(Kind.PROMPT, line, {})]
    if kind is LineKind.ECHO:
        return [event_for(Kind.COMMAND, line, {"command": text})]
    if kind is LineKind.FINAL:
        return _decode_final(line, text)
    if kind is LineKind.INFO and line.command is not None and line.command.endswith("=?"):
        # Any module's answer to a test command lists what it supports; it is never a state
        # change, whatever its prefix, so it needs no plugin-specific decoding.
        head, _, ranges = text.partition(":")
        return [Event.from_line(Kind.SUPPORTED, line, command=head.strip(), ranges=ranges.strip())]
    info = split_info(text)
    if info is not None:
        prefix, payload = info
        decoded = decode_threegpp(line, prefix, payload) or _decode_prefixed(line, prefix, payload)
        if decoded:
            return decoded
    if kind is LineKind.INFO and line.command is not None:
        return _decode_bare_response(line, text)
    if kind is LineKind.URC and text in ("RDY", "APP RDY", "+CPIN: READY"):
        return [Event.from_line(Kind.BOOT, line, text=text)]
    return []


def _decode_final(line: ClassifiedLine, text: str) -> list[Event]:
    result = line.result
    m = _CME.match(text) if text.startswith(("+CME ERROR:", "+CMS ERROR:")) else None
    if m:
        detail = m.group(2).strip()
        fields: dict[str, Any] = {"text": text, "source": m.group(1)}
        if detail.isdigit():
            fields["code"] = int(detail)
        elif detail:
            fields["text"] = detail
        if line.command:
            fields["command"] = line.command
        return [event_for(Kind.ERROR, line, fields)]
    ok = result.status is ResultStatus.OK if result is not None else text in ("OK", "CONNECT")
    if not ok:
        fields = {"text": text}
        if line.command:
            fields["command"] = line.command
        return [event_for(Kind.ERROR, line, fields)]
    fields = {"status": "ok"}
    if line.command:
        fields["command"] = line.command
    if line.stale:
        fields["stale"] = True
    return [event_for(Kind.RESULT, line, fields)]


def _ints(values: list[str]) -> list[int | None]:
    out: list[int | None] = []
    for v in values:
        try:
            out.append(int(v, 10))
        except ValueError:
            out.append(None)
    return out


def _decode_prefixed(line: ClassifiedLine, prefix: str, payload: str) -> list[Event]:
    args = split_at_args(payload)
    if prefix == "+CGPADDR" and args:
        return [
            Event.from_line(
                Kind.ADDRESS, line, cid=_ints(args[:1])[0], addresses=[a for a in args[1:] if a]
            )
        ]
    if prefix == "+COPS" and args:
        ints = _ints(args)
        fields: dict[str, Any] = {"mode": ints[0]}
        if len(args) >= 3:
            fields["format"] = ints[1]
            fields["operator"] = args[2]
        if len(args) >= 4:
            fields["act"] = ints[3]
        if line.command and parse_command(line.command) is not None and "=?" in line.command:
            fields = {"list": payload}
        return [Event.from_line(Kind.OPERATOR, line, **fields)]
    if prefix == "+CFUN" and args:
        return [Event.from_line(Kind.FUNCTIONALITY, line, fun=_ints(args[:1])[0])]
    if prefix in ("+CGMI", "+CGMM", "+CGMR", "+CGSN", "+CIMI", "+CCID"):
        fields = {_IDENTITY[prefix]: payload.strip()}
        return [Event(Kind.IDENTITY, line.number, line.text, fields, timestamp=line.timestamp)]
    if prefix == "+CMEE" and args:
        return [Event.from_line(Kind.SETTING, line, name="cmee", value=args[0])]
    if prefix == "+CSCON" and args:
        return [Event.from_line(Kind.NETWORK, line, source=prefix, rrc=args[-1])]
    if prefix == "+CPIN":
        return [Event.from_line(Kind.BOOT, line, text=line.text.strip(), sim=payload.strip())]
    return []


_IDENTITY: Final = {
    "+CGMI": "manufacturer",
    "+CGMM": "model",
    "+CGMR": "revision",
    "+CGSN": "imei",
    "+CIMI": "imsi",
    "+CCID": "iccid",
}


def _decode_bare_response(line: ClassifiedLine, text: str) -> list[Event]:
    """Responses without a prefix: AT+CGSN → digits, ATI → free text, test-form lists."""
    parsed = parse_command(line.command or "")
    if parsed is None:
        return []
    name = parsed.name
    key = _IDENTITY.get(name)
    if key is not None:
        return [Event(Kind.IDENTITY, line.number, line.text, {key: text}, timestamp=line.timestamp)]
    if name in ("I", "+GMI", "+GMM", "+GMR", "+GSN"):
        return [Event.from_line(Kind.IDENTITY, line, text=text)]
    return []
