"""Recent ports/sessions bookkeeping: order, dedupe, cap, settings junk, vanished entries."""

from __future__ import annotations

from pathlib import Path

from workbench.viewmodel.recents import (
    RECENT_LIMIT,
    RecentList,
    clean,
    forget,
    port_problem,
    remember,
    session_problem,
)


def test_remember_puts_newest_first_without_duplicates_and_caps() -> None:
    entries: list[str] = []
    for i in range(RECENT_LIMIT + 3):
        entries = remember(entries, f"/dev/ttyUSB{i}")
    assert len(entries) == RECENT_LIMIT
    assert entries[0] == f"/dev/ttyUSB{RECENT_LIMIT + 2}"
    assert "/dev/ttyUSB0" not in entries  # the oldest fell off
    again = remember(entries, "/dev/ttyUSB5")
    assert again[0] == "/dev/ttyUSB5" and again.count("/dev/ttyUSB5") == 1
    assert len(again) == RECENT_LIMIT
    assert remember(["a"], "  ") == ["a"]  # a blank entry is not remembered
    assert remember(["a"], " b ") == ["b", "a"]


def test_clean_accepts_what_qsettings_returns() -> None:
    assert clean(None) == []
    assert clean("socket://127.0.0.1:5000") == ["socket://127.0.0.1:5000"]  # INI: one item
    assert clean(["a", "", 3, "a", " b "]) == ["a", "b"]
    assert clean(42) == []
    assert forget(["a", "b", "a"], "a") == ["b"]


def test_port_problem_names_vanished_devices_and_plugins(tmp_path: Path) -> None:
    device = tmp_path / "ttyFAKE0"
    device.write_text("")
    assert port_problem(str(device), []) == ""
    gone = str(tmp_path / "ttyUSB9")
    assert "no longer exists" in port_problem(gone, [])
    assert port_problem("sim://quectel-bg95?server=coap://127.0.0.1:5683", ["quectel-bg95"]) == ""
    assert "quectel-bg95" in port_problem("sim://quectel-bg95", ["ublox-sara-r5"])
    assert port_problem("socket://127.0.0.1:1", []) == ""  # only opening can tell
    assert port_problem("COM3", []) == ""


def test_session_problem(tmp_path: Path) -> None:
    path = tmp_path / "a.wbs"
    assert "a.wbs no longer exists" in session_problem(str(path))
    path.write_text("x")
    assert session_problem(str(path)) == ""


def test_recent_list_stores_and_notifies() -> None:
    store: dict[str, object] = {"v": "one"}
    seen: list[list[str]] = []

    def save(entries: list[str]) -> None:
        store["v"] = entries

    recent = RecentList(load=lambda: store["v"], save=save, limit=3)
    recent.changed.append(seen.append)
    assert recent.entries() == ["one"]
    recent.add("two")
    recent.add("three")
    recent.add("four")
    assert store["v"] == ["four", "three", "two"]
    recent.remove("three")
    assert recent.entries() == ["four", "two"]
    recent.clear()
    assert recent.entries() == [] and seen[-1] == [] and len(seen) == 5
