"""Loading object definitions the user adds at run time, off the loop's thread.

Parsing a folder of OMA DDF files takes long enough to freeze a window (hundreds of XML files
in the OMA registry), and the loop's thread is the GUI thread, so :func:`load_definitions_async`
parses in a worker thread (:func:`asyncio.to_thread`) and hands back a new
:class:`~workbench.lwm2m.model.ObjectRegistry`: the shipped definitions, then the user's folders
in order, then single files (later ones win). Every broken or unreadable file is collected in
:attr:`LoadedDefinitions.errors` so the caller warns and carries on with what did load.
:func:`use_definitions` swaps a running server's registry, so its reads decode with the new
types. Used by the object tree; pure, no Qt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.lwm2m.ddf import load_ddf_bytes
from workbench.lwm2m.definitions import load_registry
from workbench.lwm2m.errors import DefinitionError
from workbench.lwm2m.model import ObjectRegistry


@dataclass(slots=True)
class LoadedDefinitions:
    """A registry and the problems met while building it."""

    registry: ObjectRegistry
    errors: list[DefinitionError] = field(default_factory=list)


def load_definitions(folders: Sequence[Path] = (), files: Sequence[Path] = ()) -> LoadedDefinitions:
    """Shipped definitions + ``folders`` + ``files``, in this thread (see the module docstring)."""
    registry, errors = load_registry(folders)
    for file in files:
        try:
            for definition in load_ddf_bytes(file.read_bytes(), file.name):
                registry.add(definition)
        except DefinitionError as exc:
            errors.append(exc)
        except OSError as exc:
            errors.append(DefinitionError(f"cannot read file: {exc.strerror or exc}", file.name))
    return LoadedDefinitions(registry, errors)


async def load_definitions_async(
    folders: Sequence[Path] = (), files: Sequence[Path] = ()
) -> LoadedDefinitions:
    """:func:`load_definitions` in a worker thread; the loop keeps running meanwhile."""
    return await asyncio.to_thread(load_definitions, list(folders), list(files))


def use_definitions(server: Any, registry: ObjectRegistry) -> None:
    """Let a running server (if any) decode with ``registry`` from its next exchange on."""
    if server is not None:
        server.registry = registry
