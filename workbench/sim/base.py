"""What every vendor simulator needs, so a plugin only writes its own commands.

:class:`SimulatorBase` is an emulated module's AT side, sans-I/O: the host's bytes go in through
:meth:`SimulatorBase.receive`, the module's bytes come out through the output callback. It
assembles command lines, echoes, parses ``AT+CMD=args`` / ``?`` / ``=?`` / bare into a call of
the handler the subclass registered, formats errors per ``+CMEE`` and answers the common 3GPP
commands with simulated values. A handler exception becomes ``ERROR`` on the line and a log
record — never a traceback on the serial line.

It runs on an asyncio loop because a vendor simulator's LwM2M client (aiocoap) does; the base
itself only needs the loop for asynchronous handlers and delayed URCs.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections import deque
from collections.abc import (
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from typing import Any, Protocol, runtime_checkable

from workbench.at.syntax import (
    CommandForm,
    ParsedCommand,
    parse_command_line,
    split_at_args_detailed,
)
from workbench.sim.calls import (
    CME_TEXTS,
    AtCall,
    AtError,
    Handler,
    HandlerResult,
    PayloadRequest,
    Reply,
    invalid_param,
    not_allowed,
)
from workbench.sim.threegpp import ModuleIdentity, NetworkState, StandardCommands, Volatile

__all__ = [
    "CME_TEXTS",
    "AtCall",
    "AtError",
    "Handler",
    "HandlerResult",
    "ModuleIdentity",
    "NetworkState",
    "OutputCallback",
    "PayloadRequest",
    "Reply",
    "SettingsStore",
    "Simulator",
    "SimulatorBase",
    "invalid_param",
    "not_allowed",
]

_log = logging.getLogger(__name__)

#: Bytes the command-line assembler acts on; everything else is taken in runs.
_CONTROL_BYTES = re.compile(rb"[\r\n\x08\x7f]")
#: The command line prefix (V.250: "AT" or "at").
_PREFIX = re.compile("AT|at")

#: Output callback: module → host bytes.
OutputCallback = Callable[[bytes], None]


@runtime_checkable
class Simulator(Protocol):
    """An emulated module's AT side, as the transport (``sim://``) and tests drive it."""

    def set_output(self, callback: OutputCallback) -> None:
        """Where module → host bytes go (bytes produced before this are buffered)."""

    def receive(self, data: bytes) -> None:
        """Host → module bytes (any split, like a UART)."""

    async def start(self) -> None:
        """Start background work (the LwM2M client); call on the running loop."""

    async def stop(self) -> None:
        """Stop everything started; idempotent."""

    def reboot(self) -> None:
        """Simulate a module reset: volatile state lost, settings kept, boot URCs printed."""


# -- settings -----------------------------------------------------------------------------


class SettingsStore(MutableMapping[str, Any]):
    """The simulated module's non-volatile memory: a dict that survives :meth:`reboot`.

    Pass the same store to a new simulator instance to emulate power-cycling the module while
    keeping its configuration (as a real module's NVM does).
    """

    def __init__(self, initial: Mapping[str, Any] | None = None) -> None:
        self._data: dict[str, Any] = dict(initial or {})
        #: Incremented on each write; lets a subclass notice "settings changed since boot".
        self.writes = 0

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.writes += 1

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.writes += 1

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def snapshot(self) -> dict[str, Any]:
        """A shallow copy, for tests and for saving a simulator profile."""
        return dict(self._data)

    def __repr__(self) -> str:
        return f"SettingsStore({self._data!r})"


class SimulatorBase(StandardCommands):
    """Reusable AT side of a simulated module; subclass and register vendor handlers.

    Subclasses typically::

        class SaraSimulator(SimulatorBase):
            def __init__(self, variant, server_url, **options):
                super().__init__(variant=variant, server_url=server_url,
                                 identity=ModuleIdentity("u-blox", "SARA-R510M8S", "03.15"))
                self.register("+NAME", self._name)

            def boot_urcs(self):
                return ["+UUSIMSTAT: 1"]
    """

    #: Longest command line accepted (bytes); longer → ERROR, like a real input buffer.
    MAX_COMMAND = 2048

    def __init__(
        self,
        *,
        variant: str = "",
        server_url: str = "",
        identity: ModuleIdentity | None = None,
        settings: SettingsStore | None = None,
        default_cmee: int = 0,
        boot_delay: float = 0.0,
        network: NetworkState | None = None,
    ) -> None:
        self.variant = variant
        self.server_url = server_url
        self.identity = identity or ModuleIdentity()
        self.settings = settings if settings is not None else SettingsStore()
        self.default_cmee = default_cmee
        self.boot_delay = boot_delay
        self._network_template = network or NetworkState()
        self._v = self._fresh_volatile()
        self._handlers: dict[str, Handler] = {}
        self._output: OutputCallback | None = None
        self._early: bytearray = bytearray()
        self._rx = bytearray()
        self._rx_overflow = False
        self._queue: deque[str] = deque()
        self._busy = False
        self._payload: PayloadRequest | None = None
        self._payload_buf = bytearray()
        self._tasks: set[asyncio.Task[Any]] = set()
        #: What to do once the current command's final result is out (see _after_final).
        self._after_result: list[Callable[[], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.running = False
        #: Number of reboots since construction (tests and the GUI like to know).
        self.boot_count = 0
        self._register_standard()

    # -- wiring ---------------------------------------------------------------------------
    def set_output(self, callback: OutputCallback) -> None:
        self._output = callback
        if self._early:
            data = bytes(self._early)
            self._early.clear()
            callback(data)

    def write(self, data: bytes) -> None:
        """Send raw bytes to the host."""
        if not data:
            return
        if self._output is None:
            self._early.extend(data)
            return
        try:
            self._output(data)
        except Exception:
            _log.exception("simulator output callback failed")

    def send_line(self, text: str) -> None:
        """Send one response line framed as V.250 verbose mode does: ``\\r\\n<text>\\r\\n``."""
        self.write(b"\r\n" + text.encode("utf-8", "replace") + b"\r\n")

    def send_urc(self, text: str) -> None:
        """Send an unsolicited result code (same framing; may land inside a response)."""
        self.send_line(text)

    def send_urc_later(self, text: str, delay: float) -> None:
        """Send a URC after ``delay`` seconds (immediately if no loop is running)."""
        loop = self._running_loop()
        if loop is None or delay <= 0:
            self.send_urc(text)
        else:
            loop.call_later(delay, self.send_urc, text)

    def register(self, name: str, handler: Handler) -> None:
        """Handle command ``name`` (``+CEREG``, a vendor's ``#NAME``, ``E``...) with ``handler``."""
        self._handlers[name.upper()] = handler

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any] | None:
        """Run background work owned by the simulator (cancelled on stop/reboot)."""
        loop = self._running_loop()
        if loop is None:
            if inspect.iscoroutine(coro):
                coro.close()
            _log.warning("simulator: no running loop, background work dropped")
            return None
        task: asyncio.Task[Any] = loop.create_task(_as_coroutine(coro))
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("simulator task failed", exc_info=task.exception())

    def _running_loop(self) -> asyncio.AbstractEventLoop | None:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return self._loop if self._loop is not None and self._loop.is_running() else None

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.running = True
        await self.on_start()

    async def stop(self) -> None:
        if not self.running and not self._tasks:
            return
        self.running = False
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        try:
            await self.on_stop()
        except Exception:
            _log.exception("simulator on_stop failed")

    def reboot(self) -> None:
        """Reset volatile state, cancel work in progress, then print the boot URCs."""
        self.boot_count += 1
        for task in list(self._tasks):
            task.cancel()
        self._v = self._fresh_volatile()
        self._rx.clear()
        self._rx_overflow = False
        self._queue.clear()
        self._busy = False
        self._payload = None
        try:
            self.on_reboot()
        except Exception:
            _log.exception("simulator on_reboot failed")
        loop = self._running_loop()
        if loop is not None and self.boot_delay > 0:
            loop.call_later(self.boot_delay, self._boot_done)
        else:
            self._boot_done()

    def _boot_done(self) -> None:
        try:
            urcs = list(self.boot_urcs())
        except Exception:
            _log.exception("simulator boot_urcs failed")
            urcs = []
        for text in urcs:
            self.send_urc(text)
        try:
            self.on_boot()
        except Exception:
            _log.exception("simulator on_boot failed")

    def _fresh_volatile(self) -> Volatile:
        net = self._network_template
        return Volatile(
            echo=True,
            cmee=self.default_cmee,
            network=NetworkState(**{k: getattr(net, k) for k in net.__slots__}),
        )

    # -- hooks for subclasses -----------------------------------------------------------------
    def boot_urcs(self) -> Sequence[str]:
        """Lines a module prints after reset (vendor-specific; e.g. ``RDY``)."""
        return ()

    def on_reboot(self) -> None:
        """Called at reset before the boot URCs: stop the LwM2M client, drop sessions."""

    def on_boot(self) -> None:
        """Called after the boot URCs: e.g. autostart the LwM2M client (use :meth:`spawn`)."""

    async def on_start(self) -> None:
        """Called by :meth:`start` on the loop."""

    async def on_stop(self) -> None:
        """Called by :meth:`stop`: stop the LwM2M client, close sockets."""

    # -- state accessors ----------------------------------------------------------------------
    @property
    def echo(self) -> bool:
        return self._v.echo

    @property
    def cmee(self) -> int:
        return self._v.cmee

    @property
    def network(self) -> NetworkState:
        return self._v.network

    @property
    def fun(self) -> int:
        return self._v.fun

    # -- host input -----------------------------------------------------------------------
    def receive(self, data: bytes) -> None:
        try:
            self._receive(data)
        except Exception:  # the serial line must never see a traceback, nor the transport
            _log.exception("simulator receive failed")
            self.send_line("ERROR")

    def _receive(self, data: bytes) -> None:
        """Assemble command lines; echo in runs, not byte by byte.

        Ordinary characters between control bytes are taken (and echoed) as one run: echoing
        one byte per write ran at about 140 KB/s, so 1 MB of input delayed the next ``AT`` by
        seconds. Echo is written before any reply the line produces, as a module echoes.
        """
        i = 0
        echo = bytearray()
        try:
            while i < len(data):
                if self._payload is not None:
                    self._flush_echo(echo)
                    i = self._receive_payload(data, i)
                    continue
                i = self._receive_run(data, i, echo)
        finally:
            self._flush_echo(echo)

    def _flush_echo(self, echo: bytearray) -> None:
        if echo:
            self.write(bytes(echo))
            echo.clear()

    def _receive_run(self, data: bytes, i: int, echo: bytearray) -> int:
        """Consume ordinary characters up to the next control byte, or one control byte."""
        match = _CONTROL_BYTES.search(data, i)
        end = len(data) if match is None else match.start()
        if end > i:
            run = data[i:end]
            if self._v.echo:
                echo += run
            room = self.MAX_COMMAND - len(self._rx)
            if len(run) > room:
                self._rx += run[: max(room, 0)]
                self._rx_overflow = True
            else:
                self._rx += run
            return end
        byte = data[i]
        i += 1
        if self._v.echo:
            echo.append(byte)
        if byte == 0x0D:
            self._flush_echo(echo)
            self._end_of_line()
        elif byte in (0x08, 0x7F) and self._rx:
            del self._rx[-1]
        return i

    def _end_of_line(self) -> None:
        if self._rx_overflow:
            self._rx.clear()
            self._rx_overflow = False
            self._queue.append("\x00overflow")
        else:
            text = self._rx.decode("utf-8", "replace")
            self._rx.clear()
            self._queue.append(text)
        self._pump()

    def _receive_payload(self, data: bytes, i: int) -> int:
        request = self._payload
        assert request is not None
        while i < len(data):
            byte = data[i]
            i += 1
            if request.length is None and byte == 0x1B:
                self._payload = None
                self._payload_buf.clear()
                self._finish_reply(None)
                return i
            if request.length is None and bytes([byte]) == request.terminator:
                self._complete_payload(request)
                return i
            self._payload_buf.append(byte)
            if request.length is not None and len(self._payload_buf) >= request.length:
                self._complete_payload(request)
                return i
        return i

    def _complete_payload(self, request: PayloadRequest) -> None:
        data = bytes(self._payload_buf)
        self._payload_buf.clear()
        self._payload = None
        try:
            result = request.on_data(data)
        except AtError as err:
            self._finish_error(err)
            return
        except Exception:
            _log.exception("simulator payload handler failed")
            self._finish_plain_error()
            return
        self._deliver(result, None)

    def _pump(self) -> None:
        while self._queue and not self._busy and self._payload is None:
            text = self._queue.popleft()
            self._run_line(text)

    def _run_line(self, text: str) -> None:
        if text == "\x00overflow":
            self.send_line("ERROR")
            return
        stripped = text.strip()
        if not stripped:
            return  # an empty line is ignored, as by real modules
        commands = parse_command_line(stripped)
        if not commands and stripped[:2].upper() != "AT":
            stripped, commands = _after_garbage(stripped)
        if not commands:
            if stripped[:2].upper() == "AT":
                self.send_line("ERROR")
            return  # not addressed to the AT interpreter
        self._busy = True
        self._run_commands(stripped, commands, 0, [])

    def _run_commands(
        self, text: str, commands: list[ParsedCommand], index: int, lines: list[str]
    ) -> None:
        while index < len(commands):
            parsed = commands[index]
            call = AtCall(
                name=parsed.name,
                form=parsed.form,
                raw_args=parsed.args,
                arg_details=tuple(split_at_args_detailed(parsed.args)) if parsed.args else (),
                line=text if len(commands) == 1 else "AT" + _unparse(parsed),
            )
            handler = self._handlers.get(parsed.name)
            if handler is None:
                self._flush_lines(lines)
                self._finish_plain_error()
                return
            try:
                result = handler(call)
            except AtError as err:
                self._flush_lines(lines)
                self._finish_error(err)
                return
            except Exception:
                _log.exception("simulator handler for %s failed", parsed.name)
                self._flush_lines(lines)
                self._finish_plain_error()
                return
            if isinstance(result, PayloadRequest):
                self._flush_lines(lines)
                self._payload = result
                self._payload_buf.clear()
                self.write(result.prompt)
                return
            if inspect.isawaitable(result):
                self._flush_lines(lines)
                rest = commands[index + 1 :]
                self._await_result(result, text, rest)
                return
            lines.extend(_reply_lines(result))
            index += 1
        self._flush_lines(lines)
        self._finish_ok()

    def _await_result(
        self, awaitable: Awaitable[Reply], text: str, rest: list[ParsedCommand]
    ) -> None:
        async def runner() -> None:
            try:
                reply = await awaitable
            except AtError as err:
                self._finish_error(err)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.exception("simulator async handler failed")
                self._finish_plain_error()
                return
            if rest:
                self._run_commands(text, rest, 0, _reply_lines(reply))
            else:
                self._finish_reply(reply)

        if self.spawn(runner()) is None:
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            self._finish_plain_error()

    def _deliver(self, result: Reply | Awaitable[Reply], text: str | None) -> None:
        if inspect.isawaitable(result):
            self._await_result(result, text or "", [])
        else:
            self._finish_reply(result)

    def _flush_lines(self, lines: list[str]) -> None:
        for line in lines:
            self.send_line(line)
        lines.clear()

    def _finish_reply(self, reply: Reply) -> None:
        for line in _reply_lines(reply):
            self.send_line(line)
        self._finish_ok()

    def _finish_ok(self) -> None:
        self.send_line("OK")
        self._done()

    def _finish_plain_error(self) -> None:
        self.send_line("ERROR")
        self._done()

    def _finish_error(self, err: AtError) -> None:
        if err.plain or self._v.cmee == 0:
            self.send_line("ERROR")
        elif self._v.cmee == 1:
            self.send_line(f"+CME ERROR: {err.code}")
        else:
            self.send_line(f"+CME ERROR: {err.text}")
        self._done()

    def _done(self) -> None:
        actions, self._after_result = self._after_result, []
        self._busy = False
        self._pump()
        for action in actions:
            action()

    def _after_final(self, action: Callable[[], None]) -> None:
        """Run ``action`` right after the current command's final result is sent (no loop).

        Actions queued for one final result run after the commands waiting behind it were
        started, and only once: a command that follows gets a fresh list.
        """
        self._after_result.append(action)


def _reply_lines(reply: Reply) -> list[str]:
    if reply is None:
        return []
    if isinstance(reply, str):
        return [reply]
    return [str(line) for line in reply]


def _unparse(parsed: ParsedCommand) -> str:
    if parsed.form is CommandForm.READ:
        return parsed.name + "?"
    if parsed.form is CommandForm.TEST:
        return parsed.name + "=?"
    if parsed.form is CommandForm.SET:
        return f"{parsed.name}={parsed.args}"
    return parsed.name + parsed.args


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _after_garbage(text: str) -> tuple[str, list[ParsedCommand]]:
    """The command line that starts at the last ``AT``/``at`` prefix inside ``text``.

    Inferred, as no vendor document says it: ITU-T V.250 has the DCE look for the "AT" prefix
    and ignore what comes before it, so an unterminated garbage line followed by ``AT`` is
    the command ``AT`` (it got no answer at all before). Prefixes are tried from the last one
    back, so an ``at`` inside a quoted argument does not hide the command; if none parses the
    text from the last prefix on is returned (answered ``ERROR``), and ``text`` itself when
    there is no prefix at all (not addressed to the interpreter: ignored, as before).
    """
    starts = [m.start() for m in _PREFIX.finditer(text)]
    for start in reversed(starts):
        commands = parse_command_line(text[start:])
        if commands:
            return text[start:], commands
    return (text[starts[-1] :] if starts else text), []
