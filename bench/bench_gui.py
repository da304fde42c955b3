"""GUI benchmarks: start-up and close of the real window, then AT traffic at 1 MB/s into it.

Not a test (prints figures, never fails on time).

Start-up and close are measured from a parent process, as a user feels them: this script
starts an X server (Xvfb), then five times spawns ``lwm2m-workbench`` (the window, no
arguments) with fresh, empty settings folders and its clock running from just before the spawn
until ``xwininfo`` sees the main window mapped (IsViewable) on that display. Then it sends
SIGTERM and times until the process has exited (its exit code is printed: 0 is a clean
shutdown). The median and the range of the five runs are printed. Needs ``Xvfb`` and
``xwininfo`` (Debian ``xvfb x11-utils``; ``scripts/install-peers.sh`` installs them) and the
window's system libraries (``scripts/setup.sh``).

The throughput part starts the real main window offscreen,
opens one end of a pseudo-terminal in it exactly as a user opens a port, and a writer thread
pushes AT lines (responses and URCs of the chosen plugin's family) into the other end at the
target rate. Meanwhile a 10 ms QTimer heartbeat measures how late it fires: that lateness is
what a user feels as a stalled UI. At the end it prints the heartbeat's p50/p99/max, the bytes
that reached the terminal model versus the bytes sent (line endings excluded: the terminal keeps
each line's bytes without its terminator), and how long the window needed to catch up.

    .venv/bin/python bench/bench_gui.py [--runs 5] [--startup-only] [--no-startup]
        [--seconds 30] [--rate 1000000] [--plugin ID] [--terminal-lines 1000000]
        [--prefill 600000] [--no-compare] [--base-commit 0808d66] [--gc-lines 1000000]
        [--gc-only]

First (``--gc-lines``, 0 skips) it measures the pause directly: a full collection with that
many terminal lines held, as before and with them frozen as the window's GC policy does.

The throughput part runs three times in the same invocation: the previous code (``git archive``
of ``--base-commit``, run by this script in a child process with that tree first on
``sys.path``, its GC policy on), then this tree with the window's GC policy stopped (CPython's
default collections, the behaviour before issue 17), then this tree as it ships. Each run
raises the terminal's memory limit to ``--terminal-lines`` and first fills the terminal with
``--prefill`` lines, so that the run ends with ~1M lines held. The session file is recorded
(in a temporary data folder) and its received bytes are compared with the bytes sent. CPU
seconds of the process during the run (``time.process_time``, all threads) are printed beside
the wall-clock figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

#: The tree whose ``workbench`` this process imports (``--code`` switches it, see ``bench``).
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else None
sys.path.insert(0, str(CODE or Path(__file__).resolve().parents[1]))

#: The main window's title, as xwininfo finds it.
WINDOW_TITLE = "LwM2M Module Workbench"
#: The floor under the same conditions: a bare PySide6 window with the same title, nothing else.
BARE_WINDOW = f"""
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setWindowTitle({WINDOW_TITLE!r})
window.resize(1280, 800)
window.show()
app.exec()
"""

#: One cycle of traffic: what a busy LwM2M module prints (URCs, responses, a final result).
TRAFFIC = [
    b'+CEREG: 5,"1A2B","01A2B3C4",7',
    b'+QLWURC: "event",100,2,"REG_READY"',
    b'+QLWURC: "report",3303,0,5700,1',
    b"+CSQ: 24,99",
    b'+QLWURC: "observe",0,0,3303,0,5700',
    b"+CESQ: 99,99,255,255,28,55",
    b"OK",
    b'+QLWURC: "event",100,4,"UPDATE_SUCCESS"',
    # A downlink: multi-line URC, then 256 bytes of application data as hex.
    b'+QLWURC: "recv","/19/0/0",1,256',
    bytes(range(256)).hex().upper().encode(),
]
#: ``--short``: only the short lines (the worst case: most lines per byte).
SHORT_TRAFFIC = TRAFFIC[:8]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


class Writer(threading.Thread):
    """Writes AT lines into the pty master at ``rate`` bytes/s (paced every 5 ms)."""

    def __init__(self, fd: int, rate: int, seconds: float, traffic: list[bytes]) -> None:
        super().__init__(name="bench-writer", daemon=True)
        self.fd = fd
        self.rate = rate
        self.seconds = seconds
        self.traffic = traffic
        self.sent_total = 0
        self.sent_payload = 0
        self.lines = 0
        self.finished_at = 0.0
        self.started_at = 0.0

    def run(self) -> None:
        block = bytearray()
        payload = 0
        n = 0
        while len(block) < 64 * 1024 or n % len(self.traffic):
            line = self.traffic[n % len(self.traffic)]
            block += line + b"\r\n"
            payload += len(line)
            n += 1
        cycle = bytes(block)
        self.started_at = time.perf_counter()
        offset = 0
        while True:
            elapsed = time.perf_counter() - self.started_at
            if elapsed >= self.seconds:
                break
            due = int(elapsed * self.rate) - self.sent_total
            if due <= 0:
                time.sleep(0.005)
                continue
            chunk = bytearray()
            while len(chunk) < due:
                take = cycle[offset : offset + (due - len(chunk))]
                chunk += take
                offset = (offset + len(take)) % len(cycle)
            # Only whole lines, so "payload bytes" are exact.
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                offset = (offset - len(chunk)) % len(cycle)
                time.sleep(0.002)
                continue
            offset = (offset - (len(chunk) - cut)) % len(cycle)
            data = bytes(chunk[:cut])
            view = memoryview(data)
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
            self.sent_total += len(data)
            self.lines += data.count(b"\n")
            self.sent_payload += len(data) - data.count(b"\r") - data.count(b"\n")
        self.finished_at = time.perf_counter()


class StackSampler(threading.Thread):
    """``--sample``: where the window's thread is, every ~2 ms, as the innermost frames of
    our code and of the libraries we call (a sampling profile: cProfile's per-call cost
    would change the very pauses being measured). Samples with no Python frame of ours on
    top are Qt working in C++ (painting, layout) under the frame that entered it."""

    def __init__(self, thread_id: int) -> None:
        super().__init__(daemon=True)
        self.thread_id = thread_id
        self.native_id_of_window = threading.get_native_id()
        self.samples: list[tuple[float, str]] = []
        self.stacks: list[frozenset[str]] = []
        self.running = True

    @staticmethod
    def where(frame: object) -> str:
        names = []
        while frame is not None and len(names) < 3:
            code = frame.f_code  # type: ignore[attr-defined]
            path = code.co_filename
            if any(part in path for part in ("workbench", "plugins", "pyqtgraph", "qasync")):
                short = path.rsplit("/", 2)
                names.append(f"{short[-2]}/{short[-1]}:{code.co_name}")
            frame = frame.f_back  # type: ignore[attr-defined]
        return " < ".join(names) or "(no frame of ours)"

    @staticmethod
    def stack(frame: object) -> frozenset[str]:
        """Every function on the stack (for inclusive shares: a callee counts for its callers)."""
        names = set()
        while frame is not None:
            code = frame.f_code  # type: ignore[attr-defined]
            names.add(f"{code.co_filename.rsplit('/', 1)[-1]}:{code.co_name}")
            frame = frame.f_back  # type: ignore[attr-defined]
        return frozenset(names)

    @staticmethod
    def thread_cpu(native_id: int) -> float:
        """CPU seconds a thread of this process has used (Linux /proc; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1]
        except OSError:
            return float("nan")
        parts = fields.split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        self.cpu_start = self.thread_cpu(self.native_id_of_window)
        self.wall_start = time.perf_counter()
        while self.running:
            frame = sys._current_frames().get(self.thread_id)
            self.samples.append((time.perf_counter(), self.where(frame)))
            self.stacks.append(self.stack(frame))
            time.sleep(0.002)

    def report(self, late_windows: list[tuple[float, float]]) -> None:
        """The most frequent places overall and inside the heartbeat's late intervals."""
        from collections import Counter

        self.running = False
        self.join()
        cpu = self.thread_cpu(self.native_id_of_window) - self.cpu_start
        wall = time.perf_counter() - self.wall_start
        print(
            f"window thread  {cpu:.1f} CPU s of {wall:.1f} s wall ({100 * cpu / wall:.0f} % busy)"
        )
        names = {t.native_id: t.name for t in threading.enumerate()}
        names[self.native_id] = "sampler (this bench)"
        for task in sorted(Path("/proc/self/task").iterdir()):
            name = names.get(int(task.name)) or (task / "comm").read_text().strip()
            print(f"  thread {task.name} {name}: {self.thread_cpu(int(task.name)):.1f} CPU s total")
        everywhere = Counter(where for _t, where in self.samples)
        late: Counter[str] = Counter()
        windows = sorted(late_windows)
        i = 0
        for t, where in self.samples:
            while i < len(windows) and windows[i][1] < t:
                i += 1
            if i < len(windows) and windows[i][0] <= t:
                late[where] += 1
        inclusive = Counter(name for names in self.stacks for name in names)
        print(f"samples        inclusive (a function and what it calls): {len(self.stacks):,}")
        for name, n in inclusive.most_common(40):
            print(f"  {100 * n / max(1, len(self.stacks)):5.1f} %  {name}")
        for title, counts in (("all samples", everywhere), ("inside pauses > 60 ms", late)):
            total = sum(counts.values()) or 1
            print(f"samples        {title}: {sum(counts.values()):,}")
            for where, n in counts.most_common(14):
                print(f"  {100 * n / total:5.1f} %  {where}")


async def bench(args: argparse.Namespace) -> None:
    """The throughput runs: this tree without then with the window's GC policy."""
    if args.code is not None:  # the child process of run_base: only that tree, as it shipped
        await bench_one(args, True)
        return
    for policy in (False, True) if args.compare else (True,):
        await bench_one(args, policy)


def run_base(args: argparse.Namespace) -> None:
    """The same throughput run on the previous code, in a child process (same invocation)."""
    tree = Path(tempfile.mkdtemp(prefix="wb-bench-base-"))
    root = Path(__file__).resolve().parents[1]
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", args.base_commit], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    print(f"\n## previous code: git archive {args.base_commit} (its GC policy on)", flush=True)
    forwarded = [
        "--no-startup",
        "--gc-lines",
        "0",
        "--seconds",
        str(args.seconds),
        "--rate",
        str(args.rate),
        "--plugin",
        args.plugin,
        "--terminal-lines",
        str(args.terminal_lines),
        "--prefill",
        str(args.prefill),
        *(["--short"] if args.short else []),
    ]
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *forwarded, "--code", str(tree)],
        check=False,
    )
    shutil.rmtree(tree, ignore_errors=True)


def prefill(model: object, conn: object, count: int) -> None:
    """``count`` received lines straight into the terminal model: a long capture already held.

    Numbered after the lines the connection has shown, and the connection numbers on after
    them (the model skips lines numbered at or below the last one it shows).
    """
    from workbench.app.connection import TerminalLine
    from workbench.module.events import Event

    append = model.append  # type: ignore[attr-defined]
    t0 = time.time() - 3600
    batch = []
    first = conn._seq + 1  # type: ignore[attr-defined]
    conn._seq += count  # type: ignore[attr-defined]
    for seq in range(first, first + count):
        text = f'+QLWURC: "report",{seq % 1000},"/3303/0/5700",1,4,"21.5"'
        event = Event("notify", seq, text, {"server": 100, "path": "/3303/0/5700"})
        batch.append(TerminalLine(seq, "rx", text, text.encode(), t0 + seq * 1e-3, "urc", (event,)))
        if len(batch) == 50_000:
            append(batch)
            batch = []
    append(batch)


async def bench_one(args: argparse.Namespace, gc_policy: bool) -> None:
    import termios
    import tty

    from PySide6.QtCore import QTimer

    from workbench.gui.mainwindow import MainWindow
    from workbench.plugin.loader import discover_plugins
    from workbench.transport.serial_port import PortSettings

    window = MainWindow(discover_plugins(), record_sessions=True, port_lister=lambda: [])
    window.show()
    await asyncio.sleep(0)
    window.terminal.model.set_max_lines(args.terminal_lines)
    if not gc_policy:
        window.gc_policy.stop()  # the previous behaviour: CPython's default collections
    if args.code is None:
        state = "ON (issue 17)" if gc_policy else "OFF (previous behaviour)"
        print(f"\n## this tree, gc policy {state}")
    print(f"prefill        {args.prefill:,} lines in the terminal before the run")

    master, slave = os.openpty()
    tty.setraw(slave, termios.TCSANOW)
    path = os.ttyname(slave)
    try:
        plugin = window.context.plugins.get(args.plugin)
        window.context.set_plugin(plugin)
    except LookupError:
        print(f"(plugin {args.plugin} not found: generic AT decoding)")
    conn = window.open_port(path, PortSettings())
    assert conn is not None and conn.status == "open", "could not open the pty"
    prefill(window.terminal.model, conn, args.prefill)
    prefilled = window.terminal.model.rx_bytes

    lateness: list[float] = []
    interval = 0.010
    last = [time.perf_counter()]

    late_windows: list[tuple[float, float]] = []

    def beat() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - interval))
        if now - last[0] - interval > 0.060:
            late_windows.append((last[0] + interval, now))
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(int(interval * 1000))
    heartbeat.timeout.connect(beat)
    heartbeat.start()

    traffic = SHORT_TRAFFIC if args.short else TRAFFIC
    mean = sum(map(len, traffic)) / len(traffic) + 2
    worst = " (--short: worst case)" if args.short else ""
    print(f"traffic        {len(traffic)} kinds of line, mean {mean:.0f} bytes with CRLF{worst}")
    gc_pauses: list[float] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append((time.perf_counter() - gc_started[0]) * 1000)

    gc.callbacks.append(on_gc)
    writer = Writer(master, args.rate, args.seconds, traffic)
    sampler = StackSampler(threading.get_ident()) if args.sample else None
    if sampler is not None:
        sampler.start()
    cpu_start = time.process_time()
    writer.start()
    model = window.terminal.model
    while writer.is_alive():
        await asyncio.sleep(0.1)
    sending_done = time.perf_counter()
    # Let the window catch up: until every payload byte reached the terminal (or 60 s).
    deadline = sending_done + 60
    while model.rx_bytes - prefilled < writer.sent_payload and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    caught_up = time.perf_counter() - sending_done
    cpu_used = time.process_time() - cpu_start
    heartbeat.stop()
    send_seconds = writer.finished_at - writer.started_at

    stalls_ms = [x * 1000 for x in lateness]
    rate = writer.sent_total / max(send_seconds, 1e-9) / 1e6
    print(
        f"sent           {writer.sent_total:,} bytes ({writer.lines:,} lines)"
        f" in {send_seconds:.1f} s = {rate:.2f} MB/s"
    )
    print(f"payload sent   {writer.sent_payload:,} bytes (without line endings)")
    shown = model.rx_bytes - prefilled
    print(
        f"shown          {shown:,} bytes in the terminal model "
        f"({'EQUAL' if shown == writer.sent_payload else 'DIFFERENT'})"
    )
    print(
        f"rows           {model.rowCount():,} in view, {model.trimmed:,} trimmed"
        f" (cap {model.max_lines:,})"
    )
    print(f"catch-up       {caught_up:.2f} s after the writer stopped")
    print(f"cpu            {cpu_used:.1f} CPU s in this process from the first byte to caught up")
    p50, p99 = percentile(stalls_ms, 50), percentile(stalls_ms, 99)
    mean_ms = statistics.fmean(stalls_ms) if stalls_ms else 0.0
    print(
        f"heartbeat      {len(stalls_ms):,} beats of 10 ms; lateness p50 {p50:.1f} ms,"
        f" p99 {p99:.1f} ms, max {max(stalls_ms, default=0):.1f} ms, mean {mean_ms:.1f} ms"
    )
    gc.callbacks.remove(on_gc)
    longest_gc = max(gc_pauses, default=0.0)
    print(
        f"python gc      {len(gc_pauses)} full collections, longest {longest_gc:.0f} ms"
        " (the likely source of the max stall)"
    )
    print(f"decoded        {conn.state.events_applied:,} events into the module state")
    if sampler is not None:
        sampler.report(late_windows)

    session = window.session_path
    await window.shutdown()
    os.close(master)
    os.close(slave)
    window._closed_for_real = True
    window.close()
    if session is not None:
        from workbench.session.reader import SessionReader

        with SessionReader(session) as reader:
            recorded = len(reader.serial_bytes("rx"))
        same = "EQUAL" if recorded == writer.sent_total else "DIFFERENT"
        print(f"session file   {recorded:,} received bytes of {writer.sent_total:,} sent ({same})")
        session.unlink()


def bench_gc_pause(count: int) -> None:
    """The full collection a user would feel with ``count`` terminal lines held, with and
    without the window's GC policy (gc.freeze of what survived), measured directly."""
    from workbench.app.connection import TerminalLine
    from workbench.module.events import Event

    gc.collect()
    lines = []
    for seq in range(count):
        text = f'+QLWURC: "report",{seq % 1000},"/3303/0/5700",1,4,"21.5"'
        event = Event("notify", seq, text, {"server": 100, "path": "/3303/0/5700"})
        lines.append(TerminalLine(seq, "rx", text, text.encode(), 0.0, "urc", (event,)))
    tracked = len(gc.get_objects())
    start = time.perf_counter()
    gc.collect()
    unfrozen = (time.perf_counter() - start) * 1000
    gc.freeze()
    start = time.perf_counter()
    gc.collect()
    frozen = (time.perf_counter() - start) * 1000
    gc.unfreeze()
    print(
        f"gc pause       {count:,} terminal lines ({tracked:,} tracked objects): full collection"
        f" {unfrozen:.0f} ms as before, {frozen:.2f} ms with them frozen (the GC policy)"
    )
    del lines


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """An Xvfb server on a free display number (it writes the number it chose to a pipe)."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            "1600x1000x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        xvfb.kill()
        raise SystemExit("Xvfb did not start")
    return xvfb, f":{number}"


def window_mapped(display: str) -> bool:
    """Whether the main window exists and is mapped (viewable) on ``display``."""
    out = subprocess.run(
        ["xwininfo", "-display", display, "-name", WINDOW_TITLE],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.returncode == 0 and "IsViewable" in out.stdout


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far; NaN where /proc is missing.

    Wall-clock start-up on a shared machine moves with everybody else's load; the CPU time the
    process needed until its window was mapped does not, much.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def one_start(display: str, command: list[str], home: Path) -> tuple[float, float, int, float]:
    """Spawn the window: seconds to a mapped window, seconds from SIGTERM to exit, exit code,
    and CPU seconds used until the window was mapped."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "PYTHONDONTWRITEBYTECODE")
    }
    env.update(
        DISPLAY=display,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not window_mapped(display):
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise SystemExit(f"the window exited with {proc.returncode} before mapping:\n{err}")
            if time.perf_counter() - started > 30:
                raise SystemExit("no mapped window after 30 s")
            time.sleep(0.005)
        mapped = time.perf_counter() - started
        cpu = cpu_seconds(proc.pid)
        time.sleep(0.5)  # let it settle (idle), as a user would before closing
        closing = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        closed = time.perf_counter() - closing
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return mapped, closed, code, cpu


def bench_startup(runs: int) -> None:
    """Median start-up (to a mapped X window) and close (SIGTERM to exit) over ``runs``.

    A bare PySide6 window is timed the same way, interleaved, as the floor on this machine at
    this moment (on a shared 2-core machine the load moves every figure).
    """
    for tool in ("Xvfb", "xwininfo"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} not found: sudo apt-get install xvfb x11-utils"
                " (or bash scripts/install-peers.sh)"
            )
    command = [str(Path(sys.executable).with_name("lwm2m-workbench"))]
    xvfb, display = start_xvfb()
    mapped: list[float] = []
    closed: list[float] = []
    codes: list[int] = []
    cpu: list[float] = []
    bare: list[float] = []
    bare_cpu: list[float] = []
    try:
        for _ in range(runs):
            with tempfile.TemporaryDirectory(prefix="wb-bench-home-") as home:
                up, down, code, used = one_start(display, command, Path(home))
                floor = one_start(display, [sys.executable, "-c", BARE_WINDOW], Path(home))
            mapped.append(up)
            closed.append(down)
            codes.append(code)
            cpu.append(used)
            bare.append(floor[0])
            bare_cpu.append(floor[3])
    finally:
        xvfb.terminate()
        xvfb.wait()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python         {sys.version.split()[0]} ({sys.executable})")
    print(f"machine        {os.cpu_count()} CPUs, load average {load:.2f} (1 min)")
    print(
        f"start-up       median {statistics.median(mapped):.2f} s "
        f"(min {min(mapped):.2f}, max {max(mapped):.2f}) over {runs} runs: "
        "parent spawns lwm2m-workbench → main window mapped on Xvfb"
    )
    print("               runs: " + ", ".join(f"{x:.2f}" for x in mapped))
    print(
        f"               CPU time until mapped: median {statistics.median(cpu):.2f} s"
        " (user + system; barely moved by other processes' load)"
    )
    print(
        f"bare PySide6   median {statistics.median(bare):.2f} s "
        f"(min {min(bare):.2f}, max {max(bare):.2f}), CPU {statistics.median(bare_cpu):.2f} s:"
        " the same measurement of an empty QMainWindow, the floor here"
    )
    print(
        f"close          median {statistics.median(closed):.2f} s "
        f"(min {min(closed):.2f}, max {max(closed):.2f}): SIGTERM → process exited;"
        f" exit codes {codes}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-up runs (median printed)")
    parser.add_argument("--startup-only", action="store_true", help="skip the throughput part")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up part")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=int, default=1_000_000, help="bytes per second")
    parser.add_argument("--plugin", default="quectel-bg95")
    parser.add_argument("--short", action="store_true", help="only short lines (worst case)")
    parser.add_argument(
        "--terminal-lines", type=int, default=1_000_000, help="terminal memory limit for the run"
    )
    parser.add_argument(
        "--prefill", type=int, default=600_000, help="terminal lines held before the run"
    )
    parser.add_argument(
        "--no-compare",
        dest="compare",
        action="store_false",
        help="skip the runs of the previous code and without the GC policy",
    )
    parser.add_argument("--base-commit", default="0808d66", help="the previous code to compare")
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)  # set by run_base
    parser.add_argument(
        "--gc-lines",
        type=int,
        default=1_000_000,
        help="terminal lines for the direct GC-pause measurement (0 skips)",
    )
    parser.add_argument("--gc-only", action="store_true", help="only the GC-pause measurement")
    parser.add_argument(
        "--sample", action="store_true", help="sample where the window's thread spends its time"
    )
    args = parser.parse_args()

    if args.gc_lines:
        bench_gc_pause(args.gc_lines)
    if args.gc_only:
        return
    if not args.no_startup:
        bench_startup(args.runs)
    if args.startup_only:
        return
    if args.compare and args.code is None:
        run_base(args)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    data_home = tempfile.mkdtemp(prefix="wb-bench-data-")  # the session files go here
    os.environ["XDG_DATA_HOME"] = data_home
    from PySide6.QtCore import QSettings

    from workbench.gui.app import make_application

    settings_dir = tempfile.mkdtemp(prefix="wb-bench-")
    make_application()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    # asyncio.Runner: CPython 3.11 has no asyncio.run(loop_factory=...).
    try:  # the window's own loop, as the app runs it
        from workbench.gui.qtloop import QtLoop as loop_factory
    except ImportError:  # a previous tree (--base-commit) ran on qasync's loop
        from qasync import QEventLoop as loop_factory

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(bench(args))


if __name__ == "__main__":
    main()
