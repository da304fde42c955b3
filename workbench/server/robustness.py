"""The gate every incoming datagram passes before aiocoap sees it, and the loop safety net.

aiocoap 0.4.17 is not hardened against hostile input (ECOSYSTEM.md), and a debugging server
faces modules with buggy CoAP stacks all day. The gate answers the way RFC 7252 asks:

* not CoAP at all (short, wrong version): silently dropped (§3, §4.2);
* a message format error (token length 9–15, option past the end, payload marker without
  payload, reserved code class): a CON is rejected with RST, anything else dropped (§4.2/4.3);
* a well-formed request with an unknown critical option or a malformed one: 4.02 Bad Option
  (§5.4.1); invalid UTF-8 in a text option: 4.00 Bad Request; too large: 4.13 with Size1.

Only what passes reaches aiocoap, so its parser never raises on our behalf.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.server.coapwire import (
    KNOWN_OPTIONS,
    OPTION_BLOCK1,
    OPTION_SIZE1,
    STRING_OPTIONS,
    UINT_OPTIONS,
    MessageType,
    RawMessage,
    WireError,
    encode_message,
    parse_datagram,
    uint_bytes,
)

_log = logging.getLogger(__name__)

BAD_REQUEST = 0x80  # 4.00
BAD_OPTION = 0x82  # 4.02
REQUEST_ENTITY_TOO_LARGE = 0x8D  # 4.13


@dataclass(slots=True)
class Verdict:
    """What to do with a datagram: pass it on, and/or send ``reply`` back."""

    accept: bool
    message: RawMessage | None = None
    reply: bytes | None = None
    problem: str | None = None
    action: str | None = None


def _reply_to(msg: RawMessage, code: int, text: str, options: list[tuple[int, bytes]]) -> bytes:
    """A piggy-backed ACK for a CON request, a NON response for a NON request."""
    if msg.mtype is MessageType.CON:
        return encode_message(MessageType.ACK, code, msg.mid, msg.token, options, text.encode())
    return encode_message(
        MessageType.NON, code, random.getrandbits(16), msg.token, options, text.encode()
    )


def _check_options(msg: RawMessage) -> tuple[int, str] | None:
    """The error code and diagnostic for the first bad option, ``None`` when all are fine."""
    for number, value in msg.options:
        known = number in KNOWN_OPTIONS
        critical = bool(number & 1)
        if not known:
            if critical:
                return BAD_OPTION, f"unknown critical option {number}"
            continue
        if number in STRING_OPTIONS:
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                return BAD_REQUEST, f"option {KNOWN_OPTIONS[number]} is not valid UTF-8"
            if len(value) > 255:
                return BAD_OPTION, f"option {KNOWN_OPTIONS[number]} longer than 255 bytes"
        limit = UINT_OPTIONS.get(number)
        if limit is not None and len(value) > limit:
            return BAD_OPTION, f"option {KNOWN_OPTIONS[number]} longer than {limit} bytes"
        if number in (23, 27) and value and value[-1] & 7 == 7:
            return BAD_REQUEST, f"option {KNOWN_OPTIONS[number]} uses reserved block size 7"
    return None


def payload_room(msg: RawMessage, data: bytes, datagram_limit: int | None, max_payload: int) -> int:
    """The largest payload ``msg``'s sender can put in one datagram we read whole.

    Size1 must advertise what the server really takes (RFC 7252 §5.9.2.9): the configured
    payload cap, but no more than what fits beside this request's own header, token and
    options in the largest datagram the transport reads (aiocoap's udp6 reads 4,096 bytes).
    """
    if datagram_limit is None:
        return max_payload
    overhead = len(data) - len(msg.payload) + (0 if msg.payload else 1)
    return max(0, min(max_payload, datagram_limit - overhead))


def inspect_datagram(
    data: bytes, truncated: bool, max_payload: int, datagram_limit: int | None = None
) -> Verdict:
    """Decide about one incoming datagram (pure: no I/O, easy to fuzz).

    ``datagram_limit`` is the largest datagram the transport reads whole (``None``: no
    limit below the payload cap); it bounds the Size1 of a 4.13 answer.
    """
    try:
        msg = parse_datagram(data)
    except WireError as exc:
        if truncated and exc.header is not None:
            # The kernel cut the datagram (larger than the receive buffer): too large.
            mtype, mid = exc.header
            if mtype is MessageType.CON:
                rst = encode_message(MessageType.RST, 0, mid)
                return Verdict(False, None, rst, "datagram truncated (too large)", "RST")
        if exc.header is not None and exc.header[0] is MessageType.CON:
            rst = encode_message(MessageType.RST, 0, exc.header[1])
            return Verdict(False, None, rst, str(exc), "RST")
        return Verdict(False, None, None, str(exc), "dropped")
    if truncated:
        if msg.is_request:
            reply = _reply_to(
                msg,
                REQUEST_ENTITY_TOO_LARGE,
                "datagram too large",
                [(OPTION_SIZE1, uint_bytes(payload_room(msg, data, datagram_limit, max_payload)))],
            )
            return Verdict(False, msg, reply, "datagram truncated (too large)", "4.13")
        return Verdict(False, msg, None, "datagram truncated (too large)", "dropped")
    bad = _check_options(msg)
    if bad is not None:
        code, text = bad
        if msg.is_request:
            action = "4.02" if code == BAD_OPTION else "4.00"
            return Verdict(False, msg, _reply_to(msg, code, text, []), text, action)
        if msg.mtype is MessageType.CON:
            return Verdict(False, msg, encode_message(MessageType.RST, 0, msg.mid), text, "RST")
        return Verdict(False, msg, None, text, "dropped")
    if msg.is_request and len(msg.payload) > max_payload and not msg.option_values(OPTION_BLOCK1):
        reply = _reply_to(
            msg,
            REQUEST_ENTITY_TOO_LARGE,
            "payload too large, use Block1",
            [(OPTION_SIZE1, uint_bytes(payload_room(msg, data, datagram_limit, max_payload)))],
        )
        return Verdict(False, msg, reply, "payload too large", "4.13")
    return Verdict(True, msg)


def make_loop_exception_handler(
    report: Callable[[str, BaseException | None], None],
) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """An asyncio exception handler that reports instead of printing tracebacks to stderr.

    Exceptions that escape aiocoap's callbacks (a bug there or in a transport) end up here;
    the server keeps serving and shows them as ``server_error`` events.
    """

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = str(context.get("message", "unhandled exception in event loop"))
        _log.warning("loop exception: %s", message, exc_info=exc)
        try:
            report(message, exc if isinstance(exc, BaseException) else None)
        except Exception:  # pragma: no cover - the reporter itself must not break the loop
            _log.exception("loop exception reporter failed")

    return handler
