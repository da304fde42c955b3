"""``lwm2m-workbench simulate`` and ``sim://``: a simulated module any serial program can open."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import serial

from tests.serial_helpers import read_until
from workbench.transport import register_url_handlers

MODULE = "quectel-bg95"


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX-only")
def test_simulate_on_a_pty_answers_a_terminal_program() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "simulate", MODULE, "--pty"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        announced = json.loads(proc.stdout.readline())
        assert announced["module"] == MODULE
        with serial.Serial(announced["pty"], 115200, timeout=0.1) as port:
            port.write(b"AT+CGMM\r\n")
            reply = read_until(port, b"OK\r\n", timeout=10)
            assert b"BG95" in reply and b"\r\nOK\r\n" in reply
            port.write(b'AT+QLWCFG="nonsense"\r\n')
            assert b"ERROR" in read_until(port, b"ERROR", timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


def test_simulate_on_tcp_is_opened_with_socket_url() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "simulate", MODULE, "--tcp", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        where = json.loads(proc.stdout.readline())["tcp"]
        with serial.serial_for_url(f"socket://{where}", timeout=0.1) as port:
            port.write(b"ATI\r\n")
            assert b"OK\r\n" in read_until(port, b"OK\r\n", timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


def test_simulate_unknown_module_lists_the_known_ones() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "simulate", "nope", "--pty"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "nope" in proc.stderr and MODULE in proc.stderr


def test_sim_url_opens_a_module_in_process() -> None:
    register_url_handlers()
    with serial.serial_for_url(f"sim://{MODULE}?variant=bg95-m1", timeout=0.2) as port:
        port.write(b"AT+CGMM\r\n")
        reply = read_until(port, b"OK\r\n", timeout=10)
        assert b"BG95-M1" in reply
        port.write(b"AT+CFUN=1,1\r\n")  # reboot: OK, then the boot URCs
        assert b"APP RDY" in read_until(port, b"APP RDY", timeout=10)
