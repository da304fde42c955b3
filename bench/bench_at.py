"""AT benchmarks (not a test): decode throughput per plugin and AT round trips over a pty.

    .venv/bin/python bench/bench_at.py [--lines 100000] [--seconds 5] [--repeat 2]
        [--baseline REV] [--big-mb 20,200] [--jobs 2] [--stages] [--vary]

Decode: each plugin's golden transcripts (tests/plugins/<pkg>/transcripts/*.txt) are repeated
into a mixed log of ``--lines`` lines (``--vary``: every number changed per repetition) and
run through the same pipeline as ``lwm2m-workbench decode`` (framer → AT engine → plugin
decoder), on one core. MB/s is per CPU second of the
decoding process (``time.process_time``: on a shared machine wall time measures the
neighbours). The same log is decoded, alternately, by the code of ``--baseline`` (by default
``main`` before issue 17's second round, unpacked with ``git archive`` into a temporary folder) so
the ratio is same-run; the events of both must be identical. "vs split" is the cost relative
to splitting the log into lines only. Ours runs the decode path as built (compiled with mypyc
when ``scripts/build_core.py`` has run, see ``workbench/compiled.py``); "src MB/s" is the same
code run from its sources in the same run, and its events must be the same too.

Big logs (``--big-mb``): the mixed logs of all plugins concatenated to N MB in a temporary
folder (deleted afterwards) and decoded by the ``lwm2m-workbench decode`` command itself, with
one process and with ``--jobs``; prints MB/s (wall and per CPU second) and the peak RSS of the
largest process.

Stages (``--stages``): CPU µs per line of each part of the pipeline timed alone (splitting into
lines, the AT engine, the decoders, the events' JSON), to show where a line's time goes.

Round trips: ``AT`` → ``OK`` to the plugin's simulator on a real pseudo-terminal through
pyserial, as fast as one host thread can go, for ``--seconds``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The decoding path before issue 17's second round (goal 1: one loop, per-text memo, light
#: objects); ``--baseline 587f5bb`` compares with the code before issue 17 instead.
BASELINE = "0808d66"

#: Runs in a child process with ``sys.path[0]`` the code under test: decode the log file with
#: one plugin, print CPU seconds, events and a digest of the events' JSON.
_MEASURE = """
import hashlib, json, sys, time
from workbench.app.pipeline import decode_log, events_of
from workbench.module.events import Event
from workbench.plugin.loader import discover_plugins
plugin = discover_plugins(user=False, entry_points=False).get(sys.argv[1])
log = open(sys.argv[2], "rb").read()
# What the decode command writes per event: UTF-8 JSON (bytes from the JSON encoder since
# issue 17's third round; the text of older code, encoded as its output stream did).
if hasattr(Event, "to_json_line"):
    encode = Event.to_json_line
else:
    encode = lambda event: event.to_json().encode()
start = time.process_time()
out = [encode(event) for event in events_of(decode_log(log, plugin))]
cpu = time.process_time() - start
# The same events whatever the JSON's spacing: the digest is of each event's value.
digest = hashlib.sha256()
for data in out:
    digest.update(json.dumps(json.loads(data), sort_keys=True).encode())
count = len(out)
split_start = time.process_time()
_ = [ln for ln in log.splitlines() if ln]
split = time.process_time() - split_start
print(json.dumps({"cpu": cpu, "events": count, "digest": digest.hexdigest(), "split": split}))
"""


def mixed_log(plugin_id: str, package: str, lines: int, vary: bool = False) -> bytes | None:
    """The plugin's transcripts repeated to ``lines`` lines (None when it ships none).

    ``vary``: every number in a repetition is raised by the repetition's index, so a line
    with digits never repeats (what the decode path's memos cannot help with, unlike a real
    log's ``OK``, echoes and recurring URCs); lines without digits still repeat.
    """
    folder = ROOT / "tests" / "plugins" / package / "transcripts"
    texts = [p.read_bytes() for p in sorted(folder.glob("*.txt"))] if package else []
    source = [ln for t in texts for ln in t.splitlines() if ln.strip()]
    if not source:
        return None
    rounds = lines // len(source) + 1
    if not vary:
        repeated = (source * rounds)[:lines]
    else:
        repeated = [
            _DIGITS.sub(lambda m, k=k: str(int(m.group()) + k).encode(), ln)  # type: ignore[misc]
            for k in range(rounds)
            for ln in source
        ][:lines]
    return b"\r\n".join(repeated) + b"\r\n"


_DIGITS = re.compile(rb"\d+")


#: Runs in a child process: CPU µs per line of each stage of the pipeline, each stage timed
#: alone over the whole log (best of 3): splitting into Line objects, the AT engine, the
#: plugin's decoder (with the standard decoders), and writing each event's JSON.
_STAGES = """
import json, sys, time
from workbench.app.pipeline import Pipeline, split_log_lines
from workbench.at.types import Line
from workbench.plugin.loader import discover_plugins
plugin = discover_plugins(user=False, entry_points=False).get(sys.argv[1])
log = open(sys.argv[2], "rb").read()
raws = split_log_lines(log)
def best(run):
    times = []
    for _ in range(3):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times) / len(raws) * 1e6
lines = [Line(n, r.decode("utf-8", "replace"), r, 0.0) for n, r in enumerate(raws, 1)]
classified = []
def split():
    for n, r in enumerate(split_log_lines(log), 1):
        Line(n, r.decode("utf-8", "replace"), r, 0.0)
def engine():
    classify = Pipeline(plugin, keep_empty=True).engine.classify_line
    classified.clear()
    for line in lines:
        classified.append(classify(line))
def decoder():
    decode = Pipeline(plugin, keep_empty=True).decoder.decode
    for line in classified:
        decode(line)
stages = {"split": best(split), "engine": best(engine), "decoder": best(decoder)}
decode = Pipeline(plugin, keep_empty=True).decoder.decode
events = [e for line in classified for e in decode(line)]
def to_json():
    for event in events:
        event.to_json_line()
stages["json"] = best(to_json)
print(json.dumps(stages))
"""


def bench_stages(args: argparse.Namespace, tmp: Path) -> None:
    """Where a line's time goes now: CPU µs per line and stage, per plugin."""
    print(f"# stages, CPU us per line (best of 3), {args.lines} lines/log")
    print(
        f"{'plugin':<16}{'split':>7}{'engine':>8}{'decoder':>9}{'json':>6}{'total':>7}{'MB/s':>6}"
    )
    for plugin_id, package in _plugins():
        log = mixed_log(plugin_id, package, args.lines)
        if log is None:
            continue
        path = tmp / f"{plugin_id}.log"
        path.write_bytes(log)
        out = subprocess.run(
            [sys.executable, "-c", _STAGES, plugin_id, str(path)],
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        us = json.loads(out.strip().splitlines()[-1])
        total = sum(us.values())
        print(
            f"{plugin_id:<16}{us['split']:>7.2f}{us['engine']:>8.2f}{us['decoder']:>9.2f}"
            f"{us['json']:>6.2f}{total:>7.2f}{len(log) / args.lines / total:>6.2f}",
            flush=True,
        )


def _measure(
    code_root: Path, plugin_id: str, log: Path, *, sources: bool = False
) -> dict[str, float | int | str]:
    """One decode of ``log`` by the code in ``code_root``; ``sources``: run the modules that
    are compiled from their sources instead (``WORKBENCH_PURE_PYTHON``)."""
    env = dict(os.environ, PYTHONPATH=str(code_root))
    env.pop("WORKBENCH_PURE_PYTHON", None)
    if sources:
        env["WORKBENCH_PURE_PYTHON"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, plugin_id, str(log)],
        cwd=code_root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, float | int | str] = json.loads(out.strip().splitlines()[-1])
    return result


def _unpack(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        [
            "git",
            "-C",
            str(ROOT),
            "archive",
            "--format=tar",
            rev,
            "workbench",
            "plugins",
            "resources",
        ],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def bench_round_trips(plugin_id: str, seconds: float) -> float:
    sys.path.insert(0, str(ROOT))
    import serial

    from workbench.plugin.loader import discover_plugins
    from workbench.transport.hosting import PtyHost
    from workbench.transport.loopthread import LoopThread

    plugin = discover_plugins(user=False, entry_points=False).get(plugin_id)
    thread = LoopThread()
    host = PtyHost(plugin.make_simulator(None, "coap://127.0.0.1:9"))
    thread.run(host.start())
    try:
        with serial.Serial(host.path, 115200, timeout=2) as port:
            port.write(b"ATE0\r\n")
            time.sleep(0.3)
            port.reset_input_buffer()
            count = 0
            deadline = time.perf_counter() + seconds
            start = time.perf_counter()
            while time.perf_counter() < deadline:
                port.write(b"AT\r\n")
                reply = b""
                while not reply.endswith(b"OK\r\n"):
                    chunk = port.read(port.in_waiting or 1)
                    if not chunk:
                        raise RuntimeError(f"{plugin.id}: no OK to AT, got {reply!r}")
                    reply += chunk
                count += 1
            return count / (time.perf_counter() - start)
    finally:
        thread.run(host.stop())
        thread.stop()


def _plugins() -> list[tuple[str, str]]:
    """(plugin id, test package) of every bundled plugin."""
    sys.path.insert(0, str(ROOT))
    from workbench.plugin.loader import discover_plugins

    out = []
    for plugin in discover_plugins(user=False, entry_points=False).plugins:
        module = type(plugin.make_decoder()).__module__
        out.append((plugin.id, module.split(".")[1] if module.startswith("plugins.") else ""))
    return out


def bench_decode(args: argparse.Namespace, tmp: Path) -> None:
    baseline = _unpack(args.baseline, tmp / "baseline") if args.baseline else None
    sys.path.insert(0, str(ROOT))
    from workbench.compiled import runs_compiled, why_not_compiled

    how = "compiled (mypyc)" if runs_compiled() else f"from sources ({why_not_compiled()})"
    print(f"# decode, {args.lines} lines/log, best of {args.repeat} CPU-time runs per side")
    print(f"# ours: the decode path {how}; 'src MB/s': ours from its sources, same run")
    print(
        f"{'plugin':<16}{'lines/s':>10}{'MB/s':>7}{'src MB/s':>9}{'base MB/s':>10}"
        f"{'speed-up':>9}{'events':>8}{'same':>6}{'vs split':>9}{'AT rt/s':>9}"
    )
    for plugin_id, package in _plugins():
        log = mixed_log(plugin_id, package, args.lines, args.vary)
        if log is None:
            print(f"{plugin_id:<16}  (no transcripts shipped; skipped)")
            continue
        path = tmp / f"{plugin_id}.log"
        path.write_bytes(log)
        new: list[dict[str, float | int | str]] = []
        old: list[dict[str, float | int | str]] = []
        src: list[dict[str, float | int | str]] = []
        for _ in range(args.repeat):
            new.append(_measure(ROOT, plugin_id, path))
            src.append(_measure(ROOT, plugin_id, path, sources=True))
            if baseline is not None:
                old.append(_measure(baseline, plugin_id, path))
        best = min(new, key=lambda r: float(r["cpu"]))
        cpu = float(best["cpu"])
        mbps = len(log) / cpu / 1e6
        if old:
            base = min(old, key=lambda r: float(r["cpu"]))
            base_mbps = f"{len(log) / float(base['cpu']) / 1e6:.2f}"
            speedup = f"{float(base['cpu']) / cpu:.1f}x"
            same = "yes" if base["digest"] == best["digest"] else "NO"
        else:
            base_mbps, speedup, same = "-", "-", "-"
        from_src = min(src, key=lambda r: float(r["cpu"]))
        src_mbps = len(log) / float(from_src["cpu"]) / 1e6
        if from_src["digest"] != best["digest"]:
            same = "NO"  # the sources and the build must give the same events
        rts = f"{bench_round_trips(plugin_id, args.seconds):,.0f}" if args.seconds > 0 else "-"
        print(
            f"{plugin_id:<16}{args.lines / cpu:>10,.0f}{mbps:>7.2f}{src_mbps:>9.2f}{base_mbps:>10}"
            f"{speedup:>9}"
            f"{best['events']:>8}{same:>6}{cpu / float(best['split']):>8.0f}x{rts:>9}",
            flush=True,
        )


def _decode_cli(log: Path, jobs: int, code_root: Path = ROOT) -> tuple[float, float, int, str]:
    """Wall s, CPU s (all processes), peak RSS in kB of the largest process, output digest."""
    digest = hashlib.sha256()
    cmd = [sys.executable, "-m", "workbench", "decode", "-q", "-m", "ublox-sara-r5"]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, "--jobs", str(jobs), str(log)],
        cwd=code_root,
        env=dict(os.environ, PYTHONPATH=str(code_root)),
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    for block in iter(lambda: proc.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
        digest.update(block)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"decode --jobs {jobs} failed with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, digest.hexdigest()


def bench_big(args: argparse.Namespace, tmp: Path) -> None:
    """``lwm2m-workbench decode`` on N MB logs: throughput and peak memory.

    With a baseline, its ``decode`` runs the same log with one process in the same run (row
    ``base``; ``same`` compares its output with ours).
    """
    baseline = (
        _unpack(args.baseline, tmp / "baseline-big") if args.baseline and args.big_base else None
    )
    sara = mixed_log("ublox-sara-r5", "ublox_sara", 10_000)
    assert sara is not None
    print("# lwm2m-workbench decode -m ublox-sara-r5 on big logs (SARA transcripts repeated)")
    print(
        f"{'size':>7}{'jobs':>5}{'wall s':>8}{'MB/s':>7}{'MB/s/CPU':>9}"
        f"{'peak RSS MB':>12}{'same':>6}"
    )
    for mb in args.big_mb:
        path = tmp / f"big-{mb}.log"
        with path.open("wb") as handle:
            written = 0
            while written < mb * 1_000_000:
                handle.write(sara)
                written += len(sara)
        size = path.stat().st_size
        digest_one = ""
        for jobs in (1, args.jobs) if args.jobs > 1 else (1,):
            if jobs == 1 and mb > args.serial_max_mb:
                print(f"{mb:>5}MB{jobs:>5}  (skipped: --serial-max-mb {args.serial_max_mb})")
                continue
            wall, cpu, rss_kb, digest = _decode_cli(path, jobs)
            if jobs == 1:
                digest_one = digest
            same = "-" if not digest_one else ("yes" if digest == digest_one else "NO")
            print(
                f"{mb:>5}MB{jobs:>5}{wall:>8.1f}{size / wall / 1e6:>7.2f}{size / cpu / 1e6:>9.2f}"
                f"{rss_kb / 1024:>12.1f}{same:>6}",
                flush=True,
            )
        if baseline is not None and mb <= args.serial_max_mb:
            wall, cpu, rss_kb, digest = _decode_cli(path, 1, baseline)
            same = "-" if not digest_one else ("yes" if digest == digest_one else "NO")
            print(
                f"{mb:>5}MB{1:>5}{wall:>8.1f}{size / wall / 1e6:>7.2f}{size / cpu / 1e6:>9.2f}"
                f"{rss_kb / 1024:>12.1f}{same:>6}  base {args.baseline}",
                flush=True,
            )
        path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="AT round trips; 0 skips")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare; '' skips")
    parser.add_argument(
        "--big-mb",
        type=lambda text: [int(x) for x in text.split(",") if x],
        default=[20, 200],
        help="sizes of the big-log runs in MB ('' skips)",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--serial-max-mb", type=int, default=10_000, help="largest log decoded with one process"
    )
    parser.add_argument("--skip-plugins", action="store_true", help="only the big logs")
    parser.add_argument(
        "--vary", action="store_true", help="plugin logs: numbers differ in every repetition"
    )
    parser.add_argument(
        "--big-base", action="store_true", help="big logs: also run the baseline's decode"
    )
    parser.add_argument(
        "--stages", action="store_true", help="also CPU us per line in each pipeline stage"
    )
    args = parser.parse_args()
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-at-") as name:
        tmp = Path(name)
        if not args.skip_plugins:
            bench_decode(args, tmp)
        if args.stages:
            bench_stages(args, tmp)
        if args.big_mb:
            bench_big(args, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
