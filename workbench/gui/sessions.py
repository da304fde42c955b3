"""The window's side of session files: record every connection, reopen a recorded one.

Recording uses :class:`workbench.session.writer.SessionWriter` (crash-safe, secrets masked) in
the user's data folder, one file per connection, named by start time and port. Opening a
session scans its records and replays the serial traffic through a
:class:`~workbench.app.connection.ModuleConnection` with no port, so the terminal and the state
panel show it exactly as they showed it live. Everything here degrades gracefully when the
session package is not installed (recording off, opening explains why).
"""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench import userdirs
from workbench.app.connection import ModuleConnection
from workbench.transport.serial_port import PortSettings

if TYPE_CHECKING:  # at run time only the loader imports plugins (start-up time)
    from workbench.plugin.api import Plugin
    from workbench.plugin.loader import PluginRegistry

SUFFIX = ".wbs"
#: ``<user data dir>/lwm2m-workbench/sessions`` or ``$LWM2M_WORKBENCH_SESSIONS`` (created on
#: first recording), see :mod:`workbench.userdirs`.
session_dir = userdirs.session_dir
#: Overrides the folder sessions are written to (tests, portable installs).
SESSION_DIR_ENV = userdirs.SESSION_DIR_ENV


def available() -> bool:
    """Whether the session recorder is part of this build."""
    return importlib.util.find_spec("workbench.session.writer") is not None


def _file_name(url: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    port = re.sub(r"[^A-Za-z0-9_.-]+", "_", url.split("?")[0]).strip("_")[-40:] or "port"
    return f"{stamp}-{port}{SUFFIX}"


def start_recording(
    url: str,
    settings: PortSettings,
    plugin: Plugin | None,
    variant: str,
    server_url: str,
) -> tuple[Any, Path | None]:
    """A new :class:`SessionWriter` for a connection to ``url`` (None if not available)."""
    if not available():
        return None, None
    from workbench.session.meta import SessionMeta
    from workbench.session.writer import SessionWriter

    folder = session_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _file_name(url)
    counter = 1
    while path.exists():
        counter += 1
        path = path.with_name(f"{path.stem}-{counter}{SUFFIX}")
    meta = SessionMeta(
        plugin=plugin.id if plugin is not None else None,
        variant=variant or None,
        port=url,
        port_settings={
            "baudrate": settings.baudrate,
            "bytesize": settings.bytesize,
            "parity": settings.parity,
            "stopbits": settings.stopbits,
            "rtscts": settings.rtscts,
            "xonxoff": settings.xonxoff,
        },
        server_address=server_url.removeprefix("coap://") or None,
    )
    return SessionWriter(path, meta), path


def close_recorder(conn: ModuleConnection | None) -> None:
    """Close the connection's session file (clean END record); errors are only logged."""
    if conn is None or conn.recorder is None:
        return
    recorder, conn.recorder = conn.recorder, None
    close = getattr(recorder, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # disk gone: the file keeps its valid prefix anyway
            import logging

            logging.getLogger(__name__).exception("closing the session file failed")


def read_records(path: Path) -> tuple[dict[str, Any], list[tuple[str, float, bytes | str]]]:
    """Metadata and the serial traffic/notes of a session file, in recording order."""
    from workbench.session.format import FILE_HEADER_SIZE, RecordKind, check_file_header, scan
    from workbench.session.records import Note, SerialData, decode_record

    meta: dict[str, Any] = {}
    items: list[tuple[str, float, bytes | str]] = []
    with path.open("rb") as handle:
        check_file_header(handle.read(FILE_HEADER_SIZE))
        end = path.stat().st_size
        index = 0
        for raw in scan(handle, FILE_HEADER_SIZE, end):
            if not hasattr(raw, "payload"):
                continue  # damage: keep every valid record around it
            try:
                record = decode_record(raw, index)  # type: ignore[arg-type]
            except (ValueError, KeyError):
                continue
            index += 1
            body = record.body
            if record.kind is RecordKind.META and isinstance(body, dict) and not meta:
                meta = body
            elif isinstance(body, SerialData):
                items.append((body.direction, record.t, body.data))
            elif isinstance(body, Note):
                items.append(("note", record.t, body.text))
    return meta, items


def load_session(path: Path, plugins: PluginRegistry) -> tuple[ModuleConnection, str]:
    """A port-less connection holding the replayed session, and the plugin id it names."""
    if not available():
        raise RuntimeError("this build has no session support")
    meta, items = read_records(path)
    plugin_id = str(meta.get("plugin") or "")
    plugin: Plugin | None = None
    if plugin_id:
        try:
            plugin = plugins.get(plugin_id)
        except LookupError:
            plugin = None
    variant = meta.get("variant")
    if plugin is not None and variant not in plugin.variant_ids:
        variant = None
    conn = ModuleConnection(str(meta.get("port") or path.name), plugin, variant)
    conn.replay(items)
    return conn, plugin_id
