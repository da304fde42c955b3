"""LwM2M paths: ``/obj``, ``/obj/inst``, ``/obj/inst/res`` and ``/obj/inst/res/ri``.

A :class:`Path` is immutable, hashable and ordered numerically (``/3/0/2`` before ``/3/0/10``),
so it can key dictionaries of values and sort the object tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering
from typing import Self

from workbench.lwm2m.errors import PathError

#: Object ids are 16-bit; ids 0..65534 are usable (65535 is reserved by the specification).
MAX_OBJECT_ID = 65534
#: Instance, resource and resource-instance ids are 16-bit; 65535 is reserved ("no instance").
MAX_ID = 65534


@total_ordering
@dataclass(frozen=True, slots=True)
class Path:
    """A parsed LwM2M path. Unused levels are ``None``; levels fill from the left."""

    object_id: int
    instance_id: int | None = None
    resource_id: int | None = None
    resource_instance_id: int | None = None

    def __post_init__(self) -> None:
        ids = (self.object_id, self.instance_id, self.resource_id, self.resource_instance_id)
        seen_none = False
        for level, value in enumerate(ids):
            if value is None:
                seen_none = True
                continue
            if seen_none:
                raise PathError(f"path level {level} is set but a level before it is not")
            if isinstance(value, bool) or not isinstance(value, int):
                raise PathError(f"path ids must be integers, got {value!r}")
            limit = MAX_OBJECT_ID if level == 0 else MAX_ID
            if not 0 <= value <= limit:
                raise PathError(f"id {value} out of range 0..{limit}")

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse ``/3/0/1``. A leading slash is required; a single trailing slash is tolerated.

        >>> Path.parse("/3/0/1")
        Path(object_id=3, instance_id=0, resource_id=1, resource_instance_id=None)
        """
        if not isinstance(text, str):
            raise PathError(f"a path must be a string, got {type(text).__name__}")
        if text.strip() == "":
            raise PathError("empty path: expected /obj[/inst[/res[/ri]]], e.g. /3/0/1")
        if not text.startswith("/"):
            raise PathError(f"{text!r}: a path starts with '/' (did you mean '/{text}'?)")
        body = text[1:]
        if body.endswith("/") and len(body) > 1:
            body = body[:-1]
        if body == "":
            raise PathError(f"{text!r}: the root path has no object id")
        parts = body.split("/")
        if len(parts) > 4:
            raise PathError(f"{text!r}: at most 4 levels (/obj/inst/res/ri), got {len(parts)}")
        ids: list[int] = []
        for index, part in enumerate(parts):
            if part == "":
                raise PathError(f"{text!r}: empty segment at level {index + 1}")
            if not part.isascii() or not part.isdigit():
                raise PathError(f"{text!r}: segment {part!r} is not a decimal id")
            if len(part) > 1 and part.startswith("0"):
                raise PathError(f"{text!r}: segment {part!r} has a leading zero")
            limit = MAX_OBJECT_ID if index == 0 else MAX_ID
            # Checked before int(): Python refuses to convert more than 4,300 digits with a
            # plain ValueError, and a hostile link-format payload can carry that many.
            if len(part) > len(str(limit)):
                raise PathError(f"{text!r}: id of {len(part)} digits out of range 0..{limit}")
            value = int(part)
            if value > limit:
                raise PathError(f"{text!r}: id {value} out of range 0..{limit}")
            ids.append(value)
        ids += [None] * (4 - len(ids))  # type: ignore[list-item]
        return cls(ids[0], ids[1], ids[2], ids[3])

    @classmethod
    def of(cls, *ids: int) -> Self:
        """Build from ids: ``Path.of(3, 0, 1)``."""
        if not 1 <= len(ids) <= 4:
            raise PathError(f"a path has 1 to 4 ids, got {len(ids)}")
        padded = list(ids) + [None] * (4 - len(ids))
        return cls(*padded)  # type: ignore[arg-type]

    # -- inspection ------------------------------------------------------------------------

    @property
    def ids(self) -> tuple[int, ...]:
        """The ids that are set, from the object down."""
        out = [self.object_id]
        for value in (self.instance_id, self.resource_id, self.resource_instance_id):
            if value is None:
                break
            out.append(value)
        return tuple(out)

    @property
    def depth(self) -> int:
        """1 for an object, 2 for an instance, 3 for a resource, 4 for a resource instance."""
        return len(self.ids)

    @property
    def is_object(self) -> bool:
        return self.depth == 1

    @property
    def is_instance(self) -> bool:
        return self.depth == 2

    @property
    def is_resource(self) -> bool:
        return self.depth == 3

    @property
    def is_resource_instance(self) -> bool:
        return self.depth == 4

    @property
    def parent(self) -> Path | None:
        """The path one level up, ``None`` for an object path."""
        ids = self.ids
        return None if len(ids) == 1 else Path.of(*ids[:-1])

    def child(self, child_id: int) -> Path:
        """The path one level down."""
        if self.depth == 4:
            raise PathError(f"{self} is a resource instance; it has no children")
        return Path.of(*self.ids, child_id)

    def contains(self, other: Path) -> bool:
        """True when ``other`` is this path or below it."""
        mine = self.ids
        return other.ids[: len(mine)] == mine

    def relative_to(self, base: Path) -> tuple[int, ...]:
        """The ids of this path below ``base`` (which must contain it)."""
        if not base.contains(self):
            raise PathError(f"{self} is not below {base}")
        return self.ids[base.depth :]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Path):
            return NotImplemented
        # Shorter paths sort before their children: /3 < /3/0 < /3/0/1 < /3/1.
        return self.ids < other.ids

    def __str__(self) -> str:
        return "/" + "/".join(str(i) for i in self.ids)
