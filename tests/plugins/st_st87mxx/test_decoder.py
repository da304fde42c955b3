"""Decoder details the note's examples do not exercise (inferred shapes, context of #LWREG)."""

from __future__ import annotations

from typing import Any

from plugins.st_st87mxx import PLUGINS
from workbench.app.pipeline import decode_log, events_of


def _events(text: str) -> list[dict[str, Any]]:
    data = text.strip("\n").encode()
    return [e.to_dict() for e in events_of(decode_log(data, PLUGINS[0]))]


def _kind(text: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in _events(text) if e["kind"] == kind]


def test_lwreg_update_and_failure_in_context() -> None:
    log = "#LWREG: 1,1\n#LWREG: 1,2\n#LWREG: 1,3\n#LWREG: 1,2\n#LWREG: 1,3\n#LWREG: 1,0\n"
    states = [e["state"] for e in _kind(log, "registration")]
    assert states == [
        "pending",
        "pending",
        "registered",
        "update_pending",
        "updated",
        "deregistered",
    ]
    failed = [e["state"] for e in _kind("#LWREG: 1,1\n#LWREG: 1,2\n#LWREG: 1,0\n", "registration")]
    assert failed[-1] == "failed"
    upd = "#LWREG: 1,3\n#LWREG: 1,2\n#LWREG: 1,0\n"
    assert _kind(upd, "registration")[-1]["state"] == "update_failed"


def test_lwreg_unknown_code_is_kept_and_marked() -> None:
    (event,) = _kind("#LWREG: 1,7\n", "registration")
    assert event["code"] == 7 and event["inferred"] is True


def test_reboot_forgets_registration_context() -> None:
    log = "#LWREG: 1,3\n#REBOOT_HOST\n#LWREG: 1,2\n"
    assert _kind(log, "registration")[-1]["state"] == "pending"


def test_host_request_execute_and_multi_resource_write() -> None:
    (exe,) = _kind("#LWNTYEXEOBJ: 1,3443,0,1,4,0='x'\n", "host_request")
    assert exe["op"] == "execute" and exe["path"] == "/3443/0/4" and exe["value"] == "0='x'"
    writes = _kind("#LWNTYWROBJ: 1,3443,1,2,0,D,2,01,1,D,4,ABCD\n", "host_request")
    assert [(w["path"], w["value"]) for w in writes] == [("/3443/1/0", "01"), ("/3443/1/1", "ABCD")]


def test_inferred_responses() -> None:
    log = (
        "AT#LWREADRSCVAL=/3/0/20\n#LWREADRSCVAL: /3/0/20,70\nOK\n"
        "AT#LWLISTOBJ\n#LWLISTOBJ: /1/0,/3/0,/5/0,/3443/0\nOK\n"
        "AT#LWSTART?\n#LWSTART: 1\nOK\n"
        "AT#LWSTOP\nOK\n"
    )
    events = _events(log)
    values = [e for e in events if e["kind"] == "values"]
    assert values[0]["values"] == {"/3/0/20": 70}
    objects = [e for e in events if e["kind"] == "objects"]
    assert objects[0]["paths"] == ["/1/0", "/3/0", "/5/0", "/3443/0"]
    clients = [e["state"] for e in events if e["kind"] == "client"]
    assert clients == ["ready", "stopped"]


def test_errors_keep_the_code() -> None:
    (err,) = _kind("AT#LWREG=1,1\n+CME ERROR: 3\n", "error")
    assert err["code"] == 3


def test_garbage_is_unknown_not_a_crash() -> None:
    events = _events("#LWNTYRDOBJ: x,y\n#LWREG: a\n")
    assert [e["kind"] for e in events] == ["unknown", "unknown"]
