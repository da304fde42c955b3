"""One line per session file for the "Open session" list: module, start, duration, registered.

The list used to be a bare file picker: names cut short and nothing that tells two sessions of
the same port apart. :func:`summarize` reads one file with :class:`SessionReader` (so a file
left behind by a killed writer shows its readable prefix) and never raises for a bad file: what
is wrong goes into :attr:`SessionEntry.problem`. :func:`list_sessions` does a whole folder,
newest first; it is plain blocking code so the GUI can run it on a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from workbench.module.events import Event
from workbench.module.state import REGISTERED_STATES, ModuleState
from workbench.server.coaplog import ServerEvent
from workbench.session.format import RecordKind, SessionFormatError
from workbench.session.reader import SessionReader

#: File name extension of session files (``workbench.session.EXTENSION``).
SUFFIX = ".wbs"


@dataclass(frozen=True, slots=True)
class SessionEntry:
    """What the list shows for one session file."""

    path: Path
    size: int
    #: Plugin id and variant from the metadata ("" when the file does not say).
    plugin: str = ""
    variant: str = ""
    #: Host time recording started (metadata, else the first record), None when unknown.
    started: float | None = None
    #: Seconds between the first and the last record, None when there are none.
    duration: float | None = None
    #: Whether the module registered with a server at some point (None: file unreadable).
    registered: bool | None = None
    #: True when the writer closed the file cleanly.
    complete: bool = False
    #: What is wrong with the file ("" when nothing): torn tail, damage, not a session...
    problem: str = ""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def module(self) -> str:
        """``plugin/variant`` as the decoder was built with, or "unknown"."""
        if not self.plugin:
            return "unknown"
        return f"{self.plugin}/{self.variant}" if self.variant else self.plugin


def _registered(reader: SessionReader) -> bool:
    """The built-in server saw a registration, or the module state reached a registered one.

    Both sources count: a session against a third-party server has no server events, and a
    session whose decoder missed the URC still has the server's ``registered``.
    """
    state = ModuleState()
    for record in reader.records((RecordKind.EVENT, RecordKind.SERVER_EVENT)):
        body = record.body
        if isinstance(body, ServerEvent) and body.kind == "registered":
            return True
        if isinstance(body, Event):
            state.apply(body)
            for server in state.servers.values():
                if server.registration is not None and (
                    server.registration.value in REGISTERED_STATES
                ):
                    return True
    return False


def summarize(path: Path) -> SessionEntry:
    """The list entry for ``path``; a broken file gets an entry that says what is wrong."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return SessionEntry(path, 0, problem=f"cannot read: {exc.strerror or exc}")
    try:
        with SessionReader(path) as reader:
            summary = reader.summary()
            # A second scan only when there is something to find (it reads the whole file).
            wanted = {RecordKind.EVENT.label, RecordKind.SERVER_EVENT.label}
            registered = bool(wanted & summary.counts.keys()) and _registered(reader)
            torn_header = reader.torn_header
    except SessionFormatError as exc:
        return SessionEntry(path, size, problem=f"not a session file: {exc}")
    except OSError as exc:
        return SessionEntry(path, size, problem=f"cannot read: {exc.strerror or exc}")
    meta = summary.meta
    started = meta.get("started")
    start = float(started) if isinstance(started, int | float) and started else None
    if start is None:
        start = summary.first_time
    duration = None
    if summary.first_time is not None and summary.last_time is not None:
        duration = max(0.0, summary.last_time - (start or summary.first_time))
    problems: list[str] = []
    if torn_header:
        problems.append("file ends inside its header (writer killed at once)")
    elif summary.torn_tail is not None:
        problems.append("not closed: the writer was killed; the readable part is shown")
    elif not summary.complete:
        problems.append("not closed (still recording, or the writer stopped)")
    if summary.corruption:
        problems.append(f"{len(summary.corruption)} damaged record(s) skipped")
    return SessionEntry(
        path,
        size,
        plugin=str(meta.get("plugin") or ""),
        variant=str(meta.get("variant") or ""),
        started=start,
        duration=duration,
        registered=registered,
        complete=summary.complete,
        problem="; ".join(problems),
    )


def session_files(folder: Path) -> list[Path]:
    """The session files in ``folder`` (none when it does not exist yet)."""
    try:
        return [p for p in folder.iterdir() if p.suffix == SUFFIX and p.is_file()]
    except OSError:
        return []


def iter_sessions(folder: Path) -> Iterator[SessionEntry]:
    """:func:`summarize` for every session file of ``folder``, newest file first."""
    files = session_files(folder)

    def mtime(p: Path) -> float:
        try:
            return os.stat(p).st_mtime
        except OSError:
            return 0.0

    for path in sorted(files, key=mtime, reverse=True):
        yield summarize(path)


def newest_first(entries: Iterable[SessionEntry]) -> list[SessionEntry]:
    """``entries`` by start time, newest first (files with no start time last)."""
    return sorted(entries, key=lambda e: (e.started is not None, e.started or 0.0), reverse=True)


def list_sessions(folder: Path) -> list[SessionEntry]:
    """All entries of ``folder``, newest start first."""
    return newest_first(iter_sessions(folder))
