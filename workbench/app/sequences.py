"""Command sequences: AT commands, waits for lines, delays and comments, run against a module.

A sequence is what an engineer otherwise types from a checklist: "send ``AT+CFUN=1``, wait for
``+CEREG: 1``, send the LwM2M configuration, wait for the registration URC". Running it step by
step or all at once gives a result per step (passed / failed / timeout, with the lines that
decided it), can stop at the first failure and can be cancelled at any point.

File format (``.atseq``)
------------------------
A line-oriented text file, chosen over TOML/JSON because a sequence *is* a list of lines an
engineer types anyway: each step is one line that reads like the command itself, needs no
quoting (AT commands are full of double quotes, commas and ``=``, which TOML/JSON would force
people to escape), diffs well in review, and a plain list of AT commands pasted from a log is
already a valid file. ::

    # Bring the module online and register (comments are kept as steps)
    send AT+CFUN=1 timeout=10
    AT+CMEE=2                              <- a bare AT command is a send step
    send AT+CEREG? expect=any
    wait \\+CEREG: [15] timeout=60          <- a Python regex, searched in each line
    delay 2.5s
    send AT+CGATT=0 timeout=30 expect=error

* ``send <command> [timeout=<t>] [expect=ok|error|any]`` — send one command; the step passes
  when the final result is the expected one (``ok`` by default).
* ``wait <regex> [timeout=<t>]`` — wait until a received line (response or URC, never the echo)
  matches. It also sees lines that arrived since the previous send/delay step (or LwM2M step
  other than ``state``/``notify``) began, so a URC that overtakes the ``OK`` of the command
  that triggered it is not missed.
* ``delay <t>`` — pause.
* ``# text`` — a comment, kept as a step so a saved file keeps its notes. Blank lines are
  ignored.
* ``connect``, ``state``, ``read``, ``write``, ``execute``, ``observe``, ``notify``, ``cancel``
  — LwM2M steps checked against the built-in server (a *scenario*; syntax in
  :mod:`workbench.app.scenario_steps`, run by :mod:`workbench.app.scenario`).

Times are seconds, optionally with a unit: ``10``, ``2.5s``, ``500ms``, ``2m``. Options are
recognised only as trailing ``key=value`` words, so ``send AT+X="timeout=5"`` sends that text.
Errors name the file and line (:class:`SequenceError`).

The runner talks to anything with the :class:`AtTarget` shape — :class:`workbench.at.client.
AtClient` has it — so the CLI, the GUI and the tests run sequences the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from workbench.app.scenario_steps import (
    LWM2M_STEP_TYPES,
    LWM2M_VERBS,
    LwM2MExecutor,
    LwM2MStep,
    NotifyStep,
    StateStep,
    format_lwm2m_step,
    parse_lwm2m_step,
)
from workbench.at.types import CommandResult, LineKind, ResultStatus

if TYPE_CHECKING:
    from workbench.plugin.api import Plugin

#: File name suffix of sequence files.
SUFFIX = ".atseq"
#: Timeout of a send step that names none (the AT engine's default).
DEFAULT_SEND_TIMEOUT = 10.0
#: Timeout of a wait step that names none (network registration easily takes a minute).
DEFAULT_WAIT_TIMEOUT = 60.0
#: Lines remembered for wait steps; older ones are dropped (a flood must not grow memory).
BACKLOG_LIMIT = 10_000


class SequenceError(ValueError):
    """A sequence file or step is invalid; ``line`` is 1-based (0 when not about a line)."""

    def __init__(self, message: str, line: int = 0, source: str = "") -> None:
        self.message = message
        self.line = line
        self.source = source
        where = f"{source or '<sequence>'}:{line}: " if line else (f"{source}: " if source else "")
        super().__init__(where + message)


class Expect(StrEnum):
    """Which final result makes a send step pass."""

    OK = "ok"
    ERROR = "error"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class SendStep:
    """Send one AT command and judge its final result."""

    command: str
    timeout: float = DEFAULT_SEND_TIMEOUT
    expect: Expect = Expect.OK

    def __post_init__(self) -> None:
        if not self.command.strip() or any(ch in self.command for ch in "\r\n"):
            raise SequenceError("a send step needs one command on one line")
        _check_time(self.timeout, "timeout")

    def describe(self) -> str:
        extra = "" if self.expect is Expect.OK else f", expect {self.expect}"
        return f"{self.command}  ({_fmt_time(self.timeout)}{extra})"


@dataclass(frozen=True, slots=True)
class WaitStep:
    """Wait for a received line matching ``pattern`` (``re.search``)."""

    pattern: str
    timeout: float = DEFAULT_WAIT_TIMEOUT

    def __post_init__(self) -> None:
        if not self.pattern.strip():
            raise SequenceError("a wait step needs a pattern")
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise SequenceError(f"invalid pattern {self.pattern!r}: {exc}") from None
        _check_time(self.timeout, "timeout")

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    def describe(self) -> str:
        return f"wait for /{self.pattern}/  ({_fmt_time(self.timeout)})"


@dataclass(frozen=True, slots=True)
class DelayStep:
    """Pause for ``seconds``."""

    seconds: float

    def __post_init__(self) -> None:
        _check_time(self.seconds, "delay", allow_zero=True)

    def describe(self) -> str:
        return f"delay {_fmt_time(self.seconds)}"


@dataclass(frozen=True, slots=True)
class CommentStep:
    """A note for humans; running it does nothing."""

    text: str = ""

    def describe(self) -> str:
        return f"# {self.text}" if self.text else "#"


Step = SendStep | WaitStep | DelayStep | CommentStep | LwM2MStep


def _check_time(value: float, what: str, *, allow_zero: bool = False) -> None:
    if not isinstance(value, int | float) or value != value:  # NaN check
        raise SequenceError(f"{what} must be a number of seconds")
    if value < 0 or (value == 0 and not allow_zero):
        raise SequenceError(f"{what} must be {'>= 0' if allow_zero else '> 0'} seconds")


def _fmt_time(seconds: float) -> str:
    """For messages: ``200 ms``, ``2.5 s``."""
    if seconds and seconds < 1:
        return f"{round(seconds * 1000)} ms"
    return f"{seconds:g} s"


_TIME_RE = re.compile(r"(?P<num>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>ms|s|m)?", re.IGNORECASE)


def parse_time(text: str) -> float:
    """``"10"``, ``"2.5s"``, ``"500ms"``, ``"2m"`` → seconds; ValueError otherwise."""
    match = _TIME_RE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time (e.g. 10, 2.5s, 500ms, 2m)")
    number = float(match["num"])
    unit = (match["unit"] or "s").lower()
    return number / 1000 if unit == "ms" else number * 60 if unit == "m" else number


_OPTION_RE = re.compile(r"(timeout|expect)=(\S+)", re.IGNORECASE)


def _split_options(rest: str) -> tuple[str, dict[str, str]]:
    """Peel trailing ``key=value`` words (known keys only) off ``rest``."""
    options: dict[str, str] = {}
    body = rest.rstrip()
    while True:
        head, _, last = body.rpartition(" ")
        match = _OPTION_RE.fullmatch(last)
        if not head.strip() or match is None:
            break
        key = match[1].lower()
        if key in options:
            break  # a repeated key belongs to the body (it was not ours)
        options[key] = match[2]
        body = head.rstrip()
    return body.strip(), options


@dataclass(slots=True)
class CommandSequence:
    """An ordered list of steps, with the name shown to the user."""

    steps: list[Step] = field(default_factory=list)
    name: str = ""
    #: The file the steps were read from (for messages and reports), if any.
    source: str = ""
    #: 1-based file line of each step, as parsed (see :meth:`line_of`).
    lines: list[int] = field(default_factory=list)

    def line_of(self, index: int) -> int:
        """The file line of step ``index``; its position + 1 once the steps were edited."""
        if len(self.lines) == len(self.steps) and 0 <= index < len(self.lines):
            return self.lines[index]
        return index + 1

    @property
    def uses_lwm2m(self) -> bool:
        """True when a step needs the built-in server (a scenario, not a plain sequence)."""
        return any(isinstance(step, LWM2M_STEP_TYPES) for step in self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    # -- building -----------------------------------------------------------------------
    @classmethod
    def from_commands(
        cls,
        commands: Iterable[str],
        *,
        timeout: float = DEFAULT_SEND_TIMEOUT,
        name: str = "",
        comment: str = "",
    ) -> CommandSequence:
        """A send step per command (each expected to answer OK)."""
        steps: list[Step] = [CommentStep(comment)] if comment else []
        steps.extend(SendStep(c.strip(), timeout) for c in commands if c.strip())
        return cls(steps, name)

    @classmethod
    def from_plugin(
        cls,
        plugin: Plugin,
        server_url: str,
        *,
        timeout: float = DEFAULT_SEND_TIMEOUT,
        variant: str | None = None,
    ) -> CommandSequence:
        """The plugin's documented connect sequence for ``server_url`` as send steps.

        Raises :class:`SequenceError` when the plugin documents none, with a message for the
        user rather than an attribute error.
        """
        if plugin.connect_sequence is None:
            raise SequenceError(f"{plugin.name} documents no connect sequence")
        if not server_url.strip():
            raise SequenceError("a connect sequence needs a server URL (coap://host:port)")
        commands = plugin.connect_lines(server_url, variant=variant)
        return cls.from_commands(
            commands,
            timeout=timeout,
            name=f"connect-{plugin.id}",
            comment=f"Connect sequence of {plugin.name} for {server_url}",
        )

    # -- text format ----------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, *, source: str = "", name: str = "") -> CommandSequence:
        """Parse the ``.atseq`` text; raises :class:`SequenceError` naming the bad line."""
        steps: list[Step] = []
        lines: list[int] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            try:
                step = parse_step(raw)
            except SequenceError as exc:
                raise SequenceError(exc.message, number, source) from None
            if step is not None:
                steps.append(step)
                lines.append(number)
        return cls(steps, name, source, lines)

    def to_text(self) -> str:
        """The ``.atseq`` text; :meth:`parse` of it gives the same steps back."""
        return "".join(format_step(step) + "\n" for step in self.steps)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CommandSequence:
        """Read a sequence file; errors (missing file, bad encoding, bad line) are
        :class:`SequenceError` with a message fit for a dialog."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise SequenceError("file not found", source=str(p)) from None
        except UnicodeDecodeError as exc:
            raise SequenceError(f"not a UTF-8 text file ({exc.reason})", source=str(p)) from None
        except OSError as exc:
            raise SequenceError(exc.strerror or str(exc), source=str(p)) from None
        return cls.parse(text, source=p.name, name=p.stem)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically (temp file in the same folder, fsync, replace): a crash mid-save
        never leaves a half-written sequence behind."""
        p = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(self.to_text())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, p)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if not self.name:
            self.name = p.stem


def parse_step(line: str) -> Step | None:
    """One ``.atseq`` line → a step (None for a blank line); SequenceError when invalid."""
    text = line.strip()
    if not text:
        return None
    if text.startswith("#"):
        return CommentStep(text[1:].strip())
    keyword, _, rest = text.partition(" ")
    word = keyword.lower()
    if word not in {"send", "wait", "delay", *LWM2M_VERBS}:
        if word.startswith("at"):
            word, rest = "send", text
        else:
            raise SequenceError(
                f"unknown step {keyword!r}: expected send, wait, delay, "
                f"{', '.join(LWM2M_VERBS)}, # comment or an AT command"
            )
    if word in LWM2M_VERBS:  # the verb stays in front so "connect timeout=5" peels too
        body, options = _split_options(f"{word} {rest}")
        body = body[len(word) :].strip()
    else:
        body, options = _split_options(rest)
    if word == "delay":
        if options or not body:
            raise SequenceError("delay takes one time, e.g. 'delay 2.5s'")
        try:
            return DelayStep(parse_time(body))
        except ValueError as exc:
            raise SequenceError(str(exc)) from None
    timeout: float | None = None
    if "timeout" in options:
        try:
            timeout = parse_time(options["timeout"])
        except ValueError as exc:
            raise SequenceError(f"timeout: {exc}") from None
    if word in LWM2M_VERBS:
        if timeout is not None:
            _check_time(timeout, "timeout")
        try:
            return parse_lwm2m_step(word, body, options, timeout)
        except ValueError as exc:
            raise SequenceError(str(exc)) from None
    if word == "wait":
        if "expect" in options:
            raise SequenceError("expect= belongs to send steps, not wait")
        if not body:
            raise SequenceError("wait needs a pattern, e.g. 'wait \\+CEREG: 1 timeout=60'")
        return WaitStep(body, DEFAULT_WAIT_TIMEOUT if timeout is None else timeout)
    if not body:
        raise SequenceError("send needs a command, e.g. 'send AT+CFUN=1'")
    expect = Expect.OK
    if "expect" in options:
        try:
            expect = Expect(options["expect"].lower())
        except ValueError:
            raise SequenceError(
                f"expect={options['expect']} is unknown (use ok, error or any)"
            ) from None
    return SendStep(body, DEFAULT_SEND_TIMEOUT if timeout is None else timeout, expect)


def format_step(step: Step) -> str:
    """One step as its ``.atseq`` line."""
    if isinstance(step, CommentStep):
        return f"# {step.text}" if step.text else "#"
    if isinstance(step, DelayStep):
        return f"delay {_fmt_file_time(step.seconds)}"
    if isinstance(step, WaitStep):
        return f"wait {step.pattern} timeout={_fmt_file_time(step.timeout)}"
    if isinstance(step, LWM2M_STEP_TYPES):
        return format_lwm2m_step(step)
    expect = "" if step.expect is Expect.OK else f" expect={step.expect}"
    return f"send {step.command} timeout={_fmt_file_time(step.timeout)}{expect}"


def _fmt_file_time(seconds: float) -> str:
    return f"{seconds:g}"


# -- running ------------------------------------------------------------------------------


class ReceivedLine(Protocol):
    """A line as wait steps see it: :class:`~workbench.at.types.ClassifiedLine` and the GUI's
    ``TerminalLine`` both fit (``kind`` is a :class:`LineKind` value, or ``tx``/``note``)."""

    @property
    def text(self) -> str: ...

    @property
    def kind(self) -> str: ...


class AtTarget(Protocol):
    """What a runner needs from a connection (:class:`~workbench.at.client.AtClient` fits)."""

    async def send(self, command: str, timeout: float | None = ...) -> CommandResult: ...

    def subscribe_lines(self, callback: Callable[[ReceivedLine], None]) -> Callable[[], None]: ...


#: Line kinds a wait step never matches: what we sent ourselves, and our own notes.
_NOT_RECEIVED = frozenset({str(LineKind.ECHO), str(LineKind.BLANK), "tx", "note"})


class Outcome(StrEnum):
    """A step's state in a run."""

    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    #: Comments, and steps after a failure when the run stops on failure.
    SKIPPED = "skipped"

    @property
    def finished(self) -> bool:
        return self not in (Outcome.PENDING, Outcome.RUNNING)

    @property
    def bad(self) -> bool:
        return self in (Outcome.FAILED, Outcome.TIMEOUT)


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one step did: its outcome, a one-line message and the lines that decided it."""

    index: int
    step: Step
    outcome: Outcome
    message: str = ""
    #: Response lines and final result of a send step; the matching line of a wait step.
    lines: tuple[str, ...] = ()
    result: CommandResult | None = None
    elapsed: float = 0.0
    #: For a failure: what the step wanted and what it got (reports, JUnit).
    expected: str = ""
    got: str = ""


@dataclass(slots=True)
class RunReport:
    """All step results of one run, in step order."""

    results: list[StepResult] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.cancelled and all(not r.outcome.bad for r in self.results)

    @property
    def failed(self) -> list[StepResult]:
        return [r for r in self.results if r.outcome.bad]


StepCallback = Callable[[int], None]
ResultCallback = Callable[[StepResult], None]


class SequenceRunner:
    """Runs one sequence against one target, all at once (:meth:`run`) or step by step
    (:meth:`run_step`), keeping the position between calls.

    Lines are watched from the first step until the end (or :meth:`close`), so a wait step
    run by hand minutes after the command still sees the URC that arrived in between.
    """

    def __init__(
        self,
        sequence: CommandSequence,
        target: AtTarget,
        *,
        stop_on_failure: bool = True,
        on_step_started: StepCallback | None = None,
        on_step_finished: ResultCallback | None = None,
        lwm2m: LwM2MExecutor | None = None,
    ) -> None:
        self.sequence = sequence
        self.target = target
        #: Runs the LwM2M steps (a scenario's); None fails them with a clear message.
        self.lwm2m = lwm2m
        self.stop_on_failure = stop_on_failure
        self._on_started = on_step_started
        self._on_finished = on_step_finished
        self.position = 0
        self.results: dict[int, StepResult] = {}
        self._backlog: deque[ReceivedLine] = deque(maxlen=BACKLOG_LIMIT)
        self._line_arrived = asyncio.Event()
        self._unsubscribe: Callable[[], None] | None = None
        self._current: asyncio.Task[StepResult] | None = None
        self._cancel_requested = False
        self.stopped = False

    # -- state ----------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """No step left to run (end reached, or stopped after a failure)."""
        return self.stopped or self.position >= len(self.sequence.steps)

    @property
    def running(self) -> bool:
        return self._current is not None and not self._current.done()

    def reset(self) -> None:
        """Back to the first step; forget results and remembered lines."""
        if self.running:
            raise RuntimeError("cannot reset a running sequence")
        self.position = 0
        self.results.clear()
        self._backlog.clear()
        self.stopped = False
        self._cancel_requested = False

    def close(self) -> None:
        """Stop watching lines (also done when the last step finished)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def cancel(self) -> None:
        """Cancel the step in progress; :meth:`run` then returns a cancelled report."""
        self._cancel_requested = True
        if self._current is not None and not self._current.done():
            self._current.cancel()

    # -- running ----------------------------------------------------------------------------
    async def run(self) -> RunReport:
        """Run from the current position to the end (or the first failure, or cancel)."""
        self._cancel_requested = False
        while not self.finished:
            result = await self.run_step()
            if result is None or result.outcome is Outcome.CANCELLED:
                break
        return self.report()

    def report(self) -> RunReport:
        ordered = [self.results[i] for i in sorted(self.results)]
        return RunReport(ordered, any(r.outcome is Outcome.CANCELLED for r in ordered))

    async def run_step(self) -> StepResult | None:
        """Run the next step that does something (comments are passed over and reported as
        skipped); None when nothing is left."""
        if self.running:
            raise RuntimeError("a step is already running")
        self._cancel_requested = False
        while not self.finished:
            index = self.position
            step = self.sequence.steps[index]
            if isinstance(step, CommentStep):
                self._finish(StepResult(index, step, Outcome.SKIPPED, "comment"))
                self.position += 1
                continue
            return await self._execute(index, step)
        self.close()
        return None

    async def _execute(self, index: int, step: Step) -> StepResult:
        self._subscribe()
        # A wait sees what arrived since the last action began; state/notify are waits too.
        if isinstance(step, (SendStep, DelayStep, *LWM2M_STEP_TYPES)) and not isinstance(
            step, StateStep | NotifyStep
        ):
            self._backlog.clear()
        if self._on_started is not None:
            self._on_started(index)
        loop = asyncio.get_running_loop()
        started = loop.time()
        self._current = asyncio.ensure_future(self._perform(index, step))
        try:
            result = await self._current
        except asyncio.CancelledError:
            outer = asyncio.current_task()
            if outer is not None and outer.cancelling() and not self._cancel_requested:
                raise
            result = StepResult(index, step, Outcome.CANCELLED, "cancelled")
        finally:
            self._current = None
        elapsed = loop.time() - started
        result = StepResult(
            index,
            step,
            result.outcome,
            result.message,
            result.lines,
            result.result,
            elapsed,
            result.expected,
            result.got,
        )
        self._finish(result)
        self.position = index + 1
        if result.outcome is Outcome.CANCELLED:
            self.stopped = True
        elif result.outcome.bad and self.stop_on_failure:
            self.stopped = True
            for later in range(index + 1, len(self.sequence.steps)):
                self._finish(
                    StepResult(later, self.sequence.steps[later], Outcome.SKIPPED, "not run")
                )
        if self.finished:
            self.close()
        return result

    def _finish(self, result: StepResult) -> None:
        self.results[result.index] = result
        if self._on_finished is not None:
            self._on_finished(result)

    async def _perform(self, index: int, step: Step) -> StepResult:
        if isinstance(step, SendStep):
            try:
                result = await self.target.send(step.command, step.timeout)
            except Exception as exc:  # port gone, client closed, not connected: a failed step
                return StepResult(index, step, Outcome.FAILED, f"not sent: {exc}")
            return judge_send(index, step, result)
        if isinstance(step, DelayStep):
            await asyncio.sleep(step.seconds)
            return StepResult(index, step, Outcome.PASSED, f"waited {_fmt_time(step.seconds)}")
        if isinstance(step, WaitStep):
            return await self._wait(index, step)
        if isinstance(step, LWM2M_STEP_TYPES):
            return await self._lwm2m(index, step)
        return StepResult(index, step, Outcome.SKIPPED, "comment")

    async def _lwm2m(self, index: int, step: LwM2MStep) -> StepResult:
        if self.lwm2m is None:
            return StepResult(
                index,
                step,
                Outcome.FAILED,
                "an LwM2M step needs the built-in server: start it first",
                expected="a running built-in server",
                got="none",
            )
        verdict = await self.lwm2m.perform(step)
        outcome = (
            Outcome.PASSED
            if verdict.passed
            else Outcome.TIMEOUT
            if verdict.timed_out
            else Outcome.FAILED
        )
        return StepResult(
            index,
            step,
            outcome,
            verdict.message,
            verdict.evidence,
            expected=verdict.expected,
            got=verdict.got,
        )

    async def _wait(self, index: int, step: WaitStep) -> StepResult:
        regex = step.regex
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.timeout
        while True:
            while self._backlog:
                line = self._backlog.popleft()
                if regex.search(line.text):
                    return StepResult(index, step, Outcome.PASSED, line.text, (line.text,))
            remaining = deadline - loop.time()
            if remaining <= 0:
                return StepResult(
                    index,
                    step,
                    Outcome.TIMEOUT,
                    f"no line matched within {_fmt_time(step.timeout)}",
                    expected=f"a line matching /{step.pattern}/",
                    got=f"no match within {_fmt_time(step.timeout)}",
                )
            self._line_arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._line_arrived.wait()

    def _subscribe(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self.target.subscribe_lines(self._on_line)

    def _on_line(self, line: ReceivedLine) -> None:
        if str(line.kind) in _NOT_RECEIVED:
            return
        self._backlog.append(line)
        self._line_arrived.set()


def judge_send(index: int, step: SendStep, result: CommandResult) -> StepResult:
    """Outcome of a send step from its command result and the step's expectation."""
    lines = tuple(result.texts) + ((result.final.text,) if result.final is not None else ())
    status = result.status
    if status is ResultStatus.TIMEOUT:
        return StepResult(
            index,
            step,
            Outcome.TIMEOUT,
            f"no final result within {_fmt_time(step.timeout)}",
            lines,
            result,
            expected=f"final result {step.expect}",
            got=f"none within {_fmt_time(step.timeout)}",
        )
    final = result.final.text if result.final is not None else (result.error_text or status)
    if status is ResultStatus.OK:
        passed = step.expect in (Expect.OK, Expect.ANY)
    elif status is ResultStatus.ERROR:
        passed = step.expect in (Expect.ERROR, Expect.ANY)
    else:  # aborted (reboot), no final
        passed = False
        final = f"{status}: {result.error_text or 'no final result'}"
    message = str(final) if passed else f"{final} (expected {step.expect})"
    outcome = Outcome.PASSED if passed else Outcome.FAILED
    expected = "" if passed else f"final result {step.expect}"
    return StepResult(
        index,
        step,
        outcome,
        message,
        lines,
        result,
        expected=expected,
        got="" if passed else str(final),
    )


async def run_sequence(
    sequence: CommandSequence, target: AtTarget, *, stop_on_failure: bool = True
) -> RunReport:
    """Run a whole sequence (convenience for the CLI and tests)."""
    runner = SequenceRunner(sequence, target, stop_on_failure=stop_on_failure)
    try:
        return await runner.run()
    finally:
        runner.close()


__all__ = [
    "DEFAULT_SEND_TIMEOUT",
    "DEFAULT_WAIT_TIMEOUT",
    "SUFFIX",
    "AtTarget",
    "CommandSequence",
    "CommentStep",
    "DelayStep",
    "Expect",
    "Outcome",
    "ReceivedLine",
    "RunReport",
    "SendStep",
    "SequenceError",
    "SequenceRunner",
    "Step",
    "StepResult",
    "WaitStep",
    "format_step",
    "judge_send",
    "parse_step",
    "parse_time",
    "run_sequence",
]
