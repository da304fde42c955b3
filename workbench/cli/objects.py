"""``lwm2m-workbench objects [ID] [--json] [--defs DIR ...]``: show the loaded definitions.

Without an id it lists every object (id, name, version, multiple, resource count, source); with
one it lists that object's resources. It answers "which definition of object 10308 am I
using, and where does it come from?", which matters once users add their own files: the
shipped files load first, then the per-user folder, then each ``--defs`` folder, later ones
overriding earlier ones. A broken file is a warning on stderr, never a failed command.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from workbench.lwm2m.definitions import default_user_folder, load_registry
from workbench.lwm2m.model import ObjectDefinition, ObjectRegistry, ResourceDefinition


def register(subparsers: Any) -> None:
    """Add the ``objects`` sub-command to the ``lwm2m-workbench`` parser."""
    parser = subparsers.add_parser(
        "objects",
        help="list the LwM2M object definitions, or one object's resources",
        description=(
            "List the object definitions in use (shipped, then the per-user folder "
            f"{default_user_folder()}, then each --defs folder; later ones override earlier "
            "ones), or the resources of one object."
        ),
    )
    parser.add_argument(
        "object_id", nargs="?", metavar="ID", help="object id (e.g. 3 or /3): show its resources"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--defs",
        action="append",
        default=[],
        metavar="DIR",
        help="also load the DDF XML files of DIR (repeatable; overrides earlier definitions)",
    )
    parser.add_argument(
        "--no-user-defs",
        action="store_true",
        help="do not load the per-user definition folder",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Entry point of the sub-command; returns the process exit code."""
    object_id: int | None = None
    if args.object_id is not None:
        text = str(args.object_id).strip().strip("/")
        if not (text.isascii() and text.isdigit()):
            print(f"error: object id {args.object_id!r} is not a number", file=sys.stderr)
            return 2
        object_id = int(text)

    folders: list[Path] = []
    if not args.no_user_defs:
        user_folder = default_user_folder()
        if user_folder.is_dir():
            folders.append(user_folder)
    folders.extend(Path(d) for d in args.defs)
    registry, errors = load_registry(folders)
    for error in errors:
        print(f"warning: {error}", file=sys.stderr)

    out = sys.stdout
    if object_id is None:
        _print_objects(registry, args.json, out)
        return 0
    definition = registry.get(object_id)
    if definition is None:
        print(f"error: no definition for object {object_id}", file=sys.stderr)
        return 1
    _print_resources(definition, args.json, out)
    return 0


# -- output ------------------------------------------------------------------------------------


def _object_json(definition: ObjectDefinition) -> dict[str, Any]:
    return {
        "id": definition.id,
        "name": definition.name,
        "version": definition.version,
        "lwm2m_version": definition.lwm2m_version,
        "urn": definition.urn,
        "multiple": definition.multiple,
        "mandatory": definition.mandatory,
        "resources": len(definition.resources),
        "source": definition.source,
    }


def _resource_json(resource: ResourceDefinition) -> dict[str, Any]:
    return {
        "id": resource.id,
        "name": resource.name,
        "type": resource.type.label,
        "operations": resource.operations.letters,
        "multiple": resource.multiple,
        "mandatory": resource.mandatory,
        "units": resource.units,
        "range": resource.range_text,
        "range_min": None if resource.range is None else resource.range.low,
        "range_max": None if resource.range is None else resource.range.high,
        "enumeration": list(resource.enumeration),
    }


def _print_objects(registry: ObjectRegistry, as_json: bool, out: TextIO) -> None:
    definitions = list(registry)
    if as_json:
        json.dump([_object_json(d) for d in definitions], out, indent=2)
        out.write("\n")
        return
    rows = [
        [
            str(d.id),
            d.name,
            d.version,
            "multiple" if d.multiple else "single",
            str(len(d.resources)),
            d.source,
        ]
        for d in definitions
    ]
    _table(["ID", "NAME", "VERSION", "INSTANCES", "RESOURCES", "SOURCE"], rows, out)


def _print_resources(definition: ObjectDefinition, as_json: bool, out: TextIO) -> None:
    resources = [definition.resources[k] for k in sorted(definition.resources)]
    if as_json:
        data = _object_json(definition)
        data["resources"] = [_resource_json(r) for r in resources]
        json.dump(data, out, indent=2)
        out.write("\n")
        return
    instances = "multiple" if definition.multiple else "single"
    out.write(
        f"/{definition.id} {definition.name} (version {definition.version}, {instances} "
        f"instance, {'mandatory' if definition.mandatory else 'optional'}) from "
        f"{definition.source}\n"
    )
    rows = [
        [
            str(r.id),
            r.name,
            r.type.label,
            r.operations.letters or "-",
            "multiple" if r.multiple else "single",
            "mandatory" if r.mandatory else "optional",
            r.units,
            " ".join(r.range_text.split()),
        ]
        for r in resources
    ]
    _table(["ID", "NAME", "TYPE", "OPS", "INSTANCES", "REQUIRED", "UNITS", "RANGE"], rows, out)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")
