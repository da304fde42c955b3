"""Timeline benchmark: millions of events in the panel, frame times for pan, zoom and follow-live.

Not a test (prints figures, never fails on time). It builds the real
:class:`~workbench.gui.panels.timeline.TimelinePanel` offscreen, loads ``--events`` synthetic
events spread over the seven lanes (bursts of notifications, a CoAP exchange per notification,
a few registrations and errors, over ``--hours``), then measures frames: each step changes the
visible range (as a pan or a zoom does) and forces a full repaint of the panel with
``widget.grab()``; the follow-live frames append the events of one ~30 Hz tick first and let
the panel's own tick follow and redraw. A frame therefore includes decimation in the store,
rebuilding the marks and painting the whole panel (axes, signal trends, labels).

The same frames run twice in one invocation, each in a fresh process: with the previous
implementation (``--baseline``, unpacked from git with ``git archive``) and with this working
tree. Per scenario it prints p50/p99/max of wall time and of CPU time (``time.process_time``:
the machine may be shared, CPU seconds are what the frame cost this process), and the same-run
p99 ratio. ``--shots DIR`` saves the panel at several zoom levels from both, to compare.

    .venv/bin/python bench/bench_timeline.py [--events 10000000] [--steps 50] [--hours 8]
        [--baseline 0808d66 | --baseline ''] [--shots DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: ``main`` before the batched marks (issue 17, goal 3): one pyqtgraph curve per lane and tone.
BASELINE = "0808d66"
#: Width of the follow-live scenario's view (s) and the ticks it appends.
FOLLOW_WINDOW = 60.0
TICK_S = 0.033


def rss_bytes() -> int:
    """Resident set size now (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def synthetic(n: int, start: float, seconds: float, seed: int = 1) -> dict[int, tuple]:  # type: ignore[type-arg]
    """Per-lane (times, tones, label ids, refs): a module notifying in bursts, CoAP mirrored."""
    import numpy as np

    from workbench.viewmodel.timeline import Lane

    rng = np.random.default_rng(seed)
    # Lane mix: mostly notifications and their CoAP messages, some of everything else.
    share = {
        Lane.NOTIFY: 0.30,
        Lane.COAP_IN: 0.30,
        Lane.COAP_OUT: 0.30,
        Lane.REGISTRATION: 0.04,
        Lane.CLIENT: 0.02,
        Lane.HOST: 0.03,
        Lane.ERRORS: 0.01,
    }
    out = {}
    left = n
    lanes = list(share)
    for i, lane in enumerate(lanes):
        count = left if i == len(lanes) - 1 else int(n * share[lane])
        left -= count
        # Bursty: clustered around random burst centres.
        centres = rng.uniform(0, seconds, max(1, count // 200))
        times = centres[rng.integers(0, len(centres), count)] + rng.exponential(2.0, count)
        times = np.sort(np.clip(times, 0, seconds)) + start
        tones = rng.integers(0, 4, count)
        labels = rng.integers(0, 64, count)
        out[int(lane)] = (times, tones, labels, np.arange(count))
    return out


# -- the child: one implementation, one process ----------------------------------------------


def _frame(panel: Any, step: Any) -> tuple[float, float]:
    """Run one frame; (wall ms, CPU ms)."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    panel.grab()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _marks(panel: Any) -> int:
    """Marks drawn in the last frame, whichever drawing the panel has."""
    if hasattr(panel, "marks_drawn"):
        return int(panel.marks_drawn())
    return sum(len(c.xData) // 2 for c in panel.curves.values() if c.xData is not None)


def child(args: argparse.Namespace) -> None:
    """Measure the implementation importable here; print one JSON line of results."""
    import numpy as np
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    from workbench.gui.context import WorkbenchContext
    from workbench.gui.panels.timeline import TimelinePanel
    from workbench.plugin.loader import PluginRegistry

    context = WorkbenchContext(PluginRegistry([]))
    panel = TimelinePanel(context)
    panel.resize(args.width, args.height)
    panel.show()
    app.processEvents()
    panel.set_follow(False)

    seconds = args.hours * 3600
    # The same wall-clock times in both processes (the day's start), so both draw the same
    # bins and clock labels and their screenshots compare pixel for pixel.
    start = (panel.origin // 86400) * 86400 - seconds
    data = synthetic(args.events, start, seconds)
    labels = [f"label {i}" for i in range(64)]
    gc.collect()
    rss0 = rss_bytes()
    begin = time.perf_counter()
    for label in labels:
        panel.store.intern(label)
    for lane, (times, tones, label_ids, refs) in data.items():
        panel.store.extend_arrays(lane, times, tones, label_ids, refs)
    panel.fit_all()
    panel.grab()
    load_ms = (time.perf_counter() - begin) * 1000
    del data
    gc.collect()
    rss1 = rss_bytes()
    n = len(panel.store)

    t_lo, t_hi = panel.store.span()
    full = t_hi - t_lo
    steps = args.steps
    middle = t_lo + full / 2
    hour = 3600.0

    def ranges(pairs: list[tuple[float, float]]) -> list[Any]:
        return [
            lambda a=a, b=b: panel.view.setXRange(a - panel.origin, b - panel.origin, padding=0)
            for a, b in pairs
        ]

    factor = (1.0 / full) ** (1 / max(1, steps - 1))
    zoom_in = []
    width = full
    for _ in range(steps):
        zoom_in.append((middle - width / 2, middle + width / 2))
        width *= factor
    scenarios: list[tuple[str, list[Any], Any]] = [
        (
            "pan, whole range visible",
            ranges([(t_lo + full * 0.02 * i, t_hi + full * 0.02 * i) for i in range(steps)]),
            None,
        ),
        (
            "pan, 1 h visible",
            ranges([(t_lo + hour * 0.1 * i, t_lo + hour * (1 + 0.1 * i)) for i in range(steps)]),
            None,
        ),
        (
            "pan, 1 min visible",
            ranges([(middle + 6.0 * i, middle + 60 + 6.0 * i) for i in range(steps)]),
            None,
        ),
        ("zoom in, whole range → 1 s", ranges(zoom_in), None),
        ("zoom out, 1 s → whole range", ranges(list(reversed(zoom_in))), None),
    ]

    # Follow live: each frame is one ~30 Hz tick's worth of new events at the data's own rate,
    # appended after the newest, then the panel's tick (follow + redraw) and a full repaint.
    rate = n / seconds
    rng = np.random.default_rng(2)
    clock = [t_hi]

    def append_tick() -> None:
        count = max(1, int(rng.poisson(rate * TICK_S)))
        times = np.sort(clock[0] + rng.uniform(0, TICK_S, count))
        clock[0] += TICK_S
        lanes = rng.choice([2, 5, 6, 1, 0, 3, 4], count, p=[0.3, 0.3, 0.3, 0.04, 0.02, 0.03, 0.01])
        for lane in np.unique(lanes):
            pick = lanes == lane
            k = int(pick.sum())
            panel.store.extend_arrays(
                int(lane), times[pick], rng.integers(0, 4, k), rng.integers(0, 64, k), np.arange(k)
            )
        panel.tick()

    def start_follow() -> None:
        panel.view.setXRange(t_hi - panel.origin - FOLLOW_WINDOW, t_hi - panel.origin, padding=0)
        panel.set_follow(True)

    scenarios.append(("follow live, 60 s, appending", [append_tick] * steps, start_follow))

    shots: list[str] = []
    if args.shots:
        folder = Path(args.shots)
        folder.mkdir(parents=True, exist_ok=True)
        views = {
            "all": (t_lo, t_hi),
            "1h": (middle, middle + hour),
            "1min": (middle, middle + 60),
            "5s": (middle, middle + 5),
        }
        for view, (a, b) in views.items():
            panel.view.setXRange(a - panel.origin, b - panel.origin, padding=0)
            path = folder / f"{args.tag}_{view}.png"
            panel.grab().save(str(path))
            shots.append(str(path))

    results: dict[str, list[tuple[float, float]]] = {}
    for name, frames, setup in scenarios:
        if setup is not None:
            setup()
        for step in frames[:3]:  # warm up (builds the levels the zoom needs)
            _frame(panel, step)
        results[name] = [_frame(panel, step) for step in frames]
    marks = _marks(panel)

    # The store at its cap (10M by default): the oldest 5 % go in one step. One frame: the
    # drop, then a zoomed-out repaint (levels of detail rebuilt or kept).
    panel.set_follow(False)
    panel.view.setXRange(t_lo - panel.origin, t_hi - panel.origin, padding=0)
    panel.grab()

    def drop_and_zoom_out() -> None:
        panel.store.set_max_events(len(panel.store) - 1)
        low, high = panel.store.span()
        panel.view.setXRange(low - panel.origin, high - panel.origin, padding=0)

    cap_drop = _frame(panel, drop_and_zoom_out)

    # The live path: terminal lines through the panel's batch conversion.
    from workbench.app.connection import TerminalLine
    from workbench.module.events import Event

    panel.set_follow(True)
    t_end = clock[0]
    batch = [
        TerminalLine(
            i,
            "rx",
            "+QLWURC: ...",
            b"",
            t_end + i * 0.001,
            "urc",
            (Event("notify", i, "+QLWURC", {"path": "/3303/0/5700"}),),
        )
        for i in range(10_000)
    ]
    begin = time.perf_counter()
    context.lines_appended.emit(batch)
    panel.tick()
    panel.grab()
    live_ms = (time.perf_counter() - begin) * 1000
    panel.shutdown()
    print(
        json.dumps(
            {
                "events": n,
                "load_ms": load_ms,
                "results": results,
                "marks": marks,
                "cap_drop": cap_drop,
                "rss_delta": rss1 - rss0,
                "store_bytes": panel.store.nbytes(),
                "live_ms": live_ms,
                "shots": shots,
            }
        )
    )


# -- the parent: both implementations, one table -----------------------------------------------


def _run_child(root: Path, args: argparse.Namespace, tag: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--tag", tag]
    for name in ("events", "steps", "hours", "width", "height"):
        command += [f"--{name}", str(getattr(args, name))]
    if args.shots:
        command += ["--shots", str(args.shots)]
    env = dict(os.environ, PYTHONPATH=str(root), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"the {tag} run failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _stats(frames: list[list[float]], which: int) -> tuple[float, float, float]:
    values = [f[which] for f in frames]
    return percentile(values, 50), percentile(values, 99), max(values)


def _row(name: str, frames: list[list[float]], base: list[list[float]] | None) -> str:
    w50, w99, wmax = _stats(frames, 0)
    c50, c99, cmax = _stats(frames, 1)
    text = (
        f"  {name:<30} wall p50 {w50:6.1f} p99 {w99:6.1f} max {wmax:6.1f} │ "
        f"CPU p50 {c50:6.1f} p99 {c99:6.1f} max {cmax:6.1f} ms"
    )
    if base is not None:
        b99, bc99 = _stats(base, 0)[1], _stats(base, 1)[1]
        text += (
            f" │ before p99 wall {b99:6.1f} CPU {bc99:6.1f}"
            f" → {b99 / max(w99, 1e-9):4.1f}x / {bc99 / max(c99, 1e-9):4.1f}x"
        )
    return text


def _report(tag: str, result: dict[str, Any], base: dict[str, Any] | None) -> None:
    print(f" {tag}: load + first frame {result['load_ms']:.0f} ms")
    everything: list[list[float]] = []
    before: list[list[float]] = []
    for name, frames in result["results"].items():
        previous = base["results"].get(name) if base is not None else None
        print(_row(name, frames, previous))
        everything.extend(frames)
        before.extend(previous or [])
    print(_row("all frames", everything, before or None))
    n = result["events"]
    print(
        f"  marks drawn in the last frame {result['marks']:,}; memory: RSS "
        f"+{result['rss_delta'] / 1e6:.1f} MB ({result['rss_delta'] / n:.1f} bytes/event), store "
        f"arrays {result['store_bytes'] / 1e6:.1f} MB; a 10,000-line live batch "
        f"{result['live_ms']:.1f} ms (convert + store + follow + repaint)"
    )
    wall, cpu = result["cap_drop"]
    print(
        f"  store at its cap: dropping the oldest 5 % + a zoomed-out frame: wall {wall:.1f} ms,"
        f" CPU {cpu:.1f} ms"
    )
    w99, c99 = _stats(everything, 0)[1], _stats(everything, 1)[1]
    verdict = "OK" if max(w99, c99) < 50 else "over the 50 ms target"
    print(f"  p99 over all frames: wall {w99:.1f} ms, CPU {c99:.1f} ms — {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument(
        "--baseline", default=BASELINE, help="git revision to compare with; '' skips it"
    )
    parser.add_argument("--shots", type=Path, help="save the panel at four zoom levels here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="current", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        child(args)
        return
    print(
        f"timeline benchmark: {args.events:,} events over {args.hours:g} h, panel {args.width}×"
        f"{args.height} (offscreen), {args.steps} frames per scenario, each implementation in "
        "its own process"
    )
    base: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline:
            from bench_at import _unpack  # the same unpacking of a git revision

            root = _unpack(args.baseline, Path(tmp))
            base = _run_child(root, args, "before")
            _report(f"before ({args.baseline}, one curve per lane and tone)", base, None)
        current = _run_child(ROOT, args, "after")
    _report("after (this tree, marks as one image)", current, base)
    for path in (base or {}).get("shots", []) + current["shots"]:
        print(f"  screenshot {path}")


if __name__ == "__main__":
    main()
