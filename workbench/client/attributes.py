"""Notification attributes (``pmin``, ``pmax``, ``gt``, ``lt``, ``st``, ``epmin``, ``epmax``).

Write-Attributes sets them per level (object, instance, resource, resource instance); an
observation uses the *effective* set: the deepest level that names an attribute wins, and
``pmin``/``pmax`` fall back to the Server object's defaults (/1/x/2, /1/x/3). The checks are
the ones of LwM2M 1.1 §5.1.2: numeric values, ``gt``/``lt``/``st`` only on numeric resources,
``lt < gt`` and ``lt + 2*st < gt``; anything else is 4.00 Bad Request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from workbench.client.errors import bad_request
from workbench.lwm2m.model import ResourceType
from workbench.lwm2m.paths import Path

INTEGER_ATTRIBUTES = ("pmin", "pmax", "epmin", "epmax")
NUMBER_ATTRIBUTES = ("gt", "lt", "st")
KNOWN = INTEGER_ATTRIBUTES + NUMBER_ATTRIBUTES
NUMERIC_TYPES = (
    ResourceType.INTEGER,
    ResourceType.UNSIGNED_INTEGER,
    ResourceType.FLOAT,
    ResourceType.TIME,
)

Attributes = dict[str, float]


def parse_query(query: Iterable[str]) -> dict[str, float | None]:
    """Parse ``pmin=10``, ``gt=20.5``, ``pmax`` (no value: remove) from Uri-Query options."""
    out: dict[str, float | None] = {}
    for item in query:
        name, sep, text = item.partition("=")
        if name not in KNOWN:
            raise bad_request(f"unknown attribute {name!r}")
        if not sep or text == "":
            out[name] = None
            continue
        try:
            number = float(text)
        except ValueError:
            raise bad_request(f"attribute {name}={text!r} is not a number") from None
        if not math.isfinite(number):
            raise bad_request(f"attribute {name}={text!r} is not finite")
        if name in INTEGER_ATTRIBUTES and (not number.is_integer() or number < 0):
            raise bad_request(f"attribute {name} must be a non-negative integer")
        if name == "st" and number < 0:
            raise bad_request("attribute st must not be negative")
        out[name] = number
    if not out:
        raise bad_request("Write-Attributes without attributes")
    return out


class AttributeStore:
    """Attributes written by the server, per path."""

    def __init__(self) -> None:
        self._by_path: dict[Path, Attributes] = {}

    def write(
        self, path: Path, updates: dict[str, float | None], rtype: ResourceType | None
    ) -> None:
        """Apply ``updates`` at ``path`` (``rtype``: the resource type at resource level)."""
        current = dict(self._by_path.get(path, {}))
        for name, value in updates.items():
            if value is None:
                current.pop(name, None)
                continue
            if name in NUMBER_ATTRIBUTES and (
                path.resource_id is None or rtype not in NUMERIC_TYPES
            ):
                raise bad_request(f"{name} applies to numeric resources only")
            current[name] = value
        gt, lt, st = current.get("gt"), current.get("lt"), current.get("st")
        if gt is not None and lt is not None:
            if not lt < gt:
                raise bad_request("lt must be smaller than gt")
            if st is not None and not lt + 2 * st < gt:
                raise bad_request("lt + 2*st must be smaller than gt")
        if current:
            self._by_path[path] = current
        else:
            self._by_path.pop(path, None)

    def at(self, path: Path) -> Attributes:
        return dict(self._by_path.get(path, {}))

    def effective(self, path: Path, default_pmin: float, default_pmax: float) -> Attributes:
        """Attributes that apply to an observation of ``path``."""
        out: Attributes = {}
        if default_pmin:
            out["pmin"] = default_pmin
        if default_pmax:
            out["pmax"] = default_pmax
        ids = path.ids
        for depth in range(1, len(ids) + 1):
            out.update(self._by_path.get(Path.of(*ids[:depth]), {}))
        return out

    def drop_below(self, path: Path) -> None:
        """Forget attributes of a deleted instance (and everything below it)."""
        for key in [p for p in self._by_path if path.contains(p)]:
            del self._by_path[key]

    def link_params(self, path: Path) -> str:
        """``;pmin=10;gt=5`` for Discover answers."""
        attrs = self._by_path.get(path, {})
        return "".join(f";{name}={_fmt(attrs[name])}" for name in KNOWN if name in attrs)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)
