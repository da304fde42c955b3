"""The command call a simulator handler receives and what it may answer.

Split out of :mod:`workbench.sim.base` so the command engine there and the standard 3GPP
handlers in :mod:`workbench.sim.threegpp` share these types without importing each other.
:mod:`workbench.sim.base` re-exports every name, which is where plugins import them from.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from workbench.at.syntax import AtArg, CommandForm

# -- errors --------------------------------------------------------------------------------

#: 3GPP TS 27.007 §9.2 texts for the codes simulators use (``+CMEE=2``).
CME_TEXTS: Mapping[int, str] = {
    0: "phone failure",
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    23: "memory failure",
    30: "no network service",
    50: "incorrect parameters",
    100: "unknown",
}


class AtError(Exception):
    """Raised by a handler to answer with an error final result.

    ``code`` is the ``+CME ERROR`` number (shown per ``+CMEE``); ``plain=True`` forces a bare
    ``ERROR`` whatever ``+CMEE`` says (what many modules print for syntax errors).
    """

    def __init__(self, code: int = 100, text: str | None = None, *, plain: bool = False) -> None:
        super().__init__(text or CME_TEXTS.get(code, "unknown"))
        self.code = code
        self.text = text or CME_TEXTS.get(code, "unknown")
        self.plain = plain


def invalid_param(text: str | None = None) -> AtError:
    """The usual error for a bad argument (``+CME ERROR: 50``)."""
    return AtError(50, text)


def not_allowed(text: str | None = None) -> AtError:
    """``+CME ERROR: 3`` (e.g. configuring while the client runs)."""
    return AtError(3, text)


# -- calls and replies ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AtCall:
    """One parsed command handed to a handler."""

    name: str
    form: CommandForm
    #: Argument text as typed.
    raw_args: str
    #: Arguments split, quotes removed, with quoting info.
    arg_details: tuple[AtArg, ...]
    #: The whole command text as received (``AT+CEREG=2``).
    line: str

    @property
    def args(self) -> list[str]:
        return [a.value for a in self.arg_details]

    def __len__(self) -> int:
        return len(self.arg_details)

    def has(self, index: int) -> bool:
        """Whether argument ``index`` was given and not empty."""
        return index < len(self.arg_details) and (
            self.arg_details[index].value != "" or self.arg_details[index].quoted
        )

    def str_arg(self, index: int, default: str | None = None) -> str:
        """Argument ``index`` as text; missing and no default → ``+CME ERROR: 50``."""
        if self.has(index):
            return self.arg_details[index].value
        if default is None:
            raise invalid_param(f"missing parameter {index + 1}")
        return default

    def int_arg(
        self,
        index: int,
        default: int | None = None,
        *,
        min: int | None = None,
        max: int | None = None,
        choices: Iterable[int] | None = None,
    ) -> int:
        """Argument ``index`` as an int, range-checked; any problem → ``+CME ERROR: 50``."""
        if not self.has(index):
            if default is None:
                raise invalid_param(f"missing parameter {index + 1}")
            return default
        text = self.arg_details[index].value.strip()
        try:
            value = int(text, 10)
        except ValueError:
            raise invalid_param(f"parameter {index + 1} is not an integer") from None
        if (min is not None and value < min) or (max is not None and value > max):
            raise invalid_param(f"parameter {index + 1} out of range")
        if choices is not None and value not in set(choices):
            raise invalid_param(f"parameter {index + 1} not supported")
        return value


@dataclass(slots=True)
class PayloadRequest:
    """Returned by a handler that wants data after a ``"> "`` prompt (like ``AT+CMGS``).

    The base prints the prompt, collects bytes until ``terminator`` (Ctrl-Z) or ``length`` bytes,
    then calls ``on_data`` whose reply finishes the command. ESC cancels (answers ``OK``, as
    3GPP modules do).
    """

    on_data: Callable[[bytes], Reply | Awaitable[Reply]]
    terminator: bytes = b"\x1a"
    length: int | None = None
    prompt: bytes = b"\r\n> "


#: What a handler returns: info lines (final ``OK`` is added), a coroutine, or a payload request.
Reply = str | Sequence[str] | None
HandlerResult = Reply | Awaitable[Reply] | PayloadRequest
Handler = Callable[[AtCall], HandlerResult]
