"""The AT engine: classifies every line and keeps one command in flight. Sans-I/O.

Feed it :class:`~workbench.at.types.Line` objects and clock readings; it returns
:class:`Step` objects holding the classified lines, finished :class:`CommandResult` objects and
the bytes to write to the module. It never reads a clock itself (the caller passes ``now``), so
the same engine runs under asyncio (:mod:`workbench.at.client`), in a replay and in tests.

Two ways to learn about commands:

* *active*: :meth:`AtEngine.submit` queues a command; the engine writes it when the previous one
  has finished, waits for its final result or its deadline;
* *passive* (log decoding, or a port someone else types into): a line that reads as an AT
  command (``AT...``) when none is in flight is taken as that command's echo and becomes the
  command in flight, without a deadline.

Classification order per line: continuation of a multi-line URC, prompt, blank, echo, final
result, boot URC, URC (by prefix, unless the command in flight owns the prefix), information
response (if a command is in flight), otherwise URC-looking or orphan information.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from workbench.at.dialect import (
    STANDARD_FINALS_ERROR,
    STANDARD_FINALS_OK,
    AtDialect,
    MultiLineUrc,
)
from workbench.at.syntax import (
    CommandForm,
    ParsedCommand,
    canonical_head,
    looks_like_command,
    parse_command,
    parse_command_line,
)
from workbench.at.types import ClassifiedLine, CommandResult, Line, LineKind, ResultStatus

_ERROR_CODE: Final = re.compile(r"^\+(?:CME|CMS) ERROR:\s*(.*)$")
#: What a line must start with for :data:`_ERROR_CODE` to be worth trying.
_ERROR_HEADS: Final = ("+CME ERROR:", "+CMS ERROR:")
_PREFIX: Final = re.compile(r"^\s*([+#$%^*!@][A-Za-z0-9_.]+)\s*:")

#: Default per-command timeout (seconds); LwM2M commands that talk to a server pass more.
DEFAULT_TIMEOUT: Final = 10.0

#: Distinct line texts whose :class:`_Facts` an engine keeps; the memo starts again when full.
FACTS_MEMO: Final = 4096

_FinalStatus = tuple[ResultStatus, int | None, str | None]


class _Facts(NamedTuple):
    """What a line's text alone says, for one dialect: worked out once per distinct text.

    A log repeats the same few lines (echoes, ``OK``, the same URCs) thousands of times, and
    the chain of prefix tests and regexes :meth:`AtEngine._classify` ran on each of them was
    most of the engine's cost per line (issue 17). What depends on the command in flight is
    still decided per line, from these facts.
    """

    #: The text stripped of surrounding whitespace.
    text: str
    #: The text read as an AT command line (:func:`looks_like_command`), parsed; else None.
    command: ParsedCommand | None
    is_command: bool
    final: _FinalStatus | None
    boot: bool
    #: The dialect's URC prefix the text starts with, if any.
    urc_prefix: str | None
    #: The ``+NAME`` before a ``:`` (upper-cased), if the text has one.
    name: str | None
    #: The multi-line URC rule of a URC-prefixed text, if one applies.
    multiline: MultiLineUrc | None


@dataclass(slots=True)
class Step:
    """What one call into the engine produced."""

    lines: list[ClassifiedLine] = field(default_factory=list)
    results: list[CommandResult] = field(default_factory=list)
    #: Bytes to write to the module, in order.
    writes: list[bytes] = field(default_factory=list)

    def extend(self, other: Step) -> None:
        self.lines.extend(other.lines)
        self.results.extend(other.results)
        self.writes.extend(other.writes)


@dataclass(slots=True, init=False)
class _Command:
    id: int
    text: str
    parsed: ParsedCommand | None
    timeout: float | None
    payload: bytes | None
    observed: bool
    line_ending: bytes = b"\r"
    started: float = 0.0
    deadline: float | None = None
    echo_seen: bool = False
    info: list[Line] = field(default_factory=list)

    # Written out (``init=False``): a compiled dataclass still gets the dataclasses module's
    # generated ``__init__``, interpreted Python, one call per command (workbench/compiled.py).
    def __init__(
        self,
        id: int,
        text: str,
        parsed: ParsedCommand | None,
        timeout: float | None,
        payload: bytes | None,
        observed: bool,
        line_ending: bytes = b"\r",
        started: float = 0.0,
        deadline: float | None = None,
        echo_seen: bool = False,
        info: list[Line] | None = None,
    ) -> None:
        self.id = id
        self.text = text
        self.parsed = parsed
        self.timeout = timeout
        self.payload = payload
        self.observed = observed
        self.line_ending = line_ending
        self.started = started
        self.deadline = deadline
        self.echo_seen = echo_seen
        self.info = [] if info is None else info


@dataclass(slots=True)
class _Continuation:
    head: Line
    rule: MultiLineUrc
    total: int
    seen: int = 0
    command: str | None = None


class AtEngine:
    """Per-connection AT state machine (see module docstring)."""

    def __init__(self, dialect: AtDialect | None = None, *, line_ending: bytes = b"\r") -> None:
        self.dialect = dialect or AtDialect()
        self.line_ending = line_ending
        self._urc_prefixes = self.dialect.all_urc_prefixes()
        self._boot_urcs = tuple(self.dialect.boot_urcs)
        #: Multi-line URC rules, longest prefix first, with the prefix in canonical form.
        self._multiline = tuple(
            (canonical_head(rule.prefix), rule)
            for rule in sorted(self.dialect.multiline_urcs, key=lambda r: -len(r.prefix))
        )
        #: The multi-line heads up to their first space or colon, case-folded: a line that
        #: starts with none of them needs no canonical form (most lines).
        self._multiline_starts = tuple(
            {re.split(r"[\s:]", prefix, maxsplit=1)[0] for prefix, _ in self._multiline}
        )
        self._final_ok = frozenset(STANDARD_FINALS_OK)
        self._final_error = frozenset(STANDARD_FINALS_ERROR)
        #: Vendor final rules are tried only on a line that starts with one of these.
        self._final_starts = tuple(rule.prefix for rule in self.dialect.final_results)
        self._facts: dict[str, _Facts] = {}
        #: Distinct texts the memo holds before it starts again (an attribute, not the module
        #: constant, so a test can make it small: compiled code inlines a Final constant).
        self.facts_memo = FACTS_MEMO
        #: Collects what :meth:`classify_line` drops.
        self._scratch = Step()
        self._queue: deque[_Command] = deque()
        self._current: _Command | None = None
        self._continuation: _Continuation | None = None
        self._next_id = 1
        #: Whether the module echoes: None until learnt from a command's reply.
        self.echo: bool | None = None

    # -- queries ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A command is in flight."""
        return self._current is not None

    @property
    def current_command(self) -> str | None:
        return self._current.text if self._current is not None else None

    @property
    def queued(self) -> int:
        """Commands waiting behind the one in flight."""
        return len(self._queue)

    def next_deadline(self) -> float | None:
        """When :meth:`tick` next needs to run (the in-flight command's deadline)."""
        cur = self._current
        return cur.deadline if cur is not None else None

    # -- commands -----------------------------------------------------------------------------
    def submit(
        self,
        command: str,
        now: float,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        payload: bytes | None = None,
    ) -> tuple[int, Step]:
        """Queue ``command`` (without line ending); returns its id and what to write now.

        ``payload`` is written when the module shows the ``"> "`` prompt (include the Ctrl-Z
        terminator yourself). ``timeout=None`` waits forever (not recommended on a live port).
        """
        text = command.strip()
        if not text:
            raise ValueError("empty command")
        if any(ch in text for ch in "\r\n"):
            raise ValueError("a command must not contain line endings")
        cmd = _Command(
            id=self._take_id(),
            text=text,
            parsed=parse_command(text),
            timeout=timeout,
            payload=payload,
            observed=False,
            line_ending=self.line_ending,
        )
        self._queue.append(cmd)
        step = Step()
        cur = self._current
        if cur is not None and cur.observed:
            # A command we only saw (log / someone else typing) must not block ours forever.
            self._finish(ResultStatus.NO_FINAL, now, step, text="superseded by a host command")
        self._start_next(now, step)
        return cmd.id, step

    def cancel(self, command_id: int, now: float, reason: str = "cancelled") -> Step:
        """Abort a queued or in-flight command (its result has status ABORTED)."""
        step = Step()
        for cmd in list(self._queue):
            if cmd.id == command_id:
                self._queue.remove(cmd)
                step.results.append(self._result(cmd, ResultStatus.ABORTED, now, text=reason))
                return step
        cur = self._current
        if cur is not None and cur.id == command_id:
            self._finish(ResultStatus.ABORTED, now, step, text=reason)
        return step

    def reset(self, now: float, reason: str = "reset") -> Step:
        """Abort everything (port closed/reopened); the engine stays usable."""
        step = Step()
        while self._queue:
            cmd = self._queue.popleft()
            step.results.append(self._result(cmd, ResultStatus.ABORTED, now, text=reason))
        if self._current is not None:
            step.results.append(self._result(self._current, ResultStatus.ABORTED, now, text=reason))
            self._current = None
        self._continuation = None
        self.echo = None
        return step

    def tick(self, now: float) -> Step:
        """Expire the in-flight command if its deadline passed; start the next one."""
        step = Step()
        cur = self._current
        if cur is not None and cur.deadline is not None and now >= cur.deadline:
            if not cur.echo_seen and self.echo is True:
                # The module may have turned echo off behind our back; learn it again.
                self.echo = None
            self._finish(
                ResultStatus.TIMEOUT,
                now,
                step,
                text=f"no final result within {cur.timeout:g} s",
            )
        return step

    # -- lines --------------------------------------------------------------------------------
    def feed_line(self, line: Line) -> Step:
        """Classify ``line`` and update command state."""
        step = Step()
        now = line.timestamp
        # Deadlines first, so a late final is not credited to a command that already timed out.
        cur = self._current
        if cur is not None and cur.deadline is not None:
            step.extend(self.tick(now))
        cont = self._continuation
        if cont is not None and not line.is_prompt and line.text != "":
            cont.seen += 1
            if cont.seen >= cont.total:
                self._continuation = None
            step.lines.append(
                ClassifiedLine(
                    line,
                    LineKind.URC,
                    command=cont.command,
                    part=cont.seen,
                    parts=cont.total,
                    head=cont.head,
                )
            )
            return step
        step.lines.append(self._classify(line, now, step))
        return step

    def classify_line(self, line: Line) -> ClassifiedLine:
        """``feed_line(line).lines[0]`` (always one line) for a caller with no use for the
        step's command results and writes, such as log decoding: no :class:`Step` is built
        for the common line (issue 17); results and writes are dropped."""
        cur = self._current
        if self._continuation is not None or (cur is not None and cur.deadline is not None):
            return self.feed_line(line).lines[0]
        scratch = self._scratch
        classified = self._classify(line, line.timestamp, scratch)
        if scratch.results:
            scratch.results.clear()
        if scratch.writes:
            scratch.writes.clear()
        return classified

    def _classify(self, line: Line, now: float, step: Step) -> ClassifiedLine:
        cur = self._current
        cmd_text = cur.text if cur is not None else None
        if line.is_prompt:
            if cur is not None and cur.payload is not None:
                step.writes.append(cur.payload)
                cur.payload = None
            return ClassifiedLine(line, LineKind.PROMPT, command=cmd_text)
        facts = self._facts.get(line.text)
        if facts is None:
            facts = self._learn_facts(line.text)
        text = facts.text
        if not text:
            return ClassifiedLine(line, LineKind.BLANK, command=cmd_text)

        # Echo of the active command.
        if cur is not None and not cur.echo_seen and not cur.info and _same(text, cur.text):
            cur.echo_seen = True
            if not cur.observed:
                self.echo = True
            return ClassifiedLine(line, LineKind.ECHO, command=cur.text)

        # A command typed by someone else / seen in a log.
        if facts.is_command and (cur is None or cur.observed):
            notes: tuple[str, ...] = ()
            if cur is not None:
                self._finish(ResultStatus.NO_FINAL, now, step, text="another command followed")
                notes = (f"previous command {cur.text!r} got no final result",)
            observed = _Command(
                id=self._take_id(),
                text=text,
                parsed=facts.command,
                timeout=None,
                payload=None,
                observed=True,
                started=now,
                # A log may show the typed command and then the module's echo of it: the
                # second copy is taken as the echo, not as a new command.
                echo_seen=False,
            )
            self._current = observed
            return ClassifiedLine(line, LineKind.ECHO, command=text, notes=notes)

        final = facts.final
        if final is not None:
            if cur is None:
                return ClassifiedLine(line, LineKind.FINAL, stale=True)
            if not cur.observed and not cur.echo_seen and self.echo is True and not cur.info:
                # Echo is on but this command's echo has not come: the final belongs to an
                # earlier command (e.g. one that timed out). Do not credit it to this one.
                return ClassifiedLine(line, LineKind.FINAL, stale=True, command=None)
            status, code, err_text = final
            if not cur.observed and not cur.echo_seen and self.echo is None:
                self.echo = False
            result = self._finish(status, now, step, final=line, code=code, text=err_text)
            self._learn_echo(cur.parsed, result)
            return ClassifiedLine(line, LineKind.FINAL, command=cur.text, result=result)

        if facts.boot:
            notes = ()
            if cur is not None:
                self._finish(ResultStatus.ABORTED, now, step, text=f"module rebooted ({text})")
                notes = (f"command {cur.text!r} aborted: module rebooted",)
            self.echo = None
            return ClassifiedLine(line, LineKind.URC, notes=notes)

        if facts.urc_prefix is not None and not (
            cur is not None and self._owns(cur, facts.name, text)
        ):
            rule = facts.multiline
            parts = 0
            if rule is not None:
                parts = rule.continuation_lines(text)
                if parts > 0:
                    self._continuation = _Continuation(line, rule, parts, command=cmd_text)
            return ClassifiedLine(line, LineKind.URC, command=cmd_text, parts=parts)

        if cur is not None:
            cur.info.append(line)
            return ClassifiedLine(line, LineKind.INFO, command=cur.text)
        if facts.name is not None:
            # Prefixed line with no command waiting: an unsolicited code we were not told about.
            return ClassifiedLine(line, LineKind.URC)
        return ClassifiedLine(line, LineKind.INFO)

    def _learn_facts(self, raw: str) -> _Facts:
        """Work out and remember the :class:`_Facts` of the line text ``raw``."""
        text = raw.strip()
        is_command = looks_like_command(text)
        m = _PREFIX.match(text)
        urc_prefix = self._urc_prefix(text)
        facts = _Facts(
            text=text,
            command=parse_command(text) if is_command else None,
            is_command=is_command,
            final=self._final_status(text),
            boot=self._is_boot(text),
            urc_prefix=urc_prefix,
            name=m.group(1).upper() if m is not None else None,
            multiline=self._multiline_rule(text) if urc_prefix is not None else None,
        )
        memo = self._facts
        if len(memo) >= self.facts_memo:
            memo.clear()
        memo[raw] = facts
        return facts

    # -- helpers ------------------------------------------------------------------------------
    def _final_status(self, text: str) -> tuple[ResultStatus, int | None, str | None] | None:
        if text in self._final_ok:
            return ResultStatus.OK, None, None
        if text in self._final_error:
            return ResultStatus.ERROR, None, text
        m = _ERROR_CODE.match(text) if text.startswith(_ERROR_HEADS) else None
        if m:
            detail = m.group(1).strip()
            if detail.isdigit():
                return ResultStatus.ERROR, int(detail), None
            return ResultStatus.ERROR, None, detail or text
        if not text.startswith(self._final_starts):
            return None
        for rule in self.dialect.final_results:
            if rule.matches(text):
                if rule.success:
                    return ResultStatus.OK, None, None
                return ResultStatus.ERROR, None, text
        return None

    def _is_boot(self, text: str) -> bool:
        return text.startswith(self._boot_urcs)

    def _urc_prefix(self, text: str) -> str | None:
        if not text.startswith(self._urc_prefixes):  # one C call for the common "no"
            return None
        for prefix in self._urc_prefixes:
            if text.startswith(prefix):
                return prefix
        return None  # pragma: no cover - the tuple test above said one matches

    def _multiline_rule(self, text: str) -> MultiLineUrc | None:
        if not self._multiline or not text.lstrip().casefold().startswith(self._multiline_starts):
            return None
        head = canonical_head(text)  # whatever the device's spacing and case (issue 12)
        for prefix, rule in self._multiline:
            if head.startswith(prefix):
                return rule
        return None

    def _owns(self, cmd: _Command, name: str | None, text: str) -> bool:
        """Whether ``text`` (a URC-prefixed line, ``+NAME`` before its colon) is part of
        ``cmd``'s response."""
        parsed = cmd.parsed
        if parsed is None:
            return False
        if name is None:
            # Prefix without a colon (e.g. RING): never a response.
            return False
        # A V.250 line of ";"-joined commands owns the answers of each of its commands.
        commands = parse_command_line(cmd.text) if ";" in cmd.text else [parsed]
        return any(self._owned_by(command, name, text) for command in commands or [parsed])

    def _owned_by(self, parsed: ParsedCommand, name: str, text: str) -> bool:
        owned = name == parsed.name or any(
            text.startswith(p) for p in self.dialect.response_prefixes.get(parsed.name, ())
        )
        if not owned:
            return False
        return not (parsed.form is CommandForm.SET and parsed.name in self.dialect.set_without_info)

    def _learn_echo(self, parsed: ParsedCommand | None, result: CommandResult) -> None:
        """``parsed`` is the finished command's (``parse_command(result.command)``)."""
        if parsed is not None and parsed.name == "E" and result.ok:
            self.echo = parsed.args.strip() not in ("0", "")

    def _take_id(self) -> int:
        number = self._next_id
        self._next_id += 1
        return number

    def _start_next(self, now: float, step: Step) -> None:
        if self._current is not None or not self._queue:
            return
        cmd = self._queue.popleft()
        cmd.started = now
        cmd.deadline = None if cmd.timeout is None else now + cmd.timeout
        self._current = cmd
        step.writes.append(cmd.text.encode("utf-8") + cmd.line_ending)

    def _result(
        self,
        cmd: _Command,
        status: ResultStatus,
        now: float,
        *,
        final: Line | None = None,
        code: int | None = None,
        text: str | None = None,
    ) -> CommandResult:
        return CommandResult(
            cmd.id, cmd.text, status, tuple(cmd.info), final, code, text, cmd.started, now
        )

    def _finish(
        self,
        status: ResultStatus,
        now: float,
        step: Step,
        *,
        final: Line | None = None,
        code: int | None = None,
        text: str | None = None,
    ) -> CommandResult:
        cmd = self._current
        assert cmd is not None
        result = self._result(cmd, status, now, final=final, code=code, text=text)
        self._current = None
        step.results.append(result)
        if self._queue:
            self._start_next(now, step)
        return result


def _same(a: str, b: str) -> bool:
    return a.strip().upper() == b.strip().upper()
