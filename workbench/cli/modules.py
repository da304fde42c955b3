"""``lwm2m-workbench modules [--json]``: which module plugins were found, and which are broken.

It answers "why is my module not in the list?": a plugin that fails to import is shown with its
error instead of silently missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from workbench.app.scenario import plugin_scenarios
from workbench.plugin.loader import PluginEntry, PluginRegistry, discover_plugins


def register(subparsers: Any) -> None:
    """Add the ``modules`` sub-command."""
    parser = subparsers.add_parser(
        "modules",
        help="list the module plugins (ids, variants, availability)",
        description=(
            "List module plugins: the bundled ones, those registered through the "
            "'lwm2m_workbench.plugins' entry point group and those in the user's plugin folder."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def registry_from_args(args: argparse.Namespace) -> PluginRegistry:
    """Bundled plugins, installed entry points and the user's plugin folder — nothing else."""
    return discover_plugins()


def entry_to_dict(entry: PluginEntry) -> dict[str, Any]:
    plugin = entry.plugin
    out: dict[str, Any] = {
        "id": entry.id,
        "available": entry.available,
        "origin": entry.origin,
        "source": entry.source,
        "error": entry.error,
    }
    if plugin is not None:
        out.update(
            name=plugin.name,
            vendor=plugin.vendor,
            description=plugin.description,
            modules=list(plugin.modules),
            variants=plugin.variant_ids,
            default_variant=plugin.default,
            templates=len(plugin.templates),
            simulator=plugin.simulator_factory is not None,
            # Shipped scenarios (``lwm2m-workbench run``), as paths of this installation.
            scenarios=[str(path) for path in plugin_scenarios(plugin)],
        )
    return out


def run(args: argparse.Namespace) -> int:
    registry = registry_from_args(args)
    if args.json:
        json.dump([entry_to_dict(e) for e in registry.entries], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not registry.entries:
        print("no module plugins found")
        return 0
    for entry in registry.entries:
        plugin = entry.plugin
        if entry.available and plugin is not None:
            variants = ", ".join(f"{v}*" if v == plugin.default else v for v in plugin.variant_ids)
            print(f"{entry.id:<16} {plugin.name} — {plugin.description}")
            print(f"{'':<16} variants: {variants}; source: {entry.source}")
        else:
            print(f"{entry.id:<16} UNAVAILABLE: {entry.error}")
            print(f"{'':<16} source: {entry.source}")
    return 0
