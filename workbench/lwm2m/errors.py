"""The error types of the data model.

Every failure a user can cause with bad input maps to exactly one of these, so callers (CLI,
server, GUI) can catch one type per layer and show its message as it is.
"""

from __future__ import annotations


class PathError(ValueError):
    """A string is not a valid LwM2M path (``/obj[/inst[/res[/ri]]]``)."""


class ValueValidationError(ValueError):
    """A value does not fit its resource definition (type, range or enumeration)."""


class DefinitionError(ValueError):
    """An object definition file cannot be used; the message names the file and the reason."""

    def __init__(self, message: str, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class CodecError(ValueError):
    """A payload cannot be encoded or decoded in a content format.

    ``position`` is the byte offset (or for text formats the character offset) where the problem
    was found, ``None`` when it concerns the value model rather than a place in the payload.
    Decoders never raise anything else for bad input: this is the one documented error type.
    """

    def __init__(self, reason: str, position: int | None = None, fmt: str | None = None) -> None:
        self.reason = reason
        self.position = position
        self.fmt = fmt
        where = f" at offset {position}" if position is not None else ""
        prefix = f"{fmt}: " if fmt else ""
        super().__init__(f"{prefix}{reason}{where}")
