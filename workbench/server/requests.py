"""Server→client requests: their visible state, their results and the errors they raise.

Every request the server sends gets a :class:`PendingRequest` that moves through
``queued → sent → done | failed | timeout`` and is published as an event on each change, so
the GUI can show a request waiting for a sleeping (queue-mode) module. A request whose module
closed its port (it restarted) goes from ``sent`` back to ``queued``, with the reason in
``waiting``, until the module registers again.
"""

from __future__ import annotations

import enum
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from workbench.lwm2m.codecs.linkformat import Link, format_links
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import Value
from workbench.server.coaplog import jsonable_values


class RequestState(enum.Enum):
    """Where a server→client request is in its life."""

    QUEUED = "queued"
    SENT = "sent"
    DONE = "done"
    FAILED = "failed"
    TIMEOUT = "timeout"


class ServerRequestError(Exception):
    """A request could not be completed (no CoAP response code to show)."""

    def __init__(self, message: str, request: PendingRequest | None = None) -> None:
        super().__init__(message)
        self.request = request


class UnknownClientError(ServerRequestError, KeyError):
    """No client with that endpoint name is registered."""

    def __str__(self) -> str:
        return str(self.args[0])


class RequestTimeoutError(ServerRequestError, TimeoutError):
    """No answer in time (the client slept through its queue timeout, or vanished)."""


class RequestFailedError(ServerRequestError):
    """The request failed locally: encoding error, client gone, server stopped, RST."""


@dataclass(slots=True, eq=False)
class PendingRequest:
    """One server→client request and its state; published on every state change."""

    id: int
    endpoint: str
    operation: str
    path: str
    state: RequestState = RequestState.QUEUED
    created: float = field(default_factory=time.time)
    sent_at: float | None = None
    finished_at: float | None = None
    code: str | None = None
    error: str | None = None
    content_format: int | None = None
    #: Why a queued request waits, when it is for more than the client's turn.
    waiting: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "endpoint": self.endpoint,
            "operation": self.operation,
            "path": self.path,
            "state": self.state.value,
        }
        if self.code is not None:
            out["code"] = self.code
        if self.error is not None:
            out["error"] = self.error
        if self.content_format is not None:
            out["format"] = self.content_format
        if self.waiting is not None:
            out["waiting"] = self.waiting
        if self.sent_at is not None and self.finished_at is not None:
            out["rtt_ms"] = round((self.finished_at - self.sent_at) * 1000, 2)
        return out


def request_ids() -> itertools.count[int]:
    """A per-server request id counter (no module-level state)."""
    return itertools.count(1)


@dataclass(slots=True)
class OperationResult:
    """The CoAP outcome of a request: response code, content format and raw payload."""

    code: str
    format: int | None = None
    raw: bytes = b""
    request: PendingRequest | None = None
    #: Why the payload could not be decoded, when it could not.
    decode_error: str | None = None

    @property
    def success(self) -> bool:
        return self.code.startswith("2.")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "success": self.success}
        if self.format is not None:
            out["format"] = self.format
        if self.raw:
            out["raw_hex"] = self.raw.hex()
        if self.decode_error:
            out["decode_error"] = self.decode_error
        if self.request is not None:
            out["request_id"] = self.request.id
        return out


@dataclass(slots=True)
class ReadResult(OperationResult):
    """A Read (or composite Read, or notification): the decoded values by path."""

    values: dict[Path, Value] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = OperationResult.to_dict(self)
        out["values"] = jsonable_values(self.values)
        return out


@dataclass(slots=True)
class DiscoverResult(OperationResult):
    """A Discover: the links (with attributes) the client returned."""

    links: list[Link] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = OperationResult.to_dict(self)
        out["links"] = format_links(self.links) if self.links else ""
        return out


@dataclass(slots=True)
class CreateResult(OperationResult):
    """A Create: where the client put the new instance."""

    location: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = OperationResult.to_dict(self)
        out["location"] = self.location
        return out


@dataclass(slots=True)
class Notification:
    """One notification of an observation (the first response counts as one too)."""

    endpoint: str
    path: str
    result: ReadResult
    sequence: int | None
    time: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        out = {"endpoint": self.endpoint, "path": self.path, "observe": self.sequence}
        out.update(self.result.to_dict())
        return out
