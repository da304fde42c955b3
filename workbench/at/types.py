"""Value types shared by the framer, the AT engine, the client and the plugins.

They live in their own module so that :mod:`workbench.plugin.api` can re-export them without
pulling the engine's machinery along, and so that every layer talks about the same objects:
the framer makes :class:`Line`, the engine wraps each in a :class:`ClassifiedLine` and finishes
commands with a :class:`CommandResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(slots=True, unsafe_hash=True, init=False)
class Line:
    """One line as it came off the wire.

    ``raw`` keeps the exact bytes (without the line ending) because the text is decoded with
    replacement characters and the user must be able to see what the module really sent.

    Not frozen, on purpose (issue 17): a frozen dataclass sets each field through
    ``object.__setattr__``, which made building the one :class:`Line` and one
    :class:`ClassifiedLine` per decoded line cost more than classifying it. Nothing assigns to
    a line after it is built; equality, hashing (``unsafe_hash``: the same field-tuple hash the
    frozen class had), ``repr``, ``replace`` and pickling are unchanged.
    """

    #: 1-based, strictly increasing per framer (the CLI renumbers to log-file lines).
    number: int
    #: Decoded text without the line ending; a cut line ends with the visible cut marker.
    text: str
    #: The bytes kept for this line, without the line ending (at most the framer's limit).
    raw: bytes
    #: Host clock reading when the line was completed (the caller's clock, seconds).
    timestamp: float
    #: True for the ``"> "`` data prompt, which has no line ending.
    is_prompt: bool = False
    #: Number of bytes dropped because the line was longer than the framer's limit.
    cut: int = 0

    # Written out (``init=False``): a compiled dataclass still gets the dataclasses module's
    # generated ``__init__``, interpreted Python, one call per line (workbench/compiled.py).
    def __init__(
        self,
        number: int,
        text: str,
        raw: bytes,
        timestamp: float,
        is_prompt: bool = False,
        cut: int = 0,
    ) -> None:
        self.number = number
        self.text = text
        self.raw = raw
        self.timestamp = timestamp
        self.is_prompt = is_prompt
        self.cut = cut

    @property
    def was_cut(self) -> bool:
        """Whether bytes of this line were dropped (the text carries a marker too)."""
        return self.cut > 0


class LineKind(StrEnum):
    """What a line is in the AT conversation; string values so they serialise as-is."""

    ECHO = "echo"
    INFO = "info"
    FINAL = "final"
    URC = "urc"
    PROMPT = "prompt"
    #: An empty line (only seen when the framer keeps them, e.g. when decoding a log file).
    BLANK = "blank"


class ResultStatus(StrEnum):
    """How a command ended."""

    OK = "ok"
    ERROR = "error"
    #: No final result before the command's deadline.
    TIMEOUT = "timeout"
    #: The module rebooted (boot URC) or the engine was reset while the command was in flight.
    ABORTED = "aborted"
    #: Only in passive/log mode: another command appeared before this one got a final result.
    NO_FINAL = "no_final"


@dataclass(slots=True, unsafe_hash=True, init=False)
class CommandResult:
    """The outcome of one AT command: its response lines and its final result.

    Not frozen, for the reason given on :class:`Line` (one per final result in a log); treat
    it as immutable.
    """

    #: Engine-assigned id (submission order); observed log commands get ids too.
    id: int
    #: The command line as sent, without the line ending (``AT+CGMI``).
    command: str
    status: ResultStatus
    #: Information-response lines, in order (URCs and the echo are not included).
    lines: tuple[Line, ...] = ()
    #: The final-result line (``OK``, ``+CME ERROR: 50``...), None on timeout/abort.
    final: Line | None = None
    #: Numeric ``+CME ERROR``/``+CMS ERROR`` code where the module gave one.
    error_code: int | None = None
    #: Error text (``+CME ERROR: <text>``, vendor final text, or why it timed out/aborted).
    error_text: str | None = None
    started: float = 0.0
    finished: float = 0.0

    # Written out (``init=False``): a compiled dataclass still gets the dataclasses module's
    # generated ``__init__``, interpreted Python, one call per line (workbench/compiled.py).
    def __init__(
        self,
        id: int,
        command: str,
        status: ResultStatus,
        lines: tuple[Line, ...] = (),
        final: Line | None = None,
        error_code: int | None = None,
        error_text: str | None = None,
        started: float = 0.0,
        finished: float = 0.0,
    ) -> None:
        self.id = id
        self.command = command
        self.status = status
        self.lines = lines
        self.final = final
        self.error_code = error_code
        self.error_text = error_text
        self.started = started
        self.finished = finished

    @property
    def ok(self) -> bool:
        """True when the module answered with a successful final result."""
        return self.status is ResultStatus.OK

    @property
    def texts(self) -> list[str]:
        """The information-response texts, the thing callers usually want."""
        return [line.text for line in self.lines]


@dataclass(slots=True, unsafe_hash=True, init=False)
class ClassifiedLine:
    """A :class:`Line` plus what the engine made of it; this is what decoders receive.

    Not frozen, for the reason given on :class:`Line`; treat it as immutable.
    """

    line: Line
    kind: LineKind
    #: The command in flight when the line arrived (its text, e.g. ``AT+CEREG?``), or None.
    command: str | None = None
    #: Set on FINAL lines that finished a command.
    result: CommandResult | None = None
    #: For multi-line URCs: 0 on the head line, 1..n on continuation lines.
    part: int = 0
    #: For multi-line URCs: number of continuation lines the head announced.
    parts: int = 0
    #: On continuation lines: the head line of the URC.
    head: Line | None = None
    #: True for a final result that arrived with no command waiting for it (late/stale).
    stale: bool = False
    #: Extra notes for humans (e.g. why a command was considered aborted).
    notes: tuple[str, ...] = field(default=())

    # Written out (``init=False``): a compiled dataclass still gets the dataclasses module's
    # generated ``__init__``, interpreted Python, one call per line (workbench/compiled.py).
    def __init__(
        self,
        line: Line,
        kind: LineKind,
        command: str | None = None,
        result: CommandResult | None = None,
        part: int = 0,
        parts: int = 0,
        head: Line | None = None,
        stale: bool = False,
        notes: tuple[str, ...] = (),
    ) -> None:
        self.line = line
        self.kind = kind
        self.command = command
        self.result = result
        self.part = part
        self.parts = parts
        self.head = head
        self.stale = stale
        self.notes = notes

    @property
    def text(self) -> str:
        return self.line.text

    @property
    def raw(self) -> bytes:
        return self.line.raw

    @property
    def number(self) -> int:
        return self.line.number

    @property
    def timestamp(self) -> float:
        return self.line.timestamp

    @property
    def is_continuation(self) -> bool:
        """True for the data lines that follow a multi-line URC head."""
        return self.head is not None
