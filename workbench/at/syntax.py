"""AT command-line syntax helpers: parse a command, split argument lists.

Every decoder and every simulator needs the same two things — "what command is this line" and
"split ``1,"a,b",{"x":[1,2]}`` into arguments" — so they live here once, pure and tested.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class CommandForm(StrEnum):
    """The syntactic form of an AT command (3GPP TS 27.007 §4)."""

    #: ``AT+CMD=args``
    SET = "set"
    #: ``AT+CMD?``
    READ = "read"
    #: ``AT+CMD=?``
    TEST = "test"
    #: ``AT+CMD`` (extended command executed without arguments)
    EXECUTE = "execute"
    #: Basic command with its value appended: ``ATE0``, ``ATI``, ``AT&F``.
    ACTION = "action"


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """One command of an AT command line."""

    #: Upper-case command name: ``+CEREG``, ``#LWSTART``, ``E``, ``I``, ``&F``, or ``""`` for AT.
    name: str
    form: CommandForm
    #: Argument text as typed (after ``=`` for SET, the appended value for ACTION).
    args: str = ""

    def arg_list(self) -> list[str]:
        """The arguments split with :func:`split_at_args` (quotes removed)."""
        return split_at_args(self.args) if self.args else []


_EXTENDED: Final = re.compile(r"([+#$%^*!@][A-Za-z0-9_.]+)(.*)", re.DOTALL)
_BASIC: Final = re.compile(r"(&?[A-Za-z])(.*)", re.DOTALL)
#: The ways a command line can begin: checked before any regex, most lines are not commands.
_AT_CASES: Final = frozenset({"AT", "At", "aT", "at"})
_COMMAND_START: Final = re.compile(r"^\s*AT(?:[+#$%^*!@&A-Za-z\\]|\s*$)", re.IGNORECASE)


def looks_like_command(text: str) -> bool:
    """True if ``text`` reads as an AT command line (``AT``, ``ATI``, ``AT+X...``).

    Used by the engine to recognise echoes in logs; deliberately strict about what follows
    ``AT`` so that responses such as ``ATTACHED`` are not mistaken for commands.
    """
    stripped = text.strip()
    if stripped[:2] not in _AT_CASES or not _COMMAND_START.match(stripped):
        return False
    rest = stripped[2:]
    if not rest:
        return True
    if rest[0] in "+#$%^*!@&\\":
        return True
    # Basic commands: one letter and optional digits (ATE0, ATI, ATZ, ATV1, ATS0=1, ATQ0).
    return re.fullmatch(r"[A-Za-z]\d*(=\d*|\?)?", rest) is not None


def parse_command(text: str) -> ParsedCommand | None:
    """Parse the first command of an AT command line; None if it is not one.

    ``AT+CEREG?`` → (+CEREG, READ); ``AT+XCFG="autostart",1`` → (+XCFG, SET, '"autostart",1');
    ``ATE0`` → (E, ACTION, '0'); ``AT`` → ('', EXECUTE). Multiple commands joined with ``;`` are
    returned by :func:`parse_command_line`.
    """
    commands = _parse_cached(text)
    return commands[0] if commands else None


def parse_command_line(text: str) -> list[ParsedCommand]:
    """Parse every ``;``-joined command of an AT command line (empty list if not a command)."""
    return list(_parse_cached(text))


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> tuple[ParsedCommand, ...]:
    """Memo of :func:`_parse_line`: a log repeats the same few commands, and every decoder asks
    what the command in flight was for each line of its answer. A pure function of the text
    with immutable results, so sharing the memo between connections is safe."""
    return tuple(_parse_line(text))


def _parse_line(text: str) -> list[ParsedCommand]:
    stripped = text.strip()
    if len(stripped) < 2 or stripped[:2].upper() != "AT":
        return []
    body = stripped[2:]
    if not body.strip():
        return [ParsedCommand("", CommandForm.EXECUTE)]
    result: list[ParsedCommand] = []
    for part in _split_outside_quotes(body, ";"):
        part = part.strip()
        if not part:
            continue
        parsed = _parse_one(part)
        if parsed is None:
            return result if result else []
        result.append(parsed)
    return result


def _parse_one(part: str) -> ParsedCommand | None:
    m = _EXTENDED.fullmatch(part)
    if m:
        name, tail = m.group(1).upper(), m.group(2)
        if tail == "":
            return ParsedCommand(name, CommandForm.EXECUTE)
        if tail == "?":
            return ParsedCommand(name, CommandForm.READ)
        if tail == "=?":
            return ParsedCommand(name, CommandForm.TEST)
        if tail.startswith("="):
            return ParsedCommand(name, CommandForm.SET, tail[1:])
        # Some vendors allow AT+CMD<space>args; treat as SET so the handler still sees them.
        return ParsedCommand(name, CommandForm.SET, tail.strip())
    m = _BASIC.fullmatch(part)
    if m:
        name, tail = m.group(1).upper(), m.group(2)
        if tail == "?":
            return ParsedCommand(name, CommandForm.READ)
        return ParsedCommand(name, CommandForm.ACTION, tail)
    return None


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    in_quotes = False
    escaped = False
    for ch in text:
        if in_quotes:
            current.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_quotes = False
            continue
        if ch == '"':
            in_quotes = True
            current.append(ch)
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


@dataclass(slots=True, unsafe_hash=True, init=False)
class AtArg:
    """One argument of an AT argument list, with whether it was quoted.

    Not frozen, for the reason given on :class:`~workbench.at.types.Line` (one per argument
    of every line whose split is not remembered); the memo shares them, so treat them as
    immutable.
    """

    value: str
    quoted: bool

    # Written out (``init=False``): a compiled dataclass still gets the dataclasses module's
    # generated ``__init__``, interpreted Python, one call per line (workbench/compiled.py).
    def __init__(self, value: str, quoted: bool) -> None:
        self.value = value
        self.quoted = quoted


def split_at_args_detailed(text: str) -> list[AtArg]:
    """Split an AT argument list, keeping track of quoting.

    Handles quoted strings containing commas, backslash-escaped quotes (``\\"``, as u-blox uses
    for JSON inside a string), bare JSON objects/arrays and parenthesised ranges (``(0-5)``) whose
    commas do not split, and empty arguments (``1,,3``). Never raises: unbalanced quotes or
    brackets simply run to the end of the text.

    Most argument lists a module prints are plain numbers and simple quoted strings; those take
    :func:`_split_simple` (``str.split`` or one regex match per argument), everything else the
    character walk of :func:`split_at_args_general`. The property tests check both agree.
    """
    return list(_split_detailed_cached(text))


#: Distinct argument lists :func:`split_at_args_detailed` and :func:`split_at_args` remember.
SPLIT_MEMO: Final = 4096


@functools.lru_cache(maxsize=SPLIT_MEMO)
def _split_detailed_cached(text: str) -> tuple[AtArg, ...]:
    """Memo of the split: a log repeats the same argument lists (the same URCs, the same
    answers) thousands of times, and building the :class:`AtArg` objects was the largest cost
    of a decoded line (issue 17). A pure function of the text with immutable results, so
    sharing it between connections is safe (as :func:`_parse_cached`); callers get a new list."""
    if '"' not in text:
        if "{" in text or "[" in text or "(" in text:
            return tuple(split_at_args_general(text))
        return tuple(AtArg(part.strip(), False) for part in text.split(",")) if text else ()
    simple = _split_simple(text)
    return tuple(simple if simple is not None else split_at_args_general(text))


@functools.lru_cache(maxsize=SPLIT_MEMO)
def _split_values_cached(text: str) -> tuple[str, ...]:
    """Memo of :func:`split_at_args` (see :func:`_split_detailed_cached`)."""
    if '"' not in text and "{" not in text and "[" not in text and "(" not in text:
        return tuple(part.strip() for part in text.split(",")) if text else ()
    return tuple(arg.value for arg in _split_detailed_cached(text))


#: One argument of a "simple" list: a quoted string without escapes (whitespace around it and
#: anything inside allowed), or a bare value without quotes or opening brackets; then a comma
#: or the end of the text.
_SIMPLE_ARG: Final = re.compile(r'\s*"([^"\\]*)"\s*(,|\Z)|([^",{\[(]*)(,|\Z)')


def _split_simple(text: str) -> list[AtArg] | None:
    """The fast path of :func:`split_at_args_detailed`; None when the list is not simple."""
    args: list[AtArg] = []
    pos = 0
    match = _SIMPLE_ARG.match
    while True:
        m = match(text, pos)
        if m is None:
            return None
        quoted = m.group(1)
        if quoted is not None:
            args.append(AtArg(quoted, True))
            end = m.group(2)
        else:
            args.append(AtArg(m.group(3).strip(), False))
            end = m.group(4)
        if not end:
            return args
        pos = m.end()


def split_at_args_general(text: str) -> list[AtArg]:
    """:func:`split_at_args_detailed` one character at a time: every shape, the reference."""
    args: list[AtArg] = []
    buf: list[str] = []
    quoted = False
    in_quotes = False
    depth = 0
    i = 0
    n = len(text)
    started = False
    closed_at = -1
    while i < n:
        ch = text[i]
        if in_quotes:
            if ch == "\\" and i + 1 < n:
                nxt = text[i + 1]
                if nxt in '"\\':
                    buf.append(nxt)
                    i += 2
                    continue
                buf.append(ch)
            elif ch == '"':
                in_quotes = False
                closed_at = len(buf)
            else:
                buf.append(ch)
            i += 1
            continue
        if ch == '"' and depth == 0 and not "".join(buf).strip():
            in_quotes = True
            quoted = True
            started = True
            buf = []
        elif ch in "{[(":
            depth += 1
            buf.append(ch)
            started = True
        elif ch in "}])":
            depth = max(0, depth - 1)
            buf.append(ch)
        elif ch == '"':
            # A quote inside a bare JSON value: copy the string verbatim, commas included.
            buf.append(ch)
            i += 1
            while i < n:
                c2 = text[i]
                buf.append(c2)
                if c2 == "\\" and i + 1 < n:
                    buf.append(text[i + 1])
                    i += 2
                    continue
                i += 1
                if c2 == '"':
                    break
            continue
        elif ch == "," and depth == 0:
            args.append(_finish(buf, quoted, closed_at))
            buf = []
            quoted = False
            closed_at = -1
            started = True
        else:
            buf.append(ch)
            started = True
        i += 1
    if started or buf or quoted:
        args.append(_finish(buf, quoted, closed_at))
    return args


def _finish(buf: list[str], quoted: bool, closed_at: int) -> AtArg:
    value = "".join(buf)
    if not quoted:
        return AtArg(value.strip(), False)
    if 0 <= closed_at <= len(value) and not value[closed_at:].strip():
        # Spaces between the closing quote and the comma are not part of the value.
        value = value[:closed_at]
    return AtArg(value, True)


def split_at_args(text: str) -> list[str]:
    """Split an AT argument list into values, quotes removed (see :func:`split_at_args_detailed`).

    ``split_at_args('1,"a,b",,{"k":[1,2]}')`` → ``['1', 'a,b', '', '{"k":[1,2]}']``.
    """
    return list(_split_values_cached(text))


_INFO_PREFIX: Final = re.compile(r"^\s*([+#$%^*!@][A-Za-z0-9_.]+)\s*:\s?(.*)$", re.DOTALL)


def split_info(text: str) -> tuple[str, str] | None:
    """Split ``+CEREG: 0,1`` into (``+CEREG``, ``0,1``); None if the line has no such prefix.

    The prefix is returned upper-cased so decoders can compare without caring about case.
    """
    return _split_info_cached(text)


@functools.lru_cache(maxsize=SPLIT_MEMO)
def _split_info_cached(text: str) -> tuple[str, str] | None:
    """Memo of :func:`split_info`: every decoder asks it of most lines, and lines repeat."""
    m = _INFO_PREFIX.match(text)
    if m is None:
        return None
    return m.group(1).upper(), m.group(2)


_SPACED_SEPARATOR: Final = re.compile(r"\s*([:,])\s*")


def canonical_head(text: str) -> str:
    """``text`` without spaces around ``:`` and ``,`` outside quotes, case-folded.

    Real modules vary their spacing (``+XURC:  "recv",...``) and the documents never make it
    significant, so line heads are compared in this form wherever a plain ``startswith`` on the
    document's spelling would miss them (multi-line URC detection).
    """
    parts = text.strip().split('"')
    for index in range(0, len(parts), 2):
        parts[index] = _SPACED_SEPARATOR.sub(r"\1", parts[index])
    return '"'.join(parts).casefold()


@functools.lru_cache(maxsize=SPLIT_MEMO)
def tidy_at_text(text: str) -> str:
    """A response line (or argument list) as the documents print it, whatever the spacing.

    ``+XCNF:  "server" , <ip>`` → ``+XCNF: "server",<ip>``: one space after the prefix's
    ``:``, none around commas outside quotes and brackets. For decoders that keep text
    verbatim in an event field (test-form syntax answers, boot banners), so that a device's
    spacing does not change the event. Memoised (a pure function of a text that repeats).
    """
    m = _INFO_PREFIX.match(text)
    head, body = (m.group(1) + ": ", m.group(2)) if m is not None else ("", text)
    out: list[str] = []
    in_quotes = False
    depth = 0
    for ch in body.strip():
        if in_quotes:
            in_quotes = ch != '"' or out[-1] == "\\"
        elif ch == '"':
            in_quotes = True
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            while out and out[-1] in " \t":
                out.pop()
            out.append(",")
            continue
        elif ch in " \t" and out and out[-1] == "," and depth == 0:
            continue
        out.append(ch)
    return head + "".join(out)


def quote_at_string(value: str, *, escape: bool = True) -> str:
    """Quote ``value`` as an AT string argument, escaping ``"`` and ``\\`` if ``escape``."""
    if escape:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value}"'
