"""Command templates: AT commands as typed, range-checked forms with their doc reference.

A template renders to the exact AT line a user would type; rendering validates every value and
raises :class:`TemplateError` naming the parameter, so the GUI can show the message next to the
field and the CLI can print it.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from workbench.at.syntax import CommandForm, quote_at_string
from workbench.module.uris import uri_problem


class TemplateError(ValueError):
    """A value does not fit its parameter; ``param`` names it (None for template-level errors)."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class ParamType(StrEnum):
    """Parameter types; they decide validation and the default quoting."""

    INT = "int"
    FLOAT = "float"
    STR = "str"
    ENUM = "enum"
    BOOL = "bool"
    #: Hex string (even number of hex digits), e.g. opaque data or PSK keys.
    HEX = "hex"
    IP = "ip"
    URL = "url"
    JSON = "json"
    #: LwM2M path such as ``/3/0/1`` (also accepts ``3/0/1``).
    PATH = "path"


_QUOTED_BY_DEFAULT = frozenset(
    {ParamType.STR, ParamType.HEX, ParamType.IP, ParamType.URL, ParamType.JSON, ParamType.PATH}
)
_PATH_RE = re.compile(r"/?\d+(/\d+){0,3}/?")
_HEX_RE = re.compile(r"([0-9A-Fa-f]{2})*")


@dataclass(frozen=True, slots=True)
class Choice:
    """One allowed value of an enum parameter with a human label."""

    value: int | str
    label: str = ""


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a command template."""

    name: str
    type: ParamType = ParamType.STR
    min: float | None = None
    max: float | None = None
    choices: tuple[Choice, ...] = ()
    default: Any = None
    #: An optional parameter may be left out (trailing ones are dropped, inner ones left empty).
    optional: bool = False
    help: str = ""
    #: Force quoting on/off; None means "by type" (strings quoted, numbers not).
    quoted: bool | None = None
    #: Escape ``"`` and ``\\`` inside quoted values (u-blox JSON-in-a-string needs it).
    escape: bool = True
    #: Maximum length of string values (characters; for HEX: bytes).
    max_length: int | None = None
    #: Values 1/0 of a BOOL (some vendors use other words).
    true_false: tuple[int | str, int | str] = (1, 0)

    @classmethod
    def fixed(cls, name: str, value: int | str, help: str = "") -> Param:
        """A parameter that always has one value (Quectel ``"autostart"`` sub-commands)."""
        ptype = ParamType.ENUM
        return cls(name, ptype, choices=(Choice(value, str(value)),), default=value, help=help)

    def is_quoted(self, value: Any = None) -> bool:
        """Whether values of this parameter are written in double quotes."""
        if self.quoted is not None:
            return self.quoted
        if self.type is ParamType.ENUM:
            return isinstance(value, str)
        return self.type in _QUOTED_BY_DEFAULT

    def validate(self, value: Any) -> Any:
        """Return the value normalised to its type, or raise :class:`TemplateError`."""
        try:
            return self._validate(value)
        except TemplateError:
            raise
        except (TypeError, ValueError) as exc:
            raise TemplateError(f"parameter '{self.name}': {exc}", self.name) from None

    def _fail(self, message: str) -> TemplateError:
        return TemplateError(f"parameter '{self.name}': {message}", self.name)

    def _check_range(self, number: float) -> None:
        if self.min is not None and number < self.min:
            raise self._fail(f"{_fmt(number)} is below the minimum {_fmt(self.min)}")
        if self.max is not None and number > self.max:
            raise self._fail(f"{_fmt(number)} is above the maximum {_fmt(self.max)}")

    def _check_length(self, length: int) -> None:
        if self.max_length is not None and length > self.max_length:
            raise self._fail(f"is {length} long, at most {self.max_length} allowed")

    def _validate(self, value: Any) -> Any:
        t = self.type
        if t is ParamType.INT:
            if isinstance(value, bool):
                value = int(value)
            if isinstance(value, str):
                text = value.strip()
                number = int(text, 16) if text.lower().startswith("0x") else int(text, 10)
            elif isinstance(value, int):
                number = value
            elif isinstance(value, float) and value.is_integer():
                number = int(value)
            else:
                raise self._fail(f"{value!r} is not an integer")
            self._check_range(number)
            return number
        if t is ParamType.FLOAT:
            if isinstance(value, bool):
                raise self._fail(f"{value!r} is not a number")
            number_f = float(value)
            self._check_range(number_f)
            return number_f
        if t is ParamType.BOOL:
            on, off = self.true_false
            if isinstance(value, bool):
                return on if value else off
            if isinstance(value, int | str) and str(value).strip().lower() in {
                str(on).lower(),
                "true",
                "yes",
                "on",
            }:
                return on
            if isinstance(value, int | str) and str(value).strip().lower() in {
                str(off).lower(),
                "false",
                "no",
                "off",
            }:
                return off
            raise self._fail(f"{value!r} is not a boolean")
        if t is ParamType.ENUM:
            for choice in self.choices:
                if value == choice.value or str(value) == str(choice.value):
                    return choice.value
            allowed = ", ".join(
                f"{c.value!r} ({c.label})" if c.label else repr(c.value) for c in self.choices
            )
            raise self._fail(f"{value!r} is not one of {allowed}")
        # String-like types from here on.
        if not isinstance(value, str):
            if t is ParamType.JSON:
                text = json.dumps(value, separators=(",", ":"))
                self._check_length(len(text))
                return text
            raise self._fail(f"{value!r} is not a string")
        if t is ParamType.HEX:
            compact = value.replace(" ", "")
            if not _HEX_RE.fullmatch(compact):
                raise self._fail(f"{value!r} is not an even number of hex digits")
            self._check_length(len(compact) // 2)
            return compact
        if t is ParamType.IP:
            try:
                ipaddress.ip_address(value.strip())
            except ValueError:
                raise self._fail(f"{value!r} is not an IPv4/IPv6 address") from None
            return value.strip()
        if t is ParamType.URL:
            problem = uri_problem(value)  # urlsplit alone let "coap:/host", port 99999 pass
            if problem:
                raise self._fail(problem)
            self._check_length(len(value.strip()))
            return value.strip()
        if t is ParamType.JSON:
            try:
                json.loads(value)
            except json.JSONDecodeError as exc:
                raise self._fail(f"invalid JSON ({exc.msg} at {exc.pos})") from None
            self._check_length(len(value))
            return value
        if t is ParamType.PATH:
            if not _PATH_RE.fullmatch(value.strip()):
                raise self._fail(f"{value!r} is not an LwM2M path like /3/0/1")
            return value.strip()
        # STR
        if not self.escape and '"' in value:
            raise self._fail("contains a double quote, which this module cannot take")
        if any(ch in value for ch in "\r\n\x1a\x1b"):
            raise self._fail("contains a line ending or control character")
        self._check_length(len(value))
        return value

    def render(self, value: Any) -> str:
        """Validate and write one value as it appears on the AT line."""
        normalised = self.validate(value)
        if self.is_quoted(normalised):
            return quote_at_string(str(normalised), escape=self.escape)
        if isinstance(normalised, float):
            return _fmt(normalised)
        return str(normalised)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


@dataclass(frozen=True, slots=True)
class DocRef:
    """Where a command is documented: a file of ``../shared/specs/`` and a section."""

    document: str
    section: str = ""

    def __str__(self) -> str:
        return f"{self.document} §{self.section}" if self.section else self.document


@dataclass(frozen=True, slots=True)
class CommandTemplate:
    """One AT command as a form.

    ``command`` is the name with its sigil (``+CEREG``, a vendor's ``#NAME``, ``E`` for ATE);
    ``form`` decides the syntax: SET ``AT+X=a,b``, READ ``AT+X?``, TEST ``AT+X=?``, EXECUTE
    ``AT+X``, ACTION (basic command, value appended: ``ATE0``).
    """

    id: str
    command: str
    form: CommandForm = CommandForm.SET
    params: tuple[Param, ...] = ()
    summary: str = ""
    help: str = ""
    doc: DocRef | None = None
    #: Module variants this template applies to (empty: all).
    variants: tuple[str, ...] = ()
    #: Grouping for the GUI (e.g. "Configuration", "Registration").
    group: str = ""
    #: Seconds the command may take (LwM2M commands that contact a server are slow).
    timeout: float = 5.0
    #: For commands that prompt ``> `` and then read raw bytes (file uploads): the parameter
    #: whose value is the number of bytes the module expects, so tools and the conformance
    #: test can send a payload of the right size.
    payload_size_param: str | None = None

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if len(names) != len(set(names)):
            raise TemplateError(f"template {self.id!r} has duplicate parameter names")
        if self.form in (CommandForm.READ, CommandForm.TEST, CommandForm.EXECUTE) and self.params:
            raise TemplateError(f"template {self.id!r}: a {self.form} command takes no parameters")

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        """The default value of every parameter that has one."""
        return {p.name: p.default for p in self.params if p.default is not None}

    def render(self, values: Mapping[str, Any] | None = None) -> str:
        """The exact AT command line (no line ending) for ``values``.

        Missing values fall back to defaults; a required parameter without a value, an unknown
        parameter name or an invalid value raises :class:`TemplateError`.
        """
        values = dict(values or {})
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            raise TemplateError(
                f"template {self.id!r} has no parameter(s) {', '.join(sorted(unknown))}"
            )
        base = "AT" + self.command
        if self.form is CommandForm.READ:
            return base + "?"
        if self.form is CommandForm.TEST:
            return base + "=?"
        if self.form is CommandForm.EXECUTE:
            return base
        rendered: list[str | None] = []
        for p in self.params:
            value = values.get(p.name, p.default)
            if value is None or (value == "" and p.optional and p.type is not ParamType.STR):
                if not p.optional:
                    raise TemplateError(f"parameter '{p.name}' is required", p.name)
                rendered.append(None)
                continue
            rendered.append(p.render(value))
        while rendered and rendered[-1] is None:
            rendered.pop()
        args = ",".join("" if r is None else r for r in rendered)
        if self.form is CommandForm.ACTION:
            return base + args
        if not args and not self.params:
            return base
        return f"{base}={args}"

    def render_defaults(self) -> str:
        """Render with every default (what the conformance test sends to the simulator)."""
        return self.render({})


def templates_by_id(templates: Sequence[CommandTemplate]) -> dict[str, CommandTemplate]:
    """Index templates by id, refusing duplicates (a plugin bug worth a clear message)."""
    out: dict[str, CommandTemplate] = {}
    for template in templates:
        if template.id in out:
            raise TemplateError(f"duplicate template id {template.id!r}")
        out[template.id] = template
    return out


__all__ = [
    "Choice",
    "CommandForm",
    "CommandTemplate",
    "DocRef",
    "Param",
    "ParamType",
    "TemplateError",
    "templates_by_id",
]
