"""Answering host-managed object requests, vendor-neutral.

Some modules pass a server's Read/Write/Execute on an object the *host* manages to the host as a
URC and hold the CoAP answer until the host replies with an AT command. The decoders turn those
URCs into ``host_request`` events (:attr:`~workbench.module.state.ModuleState.pending_requests`);
this module keeps the bookkeeping every module shares (which requests are still due, grouped by
the URC line they came from, which were answered) and leaves the answer's AT syntax to the
plugin: a plugin that supports host-managed objects declares a :class:`HostAnswerStyle` on its
``Plugin.host_answers``, and :class:`HostAnswerer` asks it for the commands. A plugin without
one answers nothing (``HostAnswerer(None).supported`` is False).

The session/server id and the resource list are re-read by the style from the request's raw URC
line: the state model keeps only ``op``/``path``/``value``, and one URC naming several resources
is several events with the same line, answered together (:meth:`HostAnswerer.due`). Pure
Python, no Qt, no I/O: :class:`~workbench.app.hostservice.HostAnswerService` sends the commands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from workbench.at.syntax import split_at_args, split_info
from workbench.lwm2m.model import ObjectDefinition
from workbench.module.state import HostRequest

#: ``lookup(path) -> value or None``: the value the host holds for one resource path.
Lookup = Callable[[str], Any]
#: ``below(instance_path) -> {path: value}``: the values the host holds under an instance.
Below = Callable[[str], Mapping[str, Any]]


@dataclass(slots=True)
class HostAnswer:
    """What to send for one pending request (or one group of them)."""

    commands: list[str]
    #: Request lines (terminal seq) this answer closes.
    lines: tuple[int, ...]
    op: str
    paths: list[str]
    #: Values the server wrote (path → value), for the tree to show.
    written: dict[str, Any] = field(default_factory=dict)
    #: Something the user should know (missing values answered empty...), or "".
    problem: str = ""


class HostAnswerStyle(Protocol):
    """A plugin's answer syntax: the AT commands that answer one group of requests.

    ``group`` holds the requests of one URC line (at least one). Raise :class:`ValueError`
    with a message for the user when the request cannot be answered (no values, a line the
    style cannot read).
    """

    def answer(
        self, group: Sequence[HostRequest], lookup: Lookup, below: Below | None
    ) -> HostAnswer: ...


@dataclass(frozen=True, slots=True)
class HostDemo:
    """How to show host answering on a plugin's simulator (the demo, the end-to-end tests).

    After registration the demo sends ``commands`` (they create the host-managed object on the
    module), puts ``values`` into the host value store, adds ``definitions`` to the server's
    registry (a host-defined object the OMA registry does not know) and has the server read
    ``read``; the module asks the host, the host answers from the store.
    """

    commands: tuple[str, ...]
    values: Mapping[str, Any]
    read: str
    definitions: tuple[ObjectDefinition, ...] = ()


def request_args(raw: str) -> list[str]:
    """The argument list of a host request URC line (``<prefix>: a,b,c`` → ``[a, b, c]``)."""
    info = split_info(raw.strip())
    if info is None:
        raise ValueError(f"not a host request URC: {raw!r}")
    return split_at_args(info[1])


class HostAnswerer:
    """Due requests and answers for one connection's plugin (see the module docstring)."""

    def __init__(self, style: HostAnswerStyle | None) -> None:
        self.style = style
        #: Lines already answered (a request stays pending until the echo is decoded).
        self.answered: set[int] = set()

    @property
    def supported(self) -> bool:
        return self.style is not None

    def due(self, requests: Sequence[HostRequest]) -> list[list[HostRequest]]:
        """Pending requests not answered yet, grouped by the URC line they came from."""
        groups: dict[int, list[HostRequest]] = {}
        for request in requests:
            if request.line in self.answered:
                continue
            groups.setdefault(request.line, []).append(request)
        return list(groups.values())

    def answer(
        self, group: Sequence[HostRequest], lookup: Lookup, below: Below | None = None
    ) -> HostAnswer:
        """The AT answer for ``group`` (requests of one URC), values taken from ``lookup``.

        ``below(instance_path)`` lists the known values of an instance (a read of a whole
        instance). Raises :class:`ValueError` for a request the plugin cannot answer.
        """
        if not group:
            raise ValueError("nothing to answer")
        if self.style is None:
            raise ValueError("this module has no host-managed objects the workbench can answer")
        return self.style.answer(group, lookup, below)

    def mark_answered(self, answer: HostAnswer) -> None:
        self.answered.update(answer.lines)
