"""The one error type of the client engine's operations: a CoAP response code and a reason.

The store, the handlers and host callbacks raise :class:`OperationError`; the request layer
turns it into the response (code, and the reason as a diagnostic payload), so every refusal
reaches the server with the code the specification names for it.
"""

from __future__ import annotations

from aiocoap.numbers.codes import Code


class OperationError(Exception):
    """A device-management operation failed with ``code`` (e.g. ``Code.NOT_FOUND``)."""

    def __init__(self, code: Code, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{code.dotted} {code.name_printable}: {reason}" if reason else str(code))


def not_found(reason: str) -> OperationError:
    return OperationError(Code.NOT_FOUND, reason)


def not_allowed(reason: str) -> OperationError:
    return OperationError(Code.METHOD_NOT_ALLOWED, reason)


def bad_request(reason: str) -> OperationError:
    return OperationError(Code.BAD_REQUEST, reason)


def unauthorized(reason: str) -> OperationError:
    return OperationError(Code.UNAUTHORIZED, reason)
