"""The LwM2M steps of a scenario (``.atseq`` lines that talk to the built-in server).

A scenario is a ``.atseq`` sequence (:mod:`workbench.app.sequences`) whose lines may also say
what the LwM2M side must see, so one file joins the module's AT conversation and the server's
view of it::

    connect [timeout=T]                     # the plugin's documented connect sequence
    state <field>=<value> [timeout=T]       # wait for the decoded module state
    read <path> [== <value>] [timeout=T]    # 2.05 (and an equal value when given)
    write <path> <value> [expect=<code>]    # 2.04 (or the code given, e.g. 4.05)
    execute <path> [<args>] [expect=<code>] # 2.04 (or the code given)
    observe <path> [timeout=T]              # 2.05 with an Observe option
    notify <path> [== <value>] [timeout=T]  # the next notification of an observed path
    cancel <path>                           # cancel the observation (active)

This module only holds the steps and their one-line syntax; it imports nothing of the runner,
so :mod:`workbench.app.sequences` can parse these lines beside ``send``/``wait``/``delay`` and
:mod:`workbench.app.scenario` runs them. Errors are :class:`ValueError` with a message the
sequence parser prefixes with the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from workbench.lwm2m.errors import PathError
from workbench.lwm2m.paths import Path

#: Timeout of ``connect`` when none is given (the sequence plus the registration).
DEFAULT_CONNECT_TIMEOUT = 60.0
#: Timeout of ``state`` and ``notify`` when none is given.
DEFAULT_STATE_TIMEOUT = 30.0
#: Timeout of one server request (read, write, execute, observe, cancel) when none is given.
DEFAULT_REQUEST_TIMEOUT = 30.0

#: Fields a ``state`` step can wait for (see :func:`workbench.app.scenario.state_values`).
STATE_FIELDS = ("registration", "client", "bootstrap", "connection", "network", "server")

_CODE_RE = re.compile(r"[245]\.\d\d")


@dataclass(frozen=True, slots=True)
class ConnectStep:
    """Send the plugin's documented connect sequence; pass when both sides say registered."""

    timeout: float = DEFAULT_CONNECT_TIMEOUT

    def describe(self) -> str:
        return f"connect  ({self.timeout:g} s)"


@dataclass(frozen=True, slots=True)
class StateStep:
    """Wait until the decoded module state has ``field`` equal to ``value``."""

    field: str
    value: str
    timeout: float = DEFAULT_STATE_TIMEOUT

    def __post_init__(self) -> None:
        if self.field not in STATE_FIELDS:
            raise ValueError(
                f"unknown state field {self.field!r} (known: {', '.join(STATE_FIELDS)})"
            )
        if not self.value:
            raise ValueError(
                f"state {self.field}= needs a value, e.g. 'state registration=registered'"
            )

    def describe(self) -> str:
        return f"state {self.field}={self.value}  ({self.timeout:g} s)"


@dataclass(frozen=True, slots=True)
class ReadStep:
    """The server reads ``path``; 2.05 passes, and the value must equal ``value`` when given."""

    path: Path
    value: str | None = None
    timeout: float = DEFAULT_REQUEST_TIMEOUT

    def __post_init__(self) -> None:
        _check_comparable(self.path, self.value, "read")

    def describe(self) -> str:
        return f"read {self.path}{_equals(self.value)}"


@dataclass(frozen=True, slots=True)
class WriteStep:
    """The server writes ``value`` (its text form, typed by the object definition)."""

    path: Path
    value: str
    expect: str = "2.04"
    timeout: float = DEFAULT_REQUEST_TIMEOUT

    def __post_init__(self) -> None:
        if self.path.depth < 3:
            raise ValueError(f"write needs a resource path (/obj/inst/res), got {self.path}")
        _check_code(self.expect)

    def describe(self) -> str:
        return f"write {self.path} {self.value}  (expect {self.expect})"


@dataclass(frozen=True, slots=True)
class ExecuteStep:
    """The server executes ``path`` with ``arguments`` (may be empty)."""

    path: Path
    arguments: str = ""
    expect: str = "2.04"
    timeout: float = DEFAULT_REQUEST_TIMEOUT

    def __post_init__(self) -> None:
        if self.path.depth != 3:
            raise ValueError(f"execute needs a resource path (/obj/inst/res), got {self.path}")
        _check_code(self.expect)

    def describe(self) -> str:
        args = f" {self.arguments}" if self.arguments else ""
        return f"execute {self.path}{args}  (expect {self.expect})"


@dataclass(frozen=True, slots=True)
class ObserveStep:
    """The server observes ``path``; passes on a 2.05 that carries an Observe option."""

    path: Path
    timeout: float = DEFAULT_REQUEST_TIMEOUT

    def describe(self) -> str:
        return f"observe {self.path}"


@dataclass(frozen=True, slots=True)
class NotifyStep:
    """Wait for the next notification of an observed ``path`` (with ``value`` when given)."""

    path: Path
    value: str | None = None
    timeout: float = DEFAULT_STATE_TIMEOUT

    def __post_init__(self) -> None:
        _check_comparable(self.path, self.value, "notify")

    def describe(self) -> str:
        return f"notify {self.path}{_equals(self.value)}  ({self.timeout:g} s)"


@dataclass(frozen=True, slots=True)
class CancelStep:
    """Cancel the server's observation of ``path`` (a GET with Observe=1)."""

    path: Path
    timeout: float = DEFAULT_REQUEST_TIMEOUT

    def describe(self) -> str:
        return f"cancel {self.path}"


LwM2MStep = (
    ConnectStep
    | StateStep
    | ReadStep
    | WriteStep
    | ExecuteStep
    | ObserveStep
    | NotifyStep
    | CancelStep
)
#: The step classes, for ``isinstance`` checks.
LWM2M_STEP_TYPES = (
    ConnectStep, StateStep, ReadStep, WriteStep, ExecuteStep, ObserveStep, NotifyStep, CancelStep,
)  # fmt: skip
#: The verbs, in the order the documentation lists them.
LWM2M_VERBS = ("connect", "state", "read", "write", "execute", "observe", "notify", "cancel")
#: Which verbs take ``timeout=`` and ``expect=``.
_TAKES_EXPECT = frozenset({"write", "execute"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """How an LwM2M step went: passed or not, a one-line message and the evidence.

    ``evidence`` holds the CoAP exchanges or module lines that decided it; ``expected`` and
    ``got`` say, for a failure, what the step wanted and what it saw (JUnit's message).
    """

    passed: bool
    message: str
    evidence: tuple[str, ...] = ()
    expected: str = ""
    got: str = ""
    timed_out: bool = False


class LwM2MExecutor(Protocol):
    """What runs LwM2M steps for a :class:`~workbench.app.sequences.SequenceRunner`."""

    async def perform(self, step: LwM2MStep) -> Verdict: ...


def parse_lwm2m_step(
    verb: str, body: str, options: dict[str, str], timeout: float | None
) -> LwM2MStep:
    """One LwM2M line → its step. ``body`` is the line after the verb with the trailing
    ``timeout=``/``expect=`` words removed (``options``; ``timeout`` already parsed)."""
    if "expect" in options and verb not in _TAKES_EXPECT:
        raise ValueError(f"expect= belongs to write and execute steps, not {verb}")
    expect = options.get("expect", "2.04")
    if verb == "connect":
        if body:
            raise ValueError(f"connect takes no argument, got {body!r} (only timeout=)")
        return ConnectStep(_or(timeout, DEFAULT_CONNECT_TIMEOUT))
    if verb == "state":
        field, equals, value = body.partition("=")
        if not body or not equals:
            raise ValueError(
                "state needs <field>=<value>, e.g. 'state registration=registered' "
                f"(fields: {', '.join(STATE_FIELDS)})"
            )
        return StateStep(field.strip(), value.strip(), _or(timeout, DEFAULT_STATE_TIMEOUT))
    if not body:
        raise ValueError(f"{verb} needs a path, e.g. '{verb} /3/0/0'")
    path_text, _, rest = body.partition(" ")
    path = _path(path_text)
    rest = rest.strip()
    if verb in ("read", "notify"):
        compared: str | None = None
        if rest:
            if not rest.startswith("=="):
                raise ValueError(f"{verb} {path_text} takes '== <value>', got {rest!r}")
            compared = rest[2:].strip()
            if not compared:
                raise ValueError(f"{verb} {path_text} == needs a value after '=='")
        if verb == "read":
            return ReadStep(path, compared, _or(timeout, DEFAULT_REQUEST_TIMEOUT))
        return NotifyStep(path, compared, _or(timeout, DEFAULT_STATE_TIMEOUT))
    if verb == "write":
        if not rest:
            raise ValueError(f"write {path_text} needs a value, e.g. 'write /1/0/1 300'")
        return WriteStep(path, rest, expect, _or(timeout, DEFAULT_REQUEST_TIMEOUT))
    if verb == "execute":
        return ExecuteStep(path, rest, expect, _or(timeout, DEFAULT_REQUEST_TIMEOUT))
    if rest:
        raise ValueError(f"{verb} takes only a path, got {rest!r} after {path_text}")
    if verb == "observe":
        return ObserveStep(path, _or(timeout, DEFAULT_REQUEST_TIMEOUT))
    if verb == "cancel":
        return CancelStep(path, _or(timeout, DEFAULT_REQUEST_TIMEOUT))
    raise ValueError(f"unknown LwM2M step {verb!r} (known: {', '.join(LWM2M_VERBS)})")


def format_lwm2m_step(step: LwM2MStep) -> str:
    """One LwM2M step as its ``.atseq`` line (:func:`parse_lwm2m_step` gives it back)."""
    if isinstance(step, ConnectStep):
        return f"connect timeout={step.timeout:g}"
    if isinstance(step, StateStep):
        return f"state {step.field}={step.value} timeout={step.timeout:g}"
    if isinstance(step, ReadStep | NotifyStep):
        verb = "read" if isinstance(step, ReadStep) else "notify"
        return f"{verb} {step.path}{_equals(step.value)} timeout={step.timeout:g}"
    if isinstance(step, WriteStep):
        return f"write {step.path} {step.value} expect={step.expect} timeout={step.timeout:g}"
    if isinstance(step, ExecuteStep):
        args = f" {step.arguments}" if step.arguments else ""
        return f"execute {step.path}{args} expect={step.expect} timeout={step.timeout:g}"
    verb = "observe" if isinstance(step, ObserveStep) else "cancel"
    return f"{verb} {step.path} timeout={step.timeout:g}"


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _path(text: str) -> Path:
    try:
        return Path.parse(text)
    except PathError as exc:
        raise ValueError(f"bad path: {exc}") from None


def _check_code(code: str) -> None:
    if not _CODE_RE.fullmatch(code):
        raise ValueError(f"expect={code} is not a CoAP response code (e.g. 2.04, 4.05)")


def _check_comparable(path: Path, value: str | None, verb: str) -> None:
    if value is not None and path.depth < 3:
        raise ValueError(f"{verb} {path} == compares one resource: give /obj/inst/res")


def _equals(value: str | None) -> str:
    return "" if value is None else f" == {value}"


__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_STATE_TIMEOUT",
    "LWM2M_STEP_TYPES",
    "LWM2M_VERBS",
    "STATE_FIELDS",
    "CancelStep",
    "ConnectStep",
    "ExecuteStep",
    "LwM2MExecutor",
    "LwM2MStep",
    "NotifyStep",
    "ObserveStep",
    "ReadStep",
    "StateStep",
    "Verdict",
    "WriteStep",
    "format_lwm2m_step",
    "parse_lwm2m_step",
]
