"""Decode a log on several cores: pieces cut at line boundaries, events out in file order.

Each worker process decodes one piece with its own pipeline. The AT engine and the decoder
carry state from line to line (the command in flight, a multi-line URC), so a worker first
decodes the :data:`WARM_LINES` lines before its piece and drops their events: by then the
state is what a single pass would have, because every command line (``AT...``) resets the
engine's command and multi-line URCs are a few lines long. A command left without a final
result more than :data:`WARM_LINES` lines before a cut is the one case that can differ (the
``command`` field of the lines after the cut). The ``count`` of decoder-error events runs over
the whole file; the parent renumbers those (the only field that depends on earlier pieces).
"""

from __future__ import annotations

import json
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from workbench.app.pipeline import Pipeline, count_log_lines, decode_log_lines
from workbench.module.events import Kind
from workbench.module.jsonline import dumps_line
from workbench.plugin.api import Plugin

#: Lines decoded before a piece to rebuild the engine's and decoder's state.
WARM_LINES = 512

#: Bytes per piece: large enough that start-up and warm-up are noise, small enough that a
#: few pieces in flight per worker keep memory bounded.
PIECE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of whole lines to decode, with the lines before it for the warm-up."""

    warm: bytes
    warm_lines: int
    data: bytes
    first_line: int


@dataclass(frozen=True, slots=True)
class PieceResult:
    """A piece's events as JSON lines (UTF-8, each ending in a newline); which of them are
    decoder-error events."""

    lines: list[bytes]
    decoder_errors: list[int]


def decode_piece(pipeline: Pipeline, piece: Piece) -> PieceResult:
    """Decode ``piece`` with ``pipeline`` (fresh, or the single-pass one)."""
    for _ in decode_log_lines(pipeline, piece.warm, piece.first_line - piece.warm_lines):
        pass
    decoder = pipeline.decoder
    errors_before = decoder.decoder_errors
    lines: list[bytes] = []
    errors: list[int] = []
    for decoded in decode_log_lines(pipeline, piece.data, piece.first_line):
        for event in decoded.events:
            if event.kind == Kind.ERROR and event.fields.get("source") == "decoder":
                errors.append(len(lines))
                event.fields["count"] = decoder.decoder_errors - errors_before
            lines.append(event.to_json_line())
    return PieceResult(lines, errors)


def pieces(chunks: Iterable[bytes], size: int = PIECE_BYTES) -> Iterator[Piece]:
    """Group line-bounded ``chunks`` into pieces of about ``size`` bytes, numbered."""
    first_line = 1
    previous = b""
    buffer: list[bytes] = []
    held = 0
    for chunk in chunks:
        buffer.append(chunk)
        held += len(chunk)
        if held >= size:
            data = b"".join(buffer)
            yield _piece(previous, data, first_line)
            first_line += count_log_lines(data)
            previous, buffer, held = data, [], 0
    if buffer:
        yield _piece(previous, b"".join(buffer), first_line)


def _piece(previous: bytes, data: bytes, first_line: int) -> Piece:
    start = len(previous)
    for _ in range(WARM_LINES):
        found = previous.rfind(b"\n", 0, max(start - 1, 0))
        if found < 0:
            start = 0
            break
        start = found + 1
    warm = previous[start:]
    return Piece(warm, count_log_lines(warm), data, first_line)


class _Worker:
    """What a worker process holds: the plugin, set once by the pool's initializer."""

    plugin: Plugin | None = None
    variant: str | None = None


def _init_worker(plugin: Plugin, variant: str | None) -> None:
    _Worker.plugin = plugin
    _Worker.variant = variant


def _decode_in_worker(piece: Piece) -> PieceResult:
    assert _Worker.plugin is not None, "worker started without its plugin"
    return decode_piece(Pipeline(_Worker.plugin, _Worker.variant, keep_empty=True), piece)


def decode_parallel(
    chunks: Iterable[bytes],
    plugin: Plugin,
    variant: str | None,
    jobs: int,
    *,
    piece_bytes: int = PIECE_BYTES,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """JSON lines (UTF-8, each ending in a newline) of every event of the log, in order,
    decoded by ``jobs`` processes.

    At most two pieces per worker are in flight, so memory does not grow with the log.
    ``progress`` gets the bytes decoded so far after each piece.
    """
    # fork: the workers inherit the loaded plugin (plugins need not be picklable) and no
    # module is imported twice; the CLI has no threads when it forks.
    context = multiprocessing.get_context("fork")
    done_bytes = 0
    errors_total = 0
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_init_worker, initargs=(plugin, variant)
    ) as pool:
        pending: deque[tuple[Future[PieceResult], int]] = deque()
        source = pieces(chunks, piece_bytes)
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < 2 * jobs:
                piece = next(source, None)
                if piece is None:
                    exhausted = True
                    break
                pending.append((pool.submit(_decode_in_worker, piece), len(piece.data)))
            if not pending:
                break
            future, size = pending.popleft()
            result = future.result()
            for index in result.decoder_errors:
                event = json.loads(result.lines[index])
                event["count"] += errors_total
                result.lines[index] = dumps_line(event)
            errors_total += len(result.decoder_errors)
            yield from result.lines
            done_bytes += size
            if progress is not None:
                progress(done_bytes)
