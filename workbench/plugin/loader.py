"""Find module plugins: the bundled ``plugins`` package, entry points, the user's folder.

Convention: a plugin *package* (a sub-package of the top-level ``plugins`` package, a module
named by an entry point of group ``lwm2m_workbench.plugins``, or a package/module in the user's
plugin folder) exposes either ``PLUGINS: list[Plugin]`` or a function ``plugins() -> list[Plugin]``.
An entry point may also point straight at a :class:`Plugin`, a list of them or such a function.

Discovery never raises for a broken plugin: a package that fails to import (or exports nonsense)
is listed as unavailable with its error and discovery goes on; a duplicate id is reported and the
first one found wins. The result is a :class:`PluginRegistry` value — no global registry.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
import sys
import traceback
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from workbench.userdirs import plugin_dir

# Imported where used at run time: the window builds an empty registry before its first paint,
# and plugin_api brings aiocoap, the client engine and the codecs with it.
if TYPE_CHECKING:
    from workbench.plugin.api import Plugin

_log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "lwm2m_workbench.plugins"
#: Extra plugin folders, ``os.pathsep``-separated (handy for tests and development).
BUNDLED_PACKAGE = "plugins"
_USER_MODULE_PREFIX = "lwm2m_workbench_user_plugins"


class PluginUnavailable(LookupError):
    """Asked for a plugin that is unknown or failed to load; the message says which and why."""


@dataclass(frozen=True, slots=True)
class PluginEntry:
    """One discovered plugin, or one plugin package that failed to load."""

    #: Plugin id, or ``<origin>:<package>`` for a package that failed before naming its plugins.
    id: str
    #: ``bundled``, ``entry_point`` or ``user``.
    origin: str
    #: Where it came from (module name, entry point name or file path).
    source: str
    plugin: Plugin | None = None
    error: str | None = None

    @property
    def available(self) -> bool:
        return self.plugin is not None and self.error is None


class PluginRegistry:
    """The plugins found by one discovery run, in discovery order."""

    def __init__(self, entries: Iterable[PluginEntry] = ()) -> None:
        self.entries: list[PluginEntry] = []
        self._by_id: dict[str, PluginEntry] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: PluginEntry) -> PluginEntry:
        """Add an entry; a second plugin with a known id is recorded as a duplicate."""
        first = self._by_id.get(entry.id)
        if first is not None and entry.plugin is not None:
            entry = PluginEntry(
                id=entry.id,
                origin=entry.origin,
                source=entry.source,
                plugin=entry.plugin,
                error=f"duplicate plugin id {entry.id!r} (already provided by {first.source})",
            )
        elif first is None:
            self._by_id[entry.id] = entry
        self.entries.append(entry)
        return entry

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, plugin_id: object) -> bool:
        entry = self._by_id.get(str(plugin_id))
        return entry is not None and entry.available

    @property
    def plugins(self) -> list[Plugin]:
        """Available plugins (first of each id), in discovery order."""
        return [e.plugin for e in self._by_id.values() if e.available and e.plugin is not None]

    @property
    def ids(self) -> list[str]:
        """Ids of available plugins."""
        return [p.id for p in self.plugins]

    @property
    def problems(self) -> list[PluginEntry]:
        """Entries that failed or were duplicates."""
        return [e for e in self.entries if not e.available]

    def entry(self, plugin_id: str) -> PluginEntry | None:
        return self._by_id.get(plugin_id)

    def get(self, plugin_id: str) -> Plugin:
        """The plugin with ``plugin_id``; :class:`PluginUnavailable` with a helpful message."""
        entry = self._by_id.get(plugin_id)
        if entry is not None and entry.available and entry.plugin is not None:
            return entry.plugin
        if entry is not None:
            raise PluginUnavailable(f"plugin {plugin_id!r} is unavailable: {entry.error}")
        known = ", ".join(self.ids) or "(none)"
        raise PluginUnavailable(f"unknown module plugin {plugin_id!r}; known ids: {known}")

    def identify(self, text: str) -> list[Plugin]:
        """Plugins whose identify patterns match ``ATI``/``AT+CGMM`` output ``text``."""
        return [p for p in self.plugins if p.matches_identity(text)]


# -- discovery ------------------------------------------------------------------------------


#: The per-user plugin folder (may not exist): ``<config dir>/lwm2m-workbench/plugins``, see
#: :mod:`workbench.userdirs`.
default_user_plugin_dir = plugin_dir


def discover_plugins(
    *,
    bundled: bool = True,
    entry_points: bool = True,
    user: bool = True,
    extra_dirs: Sequence[Path | str] = (),
    packages: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> PluginRegistry:
    """Discover plugins in order: bundled, ``packages``, entry points, user folder, extra dirs.

    ``packages`` and ``extra_dirs`` exist for tests. The application itself loads plugins only
    from the bundled package, installed entry points and the user's own plugin folder: a
    plugin is code run with the user's rights, so no environment variable or command-line
    option can point the app at another folder.
    """
    registry = PluginRegistry()
    if bundled:
        for entry in _discover_bundled():
            registry.add(entry)
    for name in packages:
        for entry in _load_module_by_name(name, "package"):
            registry.add(entry)
    if entry_points:
        for entry in _discover_entry_points():
            registry.add(entry)
    dirs: list[Path] = []
    if user:
        dirs.append(default_user_plugin_dir(environ=environ))
    dirs.extend(Path(d) for d in extra_dirs)
    for directory in dirs:
        for entry in _discover_dir(directory):
            registry.add(entry)
    return registry


def _format_error(exc: BaseException) -> str:
    """One line for the list, the last frame for the developer."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _discover_bundled() -> list[PluginEntry]:
    try:
        package = importlib.import_module(BUNDLED_PACKAGE)
    except Exception as exc:
        return [
            PluginEntry(
                f"bundled:{BUNDLED_PACKAGE}", "bundled", BUNDLED_PACKAGE, None, _format_error(exc)
            )
        ]
    entries: list[PluginEntry] = []
    paths = getattr(package, "__path__", None)
    if paths is None:
        return entries
    for info in sorted(pkgutil.iter_modules(paths), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        entries.extend(_load_module_by_name(f"{BUNDLED_PACKAGE}.{info.name}", "bundled"))
    return entries


def _load_module_by_name(name: str, origin: str) -> list[PluginEntry]:
    try:
        module = importlib.import_module(name)
    except BaseException as exc:  # SyntaxError, SystemExit in a broken plugin, ...
        if isinstance(exc, KeyboardInterrupt):
            raise
        _log.warning("plugin package %s failed to import: %s", name, exc)
        return [PluginEntry(f"{origin}:{name}", origin, name, None, _format_error(exc))]
    return _entries_from_object(module, origin, name)


def _entries_from_object(
    obj: object, origin: str, source: str, label: str | None = None
) -> list[PluginEntry]:
    """Turn a module / Plugin / list / factory into entries, reporting what is wrong.

    ``label`` names the package in ids of failed entries (``user:<label>``); default ``source``.
    """
    from workbench.plugin.api import Plugin

    label = source if label is None else label
    try:
        plugins = _plugins_of(obj)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        return [PluginEntry(f"{origin}:{label}", origin, source, None, _format_error(exc))]
    if plugins is None:
        return [
            PluginEntry(
                f"{origin}:{label}",
                origin,
                source,
                None,
                "exposes neither PLUGINS (list of Plugin) nor plugins()",
            )
        ]
    entries: list[PluginEntry] = []
    for index, item in enumerate(plugins):
        if isinstance(item, Plugin):
            entries.append(PluginEntry(item.id, origin, source, item))
        else:
            entries.append(
                PluginEntry(
                    f"{origin}:{label}[{index}]",
                    origin,
                    source,
                    None,
                    f"item {index} is a {type(item).__name__}, not a Plugin",
                )
            )
    return entries


def _plugins_of(obj: object) -> list[object] | None:
    from workbench.plugin.api import Plugin

    if isinstance(obj, Plugin):
        return [obj]
    if isinstance(obj, ModuleType):
        if hasattr(obj, "PLUGINS"):
            return _as_list(obj.PLUGINS)
        factory = getattr(obj, "plugins", None)
        if callable(factory):
            return _as_list(factory())
        return None
    if isinstance(obj, list | tuple):
        return list(obj)
    if callable(obj):
        return _as_list(obj())
    return None


def _as_list(value: object) -> list[object]:
    from workbench.plugin.api import Plugin

    if isinstance(value, Plugin):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)
    raise TypeError(f"expected a list of Plugin, got {type(value).__name__}")


def _discover_entry_points() -> list[PluginEntry]:
    entries: list[PluginEntry] = []
    try:
        import importlib.metadata  # 0.1 s on a busy machine, only needed here

        eps = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    except Exception as exc:  # pragma: no cover - broken metadata
        return [
            PluginEntry("entry_point:*", "entry_point", ENTRY_POINT_GROUP, None, _format_error(exc))
        ]
    for ep in eps:
        try:
            obj = ep.load()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            entries.append(
                PluginEntry(
                    f"entry_point:{ep.name}", "entry_point", ep.value, None, _format_error(exc)
                )
            )
            continue
        entries.extend(_entries_from_object(obj, "entry_point", ep.value))
    return entries


def _discover_dir(directory: Path) -> list[PluginEntry]:
    if not directory.is_dir():
        return []
    entries: list[PluginEntry] = []
    for child in sorted(directory.iterdir()):
        if child.name.startswith((".", "_")):
            continue
        if child.is_dir() and (child / "__init__.py").is_file():
            entries.extend(_load_path(child / "__init__.py", child.name, package_dir=child))
        elif child.is_file() and child.suffix == ".py":
            entries.extend(_load_path(child, child.stem, package_dir=None))
    return entries


def _load_path(path: Path, name: str, *, package_dir: Path | None) -> list[PluginEntry]:
    safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    module_name = f"{_USER_MODULE_PREFIX}.{safe}_{zlib.crc32(str(path.resolve()).encode()):08x}"
    _ensure_namespace()
    try:
        spec = importlib.util.spec_from_file_location(
            module_name,
            path,
            submodule_search_locations=[str(package_dir)] if package_dir is not None else None,
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        _log.warning("user plugin %s failed to import: %s", path, exc)
        return [
            PluginEntry(
                f"user:{name}",
                "user",
                str(path.parent if package_dir else path),
                None,
                _format_error(exc),
            )
        ]
    return _entries_from_object(module, "user", str(package_dir or path), name)


def _ensure_namespace() -> None:
    """A parent package for user plugins so their relative imports work."""
    if _USER_MODULE_PREFIX in sys.modules:
        return
    module = ModuleType(_USER_MODULE_PREFIX)
    module.__path__ = []
    sys.modules[_USER_MODULE_PREFIX] = module
