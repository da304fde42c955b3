"""``lwm2m-workbench run``: exit codes, JUnit, session, and a run over a real pty."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.cli.run import sim_url
from workbench.session.reader import SessionReader

QUECTEL = "quectel-bg95"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_wrong_expectation_fails_with_exit_1_and_junit_says_expected_vs_got(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path, "good.atseq", "connect timeout=30\nread /3/0/0 == Quectel\n")
    wrong = _write(tmp_path, "wrong.atseq", "# a Quectel is no Nokia\nread /3/0/0 == Nokia\n")
    junit = tmp_path / "junit.xml"
    session = tmp_path / "run.wbs"
    argv = ["run", str(good), str(wrong), "--port", f"sim://{QUECTEL}", "--module", QUECTEL]
    code = main([*argv, "--junit", str(junit), "--session", str(session)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "PASS" in out and "FAIL" in out
    assert f"{wrong}:2" in out
    assert "FAILED: 2 passed, 1 failed" in out
    root = ET.parse(junit).getroot()
    suites = root.findall("testsuite")
    assert [s.get("file") for s in suites] == [str(good), str(wrong)]  # one per file
    assert [s.get("tests") for s in suites] == ["2", "1"]  # one testcase per step
    failure = suites[1].find("testcase/failure")
    assert failure is not None
    message = failure.get("message", "")
    assert message.startswith(f"{wrong}:2: ")
    assert "expected 'Nokia'" in message and "got 'Quectel'" in message
    assert "GET /3/0/0" in (failure.text or "")
    # The whole run is a session file: serial bytes and the server's CoAP messages.
    with SessionReader(session) as reader:
        kinds = {str(getattr(record.kind, "name", record.kind)) for record in reader.records()}
    assert {"RX", "TX", "COAP"} <= kinds, kinds


def test_every_step_passing_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "AT\nconnect timeout=30\nread /3/0/0 == Quectel\n"
    scenario = _write(tmp_path, "ok.atseq", text)
    code = main(["run", str(scenario), "--port", f"sim://{QUECTEL}", "--module", QUECTEL])
    assert code == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "extra", "expected"),
    [
        ("connect\nread /3/x/0\n", [], "bad.atseq:2: bad path"),
        ("connect\nfetch /3/0/0\n", [], "bad.atseq:2: unknown step 'fetch'"),
        ("write /1/0/1\n", [], "bad.atseq:1: write /1/0/1 needs a value"),
        ("connect timeout=later\n", [], "bad.atseq:1: timeout:"),
        ("AT\n", ["--module", "no-such-module"], "no-such-module"),
        ("AT\n", ["--variant", "zz9"], "zz9"),
        ("AT\n", ["--server-port", "70000"], "--server-port 70000"),
    ],
)
def test_a_bad_file_or_option_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, extra: list[str], expected: str
) -> None:
    scenario = _write(tmp_path, "bad.atseq", text)
    argv = ["run", str(scenario), "--port", f"sim://{QUECTEL}", "--module", QUECTEL, *extra]
    if "--module" in extra:
        argv = ["run", str(scenario), "--port", "sim://x", *extra]
    assert main(argv) == 2
    assert expected in capsys.readouterr().err


def test_missing_file_and_existing_session_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--port", f"sim://{QUECTEL}", "--module", QUECTEL]
    assert main(["run", str(tmp_path / "nope.atseq"), *base]) == 2
    assert "nope.atseq: file not found" in capsys.readouterr().err
    scenario = _write(tmp_path, "a.atseq", "AT\n")
    taken = _write(tmp_path, "taken.wbs", "")
    assert main(["run", str(scenario), *base, "--session", str(taken)]) == 2
    assert "exists" in capsys.readouterr().err


def test_a_port_that_cannot_be_opened_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _write(tmp_path, "a.atseq", "AT\n")
    missing = str(tmp_path / "ttyNOPE")
    assert main(["run", str(scenario), "--port", missing, "--module", QUECTEL]) == 2
    assert f"--port {missing}" in capsys.readouterr().err


def test_sim_urls_get_the_run_server_unless_they_name_one() -> None:
    url = sim_url("sim://st-st87mxx", "coap://127.0.0.1:5", "default")
    assert url.startswith("sim://st-st87mxx?")
    assert "server=coap%3A%2F%2F127.0.0.1%3A5" in url and "variant=default" in url
    own = sim_url("sim://st-st87mxx?server=coap://h:1", "coap://127.0.0.1:5", "")
    assert "coap%3A%2F%2Fh%3A1" in own and "127.0.0.1" not in own
    assert sim_url("/dev/ttyUSB0", "coap://127.0.0.1:5", "x") == "/dev/ttyUSB0"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX-only")
def test_run_over_a_pty_served_by_simulate(tmp_path: Path) -> None:
    """Two processes, as an engineer would run them: ``simulate --pty`` serves the module on a
    pseudo-terminal, ``run --port <pty> --server-port`` drives it against its own server."""
    port = _free_udp_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "simulate", "st-st87mxx", "--pty"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        pty = json.loads(proc.stdout.readline())["pty"]
        scenario = _write(
            tmp_path,
            "st.atseq",
            "connect timeout=30\nread /3/0/1 == ST87M01\nsend AT#LWCHGRSCVAL=/3/0/20,42\n"
            "read /3/0/20 == 42\nread /3/0/20 == 43\n",
        )
        junit = tmp_path / "st.xml"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "workbench",
                "run",
                str(scenario),
                "--port",
                pty,
                "--module",
                "st-st87mxx",
                "--server-port",
                str(port),
                "--keep-going",
                "--junit",
                str(junit),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"server coap://127.0.0.1:{port}" in result.stdout
    assert "4 passed, 1 failed" in result.stdout
    failure = ET.parse(junit).getroot().find("testsuite/testcase/failure")
    assert failure is not None
    assert "st.atseq:5" in failure.get("message", "")
    assert "expected 43, got 42" in failure.get("message", "")


def test_the_readme_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's scenario example is a real, passing scenario (docs that rot fail here)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("# Quectel BG95: register, check the Device object")
    example = readme[start : readme.index("```", start)]
    scenario = _write(tmp_path, "readme.atseq", example)
    code = main(["run", str(scenario), "--port", f"sim://{QUECTEL}", "--module", QUECTEL])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASSED: 10 passed" in out


def test_modules_json_lists_the_shipped_scenarios_and_the_package_data_ships_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import fnmatch
    import tomllib

    assert main(["modules", "--json"]) == 0
    entries = {e["id"]: e for e in json.loads(capsys.readouterr().out)}
    for plugin_id in ("quectel-bg95", "quectel-bg77", "st-st87mxx", "ublox-sara-r5"):
        scenarios = [Path(p) for p in entries[plugin_id]["scenarios"]]
        assert len(scenarios) == 6 and all(p.is_file() for p in scenarios), scenarios
    root = Path(__file__).resolve().parents[2]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["*"]
    for entry in entries.values():
        for name in entry.get("scenarios", []):
            inside = Path(name).relative_to(Path(name).parents[1]).as_posix()  # scenarios/x
            assert any(fnmatch.fnmatch(inside, g) for g in globs), (inside, globs)
