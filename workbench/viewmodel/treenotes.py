"""What Write-Attributes and Discover said about each path, for the object tree's Status column.

Leshan shows attributes beside the resource they belong to; so does the tree: after
Write-Attributes the written path says ``attributes pmin=10&pmax=60 (2.04)``, and after a
Discover every path the answer lists says what it carries (``discovered: pmin=10, pmax=60``,
``discovered: dim=3``, or just ``discovered`` when the link has no attributes). Qt-free; one
instance per client endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workbench.lwm2m.codecs.linkformat import Link
from workbench.lwm2m.paths import Path


def attribute_query(attributes: Mapping[str, float | int | None]) -> str:
    """``pmin=10&pmax=60&st`` (a None value clears that attribute)."""
    parts = (name if value is None else f"{name}={value}" for name, value in attributes.items())
    return "&".join(parts)


class TreeNotes:
    """Notes per path; a newer Discover or Write-Attributes of a path replaces its note."""

    def __init__(self) -> None:
        self._notes: dict[str, str] = {}

    def written(self, path: Path, attributes: Mapping[str, float | int | None], code: str) -> str:
        """Record a Write-Attributes answer; the note it gives ``path``."""
        note = f"attributes {attribute_query(attributes) or '(none)'} ({code})"
        self._notes[str(path)] = note
        return note

    def discovered(self, target: Path, links: Iterable[Link]) -> dict[str, str]:
        """Record a Discover answer: a note for each LwM2M path among the links (not others)."""
        notes = {}
        for link in links:
            path = link.path
            if path is None:
                continue
            notes[str(path)] = _discovered(link.attributes)
        if str(target) not in notes:
            notes[str(target)] = "discovered (nothing listed)"
        self._notes.update(notes)
        return notes

    def note(self, path: Path | str) -> str:
        return self._notes.get(str(path), "")

    def __len__(self) -> int:
        return len(self._notes)


def _discovered(attributes: Mapping[str, Any]) -> str:
    if not attributes:
        return "discovered"
    parts = [name if value is None else f"{name}={value}" for name, value in attributes.items()]
    return "discovered: " + ", ".join(parts)
