"""Recent ports and recent sessions: the bookkeeping behind *File → Recent ports/sessions*.

Kept free of Qt so the rules (newest first, no duplicates, a cap, and a clear reason when an
entry no longer exists) are tested with plain pytest; the window only stores the list in
``QSettings`` and shows it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: How many entries each list keeps (a menu longer than this is scanned, not read).
RECENT_LIMIT = 8


def remember(entries: Iterable[str], entry: str, limit: int = RECENT_LIMIT) -> list[str]:
    """``entries`` with ``entry`` moved (or added) to the front, capped at ``limit``.

    Blank entries and values that are not strings (a hand-edited or foreign settings file)
    are dropped rather than shown as empty menu items.
    """
    entry = entry.strip()
    kept = [e for e in clean(entries, limit) if e != entry]
    return [entry, *kept][:limit] if entry else kept


def forget(entries: Iterable[str], entry: str) -> list[str]:
    """``entries`` without ``entry``."""
    return [e for e in clean(entries) if e != entry]


def clean(raw: object, limit: int = RECENT_LIMIT) -> list[str]:
    """A list of distinct, non-blank strings from whatever the settings store returned.

    ``QSettings`` hands back a plain string for a one-element list in INI files and ``None``
    for a missing key, so both are accepted.
    """
    if raw is None:
        return []
    if isinstance(raw, str):
        values: list[object] = [raw]
    elif isinstance(raw, Iterable):
        values = list(raw)
    else:
        return []
    out: list[str] = []
    for value in values:
        if isinstance(value, str) and value.strip() and value.strip() not in out:
            out.append(value.strip())
    return out[:limit]


def port_problem(url: str, plugin_ids: Collection[str]) -> str:
    """Why the recent port ``url`` cannot be reopened as it was, or '' if it looks usable.

    A device path (``/dev/ttyUSB0``) must still exist — USB adapters come and go; ``sim://ID``
    needs the plugin ``ID`` to still be installed. Network URLs (``socket://``, ``rfc2217://``)
    and Windows ``COMn`` names cannot be checked without opening them, so they pass and the
    open itself reports what is wrong.
    """
    scheme = urlsplit(url).scheme if "://" in url else ""
    if scheme == "sim":
        plugin_id = url[len("sim://") :].split("?", 1)[0]
        if plugin_id not in plugin_ids:
            return f"{url}: no module plugin '{plugin_id}' is installed any more."
        return ""
    if scheme:
        return ""
    if (url.startswith("/") or url.startswith(".")) and not os.path.exists(url):
        return f"{url} no longer exists (adapter unplugged or renamed?)."
    return ""


def session_problem(path: str) -> str:
    """Why the recent session ``path`` cannot be opened, or '' if the file is there."""
    if not Path(path).is_file():
        return f"{Path(path).name} no longer exists ({path}): moved or deleted?"
    return ""


@dataclass
class RecentList:
    """One recent list bound to its storage (``load``/``save`` read and write the raw value)."""

    load: Callable[[], object]
    save: Callable[[list[str]], None]
    limit: int = RECENT_LIMIT
    #: Called with the new list after every change (the window rebuilds its menu).
    changed: list[Callable[[list[str]], None]] = field(default_factory=list)

    def entries(self) -> list[str]:
        return clean(self.load(), self.limit)

    def add(self, entry: str) -> list[str]:
        return self._store(remember(self.entries(), entry, self.limit))

    def remove(self, entry: str) -> list[str]:
        return self._store(forget(self.entries(), entry))

    def clear(self) -> list[str]:
        return self._store([])

    def _store(self, entries: list[str]) -> list[str]:
        self.save(entries)
        for callback in self.changed:
            callback(entries)
        return entries
