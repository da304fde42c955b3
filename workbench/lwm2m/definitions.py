"""The object definitions a session uses: the shipped ones, overridden by the user's own.

Shipped definitions live in ``resources/objects/<id>.xml`` (written by the project, see
:mod:`workbench.resources` for where that folder is at run time). Users drop OMA registry or
vendor files into a per-user folder (:func:`default_user_folder`) or name folders on the
command line; a user's file replaces the shipped definition with the same object id.

Nothing here runs at import time and nothing is cached: loading the ~20 shipped files takes a
few milliseconds, and a fresh registry per call means a caller can never see another caller's
modifications (:class:`ObjectRegistry` is mutable).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from workbench.lwm2m.ddf import load_ddf_bytes, load_ddf_folder
from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import ObjectDefinition, ObjectRegistry
from workbench.resources import resource_dir

__all__ = [
    "APP_DIR_NAME",
    "BUILTIN_SOURCE_PREFIX",
    "builtin_definitions",
    "builtin_folder",
    "builtin_registry",
    "default_user_folder",
    "load_registry",
]

#: Folder name of the application's per-user configuration.
APP_DIR_NAME = "lwm2m-workbench"
#: Shipped definitions are labelled ``builtin:<file name>`` rather than with a path, because
#: the install location means nothing to a user reading a message.
BUILTIN_SOURCE_PREFIX = "builtin:"


def builtin_folder() -> Path:
    """The folder of the shipped definition files."""
    return resource_dir() / "objects"


def builtin_definitions() -> tuple[list[ObjectDefinition], list[DefinitionError]]:
    """Load the shipped definitions; problems are returned, not raised."""
    folder = builtin_folder()
    if not folder.is_dir():
        return [], [
            DefinitionError(
                "the shipped object definitions are missing (broken installation?)", str(folder)
            )
        ]
    definitions: list[ObjectDefinition] = []
    errors: list[DefinitionError] = []
    for path in sorted(folder.glob("*.xml"), key=lambda p: p.name):
        source = BUILTIN_SOURCE_PREFIX + path.name
        try:
            definitions.extend(load_ddf_bytes(path.read_bytes(), source))
        except DefinitionError as exc:
            errors.append(exc)
        except OSError as exc:
            errors.append(DefinitionError(f"cannot read file: {exc.strerror or exc}", source))
    return definitions, errors


def builtin_registry() -> ObjectRegistry:
    """A new registry holding the shipped definitions.

    Raises :class:`DefinitionError` when a shipped file is missing or broken: that is a
    packaging bug, and the tests make sure it cannot happen silently. Use
    :func:`load_registry` where the program must keep running regardless.
    """
    definitions, errors = builtin_definitions()
    if errors:
        raise errors[0]
    return ObjectRegistry(definitions)


def load_registry(
    user_folders: Iterable[str | os.PathLike[str]] = (),
) -> tuple[ObjectRegistry, list[DefinitionError]]:
    """The shipped definitions, then each user folder in order (later ones win).

    Every problem (a broken shipped or user file, a folder that does not exist) is collected
    in the returned list, so the caller can warn and carry on with what did load.
    """
    definitions, errors = builtin_definitions()
    registry = ObjectRegistry(definitions)
    for folder in user_folders:
        loaded, folder_errors = load_ddf_folder(folder)
        for definition in loaded:
            registry.add(definition)
        errors.extend(folder_errors)
    return registry, errors


def default_user_folder(
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path:
    """The per-user folder for the user's own definition files (it may not exist).

    * Linux and other Unix: ``$XDG_CONFIG_HOME/lwm2m-workbench/objects``, by default
      ``~/.config/lwm2m-workbench/objects``;
    * Windows: ``%APPDATA%\\lwm2m-workbench\\objects``;
    * macOS: ``~/Library/Application Support/lwm2m-workbench/objects``.

    The parameters default to the running system; tests pass their own.
    """
    platform = sys.platform if platform is None else platform
    env = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    if platform.startswith("win"):
        appdata = env.get("APPDATA", "").strip()
        base = Path(appdata) if appdata else home / "AppData" / "Roaming"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_CONFIG_HOME", "").strip()
        # The XDG spec says to ignore a relative value.
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".config"
    return base / APP_DIR_NAME / "objects"
