"""A closed loop's Qt objects die on the GUI thread, whoever collects the loop later.

The GUI test process used to die from SIGSEGV in the Qt event loop now and then: closed qasync
loops (one per test) were freed by a cyclic garbage collection on another thread (the serial
reader, an executor worker) with Qt timers still registered. Each case runs in a child process
(a crash must not take the test run down) that closes loops with pending ``call_later``
handles, drops them, lets a non-GUI thread run the collection, then keeps the Qt event loop
turning while those timers come due.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import asyncio, faulthandler, gc, os, sys, threading
    faulthandler.enable()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    import qasync
    from workbench.gui.qtloop import QtLoop

    app = QApplication([])
    factory = QtLoop if sys.argv[1] == "QtLoop" else qasync.QEventLoop
    gc.disable()  # only the thread below collects
    for i in range(10):
        loop = factory(app)
        asyncio.set_event_loop(loop)

        async def body(delay: float) -> None:
            asyncio.get_running_loop().call_later(delay, print, "late")
            await asyncio.sleep(0.01)

        loop.run_until_complete(body(0.3 + i * 0.02))
        asyncio.set_event_loop(None)
        loop.close()
        del loop
    collector = threading.Thread(target=gc.collect, name="serial-reader")
    QTimer.singleShot(20, collector.start)
    QTimer.singleShot(1500, app.quit)
    app.exec()
    collector.join()
    print("clean exit")
    """
)


def _run(factory: str, script: str = SCRIPT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-c", script, factory],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


HAZARD = "Timers cannot be stopped from another thread"


@pytest.mark.skipif(os.name != "posix", reason="the crash shows as a signal on POSIX")
def test_plain_qasync_loops_freed_off_thread_leave_dangling_timers() -> None:
    """The hazard is real: with qasync's own loop, Qt complains (and the process usually dies)."""
    result = _run("qasync")
    assert HAZARD in result.stderr, (result.returncode, result.stderr[-2000:])


def test_closed_qt_loops_leave_nothing_for_another_thread() -> None:
    result = _run("QtLoop")
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert HAZARD not in result.stderr
    assert result.stdout.strip().endswith("clean exit")


NESTING = textwrap.dedent(
    """
    import asyncio, os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    import qasync
    from workbench.gui.qtloop import QtLoop

    app = QApplication([])
    loop = QtLoop(app) if sys.argv[1] == "QtLoop" else qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    steps = []

    async def other() -> None:
        steps.append("other started")
        await asyncio.sleep(0)
        steps.append("other finished")

    async def main() -> str:
        task = asyncio.create_task(other())  # its first step is due now
        QApplication.processEvents()  # a nested Qt event loop inside this task's step
        steps.append("main went on")
        try:
            await asyncio.wait_for(asyncio.shield(task), 2)
        except TimeoutError:
            return "other never finished"
        return "other finished"

    print(loop.run_until_complete(main()))
    print(steps)
    print("nested", getattr(loop, "nested_dispatches", "n/a"))
    """
)


def test_plain_qasync_loses_a_task_step_inside_a_nested_qt_loop() -> None:
    """The hazard is real: qasync runs the other task's step inside the first one's, asyncio
    refuses it ("Cannot enter into task"), and that task never resumes."""
    result = _run("qasync", NESTING)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[0] == "other never finished", result.stdout
    assert "Cannot enter into task" in result.stderr, result.stderr[-2000:]


def test_qt_loop_runs_callbacks_due_in_a_nested_qt_loop_after_the_running_one() -> None:
    """Nothing is lost or run inside another callback: the other task starts once the first
    one's step has returned, and the nesting is counted and logged."""
    result = _run("QtLoop", NESTING)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "other finished", result.stdout
    assert lines[1] == str(["main went on", "other started", "other finished"]), lines
    assert lines[2] == "nested 1", lines
    assert "Cannot enter into task" not in result.stderr
    assert "a Qt event loop ran inside the asyncio callback" in result.stderr
