"""``lwm2m-workbench decode`` streams: ``--jobs``, the progress bar, constant-memory reading."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.cli.progress import ProgressBar

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = ROOT / "tests" / "plugins" / "ublox_sara" / "transcripts"


def _log(tmp_path: Path, repeat: int = 20) -> Path:
    text = b"".join(p.read_bytes() for p in sorted(TRANSCRIPTS.glob("*.txt")))
    path = tmp_path / "big.log"
    path.write_bytes(text * repeat)
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["decode", "--module", "ublox-sara-r5", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_jobs_give_the_same_output_as_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log(tmp_path)
    code1, one, _ = _run(capsys, str(log))
    code2, two, err = _run(capsys, "--jobs", "2", str(log))
    assert code1 == code2 == 0, err
    assert one.count("\n") > 1000
    assert two == one
    # Not a terminal: no progress bar mixed into stderr.
    assert err == ""


def test_bad_jobs_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "--jobs", "0", str(_log(tmp_path, 1)))
    assert code == 2 and out == ""
    assert "--jobs" in err


def test_progress_bar_text() -> None:
    now = [100.0]
    stream = io.StringIO()
    bar = ProgressBar(stream, 200_000_000, width=10, clock=lambda: now[0])
    now[0] = 110.0
    assert bar.render(50_000_000, now[0]) == "[##--------]  25%  50.0/200.0 MB  5.0 MB/s"
    unknown = ProgressBar(stream, 0, clock=lambda: now[0])
    now[0] = 112.0
    assert unknown.render(4_000_000, now[0]) == "4.0 MB  2.0 MB/s"
    bar.update(200_000_000)
    bar.finish()
    assert stream.getvalue().startswith("\r[##########] 100%")
    assert stream.getvalue().endswith("\n")


def test_progress_bar_on_a_terminal_stderr(tmp_path: Path) -> None:
    # stderr on a real pseudo-terminal: the bar is drawn there, stdout stays JSON lines.
    log = _log(tmp_path, 5)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "workbench", "decode", "-m", "ublox-sara-r5", str(log)],
            stdout=subprocess.PIPE,
            stderr=follower,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        os.close(follower)
        follower = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    assert b"100%" in drawn and b"MB/s" in drawn
    assert all(line.startswith(b"{") for line in proc.stdout.splitlines())
