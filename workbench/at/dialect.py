"""What the AT engine must know about one module family to classify its lines.

A plugin describes its dialect declaratively (prefix lists, a few rules); the engine does the
classification. Keeping this data-only means plugins never subclass the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

#: URC prefixes from 3GPP TS 27.007/27.005 every module may print.
STANDARD_URC_PREFIXES: Final[tuple[str, ...]] = (
    "+CEREG:",
    "+CREG:",
    "+CGREG:",
    "+C5GREG:",
    "+CGEV:",
    "+CSCON:",
    "+CTZV:",
    "+CTZE:",
    "+CTZEU:",
    "+CEDRXP:",
    "+CMTI:",
    "+CMT:",
    "+CDS:",
    "+CBM:",
    "+CUSD:",
    "+CIEV:",
    "+CRING:",
    "+CPIN:",
    "RING",
)

#: 3GPP registration commands whose SET form never answers with an information line, so a
#: line with their prefix during ``AT+CEREG=2`` is the URC, not the response.
STANDARD_SET_WITHOUT_INFO: Final[frozenset[str]] = frozenset(
    {"+CEREG", "+CREG", "+CGREG", "+C5GREG", "+CSCON", "+CTZR", "+CMEE", "+CGEREP"}
)

#: Final result codes of V.250 / 27.007 (exact lines).
STANDARD_FINALS_OK: Final[tuple[str, ...]] = ("OK", "CONNECT", "SEND OK")
STANDARD_FINALS_ERROR: Final[tuple[str, ...]] = (
    "ERROR",
    "NO CARRIER",
    "BUSY",
    "NO ANSWER",
    "NO DIALTONE",
    "ABORTED",
    "SEND FAIL",
)


@dataclass(frozen=True, slots=True)
class FinalResultRule:
    """A vendor final result: a line starting with ``prefix`` (or matching ``pattern``).

    ``success`` says whether it ends the command successfully (e.g. a vendor ``SEND OK``) or
    as an error (e.g. ``+QLWERROR: 4``-style finals some firmwares print instead of CME).
    """

    prefix: str
    success: bool = False
    #: Optional regex the whole line must match (for finals that share a prefix with URCs).
    pattern: str | None = None

    def matches(self, text: str) -> bool:
        if not text.startswith(self.prefix):
            return False
        return self.pattern is None or re.fullmatch(self.pattern, text) is not None


@dataclass(frozen=True, slots=True)
class MultiLineUrc:
    """A URC whose payload continues on following lines.

    E.g. a vendor's ``"recv",<uri>,<type>,<len>`` URC is followed by one data line. ``count`` is
    the fixed number of continuation lines; ``count_from`` (if given) computes it from the head
    line instead (return 0 for "no data lines", e.g. a zero length). Blank lines are never taken
    as continuation lines, because the framer drops them on a live port. The engine matches
    ``prefix`` whatever the spacing around ``:``/``,`` and the case (``canonical_head``).
    """

    prefix: str
    count: int = 1
    count_from: Callable[[str], int] | None = field(default=None, compare=False)

    def continuation_lines(self, head: str) -> int:
        if self.count_from is None:
            return self.count
        try:
            return max(0, int(self.count_from(head)))
        except Exception:  # a plugin bug must not take the engine down
            return self.count


@dataclass(frozen=True, slots=True)
class AtDialect:
    """Everything module-specific the engine needs; built from a plugin's metadata."""

    urc_prefixes: tuple[str, ...] = ()
    multiline_urcs: tuple[MultiLineUrc, ...] = ()
    final_results: tuple[FinalResultRule, ...] = ()
    #: Lines that mean "the module (re)booted": a command in flight is aborted.
    boot_urcs: tuple[str, ...] = ()
    #: Extra response prefixes per command name (``{"+QLWCFG": ("+QLWCFG:",)}``); a command
    #: always owns the prefix equal to its own name.
    response_prefixes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Commands whose SET form never returns an information line (see module constant).
    set_without_info: frozenset[str] = STANDARD_SET_WITHOUT_INFO
    #: Whether the 3GPP URC prefixes are included (a plugin can opt out for odd firmware).
    include_standard_urcs: bool = True
    #: What the module prints when it waits for raw bytes: ``"> "`` (3GPP SMS style) on most
    #: modules, a bare ``">"`` on u-blox file downloads. A prompt has no line ending.
    prompts: tuple[bytes, ...] = (b"> ",)

    def all_urc_prefixes(self) -> tuple[str, ...]:
        """Plugin prefixes first, then the standard ones, longest first for matching."""
        prefixes = list(self.urc_prefixes)
        prefixes.extend(rule.prefix for rule in self.multiline_urcs)
        if self.include_standard_urcs:
            prefixes.extend(STANDARD_URC_PREFIXES)
        return tuple(sorted(set(prefixes), key=len, reverse=True))
