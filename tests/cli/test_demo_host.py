"""``lwm2m-workbench demo <id> --once`` answers the module's host-managed requests headlessly.

Real parts end to end: the built-in server on 127.0.0.1, the plugin's simulator on a pty, the
connection's host-answer service. The server reads a resource only the host knows; without an
answer from the host the read would hang until the module's host timeout.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from workbench.cli import main

#: plugin id → (the resource the demo reads, the answer the host sends, the value read).
CASES = {
    "simcom-sim7028": ("/3303/0/5700", 'AT+LWREADRSP=0,3303,0,1,5700,"F",4,"21.5"', "21.5"),
    "st-st87mxx": ("/3443/0/1", "AT#LWNTYRDOBJ=1,3443,0,1,1,D,4,CAFE", "b'\\xca\\xfe'"),
}


@pytest.mark.parametrize("plugin_id", sorted(CASES))
def test_demo_reads_a_host_managed_resource_answered_by_the_host(
    plugin_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path, answer, shown = CASES[plugin_id]
    code = main(["demo", plugin_id, "--once", "--json", "--no-record", "--timeout", "20"])
    records: list[dict[str, Any]] = [
        json.loads(line) for line in capsys.readouterr().out.splitlines()
    ]
    assert code == 0, records[-3:]
    assert records[-1]["text"] == f"demo {plugin_id}: PASS"
    # The module asked the host (a decoded host_request), the host answered on the wire...
    asked = [r for r in records if r["type"] == "event" and r["kind"] == "host_request"]
    assert [r["path"] for r in asked] == [path]
    assert answer in [r["text"] for r in records if r["type"] == "tx"]
    host = [r for r in records if r["type"] == "host"]
    assert [(r["op"], r["paths"], r["state"]) for r in host] == [
        ("read", path, "answering"),
        ("read", path, "accepted"),
    ]
    # ...and the server's read came back 2.05 with the host's value.
    reads = [
        r
        for r in records
        if r["type"] == "server" and r.get("operation") == "read" and r.get("path") == path
    ]
    assert reads and reads[-1]["state"] == "done" and reads[-1]["code"] == "2.05", reads
    notes = [r["text"] for r in records if r["type"] == "note"]
    assert f"{path} = {shown} (host-managed, answered by the host)" in notes, notes


def test_demo_without_host_objects_reads_no_host_resource(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A plugin without ``host_demo`` runs the demo as before: nothing asked, nothing answered."""
    assert main(["demo", "quectel-bg95", "--once", "--json", "--no-record"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert not [r for r in records if r["type"] == "host"]
    assert records[-1]["text"].endswith("PASS")
