"""One module connection, the object the CLI and the GUI share.

A :class:`ModuleConnection` ties together what talking to one module needs: the serial port (a
:class:`~workbench.transport.serial_port.SerialConnection`: reader thread, batched hand-over to
the loop), the AT client configured with the plugin's dialect, the plugin's decoder, the
:class:`~workbench.module.state.ModuleState` the events fold into and, optionally, a session
recorder.

Everything that crosses the wire becomes a :class:`TerminalLine` (direction, host time, raw
bytes, classification, decoded events). Lines are numbered by ``seq`` — one counter per
connection that survives reconnects and plugin changes — and decoded events carry that number
in ``Event.line``, so "registered (line 412)" in the state model points at terminal line 412.
Consumers either subscribe (called on the loop for every line: the CLI) or :meth:`drain` the
pending lines in batches (the GUI's ~30 Hz timer), never per byte.

A port that vanishes sets :attr:`status` to ``"lost"`` with a :attr:`reason`; everything
received stays in :attr:`history` and :attr:`state`, and :meth:`reconnect` opens it again.
Pure: no Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from workbench.app.hostservice import HostAnswerService
from workbench.at.client import AtClient
from workbench.at.dialect import AtDialect
from workbench.at.engine import AtEngine
from workbench.at.framer import LineFramer
from workbench.at.types import ClassifiedLine, CommandResult, LineKind
from workbench.lwm2m.tasks import TaskSet
from workbench.module.decoding import Decoder
from workbench.module.events import Event
from workbench.module.state import ModuleState
from workbench.transport.serial_port import PortError, PortSettings, SerialConnection

if TYPE_CHECKING:  # at run time only the loader imports plugins (start-up time)
    from workbench.plugin.api import Plugin

_log = logging.getLogger(__name__)

Status = Literal["closed", "opening", "open", "lost"]
Direction = Literal["tx", "rx", "note"]
Unsubscribe = Callable[[], None]

#: Terminal lines kept in :attr:`ModuleConnection.history` (oldest dropped beyond that).
DEFAULT_HISTORY = 200_000
#: Line endings a user can choose for commands.
LINE_ENDINGS: dict[str, bytes] = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}
#: Commands sent by :meth:`ModuleConnection.detect`, in order.
IDENTIFY_COMMANDS = ("ATI", "AT+CGMM")
#: Longest stretch (seconds) of decoding before the connection yields to the loop/GUI. Two
#: slices often fall into the pass that also paints a timeline frame; at 1 MB/s with ~1M
#: lines held, 5 ms instead of 8 ms gave heartbeat lateness p99 58 / max 80-81 ms against
#: 66-73 / 99-107 ms, and the window caught up sooner (two runs each, issue 17).
SLICE_SECONDS = 0.005
#: Received bytes decoded per step inside a slice.
SLICE_BYTES = 2048
#: How many framer line numbers are remembered to renumber multi-line events onto ``seq``.
_RECENT_NUMBERS = 4096


@dataclass(frozen=True, slots=True)
class TerminalLine:
    """One row of the terminal: a command sent, a line received, or a note of ours."""

    #: Row number, 1-based, unique for the life of the connection (also ``Event.line``).
    seq: int
    direction: Direction
    #: Text without line ending (``AT+CGMI`` for TX; decoded with replacement chars for RX).
    text: str
    #: The exact bytes (TX: as written, with line ending; RX: without the line ending).
    raw: bytes
    #: Wall-clock time (``time.time()``) the line was completed or written.
    host_time: float
    #: ``tx``, ``note`` or the AT engine's :class:`~workbench.at.types.LineKind` value.
    kind: str
    #: Events decoded from this line, with ``line == seq``.
    events: tuple[Event, ...] = ()
    #: The command in flight when the line arrived (RX), if any.
    command: str | None = None
    #: True for a final result that says the command failed (ERROR, +CME ERROR...).
    failed: bool = False


class Recorder(Protocol):
    """What the connection needs from a session writer (``workbench.session.SessionWriter``)."""

    def record_rx(self, data: bytes) -> Any: ...

    def record_tx(self, data: bytes) -> Any: ...

    def record_event(self, event: Event) -> Any: ...

    def note(self, text: str) -> Any: ...


@dataclass(slots=True)
class Detection:
    """What :meth:`ModuleConnection.detect` learnt: the module's words and matching plugins."""

    text: str
    candidates: list[Plugin] = field(default_factory=list)
    error: str = ""

    @property
    def suggestion(self) -> Plugin | None:
        """The plugin to preselect (first match), or None: the user chooses."""
        return self.candidates[0] if self.candidates else None


LineCallback = Callable[[TerminalLine], None]
DecodedCallback = Callable[[ClassifiedLine, list[Event]], None]


class ModuleConnection:
    """Port + AT client + decoder + state (+ recorder) for one module; see module docstring."""

    def __init__(
        self,
        url: str,
        plugin: Plugin | None = None,
        variant: str | None = None,
        settings: PortSettings | None = None,
        *,
        recorder: Recorder | None = None,
        history: int = DEFAULT_HISTORY,
        line_ending: bytes = b"\r",
        port_factory: Callable[..., SerialConnection] = SerialConnection,
    ) -> None:
        self.url = url
        self.settings = settings or PortSettings()
        self.recorder = recorder
        self.state = ModuleState()
        #: Every terminal line still kept (bounded by ``history``), oldest first.
        self.history: deque[TerminalLine] = deque(maxlen=history)
        #: Lines dropped from :attr:`history` because it was full.
        self.trimmed = 0
        self.status: Status = "closed"
        #: Why the connection is ``lost`` (or why opening failed), for humans.
        self.reason = ""
        self.bytes_in = 0
        self.bytes_out = 0
        self._line_ending = line_ending
        self._port_factory = port_factory
        self._plugin: Plugin | None = plugin
        self._variant = plugin.resolve_variant(variant) if plugin is not None else ""
        self._decoder: Decoder = self._make_decoder()
        self._at: AtClient | None = None
        self._port: SerialConnection | None = None
        #: AT clients being closed in the background (kept, failures logged).
        self._tasks = TaskSet(owner="connection")
        self._seq = 0
        self._numbers: OrderedDict[int, int] = OrderedDict()
        #: Framer and engine of a replay in progress (:meth:`replay_more` goes on with them).
        self._replaying: tuple[LineFramer, AtEngine] | None = None
        self._pending: deque[TerminalLine] = deque()
        self._changed: set[str] = set()
        self._subscribers: list[LineCallback] = []
        self._status_subscribers: list[Callable[[Status, str], None]] = []
        self._decoded_subscribers: list[DecodedCallback] = []
        self._wall_offset = 0.0
        self._backlog: deque[bytes] = deque()
        self._backlog_size = 0
        self._processing = False
        #: Futures of :meth:`_drain_backlog` callers, resolved when the backlog is empty.
        self._drained: list[asyncio.Future[None]] = []
        self._server_unsubscribe: Unsubscribe | None = None
        #: Answers the module's host-managed object requests (headless; the window shows it).
        self.host_answers = HostAnswerService(self)

    # -- module ------------------------------------------------------------------------------
    @property
    def plugin(self) -> Plugin | None:
        return self._plugin

    @property
    def variant(self) -> str:
        return self._variant

    def _make_decoder(self) -> Decoder:
        if self._plugin is None:
            return Decoder()
        return self._plugin.make_decoder(self._variant)

    def _dialect(self) -> AtDialect:
        return self._plugin.dialect() if self._plugin is not None else AtDialect()

    def set_plugin(self, plugin: Plugin | None, variant: str | None = None) -> None:
        """Decode with another plugin/variant from now on (lines already shown keep theirs)."""
        self._plugin = plugin
        self._variant = plugin.resolve_variant(variant) if plugin is not None else ""
        self._decoder = self._make_decoder()
        if self._at is not None and self.status == "open":
            old = self._at
            self._at = self._make_at()
            self._tasks.spawn(old.close(), "close replaced AT client")
        name = plugin.id if plugin is not None else "generic AT"
        suffix = f" ({self._variant})" if self._variant and plugin is not None else ""
        self.note(f"decoding as {name}{suffix}")

    @property
    def line_ending(self) -> bytes:
        return self._line_ending

    @line_ending.setter
    def line_ending(self, value: bytes) -> None:
        self._line_ending = value
        if self._at is not None:
            self._at.engine.line_ending = value

    # -- subscriptions ----------------------------------------------------------------------------
    def subscribe(self, callback: LineCallback) -> Unsubscribe:
        """Call ``callback`` on the loop for every new terminal line (the CLI's way)."""
        self._subscribers.append(callback)
        return lambda: _discard(self._subscribers, callback)

    def subscribe_status(self, callback: Callable[[Status, str], None]) -> Unsubscribe:
        """Call ``callback(status, reason)`` whenever :attr:`status` changes."""
        self._status_subscribers.append(callback)
        return lambda: _discard(self._status_subscribers, callback)

    def subscribe_decoded(self, callback: DecodedCallback) -> Unsubscribe:
        """Call ``callback(classified_line, events)`` for every received line (CLI printers)."""
        self._decoded_subscribers.append(callback)
        return lambda: _discard(self._decoded_subscribers, callback)

    def attach_server(self, server_events: Any) -> Unsubscribe:
        """Fold the built-in server's events (its ``events`` bus) into :attr:`state` too.

        The state then holds both sides — the module's URCs and the server's registered /
        updated / expired / deregistered — and says when they disagree (issue 12). One server
        at a time: attaching another detaches the previous one. Headless, so the CLI demo and
        the window get the same picture.
        """
        self.detach_server()

        def on_event(event: Any) -> None:
            self._changed |= self.state.apply_server_event(event)

        self._server_unsubscribe = server_events.subscribe(on_event)
        return self.detach_server

    def detach_server(self) -> None:
        """Stop following the built-in server (its view stays in the state as last seen)."""
        unsubscribe, self._server_unsubscribe = self._server_unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()

    def drain(self, limit: int | None = None) -> list[TerminalLine]:
        """The lines added since the last drain (the GUI's way: one call per timer tick)."""
        pending = self._pending
        if limit is None or limit >= len(pending):
            out = list(pending)
            pending.clear()
            return out
        return [pending.popleft() for _ in range(limit)]

    def drain_changes(self) -> set[str]:
        """State sections changed since the last call (``client``, ``servers``...)."""
        changed, self._changed = self._changed, set()
        return changed

    def line(self, seq: int) -> TerminalLine | None:
        """Terminal line ``seq`` if it is still in :attr:`history`."""
        if not self.history:
            return None
        index = seq - self.history[0].seq
        if 0 <= index < len(self.history):
            item = self.history[index]
            if item.seq == seq:
                return item
        return None

    # -- life cycle ------------------------------------------------------------------------------
    def open(self) -> None:
        """Open the port on the running loop; raises :class:`PortError` with a user message."""
        if self.status == "open":
            return
        self._set_status("opening", "")
        loop = asyncio.get_running_loop()
        self._wall_offset = time.time() - loop.time()
        self._at = self._make_at()
        port = self._port_factory(
            self.url, self.settings, on_data=self._on_data, on_lost=self._on_lost, loop=loop
        )
        try:
            port.open()
        except PortError as exc:
            self._port = None
            self._set_status("closed", str(exc))
            self.note(str(exc))
            raise
        self._port = port
        self._set_status("open", "")
        self.note(f"opened {self.url}")

    def reconnect(self) -> None:
        """Open the same URL again after a loss (keeps history, state and numbering)."""
        self._drop_port()
        self.open()

    async def close(self) -> None:
        """Close the port; history and state are kept (idempotent)."""
        at = self._at
        self._drop_port()
        await self._drain_backlog()
        await self.host_answers.close()
        if at is not None:
            await at.close()
        if self.status != "closed":
            self.note(f"closed {self.url}")
            self._set_status("closed", "")

    def _drop_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            port.close()

    def _make_at(self) -> AtClient:
        at = AtClient(self._write, dialect=self._dialect(), line_ending=self._line_ending)

        def on_line(line: ClassifiedLine) -> None:
            if at is self._at:  # a client replaced by set_plugin says nothing more
                self._on_line(line, self._wall_offset)

        at.subscribe_lines(on_line)
        self._numbers.clear()
        return at

    def _set_status(self, status: Status, reason: str) -> None:
        self.status = status
        self.reason = reason
        for callback in list(self._status_subscribers):
            try:
                callback(status, reason)
            except Exception:
                _log.exception("status subscriber failed")

    # -- I/O ---------------------------------------------------------------------------------
    async def send(self, command: str, timeout: float | None = 10.0) -> CommandResult:
        """Send one command line through the AT engine (it shows as TX when written)."""
        if self.status != "open" or self._at is None:
            raise PortError(self.reason or f"{self.url} is not open")
        return await self._at.send(command, timeout=timeout)

    def write_raw(self, data: bytes) -> None:
        """Bytes straight to the port, bypassing the engine (a payload, a Ctrl-Z, a BREAK-ish)."""
        self._write(data)

    def _write(self, data: bytes) -> None:
        port = self._port
        if port is None:
            raise PortError(self.reason or f"{self.url} is not open")
        self.bytes_out += len(data)
        if self.recorder is not None:
            _record(self.recorder.record_tx, data)
        text = data.decode("utf-8", "replace").rstrip("\r\n")
        self._add(TerminalLine(self._next_seq(), "tx", text, data, time.time(), "tx"))
        port.write(data)

    def _on_data(self, data: bytes) -> None:
        """A batch from the reader thread (on the loop): recorded now, decoded in slices."""
        self.bytes_in += len(data)
        if self.recorder is not None:
            _record(self.recorder.record_rx, data)
        self._backlog.append(data)
        self._backlog_size += len(data)
        self._schedule_backlog()

    def _schedule_backlog(self) -> None:
        """Start the chain of decode slices unless one is already running."""
        if not self._processing:
            self._processing = True
            asyncio.get_running_loop().call_soon(self._process_backlog)

    def _process_backlog(self, budget: float = SLICE_SECONDS) -> None:
        """Decode received bytes for at most ``budget`` seconds, then yield to the loop.

        The loop is the GUI thread's: decoding a burst in one go would freeze the window for
        as long as the burst takes, so it is cut in slices of :data:`SLICE_BYTES` and the
        rest is rescheduled behind whatever else (painting, timers, CoAP) is waiting.
        """
        deadline = time.perf_counter() + budget
        backlog = self._backlog
        while backlog:
            chunk = backlog.popleft()
            if len(chunk) > SLICE_BYTES:
                backlog.appendleft(chunk[SLICE_BYTES:])
                chunk = chunk[:SLICE_BYTES]
            self._backlog_size -= len(chunk)
            if self._at is not None:
                self._at.feed(chunk)
            if time.perf_counter() >= deadline:
                break
        if backlog:
            with contextlib.suppress(RuntimeError):  # loop closed at exit
                asyncio.get_running_loop().call_soon(self._process_backlog)
                return
        self._processing = False
        waiters, self._drained = self._drained, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _drain_backlog(self) -> None:
        """Decode what is queued in the usual slices and return when it is all decoded.

        Closing the port while the window was behind at 1 MB/s decoded the whole backlog in
        one call: the window froze for as long as that took (1.3 s at the end of a 30 s
        benchmark run, issue 17), with no way to tell why. The slices let it paint meanwhile.
        """
        if not self._backlog:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._drained.append(waiter)
        self._schedule_backlog()
        await waiter

    def _flush_backlog(self) -> None:
        """Decode everything still queued (before a loss note, at close)."""
        self._process_backlog(budget=float("inf"))

    @property
    def backlog_bytes(self) -> int:
        """Received bytes not decoded yet (non-zero only while the loop is catching up)."""
        return self._backlog_size

    def _on_line(self, line: ClassifiedLine, wall_offset: float) -> None:
        seq = self._next_seq()
        numbers = self._numbers
        numbers[line.number] = seq
        if len(numbers) > _RECENT_NUMBERS:
            numbers.popitem(last=False)
        events = self._decoder.decode(line)
        for event in events:
            event.line = numbers.get(event.line, seq)
            self._changed |= self.state.apply(event)
            if self.recorder is not None:
                _record(self.recorder.record_event, event)
        for callback in list(self._decoded_subscribers):
            try:
                callback(line, events)
            except Exception:
                _log.exception("decoded-line subscriber failed")
        failed = line.kind is LineKind.FINAL and line.result is not None and not line.result.ok
        if line.kind is LineKind.FINAL and line.result is None:
            failed = "ERROR" in line.text
        self._add(
            TerminalLine(
                seq,
                "rx",
                line.text,
                line.raw,
                line.timestamp + wall_offset,
                str(line.kind),
                tuple(events),
                line.command,
                failed,
            )
        )

    def _on_lost(self, reason: str) -> None:
        self._flush_backlog()
        self._port = None
        at, self._at = self._at, None
        if at is not None:
            with contextlib.suppress(RuntimeError):
                self._tasks.spawn(at.close(), "close AT client of a lost port")
        self.note(reason)
        self._set_status("lost", reason)

    def note(self, text: str) -> TerminalLine:
        """Add a line of our own (opened, lost, decoding as...) to the terminal and session."""
        if self.recorder is not None:
            _record(self.recorder.note, text)
        item = TerminalLine(self._next_seq(), "note", text, b"", time.time(), "note")
        self._add(item)
        return item

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _add(self, item: TerminalLine) -> None:
        if len(self.history) == self.history.maxlen:
            self.trimmed += 1
        self.history.append(item)
        self._pending.append(item)
        if len(self._pending) > (self.history.maxlen or DEFAULT_HISTORY):
            self._pending.popleft()
        for callback in list(self._subscribers):
            try:
                callback(item)
            except Exception:
                _log.exception("line subscriber failed")

    # -- replay ------------------------------------------------------------------------------
    def replay(self, items: Iterable[tuple[str, float, bytes | str]]) -> None:
        """Rebuild terminal and state from recorded traffic (a session file) without a port.

        ``items`` are ``(direction, host_time, data)`` with direction ``rx`` / ``tx`` (bytes)
        or ``note`` (text). Received bytes go through the same framer, engine and decoder as
        live ones, so a recorded session reads exactly like the live one did.
        """
        self._numbers.clear()
        self._replaying = None
        self.replay_more(items, final=True)

    def replay_more(
        self, items: Iterable[tuple[str, float, bytes | str]], *, final: bool = False
    ) -> None:
        """Go on replaying after what :meth:`replay`/:meth:`replay_more` already fed.

        The session window plays forward this way instead of rebuilding from the start (the
        framer and the decoder keep their state, so the result is the same). ``final`` ends
        the recording: a last line without its terminator is shown. Before that it waits for
        the rest of its bytes, as it did live.
        """
        if self._replaying is None:
            dialect = self._dialect()
            framer = LineFramer(clock=time.time, prompts=dialect.prompts)
            self._replaying = framer, AtEngine(dialect, line_ending=self._line_ending)
        framer, engine = self._replaying
        for direction, t, data in items:
            if direction == "rx" and isinstance(data, bytes):
                self.bytes_in += len(data)
                for line in framer.feed(data, t):
                    for classified in engine.feed_line(line).lines:
                        self._on_line(classified, 0.0)
            elif direction == "tx" and isinstance(data, bytes):
                self.bytes_out += len(data)
                text = data.decode("utf-8", "replace").rstrip("\r\n")
                self._add(TerminalLine(self._next_seq(), "tx", text, data, t, "tx"))
            elif direction == "note":
                text = data if isinstance(data, str) else data.decode("utf-8", "replace")
                self._add(TerminalLine(self._next_seq(), "note", text, b"", t, "note"))
        if final:
            for line in framer.flush(time.time()):
                for classified in engine.feed_line(line).lines:
                    self._on_line(classified, 0.0)

    # -- auto-detection ---------------------------------------------------------------------
    async def detect(self, plugins: Iterable[Plugin], timeout: float = 3.0) -> Detection:
        """Ask the module who it is (``ATI``, ``AT+CGMM``) and match the plugins' patterns.

        The user can always override the suggestion; nothing is changed here.
        """
        texts: list[str] = []
        error = ""
        for command in IDENTIFY_COMMANDS:
            try:
                result = await self.send(command, timeout=timeout)
            except PortError as exc:
                error = str(exc)
                break
            if result.ok:
                texts.extend(result.texts)
            elif not error:
                error = f"{command}: {result.error_text or result.status.value}"
        text = "\n".join(t for t in texts if t.strip())
        candidates = [p for p in plugins if text and p.matches_identity(text)]
        return Detection(text, candidates, "" if text else error or "no answer")


def _discard(items: list[Any], item: Any) -> None:
    with contextlib.suppress(ValueError):
        items.remove(item)


def _record(method: Callable[[Any], Any], value: Any) -> None:
    """A broken recorder must never take the connection down."""
    try:
        method(value)
    except Exception:
        _log.exception("session recorder failed")


__all__ = [
    "DEFAULT_HISTORY",
    "IDENTIFY_COMMANDS",
    "LINE_ENDINGS",
    "Detection",
    "ModuleConnection",
    "PortError",
    "PortSettings",
    "Recorder",
    "Status",
    "TerminalLine",
]
