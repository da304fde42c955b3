"""``lwm2m-workbench --self-test``: is this installation whole? Headless, about a second.

An installed bundle (and CI, on every installer) runs this as its smoke test. It checks what a
broken package gets wrong, then does the product's core job once, end to end:

1. every bundled plugin imports (a module PyInstaller missed shows up here, not as a plugin
   silently missing from the window);
2. the shipped object definitions are found and load (``resources/`` was collected);
3. ``sim://`` opens through pyserial and the simulated module answers ``AT`` (pyserial imports
   the URL handler by name, so a frozen build needs it as a hidden import);
4. the built-in server and one simulated module run the demo
(:class:`~workbench.app.demo.DemoSession`):
   the module registers and the server reads ``/3/0``.

It prints one line and returns 0 (pass) or 1 (fail). Nothing here imports Qt: the self-test
must work on a machine without a display and tell a broken Qt apart from a broken core.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from workbench.compiled import runs_compiled
from workbench.plugin.api import Plugin
from workbench.plugin.loader import PluginRegistry, discover_plugins

#: Seconds the simulated module gets to register (the demo's own default).
REGISTER_TIMEOUT = 30.0
#: Seconds the ``sim://`` port gets to answer ``AT``.
SIM_URL_TIMEOUT = 5.0


@dataclass
class SelfTestResult:
    """What one self-test run found; :meth:`verdict` is the line it prints."""

    plugin: str = ""
    plugins: int = 0
    definitions: int = 0
    registered_in: float | None = None
    values: int = 0
    total: float = 0.0
    failures: list[str] = field(default_factory=list)
    #: How the decode path runs: "compiled" (mypyc) or "from sources" (workbench/compiled.py).
    decode_path: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures and self.registered_in is not None

    def verdict(self) -> str:
        checked = f"{self.plugins} plugins, {self.definitions} object definitions, sim:// ok"
        if self.decode_path:
            checked += f", decode path {self.decode_path}"
        if self.passed:
            return (
                f"self-test: PASS {self.plugin} registered in {self.registered_in:.2f} s, "
                f"/3/0 read {self.values} values; {checked} (total {self.total:.1f} s)"
            )
        return f"self-test: FAIL {'; '.join(self.failures)} (total {self.total:.1f} s)"


def demo_candidates(registry: PluginRegistry) -> list[Plugin]:
    """Bundled plugins the demo can drive: a simulator and a documented connect sequence."""
    return [
        entry.plugin
        for entry in registry.entries
        if entry.available
        and entry.origin == "bundled"
        and entry.plugin is not None
        and entry.plugin.simulator_factory is not None
        and entry.plugin.connect_sequence is not None
    ]


def choose_plugin(registry: PluginRegistry, plugin_id: str | None) -> Plugin:
    """``plugin_id``'s plugin, or the first bundled one the demo can drive.

    Raises :class:`LookupError` (:class:`~workbench.plugin.loader.PluginUnavailable` for an
    unknown or broken id) with a message for the user.
    """
    if plugin_id:
        plugin = registry.get(plugin_id)
        if plugin.simulator_factory is None or plugin.connect_sequence is None:
            raise LookupError(f"{plugin_id} has no simulator with a documented connect sequence")
        return plugin
    candidates = demo_candidates(registry)
    if not candidates:
        raise LookupError("no bundled plugin has a simulator with a documented connect sequence")
    return candidates[0]


def check_definitions(result: SelfTestResult) -> None:
    from workbench.lwm2m.definitions import builtin_definitions

    definitions, errors = builtin_definitions()
    result.definitions = len(definitions)
    if errors:
        result.failures.append(f"object definitions: {errors[0]}")
    elif not definitions:
        result.failures.append("object definitions: none shipped")


def check_sim_url(plugin: Plugin, timeout: float = SIM_URL_TIMEOUT) -> str:
    """Open ``sim://ID`` as the terminal does and expect ``OK`` to ``AT``; '' or the problem."""
    import serial

    from workbench.transport import register_url_handlers

    register_url_handlers()
    url = f"sim://{plugin.id}"
    try:
        port = serial.serial_for_url(url, timeout=0.05)
    except (serial.SerialException, OSError, ValueError) as exc:
        return f"{url}: {exc}"
    try:
        port.write(b"AT\r\n")
        received = b""
        deadline = time.monotonic() + timeout
        while b"OK" not in received and time.monotonic() < deadline:
            received += port.read(256)
    finally:
        port.close()
    return "" if b"OK" in received else f"{url}: no OK to AT within {timeout:.0f} s"


async def run_demo(plugin: Plugin, result: SelfTestResult, register_timeout: float) -> None:
    """Register the simulated module with the built-in server and read ``/3/0``."""
    from workbench.app.demo import DemoSession

    session = DemoSession(plugin)
    try:
        await session.start()
        report = await session.connect(register_timeout)
    except Exception as exc:  # an OSError, a server error: the verdict names it
        result.failures.append(f"{plugin.id}: {type(exc).__name__}: {exc}")
        return
    finally:
        await session.stop()
    if not report.registered:
        result.failures.append(f"{plugin.id}: {report.error or 'did not register'}")
        return
    result.registered_in = report.seconds_to_register
    result.values = len(report.device)
    if not report.device:
        result.failures.append(f"{plugin.id}: {report.error or '/3/0 read returned no values'}")
    if report.failed_commands:
        result.failures.append(f"{plugin.id}: commands failed: {', '.join(report.failed_commands)}")


def self_test(
    plugin_id: str | None = None,
    *,
    register_timeout: float = REGISTER_TIMEOUT,
    clock: Callable[[], float] = time.monotonic,
) -> SelfTestResult:
    """Run every check (a failing check does not stop the others) and time the whole."""
    started = clock()
    result = SelfTestResult()
    registry = discover_plugins(entry_points=False, user=False)
    result.plugins = len(registry.plugins)
    for entry in registry.problems:
        if entry.origin == "bundled":
            result.failures.append(f"plugin {entry.id}: {entry.error}")
    check_definitions(result)
    result.decode_path = "compiled" if runs_compiled() else "from sources"
    try:
        plugin = choose_plugin(registry, plugin_id)
    except LookupError as exc:  # PluginUnavailable is one
        result.failures.append(str(exc))
    else:
        result.plugin = plugin.id
        problem = check_sim_url(plugin)
        if problem:
            result.failures.append(problem)
        asyncio.run(run_demo(plugin, result, register_timeout))
    result.total = clock() - started
    return result


def main(plugin_id: str | None = None, out: TextIO | None = None) -> int:
    """Run the self-test, print the verdict line, return the exit status."""
    import sys

    result = self_test(plugin_id)
    print(result.verdict(), file=out or sys.stdout, flush=True)
    return 0 if result.passed else 1
