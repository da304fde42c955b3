"""End to end: a simulated ST87M01 on a pty, configured only with the note's AT commands,
registers with the built-in server, which then reads, writes, observes, executes and reaches
the host-managed custom object — the test answering ``#LWNTY*`` as the host would."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from plugins.st_st87mxx.session import custom_definition
from tests.plugins.harness import ModuleBench

EP = "ST87M01_CLIENT"


def _in_background(
    bench: ModuleBench, action: Callable[[Any], Any]
) -> tuple[threading.Thread, list[Any]]:
    """A server request that only completes once the host answered (runs on its own thread)."""
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(bench.run(action)), daemon=True)
    thread.start()
    return thread, out


def test_full_lifecycle() -> None:
    with ModuleBench("st-st87mxx") as bench:
        bench.server.registry.add(custom_definition(3443, [0, 1, 2, 3, 4]))
        url = bench.server_url.upper()
        # §6.2.3 and §6.5.3, as typed there (only the server address is ours).
        assert bench.at("AT#SOCKETCREATE=5,0,UDP,5683,30,30")[-2:] == ["#SOCKETCREATE: 0", "OK"]
        assert bench.at("AT#LWSTART")[-1] == "OK"
        assert bench.at(f"AT#LWPARAMS=ST87M01_CLIENT,1,1,{url},U,60,0,0,1")[-1] == "OK"
        assert bench.at("AT#LWCFG=5,0")[-1] == "OK"
        assert bench.at("AT#LWADDOBJ=3443,0,5,0,1,2,3,4")[-1] == "OK"
        assert bench.at("AT#LWADDOBJ=3443,1,5,0,1,2,3,4")[-1] == "OK"
        assert bench.at("AT#LWREG=1,1")[-1] == "OK"
        for status in (1, 2, 3):
            bench.wait_line(rf"^#LWREG: 1,{status}$")
        assert bench.wait_registered() == EP
        links = bench.server.clients[EP]
        assert "3443" in str(links)

        # Built-in objects: read, write, observe + notification (§6.4).
        read = bench.run(lambda s: s.read(EP, "/3/0"))
        assert read.code == "2.05"
        assert any(str(p) == "/3/0/0" and v == "STMicroelectronics" for p, v in read.values.items())
        write = bench.run(lambda s: s.write(EP, "/3/0/14", "+02:00"))
        assert write.code == "2.04"
        assert bench.at("AT#LWREADRSCVAL=/3/0/14")[-2] == "#LWREADRSCVAL: /3/0/14,+02:00"
        notes: list[Any] = []
        observation = bench.run(lambda s: s.observe(EP, "/3/0/20", callback=notes.append))
        assert observation.initial.code == "2.05"
        assert bench.at("AT#LWCHGRSCVAL=/3/0/20,75")[-1] == "OK"
        deadline = time.monotonic() + 10
        while not any(75 in n.result.values.values() for n in notes):
            assert time.monotonic() < deadline, notes
            time.sleep(0.05)

        # Host-managed object: the server writes, then reads; the host answers over AT (§6.5).
        thread, result = _in_background(
            bench, lambda s: s.write(EP, "/3443/0/2", bytes.fromhex("02020102"))
        )
        bench.wait_line(r"^#LWNTYWROBJ: 1,3443,0,1,2,D,8,02020102$")
        assert bench.at("AT#LWNTYWROBJ=1,3443,0,1,2")[-1] == "OK"
        thread.join(10)
        assert result[0].code == "2.04"
        thread, result = _in_background(bench, lambda s: s.read(EP, "/3443/0/3", fmt=42))
        bench.wait_line(r"^#LWNTYRDOBJ: 1,3443,0,1,3$")
        assert bench.at("AT#LWNTYRDOBJ=1,3443,0,1,3,D,8,02020304")[-1] == "OK"
        thread.join(10)
        assert result[0].code == "2.05" and result[0].raw == bytes.fromhex("02020304")

        # A host that does not answer in time: the server gets 5.00 (AT#LWNTYTO seconds).
        assert bench.at("AT#LWNTYTO=1")[-1] == "OK"
        late = bench.run(lambda s: s.read(EP, "/3443/1/0", fmt=42), timeout=10)
        assert late.code == "5.00"
        assert bench.at("AT#LWNTYRDOBJ=1,3443,1,1,0,D,2,00")[-1] == "+CME ERROR: 3"

        # Reboot from the server (§6.6): 2.04, then the boot URCs.
        reboot = bench.run(lambda s: s.execute(EP, "/3/0/4"))
        assert reboot.code == "2.04"
        bench.wait_line(r"^#REBOOT_HOST$")
        bench.wait_line(r"^\+CEREG: 5,")

        events = bench.events()
        timeline = [
            (e.kind, e.get("state") or e.get("op"))
            for e in events
            if e.kind in ("registration", "host_request", "host_response", "boot", "client")
        ]
        expected = [
            ("client", "ready"),
            ("registration", "pending"),
            ("registration", "pending"),
            ("registration", "registered"),
            ("host_request", "write"),
            ("host_response", "write"),
            ("host_request", "read"),
            ("host_response", "read"),
            ("host_request", "read"),  # answered too late: the module refuses it
            # (+CME ERROR: 3), so no host_response closes it (audit M12)
            ("boot", None),
        ]
        assert timeline[: len(expected)] == expected, timeline
        assert not [e for e in events if e.kind == "unknown"]
        errors = [e for e in events if e.kind == "error"]
        assert [e.get("code") for e in errors] == [3]
        writes = [e for e in events if e.kind == "host_request" and e.get("op") == "write"]
        assert writes[0].get("path") == "/3443/0/2" and writes[0].get("value") == "02020102"
