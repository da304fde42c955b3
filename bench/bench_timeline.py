"""Timeline benchmark: one million events in the panel, frame times for pan and zoom, memory.

Not a test (prints figures, never fails on time). It builds the real
:class:`~workbench.gui.panels.timeline.TimelinePanel` offscreen, loads ``--events`` synthetic
events spread over the seven lanes (bursts of notifications, a CoAP exchange per notification,
a few registrations and errors, over ``--hours``), then measures frames: each step changes the
visible range (as a pan or a zoom does) and forces a full repaint with ``widget.grab()``. A
frame therefore includes decimation in the store, rebuilding the marks and painting the whole
panel. It prints p50/p99/max per scenario (target: < 50 ms), the RSS growth and the store's
bytes per event.

    .venv/bin/python bench/bench_timeline.py [--events 1000000] [--steps 50] [--hours 8]
        [--no-compare]

The scenarios run twice in one process: first with the store's level of detail switched off
(every visible event decimated per frame, the behaviour before issue 17), then with it.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


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


def measure(
    panel: object, steps: list[tuple[float, float]], grab: Callable[[], object]
) -> list[float]:
    times: list[float] = []
    for t0, t1 in steps:
        begin = time.perf_counter()
        panel.view.setXRange(t0 - panel.origin, t1 - panel.origin, padding=0)  # type: ignore[attr-defined]
        grab()
        times.append((time.perf_counter() - begin) * 1000)
    return times


def report(name: str, values: list[float]) -> None:
    print(
        f"  {name:<34} p50 {percentile(values, 50):6.1f} ms   p99 {percentile(values, 99):6.1f} ms"
        f"   max {max(values):6.1f} ms   mean {statistics.fmean(values):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument(
        "--no-compare",
        dest="compare",
        action="store_false",
        help="skip the frames without level of detail (the previous behaviour)",
    )
    args = parser.parse_args()

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
    start = panel.origin - seconds
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

    def grab() -> object:
        return panel.grab()

    t_lo, t_hi = panel.store.span()  # type: ignore[misc]
    full = t_hi - t_lo
    steps = args.steps
    scenarios: list[tuple[str, list[tuple[float, float]]]] = []
    # Pan with everything visible: every frame decimates all million events.
    scenarios.append(
        (
            "pan, whole range visible",
            [(t_lo + full * 0.02 * i, t_hi + full * 0.02 * i) for i in range(steps)],
        )
    )
    # Pan at one hour wide (~125,000 events visible).
    hour = 3600.0
    scenarios.append(
        (
            "pan, 1 h visible",
            [(t_lo + hour * 0.1 * i, t_lo + hour * (1 + 0.1 * i)) for i in range(steps)],
        )
    )
    # Pan at one minute wide (labels drawn where sparse).
    middle = t_lo + full / 2
    scenarios.append(
        (
            "pan, 1 min visible",
            [(middle + 6.0 * i, middle + 60 + 6.0 * i) for i in range(steps)],
        )
    )
    # Zoom in from everything to ~1 s around the middle, then back out.
    factor = (1.0 / full) ** (1 / max(1, steps - 1))
    zoom_in = []
    width = full
    for _ in range(steps):
        zoom_in.append((middle - width / 2, middle + width / 2))
        width *= factor
    scenarios.append(("zoom in, whole range → 1 s", zoom_in))
    scenarios.append(("zoom out, 1 s → whole range", list(reversed(zoom_in))))

    print(
        f"timeline benchmark: {n:,} events over {args.hours:g} h, panel {args.width}×"
        f"{args.height} (offscreen), {steps} frames per scenario"
    )
    print(f"  load + first frame                  {load_ms:7.1f} ms")
    from workbench.viewmodel import timeline as store_module

    lod_factor = store_module.LOD_FACTOR
    if args.compare:
        # The previous implementation, same run: decimation over every visible event.
        print("  -- without level of detail (previous behaviour) --")
        store_module.LOD_FACTOR = 1 << 62
        before: list[float] = []
        for name, ranges in scenarios:
            measure(panel, ranges[:3], grab)  # warm up
            values = measure(panel, ranges, grab)
            before.extend(values)
            report(name, values)
        report("all frames", before)
        store_module.LOD_FACTOR = lod_factor
        print("  -- with level of detail (issue 17) --")
    results: dict[str, list[float]] = {}
    for name, ranges in scenarios:
        measure(panel, ranges[:3], grab)  # warm up (builds the levels the zoom needs)
        results[name] = measure(panel, ranges, grab)
        report(name, results[name])
    everything = [v for values in results.values() for v in values]
    report("all frames", everything)
    if args.compare:
        print(
            f"  same-run ratio p99 without/with level of detail: "
            f"{percentile(before, 99) / max(percentile(everything, 99), 1e-9):.1f}x"
        )
    marks = sum(len(c.xData) // 2 for c in panel.curves.values() if c.xData is not None)
    print(f"  marks drawn in the last frame       {marks:,}")
    delta = rss1 - rss0
    print(
        f"  memory: RSS +{delta / 1e6:.1f} MB ({delta / n:.1f} bytes/event); store arrays "
        f"{panel.store.nbytes() / 1e6:.1f} MB ({panel.store.nbytes() / n:.1f} bytes/event, "
        "capacity included)"
    )
    verdict = "OK" if percentile(everything, 99) < 50 else "over the 50 ms target"
    print(f"  p99 over all frames: {percentile(everything, 99):.1f} ms — {verdict}")

    # The live path: terminal lines through the panel's batch conversion.
    from workbench.app.connection import TerminalLine
    from workbench.module.events import Event

    batch = [
        TerminalLine(
            i,
            "rx",
            "+QLWURC: ...",
            b"",
            t_hi + i * 0.001,
            "urc",
            (Event("notify", i, "+QLWURC", {"path": "/3303/0/5700"}),),
        )
        for i in range(10_000)
    ]
    begin = time.perf_counter()
    context.lines_appended.emit(batch)
    panel.tick()
    print(
        f"  live feed: a 10,000-line batch in {(time.perf_counter() - begin) * 1000:.1f} ms "
        "(convert + store + redraw)"
    )
    panel.shutdown()


if __name__ == "__main__":
    main()
