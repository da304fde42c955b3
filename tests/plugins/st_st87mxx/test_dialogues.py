"""The simulator reproduces each terminal example of the note (same commands → same shapes).

Each fixture is replayed on a simulated module on a pty against the built-in server: commands
are sent as typed (the server address replaced by the bench's), their responses must match the
fixture's, and the URCs the fixture shows after a command must follow in that order (the
simulator may print more, e.g. the ``#LWREG`` URCs of an auto-registration that §6.3.3 does not
show). Lines are compared after removing blanks after commas (§6.6.3 prints ``#IPCFG: 5, 0, 1``
where §6.3.3 prints ``#IPCFG: 5,0,1``); ``+CEREG`` URCs are compared by their prefix only.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from plugins.st_st87mxx.session import custom_definition
from tests.plugins.harness import ModuleBench

TRANSCRIPTS = Path(__file__).parent / "transcripts"
DOC_URL = "COAP://23.97.187.154:5683"
SETUP_SOCKET = "AT#SOCKETCREATE=5,0,UDP,5683,30,30"


def _norm(line: str) -> str:
    return re.sub(r"([,:])\s+", r"\1", line.strip())


def _shape(line: str) -> str:
    """A regex for ``line`` that tolerates blanks after commas and colons."""
    norm = _norm(line)
    if norm.startswith("+CEREG:"):
        return r"^\+CEREG:\s*\d"
    escaped = re.escape(norm).replace(r"\ ", " ")
    return "^" + escaped.replace(",", r",\s*").replace(":", r":\s*") + "$"


def _steps(name: str) -> list[tuple[str | None, list[str], list[str]]]:
    """(command, response lines, URCs after the final) for each command of a fixture."""
    steps: list[tuple[str | None, list[str], list[str]]] = []
    command: str | None = None
    response: list[str] = []
    urcs: list[str] = []
    final_seen = True
    for raw in (TRANSCRIPTS / name).read_text().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("AT"):
            if command is not None or urcs:
                steps.append((command, response, urcs))
            command, response, urcs, final_seen = line, [], [], False
        elif not final_seen:
            response.append(line)
            final_seen = line in ("OK", "ERROR") or line.startswith("+CME ERROR")
        else:
            if not urcs or _shape(urcs[-1]) != _shape(line):
                urcs.append(line)
    steps.append((command, response, urcs))
    return steps


def _wait_urcs(bench: ModuleBench, urcs: list[str], timeout: float = 10.0) -> None:
    for urc in urcs:
        bench.wait_line(_shape(urc), timeout=timeout)


def _check(bench: ModuleBench, command: str, response: list[str]) -> None:
    got = [_norm(x) for x in bench.at(command.replace(DOC_URL, bench.server_url.upper()))]
    got = [x for x in got if not x.startswith("AT")]
    assert len(got) == len(response), (command, got, response)
    for line, expected in zip(got, response, strict=True):
        assert re.match(_shape(expected), line), (command, line, expected)


def _replay(
    bench: ModuleBench, name: str, before: Mapping[str, Callable[[], object]] | None = None
) -> None:
    before = before or {}
    for command, response, urcs in _steps(name):
        if command is not None:
            if command in before:
                before[command]()
            _check(bench, command, response)
        _wait_urcs(bench, urcs)


def _setup(bench: ModuleBench, *commands: str) -> None:
    for command in commands:
        assert bench.at(command.replace(DOC_URL, bench.server_url.upper()))[-1] == "OK"


PARAMS = f"AT#LWPARAMS=ST87M01_CLIENT,1,1,{DOC_URL},U,60,0,0,1"


def test_5_1_queue_mode_parameters() -> None:
    with ModuleBench("st-st87mxx") as bench:
        line = (TRANSCRIPTS / "5_1_queue_mode.txt").read_text().strip()
        assert bench.at(line.replace(DOC_URL, bench.server_url.upper()))[-1] == "OK"
        assert ",UQ,60,0,1,1" in bench.at("AT#LWPARAMS?")[-2]


def test_6_2_3_manual_registration() -> None:
    with ModuleBench("st-st87mxx") as bench:
        _replay(bench, "6_2_3_manual_registration.txt")
        assert bench.wait_registered() == "ST87M01_CLIENT"


def test_6_3_3_auto_registration() -> None:
    with ModuleBench("st-st87mxx") as bench:
        wait = {"AT#LWREG=3,1": lambda: bench.wait_line(r"^#LWREG: 1,3$", since_start=True)}
        _replay(bench, "6_3_3_auto_registration.txt", wait)


def test_6_4_3_builtin_objects() -> None:
    with ModuleBench("st-st87mxx") as bench:
        _replay(bench, "6_4_3_builtin_objects.txt")


def test_6_5_3_custom_objects() -> None:
    with ModuleBench("st-st87mxx") as bench:
        bench.server.registry.add(custom_definition(3443, [0, 1, 2, 3, 4]))
        _setup(bench, SETUP_SOCKET, PARAMS)
        ep = "ST87M01_CLIENT"
        results: list[Any] = []
        threads: list[threading.Thread] = []

        def server_does(action: Callable[[Any], Any]) -> None:
            thread = threading.Thread(target=lambda: results.append(bench.run(action)))
            thread.start()
            threads.append(thread)

        # The server's requests trigger the URCs the example shows; the test answers as the host.
        write = lambda s: s.write(ep, "/3443/0/2", bytes.fromhex("02020102"))  # noqa: E731
        read = lambda s: s.read(ep, "/3443/0/3", fmt=42)  # noqa: E731
        for command, response, urcs in _steps("6_5_3_custom_objects.txt"):
            assert command is not None
            _check(bench, command, response)
            for urc in urcs:
                if urc.startswith("#LWNTYWROBJ"):
                    server_does(write)
                elif urc.startswith("#LWNTYRDOBJ"):
                    server_does(read)
                _wait_urcs(bench, [urc])
        for thread in threads:
            thread.join(10)
        assert sorted(r.code for r in results) == ["2.04", "2.05"]
        assert results[-1].raw == bytes.fromhex("02020304")


def test_6_6_3_server_triggers_reset() -> None:
    with ModuleBench("st-st87mxx", sleep_after=0.5) as bench:
        _setup(bench, SETUP_SOCKET, "AT#LWSTART", PARAMS, "AT#LWCFG=5,0")
        steps = _steps("6_6_3_server_reset.txt")
        (command, response, urcs), *rest = steps
        assert command == "AT#LWREG=1,1" and not rest
        _check(bench, command, response)
        sleep_at = urcs.index("#SLEEP")
        _wait_urcs(bench, urcs[: sleep_at + 1])
        result = bench.run(lambda s: s.execute("ST87M01_CLIENT", "/3/0/4"))
        assert result.code == "2.04"
        _wait_urcs(bench, urcs[sleep_at + 1 :])


def test_6_7_3_dtls_connection() -> None:
    with ModuleBench("st-st87mxx") as bench:
        bench.at("AT#RESET=1")
        steps = _steps("6_7_3_dtls.txt")
        _wait_urcs(bench, steps[0][2])  # the #IPCFG URC the example starts with
        for command, response, urcs in steps[1:]:
            assert command is not None
            _check(bench, command, response)
            _wait_urcs(bench, urcs)
        # The simulated client has no DTLS: registering over that socket is refused.
        assert bench.at(PARAMS.replace(DOC_URL, "COAPS://127.0.0.1:5684"))[-1] == "OK"
        assert bench.at("AT#LWCFG=5,0")[-1] == "OK"
        assert bench.at("AT#LWREG=1,1")[-1] == "+CME ERROR: 4"
