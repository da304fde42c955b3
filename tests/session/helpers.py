"""Shared builders for the session tests: a writer with fast timings, sample records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.module.events import Event
from workbench.server.coaplog import CoapLogEntry, ServerEvent
from workbench.server.coapwire import MessageType, encode_message, parse_datagram
from workbench.session import SessionMeta, SessionWriter

T0 = 1_700_000_000.0
SERVER = "127.0.0.1:5683"
PEER = "127.0.0.1:56830"


def meta(**extra: Any) -> SessionMeta:
    return SessionMeta(
        plugin="example",
        variant="v1",
        port="sim://example",
        port_settings={"baudrate": 115200, "rtscts": False, "line_ending": "\r"},
        server_address=SERVER,
        started=T0,
        extra=dict(extra),
    )


def writer(path: Path, **kwargs: Any) -> SessionWriter:
    """A writer with short intervals so tests do not wait for the flusher."""
    kwargs.setdefault("write_interval", 0.005)
    kwargs.setdefault("sync_interval", 0.02)
    return SessionWriter(path, kwargs.pop("meta", meta()), **kwargs)


def crashed(path: Path, close: bool) -> Path:
    """Where to write a session that :func:`leave_as_crashed` turns into ``path``."""
    return path if close else path.with_name(path.name + ".live")


def leave_as_crashed(w: SessionWriter, path: Path) -> None:
    """Put in ``path`` what a crash leaves of ``w``'s file (flushed, never closed), then close
    ``w``. A writer left open keeps its thread for the rest of the test run, and a later
    ``fork()`` (the parallel decoder's) in a process with threads can deadlock."""
    w.flush()
    path.write_bytes(w.path.read_bytes())
    w.close()
    w.path.unlink()


def coap_entry(
    direction: str,
    code: int,
    *,
    path: str | None = None,
    payload: bytes = b"",
    content_format: int | None = None,
    mid: int = 1,
    t: float = T0,
    peer: str = PEER,
    values: dict[str, Any] | None = None,
) -> CoapLogEntry:
    options: list[tuple[int, bytes]] = []
    if path is not None and code < 32:
        options += [(11, seg.encode()) for seg in path.strip("/").split("/") if seg]
    if content_format is not None:
        options.append((12, content_format.to_bytes(2, "big").lstrip(b"\x00")))
    data = encode_message(MessageType.CON, code, mid, b"\x01\x02", options, payload)
    return CoapLogEntry(
        direction,
        peer,
        data,
        time=t,
        message=parse_datagram(data),
        path=path,
        values=values,
    )


def registration_entries(t: float = T0) -> list[CoapLogEntry]:
    """A client's Register (in) and the server's 2.01 Created (out)."""
    register = coap_entry(
        "in",
        2,  # POST
        path="/rd",
        payload=b"</1/0>,</3/0>",
        content_format=40,
        t=t,
    )
    created = coap_entry("out", 65, mid=1, t=t + 0.001)
    return [register, created]


def events(t: float = T0) -> list[Event]:
    return [
        Event(
            "registration",
            3,
            "+XLWEVT: 1,2",
            {"server": "1", "state": "registered", "code": 2},
            timestamp=t,
        ),
        Event(
            "update_timer",
            4,
            '+XLWCFG: "coap://h:5683",300',
            {"server": "1", "seconds": 300},
            timestamp=t + 1,
        ),
        Event(
            "registration",
            5,
            "+XLWEVT: 1,77",
            {"server": "1", "state": "pending", "code": 77},
            inferred=True,
            timestamp=t + 2,
        ),
    ]


def server_event(t: float = T0) -> ServerEvent:
    return ServerEvent("registered", "ep-1", {"lifetime": 300, "binding": "U"}, time=t)
