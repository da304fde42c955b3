"""Where the workbench keeps per-user files, on each OS: the one place that decides it.

Two base folders, each with an ``lwm2m-workbench`` folder inside:

* configuration (the user's plugins and object definitions, small and worth roaming):
  ``$XDG_CONFIG_HOME`` or ``~/.config`` on Linux and other Unix, ``%APPDATA%`` (roaming) on
  Windows, ``~/Library/Application Support`` on macOS;
* data (recorded sessions, large and machine-local): ``$XDG_DATA_HOME`` or
  ``~/.local/share``, ``%LOCALAPPDATA%``, ``~/Library/Application Support``.

An XDG variable holding a relative path is ignored, as the XDG Base Directory spec says.
Qt's own settings (``QSettings``) are not placed here: Qt puts them where each OS keeps them
(``$XDG_CONFIG_HOME`` on Linux, the registry on Windows, a plist on macOS) from the names in
``workbench.gui.app``.

Why not ``platformdirs``: on Windows it asks the shell (``SHGetKnownFolderPath``), not
``%APPDATA%``, and it only answers for the OS it runs on, while the tests check every OS's
folders from one machine through the ``platform``/``environ``/``home`` parameters; the layout
above is what installed copies already use, and one dependency less for PyInstaller. Nothing
is cached: the answer depends only on the arguments and the environment. The module sits in
the bottom layer because the definitions loader (``lwm2m``), the plugin loader and the
window's session recorder all need it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

#: The folder name inside each base folder.
APP_DIR_NAME = "lwm2m-workbench"
#: Overrides the folder sessions are written to (tests, portable installs).
SESSION_DIR_ENV = "LWM2M_WORKBENCH_SESSIONS"


def _system(
    platform: str | None, environ: Mapping[str, str] | None, home: Path | None
) -> tuple[str, Mapping[str, str], Path]:
    return (
        sys.platform if platform is None else platform,
        os.environ if environ is None else environ,
        Path.home() if home is None else home,
    )


def _xdg(environ: Mapping[str, str], name: str, default: Path) -> Path:
    value = environ.get(name, "").strip()
    return Path(value) if value and Path(value).is_absolute() else default


def config_dir(
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path:
    """``<configuration base>/lwm2m-workbench`` (it may not exist).

    The parameters default to the running system; tests pass their own.
    """
    platform, env, home = _system(platform, environ, home)
    if platform.startswith("win"):
        appdata = env.get("APPDATA", "").strip()
        base = Path(appdata) if appdata else home / "AppData" / "Roaming"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = _xdg(env, "XDG_CONFIG_HOME", home / ".config")
    return base / APP_DIR_NAME


def data_dir(
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path:
    """``<data base>/lwm2m-workbench`` (it may not exist)."""
    platform, env, home = _system(platform, environ, home)
    if platform.startswith("win"):
        local = env.get("LOCALAPPDATA", "").strip()
        base = Path(local) if local else home / "AppData" / "Local"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = _xdg(env, "XDG_DATA_HOME", home / ".local" / "share")
    return base / APP_DIR_NAME


def plugin_dir(
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path:
    """The user's own plugin folder: ``<config dir>/plugins``."""
    return config_dir(platform, environ, home) / "plugins"


def objects_dir(
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path:
    """The user's own object definition files: ``<config dir>/objects``."""
    return config_dir(platform, environ, home) / "objects"


def session_dir(
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path:
    """Recorded sessions: ``$LWM2M_WORKBENCH_SESSIONS`` if set, else ``<data dir>/sessions``."""
    env = os.environ if environ is None else environ
    override = env.get(SESSION_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return data_dir(platform, env, home) / "sessions"
