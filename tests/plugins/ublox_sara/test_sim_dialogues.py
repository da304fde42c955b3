"""(b) The simulator answers the note's example commands with the note's response shapes.

Each transcript is replayed command by command into a fresh simulator of the case's variant;
the information lines must carry the same prefixes and the final result must be the same.
Values differ (they are the simulator's own), URCs are checked elsewhere. A short prelude
brings the simulated module into the state the note's example starts from; commands that need
a live server are replayed in the end-to-end tests instead (listed in ``LIVE``).
"""

from __future__ import annotations

import asyncio
import re

import pytest

from .cases import CASES, TRANSCRIPTS
from .simhelp import SimDriver

URC = re.compile(r"^\+?ULWM2M(STAT|NOTIFY):")
#: Commands a case runs first (state the example assumes) — plain AT commands of the note.
PRELUDE: dict[str, list[str]] = {
    "s4_5_read_write": [
        'AT+ULWM2MCREATE="{\\"bn\\":\\"/16/0/\\",\\"e\\":[{\\"n\\":\\"0/0\\",\\"sv\\":\\"test\\"}]}",721',
    ],
    "s4_6_odis": ["AT+CFUN=4", "AT+UMNOPROF=2", "AT+CFUN=16"],
    "s5_1_3_delete_instances": [
        'AT+ULWM2MCREATE="{\\"bn\\":\\"0/2/\\",\\"e\\":[{\\"n\\":\\"0\\",\\"sv\\":\\"coap://127.0.0.1:9\\"},{\\"n\\":\\"10\\",\\"v\\":123}]}",123',
        'AT+ULWM2MCREATE="{\\"bn\\":\\"1/2/\\",\\"e\\":[{\\"n\\":\\"0\\",\\"v\\":123},{\\"n\\":\\"1\\",\\"v\\":300}]}",123',
    ],
    "s5_2_lifetime_63b": [
        'AT+ULWM2MCREATE="{\\"bn\\":\\"1/2/\\",\\"e\\":[{\\"n\\":\\"0\\",\\"v\\":123},{\\"n\\":\\"1\\",\\"v\\":300}]}",123',
    ],
    "s5_2_lifetime_r5": [
        'AT+ULWM2MCREATE="{\\"bn\\":\\"1/2/\\",\\"e\\":[{\\"n\\":\\"0\\",\\"v\\":123},{\\"n\\":\\"1\\",\\"v\\":300}]}",123',
    ],
    # Appendix C runs in the Verizon profile, whose /0/0 is the bootstrap server.
    "appC_verizon_motive": ["AT+CFUN=4", "AT+UMNOPROF=3", "AT+CFUN=16"],
}
#: Commands (or their beginnings) answered only with a registered client (replayed in
#: test_end_to_end.py), or whose example shows a product state the simulated module does not
#: start in (each with the reason).
LIVE: dict[str, set[str]] = {
    "s4_3_1_registration_query": {"AT+ULWM2MREG?", "AT+ULWM2MREG=123", "AT+ULWM2MREG=0"},
    "audit_m1_r5_registration_query": {"AT+ULWM2MREG?"},
    "s4_3_3_deregistration": {"AT+ULWM2MDEREG=123"},
    "s5_1_3_delete_instances": {"AT+ULWM2MDEREG=123"},
    # /3300 exists on SARA-R4 63B/73B/83B only (§5.3); the R5 case reads what R4 modules hold.
    "s4_5_read_write": {
        'AT+ULWM2MREAD="/3300/0"',
        'AT+ULWM2MREAD="/3300/0/5601"',
        'AT+ULWM2MREAD="/33056/0"',
        'AT+ULWM2MWRITE="{\\"bn\\":\\"/3300/0',
    },
    # the example's module has /1/10 again after the reboot; ours deleted it for good
    "s4_4_delete_server_and_lifetime": {
        'AT+ULWM2MREAD="/1/10"',
        'AT+ULWM2MWRITE="{\\"bn\\": \\"/1/10 ',
    },
    # the note's §4.5 single-line "OK" is a table artefact
    "s4_5_read_same_line_ok": {'AT+ULWM2MREAD="/16/0"'},
}


def _dialogues(stem: str) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for raw in (TRANSCRIPTS / f"{stem}.txt").read_text("utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.upper().startswith("AT"):
            out.append((line, []))
        elif out and not URC.match(line):
            out[-1][1].append(line)
    return [(cmd, lines) for cmd, lines in out if lines]


def shape(line: str) -> str:
    text = line.strip()
    if text.startswith("+CME ERROR"):
        return "+CME ERROR"
    if text in ("OK", "ERROR", ">"):
        return text
    m = re.match(r"^\+?([A-Z][A-Z0-9]*):", text)
    if m:
        return f"+{m.group(1)}:"
    if re.fullmatch(r"[\d ,]+", text):
        return "+ULWM2MCONFIG:"  # §4.4 prints the read answer without its prefix
    return "text"


@pytest.mark.parametrize("stem", sorted(CASES))
def test_dialogue_shapes(stem: str) -> None:
    plugin_id, variant = CASES[stem]

    async def run() -> list[str]:
        options = {"lwm2m_enabled": False, "ack_timeout": 0.2, "max_retransmit": 0}
        driver = SimDriver(plugin_id, variant, "coap://127.0.0.1:9", **options)
        await driver.sim.start()
        problems: list[str] = []
        try:
            for command in PRELUDE.get(stem, []):
                assert (await driver.at(command))[-1] == "OK", command
                await asyncio.sleep(0.01)
            for command, expected in _dialogues(stem):
                if any(command.startswith(live) for live in LIVE.get(stem, set())):
                    continue
                data = None
                if "+UDWNFILE" in command.upper():
                    size = int(command.split(",")[1])
                    data = b"-- generic sensor\nOBJECT_ID = 3300\n".ljust(size, b"-")
                got = await driver.at(command, data=data)
                got = [line for line in got if not URC.match(line.strip())]
                if sorted({shape(x) for x in got}) != sorted({shape(x) for x in expected}):
                    problems.append(f"{command}: expected {expected}, got {got}")
                await asyncio.sleep(0.01)
        finally:
            await driver.sim.stop()
        return problems

    assert asyncio.run(run()) == []
