"""Scenarios: ``.atseq`` files with LwM2M steps, run against one module and the built-in server.

An engineer re-tests the same flows after every firmware or server change: the AT side (the
module's commands and URCs) and the LwM2M side (what the server reads, writes, executes and
hears) at once. A scenario file says both (verbs in :mod:`workbench.app.scenario_steps`); this
module runs it:

* :class:`ScenarioExecutor` performs the LwM2M steps for a
  :class:`~workbench.app.sequences.SequenceRunner`: ``connect`` reuses the guided connect flow
  (:mod:`workbench.app.guided`: the plugin's documented sequence, watched on both sides);
  ``read``/``write``/``execute``/``observe``/``cancel`` go through the
  :class:`~workbench.server.LwM2MServer`; ``notify`` waits for a notification of an observed
  path; ``state`` waits for the decoded :class:`~workbench.module.state.ModuleState`. Values
  compare typed: the expected text is parsed with the resource's definition, so ``3800``
  equals the integer 3800 and ``true`` the boolean. The evidence of each step is the CoAP
  messages (or module lines) that decided it.
* :func:`run_scenarios` runs files in order over one connection and gives a
  :class:`FileReport` per file with a :class:`StepRecord` per step (file, line, verdict,
  elapsed, evidence) — what the CLI prints and :mod:`workbench.app.junit` writes.
* :func:`plugin_scenarios` lists the scenarios a plugin package ships (``scenarios/*.atseq``).

Host-managed objects are answered by whatever answers them on the connection (the window's
object tree, or the connection's own service): the executor never answers module requests.
Pure asyncio, no Qt: the window's Sequences panel and ``lwm2m-workbench run`` share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from workbench.app.guided import GuidedConnect, plan_for
from workbench.app.scenario_steps import (
    CancelStep,
    ConnectStep,
    ExecuteStep,
    LwM2MStep,
    NotifyStep,
    ObserveStep,
    ReadStep,
    StateStep,
    Verdict,
    WriteStep,
)
from workbench.app.sequences import (
    SUFFIX,
    AtTarget,
    CommandSequence,
    Outcome,
    SequenceError,
    SequenceRunner,
    StepResult,
    format_step,
)
from workbench.at.types import CommandResult
from workbench.lwm2m.errors import ValueValidationError
from workbench.lwm2m.model import format_text_value
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.module.state import ModuleState
from workbench.server.requests import Notification, ReadResult, ServerRequestError

if TYPE_CHECKING:
    from workbench.plugin.api import Plugin
    from workbench.server import LwM2MServer

#: Folder of a plugin package that holds its shipped scenarios.
SCENARIO_FOLDER = "scenarios"
#: Longest value text shown in a message before it is cut.
_SHOWN = 120
#: CoAP log entries kept for evidence, and notifications kept per observed path.
COAP_KEPT = 1024
NOTIFICATIONS_KEPT = 1000


def plugin_scenarios(plugin: Plugin) -> list[FilePath]:
    """The ``.atseq`` files shipped in ``plugin``'s package (``<package>/scenarios/``), sorted.

    The package is the one that defines the plugin's decoder: several plugins of one package
    (Quectel BG95/BG77/BG600L) share its scenarios, as they share its document.
    """
    module = sys.modules.get(getattr(plugin.decoder_factory, "__module__", "") or "")
    file = getattr(module, "__file__", None)
    if not file:
        return []
    folder = FilePath(file).parent / SCENARIO_FOLDER
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def state_values(state: ModuleState, field_name: str) -> list[tuple[str, str]]:
    """The values ``field_name`` has in ``state`` now, each with where it came from.

    ``registration``, ``bootstrap`` and ``connection`` are per server (any server counts);
    ``registration=registered`` and ``server=registered`` also hold while the state is
    ``updated`` or ``update_pending`` (still registered). ``server`` is the built-in server's
    own view (``registered``, ``updated``, ``deregistered``, ``expired``, ``replaced``).
    """
    out: list[tuple[str, str]] = []

    def tracked(value: Any, origin: str) -> None:
        if value is not None:
            out.append((str(value.value), f"{origin}line {value.line}: {value.raw}"))

    if field_name == "client":
        tracked(state.client, "")
    elif field_name == "network":
        tracked(state.network, "")
    elif field_name in ("registration", "bootstrap", "connection"):
        for key, srv in sorted(state.servers.items()):
            tracked(getattr(srv, field_name), f"server {key}, ")
            if field_name == "registration" and srv.registered and srv.registration is not None:
                out.append(("registered", f"server {key}, {srv.registration.value}"))
    elif field_name == "server":
        view = state.server_view
        if view is not None:
            out.append((view.state, f"built-in server: {view.endpoint} {view.state}"))
            if view.registered:
                out.append(("registered", f"built-in server: {view.endpoint} {view.state}"))
    return out


def values_equal(expected: Value, got: Value) -> bool:
    """Typed equality: numbers by value (an integer resource read as 3800.0 equals 3800)."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got or (expected == got and type(expected) is type(got))
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return math.isclose(expected, got, rel_tol=1e-9, abs_tol=0.0) or expected == got
    return expected == got


def show_value(value: Any) -> str:
    """A value as a message shows it: strings quoted, the rest in text form."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {show_value(v)}" for k, v in value.items()) + "}"
    else:
        text = format_text_value(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


class _Failure(Exception):
    """A step cannot go on: its verdict says why."""

    def __init__(self, message: str, expected: str = "", got: str = "") -> None:
        super().__init__(message)
        self.verdict = Verdict(False, message, (), expected, got or message)


class ScenarioExecutor:
    """Runs LwM2M steps against ``server`` for the module on ``connection()``.

    ``send(command, timeout)`` sends one AT command the way the caller shows it (the
    connection's ``send``, or the window's context); ``connection()`` gives the current
    :class:`~workbench.app.connection.ModuleConnection` (its decoded state and lines).
    Call :meth:`close` when done: it drops the subscriptions and the observations it made.
    """

    def __init__(
        self,
        server: LwM2MServer,
        plugin: Plugin | None,
        send: Callable[[str, float], Awaitable[CommandResult]],
        connection: Callable[[], Any],
    ) -> None:
        self.server = server
        self.plugin = plugin
        self._send = send
        self._connection = connection
        #: The module's endpoint name (from the last registration the server saw).
        self.endpoint = ""
        self._changed = asyncio.Event()
        self._notifications: dict[str, list[Notification]] = {}
        self._consumed: dict[str, int] = {}
        self._observed: set[str] = set()
        #: Recent CoAP log entries with their running number (the evidence of a step).
        self._coap: deque[tuple[int, Any]] = deque(maxlen=COAP_KEPT)
        self._coap_count = 0
        self._unsubscribe = [
            server.events.subscribe(self._server_event),
            server.coap_log.subscribe(self._coap_entry),
        ]
        self._line_unsubscribe: Callable[[], None] | None = None
        self._line_source: Any = None

    # -- wiring ------------------------------------------------------------------------------
    async def close(self) -> None:
        """Stop listening and forget the observations left open (cancelled passively: the
        module's next notification is refused with a reset, as after a server restart)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._line_unsubscribe is not None:
            self._line_unsubscribe()
            self._line_unsubscribe = None
        for path in sorted(self._observed):
            with contextlib.suppress(ServerRequestError):
                await self.server.cancel_observation(self.endpoint, path, active=False)
        self._observed.clear()

    def _server_event(self, event: Any) -> None:
        if event.kind == "registered" and event.endpoint:
            self.endpoint = event.endpoint
        self._changed.set()

    def _coap_entry(self, entry: Any) -> None:
        self._coap.append((self._coap_count, entry))
        self._coap_count += 1

    def _watch_lines(self) -> None:
        conn = self._connection()
        if conn is self._line_source:
            return
        if self._line_unsubscribe is not None:
            self._line_unsubscribe()
            self._line_unsubscribe = None
        self._line_source = conn
        if conn is not None:
            self._line_unsubscribe = conn.subscribe_decoded(lambda _l, _e: self._changed.set())

    # -- the steps --------------------------------------------------------------------------
    async def perform(self, step: LwM2MStep) -> Verdict:
        """Run one LwM2M step; never raises for a failed step (the verdict says why)."""
        self._watch_lines()
        mark = self._coap_count
        try:
            verdict = await self._perform(step)
        except _Failure as failure:
            verdict = failure.verdict
        except ServerRequestError as exc:
            verdict = Verdict(False, str(exc), (), _wanted(step), str(exc))
        except ValueError as exc:  # a value the content format cannot carry, a bad argument
            verdict = Verdict(False, f"{step.describe()}: {exc}", (), _wanted(step), str(exc))
        return self._with_coap(verdict, step, mark)

    async def _perform(self, step: LwM2MStep) -> Verdict:
        if isinstance(step, ConnectStep):
            return await self._connect(step)
        if isinstance(step, StateStep):
            return await self._state(step)
        if isinstance(step, ReadStep):
            return await self._read(step)
        if isinstance(step, WriteStep):
            return await self._write(step)
        if isinstance(step, ExecuteStep):
            endpoint = self._endpoint()
            result = await self.server.execute(
                endpoint, step.path, step.arguments, timeout=step.timeout
            )
            return _coded(result.code, step.expect, f"execute {step.path}")
        if isinstance(step, ObserveStep):
            return await self._observe(step)
        if isinstance(step, NotifyStep):
            return await self._notify(step)
        return await self._cancel(step)

    def _endpoint(self) -> str:
        clients = self.server.clients
        if self.endpoint in clients:
            return self.endpoint
        if len(clients) == 1:
            self.endpoint = next(iter(clients))
            return self.endpoint
        if not clients:
            raise _Failure(
                "no client is registered with the built-in server (run 'connect' first)",
                "a registered client",
                "none",
            )
        raise _Failure(
            f"{len(clients)} clients are registered and none is this module's: "
            f"{', '.join(sorted(clients))}",
            "the module's registration",
            "several",
        )

    async def _connect(self, step: ConnectStep) -> Verdict:
        if self.plugin is None:
            raise _Failure("connect needs a module plugin (--module)", "a plugin", "none")
        host, port = self.server.address
        try:
            variant = getattr(self._connection(), "variant", None) or None
            plan = plan_for(self.plugin, f"coap://{host}:{port}", checks=False, variant=variant)
        except ValueError as exc:
            raise _Failure(str(exc), "a documented connect sequence", "none") from None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.timeout
        flow = GuidedConnect(
            plan,
            self._send,
            self.server,
            register_timeout=step.timeout,
            module_report_seconds=max(1.0, min(10.0, step.timeout / 2)),
        )
        conn = self._connection()
        if conn is not None:
            flow.attach(conn)
        diagnosis = await flow.run()
        evidence = [f"> {s.shown}: {s.detail}" for s in flow.steps if s.status != "pending"]
        seen = flow.seen
        if seen.server_registered is not None:
            self.endpoint = seen.server_endpoint
            evidence.append(
                f"server: registered {seen.server_endpoint} from "
                f"{seen.server_registered.get('address', '?')}"
            )
        if seen.module_registered is None and diagnosis.ok:
            # The module may report its own registration a little later than the 2.01.
            await self._until(lambda: self._module_registered() is not None, deadline)
        module = seen.module_registered or self._module_registered()
        if module is not None:
            evidence.append(f"module: line {module.line}: {module.raw}")
        evidence_t = tuple(evidence)
        if diagnosis.ok and module is not None:
            return Verdict(True, f"registered as {self.endpoint}", evidence_t)
        if diagnosis.ok:
            return Verdict(
                False,
                "the server registered the module but the module did not say so",
                evidence_t,
                "module and server registered",
                "server registered only",
            )
        return Verdict(
            False,
            f"{diagnosis.title}: {diagnosis.explanation}",
            evidence_t,
            "module and server registered",
            diagnosis.title,
            timed_out=diagnosis.outcome in ("no_registration", "no_answer"),
        )

    def _module_registered(self) -> Any:
        conn = self._connection()
        if conn is None:
            return None
        for srv in conn.state.servers.values():
            if srv.registered and srv.registration is not None:
                return srv.registration
        return None

    async def _until(self, check: Callable[[], bool], deadline: float) -> bool:
        loop = asyncio.get_running_loop()
        while not check():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):  # not wait_for (3.11 cancel race)
                    await self._changed.wait()
        return True

    async def _state(self, step: StateStep) -> Verdict:
        found: list[tuple[str, str]] = []

        def check() -> bool:
            conn = self._connection()
            if conn is None:
                return False
            found[:] = state_values(conn.state, step.field)
            return any(value == step.value for value, _ in found)

        deadline = asyncio.get_running_loop().time() + step.timeout
        if await self._until(check, deadline):
            origin = next(o for v, o in found if v == step.value)
            return Verdict(True, f"{step.field}={step.value}", (origin,))
        got = ", ".join(sorted({v for v, _ in found})) or "nothing yet"
        return Verdict(
            False,
            f"{step.field} is {got}, not {step.value}, after {step.timeout:g} s",
            tuple(o for _, o in found),
            f"{step.field}={step.value}",
            f"{step.field}={got}",
            timed_out=True,
        )

    def _expected_value(self, path: Path, text: str) -> Value:
        try:
            return self.server.parse_value(path, text)
        except ValueValidationError as exc:
            raise _Failure(f"{path}: expected value {exc}", text, "not comparable") from None

    def _compare(self, what: str, path: Path, text: str | None, result: ReadResult) -> Verdict:
        values = {str(p): v for p, v in result.values.items()}
        if text is None:
            shown = show_value(values.get(str(path), values)) if values else "(no value)"
            return Verdict(True, f"{result.code} {shown}")
        expected = self._expected_value(path, text)
        if str(path) not in values:
            got = show_value(values) if values else "no value"
            return Verdict(False, f"{what}: no value for {path} ({got})", (), text, got)
        got_value = values[str(path)]
        if values_equal(expected, got_value):
            return Verdict(True, f"{result.code} {show_value(got_value)}")
        return Verdict(
            False,
            f"{what}: expected {show_value(expected)}, got {show_value(got_value)}",
            (),
            show_value(expected),
            show_value(got_value),
        )

    async def _read(self, step: ReadStep) -> Verdict:
        endpoint = self._endpoint()
        result = await self.server.read(endpoint, step.path, timeout=step.timeout)
        if result.code != "2.05":
            return _coded(result.code, "2.05", f"read {step.path}")
        if result.decode_error:
            return Verdict(
                False, f"read {step.path}: {result.decode_error}", (), "a decodable value", "bad"
            )
        return self._compare(f"read {step.path}", step.path, step.value, result)

    async def _write(self, step: WriteStep) -> Verdict:
        endpoint = self._endpoint()
        value = self._expected_value(step.path, step.value)
        result = await self.server.write(endpoint, step.path, value, timeout=step.timeout)
        return _coded(result.code, step.expect, f"write {step.path}")

    async def _observe(self, step: ObserveStep) -> Verdict:
        endpoint = self._endpoint()
        key = str(step.path)
        self._notifications[key] = []
        self._consumed[key] = 0

        def on_notification(notification: Notification) -> None:
            items = self._notifications.setdefault(key, [])
            items.append(notification)
            if len(items) > NOTIFICATIONS_KEPT:  # a long observation must not grow memory
                drop = len(items) - NOTIFICATIONS_KEPT
                del items[:drop]
                self._consumed[key] = max(0, self._consumed.get(key, 0) - drop)
            self._changed.set()

        try:
            obs = await self.server.observe(
                endpoint, step.path, callback=on_notification, timeout=step.timeout
            )
        except ServerRequestError as exc:
            return Verdict(False, f"observe {step.path}: {exc}", (), "2.05 with Observe", str(exc))
        self._observed.add(key)
        # The first answer is not a notification: only what comes after it counts.
        self._consumed[key] = len(self._notifications.get(key, []))
        initial = obs.initial
        values = {str(p): v for p, v in initial.values.items()}
        shown = show_value(values.get(key, values)) if values else ""
        return Verdict(True, f"{initial.code} observing {key} {shown}".rstrip())

    async def _notify(self, step: NotifyStep) -> Verdict:
        key = str(step.path)
        if key not in self._notifications:
            raise _Failure(
                f"{key} is not observed: add 'observe {key}' before 'notify {key}'",
                f"an observation of {key}",
                "none",
            )
        expected = None if step.value is None else self._expected_value(step.path, step.value)
        seen: list[str] = []

        def check() -> bool:
            items = self._notifications.get(key, [])
            while self._consumed[key] < len(items):
                note = items[self._consumed[key]]
                self._consumed[key] += 1
                values = {str(p): v for p, v in note.result.values.items()}
                got = values.get(key)
                seen.append(f"notification {note.sequence}: {show_value(values)}")
                if expected is None or (got is not None and values_equal(expected, got)):
                    return True
            return False

        deadline = asyncio.get_running_loop().time() + step.timeout
        if await self._until(check, deadline):
            return Verdict(True, seen[-1], tuple(seen))
        want = f"a notification of {key}" + (
            f" == {show_value(expected)}" if expected is not None else ""
        )
        got = "; ".join(seen) if seen else f"no notification within {step.timeout:g} s"
        return Verdict(
            False,
            f"notify {key}: {got}",
            tuple(seen),
            want,
            got,
            timed_out=not seen,
        )

    async def _cancel(self, step: CancelStep) -> Verdict:
        endpoint = self._endpoint()
        key = str(step.path)
        result = await self.server.cancel_observation(endpoint, step.path)
        self._observed.discard(key)
        self._notifications.pop(key, None)
        if result is None:
            return Verdict(True, f"cancelled {key}")
        if result.code != "2.05":
            return _coded(result.code, "2.05", f"cancel {key}")
        return Verdict(True, f"{result.code} cancelled {key}")

    # -- evidence ----------------------------------------------------------------------------
    def _with_coap(self, verdict: Verdict, step: LwM2MStep, mark: int) -> Verdict:
        """Add the CoAP messages of this step (about its path) to the evidence."""
        if isinstance(step, ConnectStep | StateStep):
            return verdict
        target = str(step.path)
        lines = [
            describe_coap(entry)
            for number, entry in self._coap
            if number >= mark
            and entry.path is not None
            and (entry.path == target or entry.path.startswith(target + "/"))
        ]
        if not lines:
            return verdict
        return Verdict(
            verdict.passed,
            verdict.message,
            tuple(lines) + verdict.evidence,
            verdict.expected,
            verdict.got,
            verdict.timed_out,
        )


def describe_coap(entry: Any) -> str:
    """One CoAP datagram in one line: ``→ CON GET /3/0/0 mid=12`` / ``← ACK 2.05 /3/0/0 …``."""
    arrow = "→" if entry.direction == "out" else "←"
    message = entry.message
    if message is None:
        return f"{arrow} {len(entry.data)} bytes {entry.path or ''} ({entry.problem or 'unparsed'})"
    data = entry.to_dict()
    text = f"{arrow} {data.get('type', '')} {data.get('method') or data.get('code', '')}"
    text += f" {entry.path} mid={data.get('mid')}"
    if entry.values:
        text += f" {show_value(entry.values)}"
    return text


def _wanted(step: LwM2MStep) -> str:
    if isinstance(step, WriteStep | ExecuteStep):
        return step.expect
    if isinstance(step, ReadStep | ObserveStep | CancelStep):
        return "2.05"
    return ""


def _coded(code: str, expect: str, what: str) -> Verdict:
    if code == expect:
        return Verdict(True, code)
    return Verdict(False, f"{what}: {code} (expected {expect})", (), expect, code)


# -- running files ----------------------------------------------------------------------------


class ConnectionTarget:
    """A :class:`~workbench.app.connection.ModuleConnection` as the runner's
    :class:`~workbench.app.sequences.AtTarget`: its terminal lines are what wait steps see."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def send(self, command: str, timeout: float | None = 10.0) -> CommandResult:
        result: CommandResult = await self.connection.send(command, timeout)
        return result

    def subscribe_lines(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        unsubscribe: Callable[[], None] = self.connection.subscribe(callback)
        return unsubscribe


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step of one file, as reported (CLI line, JUnit testcase)."""

    file: str
    line: int
    text: str
    outcome: Outcome
    elapsed: float
    message: str
    evidence: tuple[str, ...] = ()
    expected: str = ""
    got: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class FileReport:
    """All steps of one file."""

    file: str
    name: str
    records: list[StepRecord] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return all(not r.outcome.bad for r in self.records)

    @property
    def failures(self) -> list[StepRecord]:
        return [r for r in self.records if r.outcome.bad]


def record_of(sequence: CommandSequence, result: StepResult) -> StepRecord:
    """A runner result as a report line (file and line from the parsed sequence)."""
    return StepRecord(
        sequence.source or sequence.name or "<sequence>",
        sequence.line_of(result.index),
        format_step(result.step),
        result.outcome,
        result.elapsed,
        result.message,
        result.lines,
        result.expected,
        result.got,
    )


async def run_scenarios(
    sequences: Sequence[CommandSequence],
    target: AtTarget,
    executor: ScenarioExecutor,
    *,
    keep_going: bool = False,
    on_record: Callable[[StepRecord], None] | None = None,
) -> list[FileReport]:
    """Run ``sequences`` in order against ``target``; one report per file.

    Without ``keep_going`` the first failed step ends the run: the rest of its file and the
    files after it are reported as skipped. With it every step of every file runs.
    """
    reports: list[FileReport] = []
    stopped = False
    for sequence in sequences:
        report = FileReport(sequence.source or sequence.name, sequence.name)
        reports.append(report)
        started = time.monotonic()

        def finished(
            result: StepResult, seq: CommandSequence = sequence, into: FileReport = report
        ) -> None:
            record = record_of(seq, result)
            into.records.append(record)
            if on_record is not None:
                on_record(record)

        if stopped:
            for index, step in enumerate(sequence.steps):
                finished(StepResult(index, step, Outcome.SKIPPED, "not run"))
            continue
        runner = SequenceRunner(
            sequence,
            target,
            stop_on_failure=not keep_going,
            on_step_finished=finished,
            lwm2m=executor,
        )
        try:
            outcome = await runner.run()
        finally:
            runner.close()
        report.elapsed = time.monotonic() - started
        if not outcome.ok and not keep_going:
            stopped = True
    return reports


def load_scenarios(paths: Iterable[str | FilePath]) -> list[CommandSequence]:
    """Parse every file first, so a bad line stops the run before anything is sent.

    Raises :class:`~workbench.app.sequences.SequenceError` naming the file and line; the
    source of each sequence is the path as given (what reports and JUnit show).
    """
    sequences = []
    for path in paths:
        try:
            sequence = CommandSequence.load(path)
        except SequenceError as exc:
            raise SequenceError(exc.message, exc.line, str(path)) from None
        sequence.source = str(path)
        sequences.append(sequence)
    return sequences


__all__ = [
    "SCENARIO_FOLDER",
    "ConnectionTarget",
    "FileReport",
    "ScenarioExecutor",
    "StepRecord",
    "describe_coap",
    "load_scenarios",
    "plugin_scenarios",
    "record_of",
    "run_scenarios",
    "show_value",
    "state_values",
    "values_equal",
]
