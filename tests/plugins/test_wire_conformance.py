"""Every message each simulated module sends in a full session passes the strict checker.

The session runs for real: the built-in server on UDP, the simulator on a pty driven only by
AT commands (the plugin's documented connect sequence, then its own deregistration command),
the server observing and writing the lifetime (which makes the module notify and update). The
datagrams are taken from the server's CoAP message log, i.e. as they were on the wire, and
judged by the checker built from the version table against the version each Register
declares. The client engine's own full session (bootstrap, Send) is in
``tests/client/test_wire_conformance.py``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.plugins.harness import ModuleBench
from workbench.lwm2m.conformance import declared_version, operation_of
from workbench.lwm2m.definitions import builtin_registry
from workbench.server.coaplog import CoapLogEntry
from workbench.server.conformance import ConformanceMonitor, client_message

#: Plugin → (variant, AT commands that deregister, as its document gives them).
SESSIONS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "ublox-sara-r4": (None, ("AT+ULWM2MDEREG=0",)),
    "ublox-sara-r5": (None, ("AT+ULWM2MDEREG=0",)),
    "ublox-lexi-r4": (None, ("AT+ULWM2MDEREG=0",)),
    "ublox-lexi-r10": (None, ("AT+ULWM2M=1",)),
    "quectel-bg95": (None, ('AT+QLWSVC="dereg"',)),
    "quectel-bg77": (None, ('AT+QLWSVC="dereg"',)),
    "quectel-bg600l": (None, ('AT+QLWSVC="dereg"',)),
    "simcom-sim7028": (None, ("AT+LWCLOSE=0",)),
    "st-st87mxx": (None, ("AT#LWREG=0,1",)),
}


class WireLog:
    """The server's CoAP log, collected from its loop thread."""

    def __init__(self) -> None:
        self.entries: list[CoapLogEntry] = []
        self._lock = threading.Lock()

    def __call__(self, entry: CoapLogEntry) -> None:
        with self._lock:
            self.entries.append(entry)

    def operations(self) -> list[str]:
        with self._lock:
            entries = list(self.entries)
        out = []
        for entry in entries:
            if entry.direction == "in" and entry.message is not None:
                operation = operation_of(client_message(entry.message))
                if operation is not None:
                    out.append(operation)
        return out

    def wait_for(self, operation: str, count: int = 1, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self.operations().count(operation) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {operation} on the wire (saw {self.operations()})")
            time.sleep(0.05)


def judge(entries: list[CoapLogEntry]) -> tuple[list[str], list[dict[str, Any]], set[str]]:
    """Operations seen, findings, and declared versions, for one module's datagrams."""
    version: dict[str, str | None] = {"current": None}
    findings: list[dict[str, Any]] = []
    monitor = ConformanceMonitor(
        lambda op, path, peer: ("module", version["current"]),
        lambda endpoint, data: findings.append(data),
        registry=builtin_registry(),
    )
    operations: list[str] = []
    versions: set[str] = set()
    for entry in entries:
        message = entry.message
        if message is None:
            continue
        if entry.direction == "out":
            monitor.outgoing(message)
            continue
        view = client_message(message)
        operation = operation_of(view)
        if operation == "register":
            version["current"] = declared_version(view)
            versions.add(str(version["current"]))
        if operation is not None:
            operations.append(operation)
        monitor.incoming(message, entry.peer)
    return operations, findings, versions


def _registered_since(registered: list[tuple[float, str]], since: float) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for at, endpoint in list(registered):
            if at >= since:
                return endpoint
        time.sleep(0.05)
    raise TimeoutError("no registration after the connect sequence")


@pytest.mark.parametrize("plugin_id", sorted(SESSIONS))
def test_full_session_on_the_wire_passes_the_strict_checker(plugin_id: str) -> None:
    variant, deregister = SESSIONS[plugin_id]
    log = WireLog()
    with ModuleBench(plugin_id, variant) as bench:
        bench.server.coap_log.subscribe(log)
        registered: list[tuple[float, str]] = []
        bench.server.events.subscribe(
            lambda e: registered.append((e.time, e.endpoint)) if e.kind == "registered" else None
        )
        assert bench.plugin.connect_sequence is not None
        # The registration the sequence causes: after the reboot when the sequence has one
        # (u-blox modules register at boot already, then again after +CFUN=16).
        since = time.time()
        for command in bench.plugin.connect_sequence(bench.server_url):
            if command.upper().startswith("AT+CFUN=16"):
                since = time.time()
            bench.at(command, timeout=20)
        endpoint = _registered_since(registered, since)
        # Notify: observe the lifetime; Update: the server writes it (a changed lifetime must
        # reach the server in an Update), and the new value is notified.
        instance = bench.server.client(endpoint).objects[1].instances[0]
        lifetime = f"/1/{instance}/1"
        bench.run(lambda server: server.observe(endpoint, lifetime), timeout=20)
        bench.run(lambda server: server.write(endpoint, lifetime, 1234), timeout=20)
        log.wait_for("update")
        log.wait_for("notify", 2)
        for command in deregister:
            bench.at(command, timeout=20)
        log.wait_for("deregister")
        entries = list(log.entries)
    operations, findings, versions = judge(entries)
    assert {"register", "update", "notify", "deregister"} <= set(operations), operations
    assert findings == [], "\n".join(f"{f['message']}: {f['plain']}" for f in findings)
    assert versions and versions <= {"1.0", "1.1", "1.2"}
