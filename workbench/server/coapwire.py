"""A strict, allocation-light CoAP (RFC 7252) datagram parser and a tiny encoder.

aiocoap parses datagrams too, but it trusts more than a debugging server can afford to (see
ECOSYSTEM.md: invalid UTF-8 in Uri-Path raises inside the loop, token length 9–15 is answered
4.04, unknown critical options are accepted). Every datagram is therefore parsed here first;
the result feeds both the message log (which must show malformed datagrams too) and the
robustness gate in :mod:`workbench.server.robustness`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from aiocoap.numbers.codes import Code

#: Options this server understands. Anything else that is critical (odd number) in a request
#: is answered 4.02 Bad Option, as RFC 7252 §5.4.1 requires.
KNOWN_OPTIONS: dict[int, str] = {
    1: "If-Match",
    3: "Uri-Host",
    4: "ETag",
    5: "If-None-Match",
    6: "Observe",
    7: "Uri-Port",
    8: "Location-Path",
    11: "Uri-Path",
    12: "Content-Format",
    14: "Max-Age",
    15: "Uri-Query",
    17: "Accept",
    20: "Location-Query",
    23: "Block2",
    27: "Block1",
    28: "Size2",
    35: "Proxy-Uri",
    39: "Proxy-Scheme",
    60: "Size1",
    252: "Echo",
    258: "No-Response",
    292: "Request-Tag",
}

#: Options whose value is UTF-8 text (RFC 7252 §3.2 "string").
STRING_OPTIONS = frozenset({3, 8, 11, 15, 20, 35, 39})
#: Options whose value is an unsigned integer, with their maximum length in bytes.
UINT_OPTIONS: dict[int, int] = {
    6: 3,
    7: 2,
    12: 2,
    14: 4,
    17: 2,
    23: 3,
    27: 3,
    28: 4,
    60: 4,
    258: 1,
}

OPTION_URI_PATH = 11
OPTION_URI_QUERY = 15
OPTION_CONTENT_FORMAT = 12
OPTION_BLOCK1 = 27
OPTION_SIZE1 = 60


class MessageType(enum.IntEnum):
    """The four CoAP message types."""

    CON = 0
    NON = 1
    ACK = 2
    RST = 3


class WireProblem(enum.Enum):
    """Why a datagram is not a well-formed CoAP message; decides how it is answered."""

    TOO_SHORT = "shorter than the 4-byte header"
    BAD_VERSION = "version is not 1"
    BAD_TOKEN_LENGTH = "token length 9..15 is reserved"
    TRUNCATED_TOKEN = "token runs past the end"
    BAD_OPTION_NIBBLE = "option delta or length nibble 15 outside the payload marker"
    OPTION_PAST_END = "option runs past the end"
    EMPTY_PAYLOAD = "payload marker without payload"
    BAD_EMPTY = "empty message (0.00) with token, options or payload"
    RESERVED_CLASS = "code class 1, 6 or 7 is reserved"


class WireError(ValueError):
    """A datagram that is not a CoAP message. ``header`` is set when type and MID were read."""

    def __init__(self, problem: WireProblem, header: tuple[MessageType, int] | None) -> None:
        self.problem = problem
        self.header = header
        super().__init__(problem.value)


def code_text(code: int) -> str:
    """``"2.05"`` for a code byte or an aiocoap ``Code``: the one place code text is made.

    aiocoap's ``Code.dotted`` already spells every byte 0-255 (unassigned ones too), so the
    server, the bootstrap steps, the guided flow and the timeline all ask it through here
    rather than each shifting bits. Names (``Content``, ``GET``) are added by the callers.
    """
    return str(Code(int(code)).dotted)


REQUEST_NAMES = {1: "GET", 2: "POST", 3: "PUT", 4: "DELETE", 5: "FETCH", 6: "PATCH", 7: "iPATCH"}


@dataclass(frozen=True, slots=True)
class RawMessage:
    """A parsed datagram: exactly what was on the wire, nothing interpreted."""

    mtype: MessageType
    code: int
    mid: int
    token: bytes
    options: tuple[tuple[int, bytes], ...] = ()
    payload: bytes = b""
    size: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_request(self) -> bool:
        return 1 <= self.code <= 31

    @property
    def is_empty(self) -> bool:
        return self.code == 0

    @property
    def is_response(self) -> bool:
        return self.code >> 5 in (2, 4, 5)

    def option_values(self, number: int) -> list[bytes]:
        return [value for num, value in self.options if num == number]

    def uint_option(self, number: int) -> int | None:
        values = self.option_values(number)
        return int.from_bytes(values[0], "big") if values else None


def _extended(nibble: int, data: bytes, pos: int) -> tuple[int, int]:
    if nibble < 13:
        return nibble, pos
    if nibble == 13:
        if pos + 1 > len(data):
            raise IndexError
        return data[pos] + 13, pos + 1
    if nibble == 14:
        if pos + 2 > len(data):
            raise IndexError
        return int.from_bytes(data[pos : pos + 2], "big") + 269, pos + 2
    raise ValueError


def is_request_bytes(data: bytes) -> bool:
    """Whether ``data``'s code byte says request (0.01–0.31), without parsing the rest."""
    return len(data) >= 4 and 1 <= data[1] <= 31


def parse_datagram(data: bytes) -> RawMessage:
    """Parse one datagram strictly, or raise :class:`WireError` saying what is wrong."""
    if len(data) < 4:
        raise WireError(WireProblem.TOO_SHORT, None)
    first, code = data[0], data[1]
    mid = int.from_bytes(data[2:4], "big")
    header = (MessageType((first >> 4) & 3), mid)
    if first >> 6 != 1:
        raise WireError(WireProblem.BAD_VERSION, None)
    tkl = first & 0x0F
    if tkl > 8:
        raise WireError(WireProblem.BAD_TOKEN_LENGTH, header)
    if 4 + tkl > len(data):
        raise WireError(WireProblem.TRUNCATED_TOKEN, header)
    token = data[4 : 4 + tkl]
    pos = 4 + tkl
    number = 0
    options: list[tuple[int, bytes]] = []
    payload = b""
    while pos < len(data):
        byte = data[pos]
        if byte == 0xFF:
            payload = data[pos + 1 :]
            if not payload:
                raise WireError(WireProblem.EMPTY_PAYLOAD, header)
            break
        pos += 1
        try:
            delta, pos = _extended(byte >> 4, data, pos)
            length, pos = _extended(byte & 0x0F, data, pos)
        except ValueError:
            raise WireError(WireProblem.BAD_OPTION_NIBBLE, header) from None
        except IndexError:
            raise WireError(WireProblem.OPTION_PAST_END, header) from None
        if pos + length > len(data):
            raise WireError(WireProblem.OPTION_PAST_END, header)
        number += delta
        options.append((number, data[pos : pos + length]))
        pos += length
    if code == 0 and (tkl or options or payload):
        raise WireError(WireProblem.BAD_EMPTY, header)
    if code >> 5 in (1, 6, 7):
        raise WireError(WireProblem.RESERVED_CLASS, header)
    return RawMessage(header[0], code, mid, token, tuple(options), payload, len(data))


def encode_message(
    mtype: MessageType,
    code: int,
    mid: int,
    token: bytes = b"",
    options: list[tuple[int, bytes]] | None = None,
    payload: bytes = b"",
) -> bytes:
    """Encode a message; used for the replies the robustness gate sends itself."""
    out = bytearray([0x40 | (int(mtype) << 4) | len(token), code])
    out += mid.to_bytes(2, "big") + token
    last = 0
    for number, value in sorted(options or [], key=lambda item: item[0]):
        delta, length = number - last, len(value)
        last = number
        head = bytearray([0])
        ext = bytearray()
        for shift, amount in ((4, delta), (0, length)):
            if amount < 13:
                head[0] |= amount << shift
            elif amount < 269:
                head[0] |= 13 << shift
                ext.append(amount - 13)
            else:
                head[0] |= 14 << shift
                ext += (amount - 269).to_bytes(2, "big")
        out += head + ext + value
    if payload:
        out += b"\xff" + payload
    return bytes(out)


def uint_bytes(value: int) -> bytes:
    """The minimal big-endian encoding of an unsigned option value (0 is empty)."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")
