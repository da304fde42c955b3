"""Before Qt can abort: missing xcb libraries or no display, said in plain words (issue 10)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.gui.displaycheck import (
    EXIT_NO_WINDOW,
    XCB_LIBRARIES,
    install_command,
    main,
    missing_libraries,
    window_problem,
)

BARE_DEBIAN = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}


def _loader(missing: set[str]) -> Callable[[str], bool]:
    return lambda soname: soname not in missing


def test_missing_libraries_are_named_with_the_apt_command() -> None:
    problem = window_problem({"DISPLAY": ":0"}, "linux", _loader(BARE_DEBIAN))
    assert problem is not None
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in problem
    for soname in BARE_DEBIAN:
        assert soname in problem
    assert "lwm2m-workbench demo" in problem  # the way on without a window


def test_no_display_is_explained() -> None:
    problem = window_problem({}, "linux", _loader(set()))
    assert problem is not None and "DISPLAY is not set" in problem
    assert window_problem({"DISPLAY": ":0"}, "linux", _loader(set())) is None


@pytest.mark.parametrize(
    ("environ", "platform"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({}, "win32"),
        ({}, "darwin"),
    ],
)
def test_other_platforms_are_not_checked(environ: dict[str, str], platform: str) -> None:
    assert window_problem(environ, platform, _loader(set(XCB_LIBRARIES))) is None


def test_xcb_asked_for_explicitly_is_checked() -> None:
    environ = {"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":1"}
    problem = window_problem(environ, "linux", _loader({"libxcb-cursor.so.0"}))
    assert problem is not None and "libxcb-cursor0" in problem


def test_install_command_lists_each_package_once() -> None:
    assert install_command(["libxcb.so.1", "libxcb.so.1", "libGL.so.1"]) == (
        "sudo apt-get install libgl1 libxcb1"
    )


def test_the_real_loader_finds_the_c_library_and_not_a_made_up_one() -> None:
    assert missing_libraries(lambda s: s != "libxcb.so.1") == ["libxcb.so.1"]
    from workbench.gui.displaycheck import can_load

    assert can_load("libc.so.6")
    assert not can_load("libdoes-not-exist.so.7")


def test_missing_packages_for_the_setup_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--missing-packages"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == sorted({XCB_LIBRARIES[s] for s in missing_libraries()})
    assert main([]) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is the Linux platform")
def test_the_window_command_explains_instead_of_qt_aborting(tmp_path: Path) -> None:
    """The real command, xcb and no display: a plain explanation and exit 2, no core dump."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    proc = subprocess.run(
        [sys.executable, "-m", "workbench"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == EXIT_NO_WINDOW, proc.stderr
    assert "could not load the Qt platform plugin" not in proc.stderr.lower()
    missing = missing_libraries()
    if missing:
        assert install_command(missing) in proc.stderr
    else:
        assert "DISPLAY is not set" in proc.stderr
