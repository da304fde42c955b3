"""Can Qt open a window here? Checked before Qt is imported, in plain words.

When Qt's xcb platform plugin cannot load (a bare Debian/Ubuntu lacks ``libxcb-cursor0``,
``libxcb-icccm4``, ``libxcb-keysyms1``...) or there is no X display, Qt prints "could not load
the Qt platform plugin xcb" and aborts the process with a core dump; nothing in Python can
catch that. So the window's entry point asks this module first: each library the xcb plugin
links against is opened with the same dynamic loader Qt uses (``dlopen`` through ctypes, about
a millisecond in all), and a missing one is reported with the exact ``apt-get`` command.

This module must not import Qt (it runs before Qt can be loaded safely). ``python -m
workbench.gui.displaycheck --missing-packages`` prints the Debian packages still missing, for
``scripts/setup.sh``.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Mapping, Sequence

#: Shared libraries PySide6's xcb platform plugin (``libqxcb.so`` → ``libQt6XcbQpa.so.6``) and
#: QtGui need from the system, with the Debian/Ubuntu package that ships each. Read from
#: ``ldd`` of those two files (PySide6 6.11/6.12); ECOSYSTEM.md "GUI tests" lists the ones a
#: bare Debian 12 lacks.
XCB_LIBRARIES: dict[str, str] = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
}

#: Exit code of the window command when it cannot open a window here.
EXIT_NO_WINDOW = 2


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname`` (what Qt's plugin loader will need)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(load: Callable[[str], bool] = can_load) -> list[str]:
    """The sonames of :data:`XCB_LIBRARIES` the loader cannot open, in table order."""
    return [soname for soname in XCB_LIBRARIES if not load(soname)]


def install_command(sonames: Sequence[str]) -> str:
    """The apt command that installs the packages behind ``sonames``."""
    packages = sorted({XCB_LIBRARIES[s] for s in sonames})
    return "sudo apt-get install " + " ".join(packages)


def _uses_xcb(environ: Mapping[str, str]) -> bool:
    """Will Qt try the xcb plugin? (``QT_QPA_PLATFORM`` may list several, ``;``-separated.)"""
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        first = requested.split(";")[0].split(":")[0].strip()
        return first == "xcb"
    # Qt 6 prefers Wayland in a Wayland session and falls back to xcb otherwise.
    return not environ.get("WAYLAND_DISPLAY")


def window_problem(
    environ: Mapping[str, str],
    platform: str = sys.platform,
    load: Callable[[str], bool] = can_load,
) -> str | None:
    """Why Qt would abort opening a window here, in plain words with the fix; None if it can."""
    if not platform.startswith("linux") or not _uses_xcb(environ):
        return None
    missing = missing_libraries(load)
    if missing:
        return (
            "The window cannot open: Qt's X11 (xcb) platform plugin needs system libraries "
            f"that are not installed here ({', '.join(missing)}).\n"
            "Install them with:\n"
            f"    {install_command(missing)}\n"
            "(bash scripts/setup.sh does this when it may run apt.) Every headless command "
            "works without them: `lwm2m-workbench demo` runs the demo in this terminal."
        )
    if not environ.get("DISPLAY", "").strip():
        return (
            "The window cannot open: there is no X display (DISPLAY is not set), for example "
            "over ssh or on a console.\n"
            "Run it inside a desktop session, forward X (ssh -X), or use a headless command: "
            "`lwm2m-workbench demo` runs the demo in this terminal."
        )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """``--missing-packages``: the Debian packages still missing, one line (empty if none)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args != ["--missing-packages"]:
        print("usage: python -m workbench.gui.displaycheck --missing-packages", file=sys.stderr)
        return 2
    missing = missing_libraries()
    print(" ".join(sorted({XCB_LIBRARIES[s] for s in missing})))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
