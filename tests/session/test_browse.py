"""The "Open session" list entries, from real files written by the real writer."""

from __future__ import annotations

import os
from pathlib import Path

from tests.session.helpers import T0, events, meta, server_event, writer
from workbench.module.events import Event
from workbench.session.browse import list_sessions, summarize


def _write(path: Path, *, registered: bool, start: float = T0, close: bool = True) -> Path:
    w = writer(path, meta=_meta(start))
    w.record_tx(b"AT\r", t=start + 0.5)
    w.record_rx(b"\r\nOK\r\n", t=start + 1.0)
    if registered:
        for event in events(start + 2):
            w.record_event(event, t=event.timestamp)
    else:
        w.record_event(
            Event(
                "registration",
                3,
                "+XLWEVT: 1,1",
                {"server": "1", "state": "pending", "code": 1},
                timestamp=start + 2,
            ),
            t=start + 2,
        )
    w.record_rx(b"\r\n+CSQ: 20,99\r\n", t=start + 12.5)
    if close:
        w.close()
    else:
        w.flush()
    return path


def _meta(start: float):  # type: ignore[no-untyped-def]
    m = meta()
    m.started = start
    return m


def test_entry_of_a_clean_session(tmp_path: Path) -> None:
    entry = summarize(_write(tmp_path / "a.wbs", registered=True))
    assert entry.module == "example/v1"
    assert entry.started == T0
    assert entry.duration == 12.5
    assert entry.registered is True
    assert entry.complete and entry.problem == ""
    assert entry.size == (tmp_path / "a.wbs").stat().st_size > 0


def test_registration_seen_by_the_module_or_the_server(tmp_path: Path) -> None:
    assert summarize(_write(tmp_path / "p.wbs", registered=False)).registered is False
    w = writer(tmp_path / "s.wbs")
    w.record_tx(b"AT\r", t=T0)
    w.record_server_event(server_event(T0 + 1))
    w.close()
    assert summarize(tmp_path / "s.wbs").registered is True


def test_a_killed_writer_leaves_a_readable_prefix(tmp_path: Path) -> None:
    path = _write(tmp_path / "k.wbs", registered=True)
    with path.open("r+b") as handle:  # cut the last record in half, as a kill mid-write does
        handle.truncate(path.stat().st_size - 7)
    entry = summarize(path)
    assert entry.registered is True
    assert entry.module == "example/v1"
    assert not entry.complete
    assert "killed" in entry.problem


def test_broken_files_are_listed_with_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "junk.wbs").write_bytes(b"this is not a session file at all")
    (tmp_path / "empty.wbs").write_bytes(b"")
    junk = summarize(tmp_path / "junk.wbs")
    assert junk.registered is None and "not a session" in junk.problem
    empty = summarize(tmp_path / "empty.wbs")
    assert empty.problem and empty.started is None


def test_folder_listing_newest_first(tmp_path: Path) -> None:
    _write(tmp_path / "old.wbs", registered=False, start=T0)
    _write(tmp_path / "new.wbs", registered=True, start=T0 + 3600)
    (tmp_path / "junk.wbs").write_bytes(b"nope")
    (tmp_path / "notes.txt").write_text("not listed")
    os.utime(tmp_path / "old.wbs", (T0 + 9999, T0 + 9999))  # mtime must not decide the order
    names = [e.name for e in list_sessions(tmp_path)]
    assert names == ["new.wbs", "old.wbs", "junk.wbs"]
    assert list_sessions(tmp_path / "missing") == []
