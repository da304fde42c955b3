"""The window process: SIGTERM/SIGINT close it cleanly; heavy panels wait for the first paint.

The process tests start the real ``lwm2m-workbench --demo`` (offscreen) in a child process,
wait until the simulated module has registered (read from the session file it records), send
the signal, and check what a user keeps: exit code 0 and a complete session file (END record,
no damage). Close time is measured by bench/bench_gui.py, not asserted here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.gui.wb_helpers import run
from workbench.cli import _window_options
from workbench.gui.mainwindow import MainWindow
from workbench.plugin.loader import PluginRegistry, discover_plugins
from workbench.session.reader import SessionReader

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and a pty")


def _registered(path: Path) -> bool:
    try:
        with SessionReader(path) as reader:
            return any(
                e.kind == "registration" and e.fields.get("state") == "registered"
                for e in reader.events()
            )
    except Exception:  # the header may not be complete yet
        return False


@posix_only
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_closes_the_demo_window_cleanly(tmp_path: Path, signum: int) -> None:
    sessions = tmp_path / "sessions"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LWM2M_WORKBENCH_SESSIONS=str(sessions))
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "--demo"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        files: list[Path] = []
        while not (files and _registered(files[0])):
            assert proc.poll() is None, f"the window exited early: {proc.communicate()[0]}"
            assert time.monotonic() < deadline, "the demo did not register within 60 s"
            time.sleep(0.1)
            files = sorted(sessions.glob("*.wbs"))
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    # What an unclean asyncio/Qt shutdown prints. (aiocoap may log "Exception raised through
    # dispatch_message: invalid state" when a response meets a request cancelled in the same
    # loop turn: its own race, harmless, not checked here.)
    for symptom in (
        "Task was destroyed but it is pending",
        "Task exception was never retrieved",
        "Fatal Python error",
        "QObject::",
    ):
        assert symptom not in out, out
    assert len(files) == 1
    with SessionReader(files[0]) as reader:
        summary = reader.summary()
    assert summary.complete, summary.to_dict()
    assert summary.reports == []
    assert summary.counts.get("event", 0) > 0, summary.counts


def test_heavy_panels_wait_for_the_first_paint(wb_loop: asyncio.AbstractEventLoop) -> None:
    window = MainWindow(
        discover_plugins(), record_sessions=False, port_lister=lambda: [], defer_panels=True
    )
    window.show()
    assert window.panels.built("module_state") is not None  # on screen at start: built
    deferred = window.panels.pending()
    assert set(deferred) == {"object_tree", "server", "fota", "timeline", "commands", "network"}
    for name in deferred:
        assert window.panels.built(name) is None
        assert "Loading" in window.docks[name].widget().text()  # type: ignore[attr-defined]
    # Asking for one builds it on the spot; the rest come with create_deferred_panels().
    server = window.panels["server"]
    assert window.docks["server"].widget() is server
    run(wb_loop, window.create_deferred_panels())
    assert window.panels.pending() == []
    for name in deferred:
        assert window.docks[name].widget() is window.panels.built(name)
    assert type(window.panels["timeline"]).__name__ == "TimelinePanel"
    run(wb_loop, window.shutdown())
    window._closed_for_real = True
    window.close()


def test_plugins_arrive_after_the_first_paint(wb_loop: asyncio.AbstractEventLoop) -> None:
    """The application paints with no plugins, then discovers them (set_plugins)."""
    window = MainWindow(
        PluginRegistry(), record_sessions=False, port_lister=lambda: [], defer_panels=True
    )
    window.show()
    bar = window.connection_bar
    assert [bar.module.itemText(i) for i in range(bar.module.count())] == ["Auto-detect"]
    assert not [p for p in bar.ports() if p.startswith("sim://")]
    registry = discover_plugins()
    window.set_plugins(registry)
    assert bar.module.count() == 1 + len(registry.plugins)
    assert "sim://quectel-bg95" in bar.ports()
    bar.module.setCurrentIndex(bar.module.findData("quectel-bg95"))
    assert window.context.plugin is registry.get("quectel-bg95")
    run(wb_loop, window.shutdown())
    window._closed_for_real = True
    window.close()


def test_the_window_module_does_not_import_what_can_wait() -> None:
    """Plugins (and aiocoap with them), pyqtgraph, the server and the definitions loader are
    not needed for the first paint: the window module and an empty registry import none."""
    code = (
        "import sys\n"
        "import workbench.gui.mainwindow, workbench.gui.app\n"
        "from workbench.plugin.loader import PluginRegistry\n"
        "late = ['pyqtgraph', 'aiocoap', 'workbench.plugin_api', 'plugins',\n"
        "        'workbench.server', 'workbench.client', 'workbench.lwm2m.definitions',\n"
        "        'workbench.gui.panels.timeline', 'workbench.gui.panels.object_tree',\n"
        "        'workbench.gui.panels.fota', 'workbench.viewmodel.fotaview',\n"
        "        'workbench.session.export', 'workbench.app.demo', 'importlib.metadata']\n"
        "print(sorted(m for m in late if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        check=True,
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_window_options_are_parsed_without_the_sub_commands() -> None:
    assert _window_options([]) is not None
    demo = _window_options(["--demo", "quectel-bg95"])
    assert demo is not None and demo.demo == "quectel-bg95"
    assert _window_options(["--demo"]).demo == ""  # type: ignore[union-attr]
    for argv in (["modules"], ["--version"], ["-h"], ["--self-test"], ["--demo", "x", "extra"]):
        assert _window_options(argv) is None, argv
